//! Integration tests: one binary (links once) with a module per area.

mod cli;
mod client_trust;
mod common;
mod cors;
mod dev_browser;
mod errors;
mod faults;
mod flows;
mod hosted;
mod limits;
mod load;
mod mfa;
mod pending;
mod props;
mod schema;
mod security;
mod tokens;

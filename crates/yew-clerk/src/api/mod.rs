//! Clerk's Frontend API: wire models, request building, and the HTTP client.

mod http;
mod models;
mod request;

pub(crate) use http::Api;
pub use models::{Client, EmailAddress, Session, SessionStatus, SignIn, User};
pub(crate) use request::query_encode_into;

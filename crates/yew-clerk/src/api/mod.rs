//! Clerk's Frontend API: wire models, request building, and the HTTP client.

mod http;
mod models;
mod request;

pub(crate) use http::{Api, DEV_BROWSER_STORAGE_KEY};
pub use models::{Client, EmailAddress, Session, SessionStatus, SessionTask, SignIn, User};
pub(crate) use models::{Envelope, Environment};
pub(crate) use request::{query_encode_into, DEV_BROWSER_PARAM};

/// The error a status and body decode to, for tests.
#[cfg(test)]
pub(crate) fn decode_error(status: u16, body: &str) -> crate::ClerkError {
    request::api_error(status, body)
}

/// A client from JSON text, for tests.
#[cfg(test)]
pub(crate) fn client_from_json(text: &str) -> Client {
    serde_json::from_str(text).expect("a client")
}

//! What can go wrong while configuring or starting the API.
//!
//! Failures met while *serving* a request never surface here: they are
//! [`AuthError`](crate::AuthError)s, answered to the caller as JSON.

use std::net::SocketAddr;

/// A configuration or startup failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The publishable key does not name a Frontend API host.
    #[error("invalid publishable key: {reason}")]
    InvalidPublishableKey {
        /// Why it was refused.
        reason: &'static str,
    },
    /// An allowed origin is not of the form `scheme://host[:port]`.
    #[error("invalid allowed origin {0:?}: expected http(s)://host[:port] with no path")]
    InvalidOrigin(String),
    /// The issuer or JWKS URL is not an absolute http(s) URL.
    #[error("invalid {what} {url:?}: expected an absolute http(s) URL")]
    InvalidUrl {
        /// Which setting (`issuer`, `JWKS URL`).
        what: &'static str,
        /// The value given.
        url: String,
    },
    /// The HTTP client for the JWKS could not be built (TLS setup).
    #[error("cannot build the HTTP client: {0}")]
    HttpClient(#[source] reqwest::Error),
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address that was asked for.
        addr: SocketAddr,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// Any other I/O failure while serving.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

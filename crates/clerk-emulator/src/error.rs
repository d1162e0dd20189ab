//! The crate's error type.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Everything that can go wrong while configuring or starting the emulator.
///
/// Errors met while *serving* a request never surface here: they are answered
/// to the HTTP client as Clerk-shaped error bodies.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address that was asked for.
        addr: SocketAddr,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// The users file could not be read.
    #[error("cannot read users file {}: {source}", path.display())]
    UsersRead {
        /// The file that was asked for.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// The users file is not a JSON array of users.
    #[error("users file {} is not valid: {source}", path.display())]
    UsersParse {
        /// The offending file.
        path: PathBuf,
        /// Where and why parsing failed.
        #[source]
        source: serde_json::Error,
    },
    /// The user list is well-formed JSON but unusable (empty, duplicate
    /// e-mail, empty password...).
    #[error("invalid users: {0}")]
    UsersInvalid(String),
    /// The session token lifetime is not a whole number of seconds between
    /// 1 and [`crate::MAX_TOKEN_LIFETIME`].
    #[error("invalid token lifetime {0:?}: expected whole seconds from 1 to 86400")]
    InvalidTokenLifetime(std::time::Duration),
    /// An allowed origin is not of the form `scheme://host[:port]`.
    #[error("invalid allowed origin {0:?}: expected scheme://host[:port] with no path")]
    InvalidOrigin(String),
    /// The address is not a loopback one and [`crate::Config::public`] is off.
    #[error(
        "refusing to listen on {0}: not a loopback address, and anyone who can reach it could drive the test hooks; pass --public (Config::public) to allow it"
    )]
    NotLoopback(SocketAddr),
    /// The RSA signing key could not be generated.
    #[error("cannot generate the signing key: {0}")]
    Key(String),
    /// Any other I/O failure (for instance reading the bound address).
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

//! The demo app's own backend: an API that knows who is calling because the
//! browser sends Clerk's session token as `Authorization: Bearer`.
//!
//! `GET /api/me` verifies the token against the instance's JWKS (fetched over
//! HTTP, cached, refetched on an unknown `kid`) and answers
//! `{"user_id", "session_id"}` from its `sub` and `sid`. Any token problem is
//! a 401 with `WWW-Authenticate: Bearer` and a JSON body
//! `{"error": {"code", "message"}}` ([`AuthError`]). The checks follow
//! `@clerk/backend`'s `verifyToken` and are listed in the crate README.
//!
//! ```no_run
//! # async fn demo() -> Result<(), demo_api::Error> {
//! // Against clerk-emulator on 127.0.0.1:8787, called by the app on :8080.
//! let config = demo_api::Config::from_publishable_key("pk_test_MTI3LjAuMC4xOjg3ODck")?
//!     .with_allowed_origins(["http://127.0.0.1:8080"]);
//! let app = demo_api::app(config)?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8788").await?;
//! axum::serve(listener, app).await?;
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRef;
use axum::http::{header, HeaderValue, Method};
use axum::Router;
use tower_http::cors::{AllowOrigin, CorsLayer};

mod auth;
mod claims;
mod error;
mod jwks;
mod key;
mod routes;

pub use auth::AuthError;
pub use error::Error;
use jwks::Jwks;

/// How long a browser may cache a preflight answer.
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(600);

/// Where the instance is and who may call. Build it with [`Config::new`] or
/// [`Config::from_publishable_key`], then the `with_*` methods.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// The exact `iss` of the instance's tokens: its Frontend API URL, e.g.
    /// `https://happy-fox-12.clerk.accounts.dev` or `http://127.0.0.1:8787`.
    pub issuer: String,
    /// Where the JWKS is fetched. Default `<issuer>/.well-known/jwks.json`.
    pub jwks_url: String,
    /// Origins (`scheme://host[:port]`) of the apps that call the API: their
    /// tokens' `azp` must be one of them, and they get CORS answers. Empty:
    /// `azp` is not checked and no browser origin may call.
    pub allowed_origins: Vec<String>,
    /// Leeway for `exp`, `nbf` and `iat`. Default 5 s, as `@clerk/backend`.
    pub clock_skew: Duration,
    /// How long a fetched JWKS is trusted before a refresh. Default 5 min,
    /// as `@clerk/backend`.
    pub jwks_ttl: Duration,
    /// At most one refetch per this long for tokens with an unknown `kid`.
    /// Default 10 s.
    pub jwks_cooldown: Duration,
    /// Timeout of one JWKS request. Default 5 s.
    pub jwks_timeout: Duration,
}

impl Config {
    /// Tokens issued by `issuer`, with its JWKS at the well-known path.
    pub fn new(issuer: impl Into<String>) -> Self {
        let issuer = issuer.into().trim().trim_end_matches('/').to_owned();
        Self {
            jwks_url: key::jwks_url(&issuer),
            issuer,
            allowed_origins: Vec::new(),
            clock_skew: Duration::from_secs(5),
            jwks_ttl: Duration::from_secs(300),
            jwks_cooldown: Duration::from_secs(10),
            jwks_timeout: Duration::from_secs(5),
        }
    }

    /// The instance a publishable key names: the issuer is its Frontend API
    /// URL (`https://<host>`; `http://` on loopback, i.e. the emulator).
    pub fn from_publishable_key(publishable_key: &str) -> Result<Self, Error> {
        key::frontend_api_url(publishable_key).map(Self::new)
    }

    /// Sets [`Config::jwks_url`].
    pub fn with_jwks_url(mut self, url: impl Into<String>) -> Self {
        self.jwks_url = url.into();
        self
    }

    /// Sets [`Config::allowed_origins`].
    pub fn with_allowed_origins<I, S>(mut self, origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.allowed_origins = origins.into_iter().map(Into::into).collect();
        self
    }

    /// Sets [`Config::clock_skew`].
    pub fn with_clock_skew(mut self, skew: Duration) -> Self {
        self.clock_skew = skew;
        self
    }

    /// Sets [`Config::jwks_ttl`].
    pub fn with_jwks_ttl(mut self, ttl: Duration) -> Self {
        self.jwks_ttl = ttl;
        self
    }

    /// Sets [`Config::jwks_cooldown`].
    pub fn with_jwks_cooldown(mut self, cooldown: Duration) -> Self {
        self.jwks_cooldown = cooldown;
        self
    }
}

/// Shared by every handler.
#[derive(Clone)]
pub(crate) struct AppState {
    jwks: Jwks,
    policy: Arc<claims::Policy>,
}

impl FromRef<AppState> for Jwks {
    fn from_ref(state: &AppState) -> Self {
        state.jwks.clone()
    }
}

impl FromRef<AppState> for Arc<claims::Policy> {
    fn from_ref(state: &AppState) -> Self {
        Arc::clone(&state.policy)
    }
}

/// The API as a [`Router`], ready for `axum::serve` or `oneshot`. Checks the
/// configuration; fetches nothing until the first token arrives.
pub fn app(config: Config) -> Result<Router, Error> {
    let issuer = http_url("issuer", &config.issuer)?;
    let jwks_url = http_url("JWKS URL", &config.jwks_url)?;
    let origins = config
        .allowed_origins
        .iter()
        .map(|o| normalize_origin(o))
        .collect::<Result<Vec<_>, _>>()?;
    let http = reqwest::Client::builder()
        .timeout(config.jwks_timeout)
        .connect_timeout(config.jwks_timeout)
        .user_agent(concat!("demo-api/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(Error::HttpClient)?;
    let timing = jwks::Timing {
        ttl: config.jwks_ttl,
        cooldown: config.jwks_cooldown,
    };
    let state = AppState {
        jwks: Jwks::new(jwks_url, http, timing),
        policy: Arc::new(claims::Policy {
            issuer,
            authorized_parties: origins.clone(),
            clock_skew_secs: i64::try_from(config.clock_skew.as_secs()).unwrap_or(i64::MAX),
        }),
    };
    Ok(routes::router().layer(cors(&origins)).with_state(state))
}

/// Preflights and responses for the allowed origins only. No credentials:
/// the bearer header is the credential, and cookies stay out of it.
fn cors(origins: &[String]) -> CorsLayer {
    let origins = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect::<Vec<_>>();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET])
        .allow_headers([header::AUTHORIZATION])
        .expose_headers([header::WWW_AUTHENTICATE])
        .max_age(PREFLIGHT_MAX_AGE)
}

/// An absolute http(s) URL, without a trailing slash.
fn http_url(what: &'static str, url: &str) -> Result<String, Error> {
    let trimmed = url.trim().trim_end_matches('/');
    match reqwest::Url::parse(trimmed) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.has_host() => {
            Ok(trimmed.to_owned())
        }
        _ => Err(Error::InvalidUrl {
            what,
            url: url.to_owned(),
        }),
    }
}

/// `scheme://host[:port]`, as browsers send `Origin` and Clerk writes `azp`.
fn normalize_origin(origin: &str) -> Result<String, Error> {
    let trimmed = origin.trim().trim_end_matches('/');
    let host = trimmed
        .strip_prefix("http://")
        .or_else(|| trimmed.strip_prefix("https://"));
    match host {
        Some(host)
            if !host.is_empty()
                && !host.contains(['/', '?', '#', '@', ' '])
                && HeaderValue::from_str(trimmed).is_ok() =>
        {
            Ok(trimmed.to_owned())
        }
        _ => Err(Error::InvalidOrigin(origin.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_scheme_host_and_port_only() {
        assert_eq!(
            normalize_origin(" http://127.0.0.1:8080/ ").ok().as_deref(),
            Some("http://127.0.0.1:8080")
        );
        for bad in [
            "",
            "127.0.0.1:8080",
            "ftp://example.com",
            "https://",
            "https://example.com/app",
            "https://user@example.com",
            "https://example.com?x",
        ] {
            assert!(normalize_origin(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn issuer_and_jwks_url_must_be_http_urls() {
        assert!(app(Config::new("https://clerk.example.com")).is_ok());
        assert!(matches!(
            app(Config::new("clerk.example.com")),
            Err(Error::InvalidUrl { what: "issuer", .. })
        ));
        assert!(matches!(
            app(Config::new("https://clerk.example.com").with_jwks_url("file:///etc/passwd")),
            Err(Error::InvalidUrl {
                what: "JWKS URL",
                ..
            })
        ));
        assert!(matches!(
            app(Config::new("https://clerk.example.com").with_allowed_origins(["nope"])),
            Err(Error::InvalidOrigin(_))
        ));
    }

    #[test]
    fn a_publishable_key_sets_issuer_and_jwks() {
        let config = Config::from_publishable_key("pk_test_MTI3LjAuMC4xOjg3ODck");
        let config = config.ok();
        assert_eq!(
            config.as_ref().map(|c| c.issuer.as_str()),
            Some("http://127.0.0.1:8787")
        );
        assert_eq!(
            config.as_ref().map(|c| c.jwks_url.as_str()),
            Some("http://127.0.0.1:8787/.well-known/jwks.json")
        );
    }
}

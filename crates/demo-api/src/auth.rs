//! Identity: the `Authorization: Bearer <session token>` of a request,
//! verified into an [`AuthSession`], or refused with one [`AuthError`].
//!
//! The order is `@clerk/backend`'s (`packages/backend/src/jwt/verifyJwt.ts`):
//! decode, check the header (`typ`, an RSA `alg`), find the key by `kid`,
//! verify the signature, and only then look at the claims (`claims.rs`), so
//! an unsigned token learns nothing about the configuration.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Validation};
use serde::Deserialize;
use serde_json::json;

use crate::claims::{self, Claims, Policy, Session};
use crate::jwks::Jwks;

/// Longer bearer values are refused before any decoding. Clerk's session
/// tokens are well under 4 KB (they must fit a cookie).
const MAX_TOKEN_LEN: usize = 8 * 1024;

/// The realm named in `WWW-Authenticate`.
const REALM: &str = "demo-api";

/// Why a request is not authenticated. Each is answered with its status, a
/// JSON body `{"error": {"code", "message"}}` and, for 401s,
/// `WWW-Authenticate: Bearer` (RFC 6750). Codes are `@clerk/backend`'s
/// `TokenVerificationErrorReason`s where it has one. Messages are fixed
/// text: nothing from the request is echoed back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// No `Authorization: Bearer` header.
    #[error("Sign in first: send the session token as Authorization: Bearer.")]
    Missing,
    /// Not a JWT, or a header or payload that does not decode.
    #[error("The session token is malformed: {0}.")]
    Malformed(&'static str),
    /// Not signed with RS256, RS384 or RS512 (`none`, HS256, ...).
    #[error("The session token is not signed with an RSA algorithm Clerk uses.")]
    InvalidAlgorithm,
    /// Its `kid` is not in the instance's JWKS, even after a refetch.
    #[error("The session token is signed by a key this instance does not publish.")]
    UnknownKey,
    /// The signature does not verify with the instance's key.
    #[error("The session token's signature is invalid.")]
    InvalidSignature,
    /// `iss` is not the configured instance.
    #[error("The session token was issued by another instance.")]
    InvalidIssuer,
    /// `azp` is missing or not an allowed origin.
    #[error("The session token was requested from an origin this API does not allow.")]
    InvalidAuthorizedParty,
    /// A required claim is absent or empty.
    #[error("The session token has no {0} claim.")]
    MissingClaim(&'static str),
    /// `exp` has passed (beyond the clock skew).
    #[error("The session token has expired.")]
    Expired,
    /// `nbf` is still ahead (beyond the clock skew).
    #[error("The session token is not valid yet.")]
    NotActiveYet,
    /// `iat` is ahead (beyond the clock skew).
    #[error("The session token was issued in the future.")]
    IssuedInTheFuture,
    /// The session still has tasks to complete (`sts: "pending"`).
    #[error("The session is pending: finish signing in first.")]
    SessionPending,
    /// The instance's JWKS could not be fetched: not the caller's fault.
    #[error("The instance's signing keys cannot be fetched right now.")]
    JwksUnavailable,
}

impl AuthError {
    /// The machine-readable code of the JSON body.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Missing => "token-missing",
            Self::Malformed(_) => "token-invalid",
            Self::InvalidAlgorithm => "token-invalid-algorithm",
            Self::UnknownKey => "jwk-kid-mismatch",
            Self::InvalidSignature => "token-invalid-signature",
            Self::InvalidIssuer => "token-invalid-issuer",
            Self::InvalidAuthorizedParty => "token-invalid-authorized-parties",
            Self::MissingClaim(_) => "token-verification-failed",
            Self::Expired => "token-expired",
            Self::NotActiveYet => "token-not-active-yet",
            Self::IssuedInTheFuture => "token-iat-in-the-future",
            Self::SessionPending => "session-pending",
            Self::JwksUnavailable => "jwk-remote-failed-to-load",
        }
    }

    /// 503 when the keys are out of reach, 401 for everything about the token.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::JwksUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::UNAUTHORIZED,
        }
    }

    /// RFC 6750 §3: no error code when no credentials came at all.
    fn www_authenticate(&self) -> Option<String> {
        match self {
            Self::JwksUnavailable => None,
            Self::Missing => Some(format!("Bearer realm=\"{REALM}\"")),
            _ => Some(format!(
                "Bearer realm=\"{REALM}\", error=\"invalid_token\", error_description=\"{self}\""
            )),
        }
    }
}

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        let body = json!({"error": {"code": self.code(), "message": self.to_string()}});
        let mut response = (self.status(), Json(body)).into_response();
        if let Some(value) = self
            .www_authenticate()
            .and_then(|v| HeaderValue::from_str(&v).ok())
        {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
        }
        response
    }
}

/// The signed-in caller of a request, from a verified session token.
///
/// A handler that takes it only runs for a verified caller:
/// `async fn me_show(AuthSession(session): AuthSession) -> Json<Me>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AuthSession(pub Session);

impl<S> FromRequestParts<S> for AuthSession
where
    Jwks: FromRef<S>,
    Arc<Policy>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AuthError> {
        let token = bearer_token(&parts.headers)?;
        let jwks = Jwks::from_ref(state);
        let policy = Arc::<Policy>::from_ref(state);
        verify(token, &jwks, &policy, now_secs()).await.map(Self)
    }
}

/// The token of an `Authorization: Bearer <token>` header. Another scheme
/// counts as no bearer credentials at all.
fn bearer_token(headers: &HeaderMap) -> Result<&str, AuthError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or(AuthError::Missing)?
        .to_str()
        .map_err(|_| AuthError::Malformed("the Authorization header is not text"))?;
    let (scheme, token) = value.trim().split_once(' ').unwrap_or((value.trim(), ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::Missing);
    }
    let token = token.trim();
    if token.is_empty() {
        return Err(AuthError::Malformed("the bearer token is empty"));
    }
    Ok(token)
}

/// The JOSE header fields we read before trusting anything.
#[derive(Deserialize)]
struct RawHeader {
    alg: String,
    kid: Option<String>,
    typ: Option<String>,
}

/// Verifies a session token at `now` (seconds since the Unix epoch).
pub(crate) async fn verify(
    token: &str,
    jwks: &Jwks,
    policy: &Policy,
    now: i64,
) -> Result<Session, AuthError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(AuthError::Malformed("the token is too long"));
    }
    let mut parts = token.split('.');
    let (Some(head), Some(_), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(AuthError::Malformed("a JWT has three dot-separated parts"));
    };
    let header: RawHeader = URL_SAFE_NO_PAD
        .decode(head)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or(AuthError::Malformed("the JWT header does not decode"))?;
    // Clerk: `typ` may be absent, and is "JWT" when present.
    if header.typ.as_deref().is_some_and(|typ| typ != "JWT") {
        return Err(AuthError::Malformed("the JWT type is not JWT"));
    }
    let alg = rsa_algorithm(&header.alg).ok_or(AuthError::InvalidAlgorithm)?;
    let kid = header
        .kid
        .filter(|kid| !kid.is_empty())
        .ok_or(AuthError::Malformed("the JWT header has no kid"))?;
    let key = jwks.key(&kid).await?;
    if key.alg.is_some_and(|key_alg| key_alg != alg) {
        return Err(AuthError::InvalidAlgorithm);
    }
    // jsonwebtoken checks the signature only: the claims are ours to check,
    // with our clock and Clerk's rules.
    let mut validation = Validation::new(alg);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let data = jsonwebtoken::decode::<Claims>(token, &key.decoding, &validation).map_err(|e| {
        match e.kind() {
            ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
                AuthError::InvalidAlgorithm
            }
            ErrorKind::InvalidSignature
            | ErrorKind::InvalidRsaKey(_)
            | ErrorKind::InvalidKeyFormat
            | ErrorKind::Provider(_) => AuthError::InvalidSignature,
            _ => AuthError::Malformed("the JWT payload does not decode"),
        }
    })?;
    claims::check(data.claims, policy, now)
}

/// The algorithms Clerk verifies session tokens with (`jwt/algorithms.ts`).
pub(crate) fn rsa_algorithm(name: &str) -> Option<Algorithm> {
    match name {
        "RS256" => Some(Algorithm::RS256),
        "RS384" => Some(Algorithm::RS384),
        "RS512" => Some(Algorithm::RS512),
        _ => None,
    }
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(authorization: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Ok(value) = HeaderValue::from_str(authorization) {
            headers.insert(header::AUTHORIZATION, value);
        }
        headers
    }

    #[test]
    fn the_bearer_token_is_read_case_insensitively() {
        assert_eq!(
            bearer_token(&headers("Bearer abc.def.ghi")),
            Ok("abc.def.ghi")
        );
        assert_eq!(bearer_token(&headers("bearer   abc")), Ok("abc"));
    }

    #[test]
    fn another_scheme_or_no_header_is_no_credentials() {
        assert_eq!(bearer_token(&HeaderMap::new()), Err(AuthError::Missing));
        assert_eq!(
            bearer_token(&headers("Basic dXNlcjpwYXNz")),
            Err(AuthError::Missing)
        );
        assert_eq!(bearer_token(&headers("Bearerabc")), Err(AuthError::Missing));
        assert!(matches!(
            bearer_token(&headers("Bearer ")),
            Err(AuthError::Malformed(_))
        ));
    }

    #[test]
    fn error_descriptions_are_valid_quoted_strings() {
        // RFC 6750 §3: error_description is %x20-21 / %x23-5B / %x5D-7E.
        let all = [
            AuthError::Missing,
            AuthError::Malformed("the JWT header has no kid"),
            AuthError::InvalidAlgorithm,
            AuthError::UnknownKey,
            AuthError::InvalidSignature,
            AuthError::InvalidIssuer,
            AuthError::InvalidAuthorizedParty,
            AuthError::MissingClaim("sub"),
            AuthError::Expired,
            AuthError::NotActiveYet,
            AuthError::IssuedInTheFuture,
            AuthError::SessionPending,
            AuthError::JwksUnavailable,
        ];
        for error in all {
            let text = error.to_string();
            assert!(
                text.bytes()
                    .all(|b| matches!(b, 0x20..=0x21 | 0x23..=0x5B | 0x5D..=0x7E)),
                "{text:?}"
            );
            let response = error.clone().into_response();
            assert_eq!(response.status(), error.status());
            let challenge = response.headers().get(header::WWW_AUTHENTICATE);
            match error {
                AuthError::JwksUnavailable => assert!(challenge.is_none()),
                AuthError::Missing => {
                    assert_eq!(
                        challenge.and_then(|v| v.to_str().ok()),
                        Some("Bearer realm=\"demo-api\"")
                    );
                }
                _ => assert!(challenge.and_then(|v| v.to_str().ok()).is_some_and(
                    |v| v.starts_with("Bearer realm=\"demo-api\", error=\"invalid_token\"")
                )),
            }
        }
    }

    #[test]
    fn only_clerks_rsa_algorithms_are_accepted() {
        for name in ["RS256", "RS384", "RS512"] {
            assert!(rsa_algorithm(name).is_some(), "{name}");
        }
        for name in ["none", "None", "HS256", "ES256", "PS256", "EdDSA", ""] {
            assert!(rsa_algorithm(name).is_none(), "{name}");
        }
    }
}

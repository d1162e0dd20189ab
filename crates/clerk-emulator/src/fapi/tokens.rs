//! Session tokens: `/v1/client/sessions/{id}/tokens` mints them, and
//! `/.well-known/jwks.json` publishes the key that verifies them.

use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::identity::Identity;
use super::params::Params;
use super::sessions::session_path;
use crate::api_error::ApiError;
use crate::ids::{new_id, now_secs};
use crate::keys::Signer;
use crate::store::TokenSubject;
use crate::AppState;

/// `nbf` allows 10 s of clock skew, as Clerk's tokens do.
const TOKEN_NBF_LEEWAY_SECS: i64 = 10;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/client/sessions/{id}/tokens", post(tokens_create))
        .route("/.well-known/jwks.json", get(jwks_show))
}

/// The request's `Origin`, which becomes the token's `azp`.
pub(crate) struct Azp(pub Option<String>);

impl FromRequestParts<crate::AppState> for Azp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .headers
                .get(header::ORIGIN)
                .and_then(|v| v.to_str().ok())
                .filter(|v| !v.is_empty() && *v != "null")
                .map(str::to_owned),
        ))
    }
}

/// The RSA signer, waiting for its generation if it is still running.
pub(crate) async fn signer(state: &AppState) -> Result<&Signer, ApiError> {
    state
        .keys
        .signer()
        .await
        .map_err(|e| ApiError::internal(e.to_string()))
}

/// The claims of a session token, as Clerk's version 2 tokens carry them:
/// `iss`, `sub`, `sid`, `iat`, `nbf`, `exp`, `jti`, `v: 2`, `fva`, `sts`,
/// and `azp` (the request's `Origin`) when there is one.
fn claims(state: &AppState, subject: &TokenSubject, azp: Option<&str>, iat: i64) -> Value {
    let mut claims = json!({
        "iss": state.base_url,
        "sub": subject.user_id,
        "sid": subject.session_id,
        "iat": iat,
        "nbf": iat - TOKEN_NBF_LEEWAY_SECS,
        "exp": iat + state.token_lifetime_secs,
        "jti": new_id("jti"),
        "v": 2,
        "fva": subject.fva,
        "sts": subject.status,
    });
    if let (Some(azp), Some(map)) = (azp, claims.as_object_mut()) {
        map.insert("azp".into(), Value::String(azp.to_owned()));
    }
    claims
}

/// Signs a session token (with the store unlocked) and remembers it as the
/// session's `last_active_token`.
pub(crate) fn mint_token(
    state: &AppState,
    signer: &Signer,
    subject: &TokenSubject,
    azp: Option<&str>,
) -> Result<String, ApiError> {
    mint_token_with(state, subject, azp, |claims| signer.sign_jwt(claims))
}

fn mint_token_with(
    state: &AppState,
    subject: &TokenSubject,
    azp: Option<&str>,
    sign: impl FnOnce(&Value) -> Result<String, String>,
) -> Result<String, ApiError> {
    let iat = now_secs();
    let claims = claims(state, subject, azp, iat);
    // Signing (milliseconds of RSA) happens with the store unlocked, so
    // other requests are not held up; the session may have ended since,
    // and then the token is not recorded.
    let jwt = sign(&claims)
        .map_err(|e| ApiError::internal(format!("Signing the session token failed: {e}")))?;
    let exp = iat + state.token_lifetime_secs;
    state.store().record_token(&subject.session_id, &jwt, exp);
    Ok(jwt)
}

/// Mints a token for every active session of the client whose last one is
/// missing or past half its life, so that a client answer always carries a
/// usable `last_active_token` on each of them (clerk-js seeds its token
/// cache from it, and a page load needs no token request).
pub(crate) async fn refresh_last_active_tokens(
    state: &AppState,
    client_id: &str,
    azp: Option<&str>,
) -> Result<(), ApiError> {
    let stale =
        state
            .store()
            .sessions_needing_token(client_id, now_secs(), state.token_lifetime_secs);
    if stale.is_empty() {
        return Ok(());
    }
    let signer = signer(state).await?;
    for subject in &stale {
        mint_token(state, signer, subject, azp)?;
    }
    Ok(())
}

/// `POST /v1/client/sessions/{id}/tokens`: a fresh session token.
async fn tokens_create(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    identity: Identity,
    Azp(azp): Azp,
    _: Params,
) -> Result<Response, ApiError> {
    let id = session_path(path)?;
    let client_id = identity.require_client()?;
    let signer = signer(&state).await?;
    let subject = state.store().session_for_token(&client_id, &id)?;
    let jwt = mint_token(&state, signer, &subject, azp.as_deref())?;
    Ok(Json(json!({"object": "token", "jwt": jwt})).into_response())
}

/// `GET /.well-known/jwks.json`.
async fn jwks_show(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    Ok(Json(signer(&state).await?.jwks().clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Device, PasswordAttempt};
    use crate::{build_state, keys, Config};

    /// RSA signing takes milliseconds; every other request waits for the
    /// store meanwhile, so it must happen with the store unlocked.
    #[test]
    fn tokens_are_signed_with_the_store_unlocked() {
        let config = Config::default().with_client_trust(false);
        let addr = config.addr;
        let keys = keys::Keys::new().expect("keys");
        let state = build_state(config, addr, keys).expect("state");
        let attempt = PasswordAttempt {
            strategy: None,
            identifier: Some("demo@example.com".into()),
            password: Some("demo-password-1".into()),
        };
        let step = state
            .store()
            .sign_in_with_password(None, &Device::Client, &attempt, false)
            .expect("signed in");
        let session_id = state
            .store()
            .sign_in(&step.client_id, &step.sign_in_id)
            .expect("the sign-in")
            .created_session_id
            .clone()
            .expect("complete in one step");
        let subject = state
            .store()
            .session_for_token(&step.client_id, &session_id)
            .expect("active session");
        let jwt = mint_token_with(&state, &subject, None, |claims| {
            assert!(state.store.try_lock().is_ok(), "the store is locked");
            assert_eq!(claims["sid"], session_id.as_str());
            Ok("signed".into())
        })
        .expect("minted");
        assert_eq!(jwt, "signed");
        let store = state.store();
        let session = store.session(&session_id).expect("session");
        let recorded = session.last_active_token.as_ref().expect("recorded");
        assert_eq!(recorded.jwt, "signed");
    }
}

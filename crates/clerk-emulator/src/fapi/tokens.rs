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
use crate::store::Store;
use crate::AppState;

/// Session tokens live 60 s, and `nbf` allows 10 s of clock skew, as Clerk's.
const TOKEN_TTL_SECS: i64 = 60;
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

/// Signs a session token for a session and remembers it as the session's
/// `last_active_token`.
pub(crate) fn mint_token(
    state: &AppState,
    signer: &Signer,
    store: &mut Store,
    session_id: &str,
    azp: Option<&str>,
) -> Result<String, ApiError> {
    let session = store
        .session(session_id)
        .ok_or_else(|| ApiError::session_not_found(session_id))?;
    let iat = now_secs();
    let mut claims = json!({
        "iss": state.base_url,
        "sub": session.user_id,
        "sid": session.id,
        "iat": iat,
        "nbf": iat - TOKEN_NBF_LEEWAY_SECS,
        "exp": iat + TOKEN_TTL_SECS,
        "jti": new_id("jti"),
    });
    if let (Some(azp), Some(map)) = (azp, claims.as_object_mut()) {
        map.insert("azp".into(), Value::String(azp.to_owned()));
    }
    let jwt = signer
        .sign_jwt(&claims)
        .map_err(|e| ApiError::internal(format!("Signing the session token failed: {e}")))?;
    store.record_token(session_id, &jwt);
    Ok(jwt)
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
    let mut store = state.store();
    store.session_for_token(&client_id, &id)?;
    let jwt = mint_token(&state, signer, &mut store, &id, azp.as_deref())?;
    Ok(Json(json!({"object": "token", "jwt": jwt})).into_response())
}

/// `GET /.well-known/jwks.json`.
async fn jwks_show(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    Ok(Json(signer(&state).await?.jwks().clone()))
}

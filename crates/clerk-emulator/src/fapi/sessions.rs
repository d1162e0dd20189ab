//! `/v1/client/sessions`: the caller's sessions, read, touched, ended and
//! removed one by one, or removed all at once.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{delete, get, post};
use axum::Router;
use serde_json::Value;

use super::identity::Identity;
use super::params::Params;
use super::tokens::{refresh_last_active_tokens, Azp};
use super::{client_json, envelope};
use crate::api_error::ApiError;
use crate::json as render;
use crate::store::Store;
use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/client/sessions", delete(sessions_remove_all))
        .route("/v1/client/sessions/{id}", get(sessions_show))
        .route("/v1/client/sessions/{id}/touch", post(sessions_touch))
        .route("/v1/client/sessions/{id}/end", post(sessions_end))
        .route("/v1/client/sessions/{id}/remove", post(sessions_remove))
}

/// The id from the path; undecodable ids cannot name a session.
pub(crate) fn session_path(path: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    path.map(|Path(id)| id)
        .map_err(|_| ApiError::session_not_found("(undecodable id)"))
}

/// Loads the caller's session named by the path (404 unless it is one of
/// the caller's client's sessions, removed ones excluded), applies `change`
/// and answers `{response: Session, client: Client}`, every active session
/// with a fresh enough `last_active_token`.
async fn on_caller_session(
    state: &AppState,
    identity: &Identity,
    azp: Option<&str>,
    path: Result<Path<String>, PathRejection>,
    change: impl FnOnce(&mut Store, &str) -> Result<(), ApiError>,
) -> Result<Response, ApiError> {
    let id = session_path(path)?;
    let client_id = identity.require_client()?;
    let cookie = {
        let mut store = state.store();
        store.client_session(&client_id, &id)?;
        let before = store.client_token(&client_id).map(str::to_owned);
        change(&mut store, &id)?;
        identity.cookie_if_rotated(state, &store, &client_id, before.as_deref())
    };
    refresh_last_active_tokens(state, &client_id, azp).await?;
    let store = state.store();
    let session = store
        .session(&id)
        .map(|s| render::session(&store, s, &state.base_url))
        .unwrap_or(Value::Null);
    let client = client_json(
        state,
        &store,
        store.client(&client_id),
        identity.uses_cookie(),
    );
    Ok(envelope(session, client, cookie))
}

/// `GET /v1/client/sessions/{id}`.
async fn sessions_show(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    identity: Identity,
    Azp(azp): Azp,
    _: Params,
) -> Result<Response, ApiError> {
    on_caller_session(&state, &identity, azp.as_deref(), path, |_, _| Ok(())).await
}

/// `POST /v1/client/sessions/{id}/touch`: makes it the last active session.
async fn sessions_touch(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    identity: Identity,
    Azp(azp): Azp,
    _: Params,
) -> Result<Response, ApiError> {
    on_caller_session(
        &state,
        &identity,
        azp.as_deref(),
        path,
        Store::touch_session,
    )
    .await
}

/// `POST /v1/client/sessions/{id}/end`: status `ended`, it stays on the client.
async fn sessions_end(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    identity: Identity,
    Azp(azp): Azp,
    _: Params,
) -> Result<Response, ApiError> {
    on_caller_session(&state, &identity, azp.as_deref(), path, Store::end_session).await
}

/// `POST /v1/client/sessions/{id}/remove`: status `removed`, it leaves the client.
async fn sessions_remove(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    identity: Identity,
    Azp(azp): Azp,
    _: Params,
) -> Result<Response, ApiError> {
    on_caller_session(
        &state,
        &identity,
        azp.as_deref(),
        path,
        Store::remove_session,
    )
    .await
}

/// `DELETE /v1/client/sessions`: removes every session, keeps the client.
async fn sessions_remove_all(
    State(state): State<AppState>,
    identity: Identity,
    _: Params,
) -> Result<Response, ApiError> {
    let client_id = identity.require_client()?;
    let mut store = state.store();
    let before = store.client_token(&client_id).map(str::to_owned);
    store.remove_all_sessions(&client_id);
    let cookie = identity.cookie_if_rotated(&state, &store, &client_id, before.as_deref());
    let client = client_json(
        &state,
        &store,
        store.client(&client_id),
        identity.uses_cookie(),
    );
    Ok(envelope(client.clone(), client, cookie))
}

//! `/v1/client`: the browser's client, created, read and destroyed.

use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::Value;

use super::identity::Identity;
use super::params::Params;
use super::tokens::{refresh_last_active_tokens, Azp};
use super::{client_json, envelope};
use crate::api_error::ApiError;
use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route(
        "/v1/client",
        get(client_show)
            .put(client_create)
            .post(client_create)
            .delete(client_destroy),
    )
}

/// `GET /v1/client`: the current client, or nulls when there is none. Its
/// active sessions carry a fresh enough `last_active_token`, so the page
/// that loads needs no token request.
async fn client_show(
    State(state): State<AppState>,
    identity: Identity,
    Azp(azp): Azp,
    _: Params,
) -> Result<Response, ApiError> {
    if let Some(client_id) = identity.client_id() {
        refresh_last_active_tokens(&state, client_id, azp.as_deref()).await?;
    }
    let store = state.store();
    let client = identity.client_id().and_then(|id| store.client(id));
    let client = client_json(&state, &store, client, identity.uses_cookie());
    Ok(envelope(
        client.clone(),
        client,
        identity.stale_cookie_to_clear(),
    ))
}

/// `PUT`/`POST /v1/client`: a new, empty client for this browser.
async fn client_create(State(state): State<AppState>, identity: Identity, _: Params) -> Response {
    let mut store = state.store();
    let client_id = store.create_client();
    let cookie = identity.bind(&state, &mut store, &client_id);
    let client = client_json(
        &state,
        &store,
        store.client(&client_id),
        identity.uses_cookie(),
    );
    envelope(client.clone(), client, cookie)
}

/// `DELETE /v1/client`: ends every session and forgets the client.
async fn client_destroy(
    State(state): State<AppState>,
    identity: Identity,
    _: Params,
) -> Result<Response, ApiError> {
    let gone = || {
        let mut err = ApiError::client_not_found();
        err.clear_cookie = identity.stale_cookie_to_clear();
        err
    };
    let client_id = identity.client_id().ok_or_else(gone)?;
    let mut store = state.store();
    let client = store.destroy_client(client_id).ok_or_else(gone)?;
    let snapshot = client_json(&state, &store, Some(&client), false);
    Ok(envelope(snapshot, Value::Null, identity.cookie_to_clear()))
}

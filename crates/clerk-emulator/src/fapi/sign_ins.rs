//! `/v1/client/sign_ins`: a password sign-in, and its second factor when
//! one is needed (`prepare_second_factor`, `attempt_second_factor`).

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::HeaderValue;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

use super::identity::Identity;
use super::params::Params;
use super::tokens::{refresh_last_active_tokens, Azp};
use super::{client_json, envelope};
use crate::api_error::ApiError;
use crate::json as render;
use crate::store::{AttemptParams, PasswordAttempt, PrepareParams, SignInStep, Store};
use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/client/sign_ins", post(sign_ins_create))
        .route("/v1/client/sign_ins/{id}", get(sign_ins_show))
        .route(
            "/v1/client/sign_ins/{id}/prepare_second_factor",
            post(sign_ins_prepare_second_factor),
        )
        .route(
            "/v1/client/sign_ins/{id}/attempt_second_factor",
            post(sign_ins_attempt_second_factor),
        )
}

/// The id from the path; undecodable ids cannot name a sign-in.
fn sign_in_path(path: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    path.map(|Path(id)| id)
        .map_err(|_| ApiError::sign_in_not_found("(undecodable id)"))
}

/// The caller's client, or 404 for the sign-in (no client has none).
fn caller_client(identity: &Identity, sign_in_id: &str) -> Result<String, ApiError> {
    identity
        .client_id()
        .map(str::to_owned)
        .ok_or_else(|| ApiError::sign_in_not_found(sign_in_id))
}

/// `{response: SignIn, client: Client}` for one of the caller's sign-ins.
fn sign_in_answer(
    state: &AppState,
    store: &Store,
    identity: &Identity,
    client_id: &str,
    sign_in_id: &str,
    cookie: Option<HeaderValue>,
) -> Result<Response, ApiError> {
    let record = store.sign_in(client_id, sign_in_id)?;
    let sign_in = render::sign_in(store, record, &state.base_url);
    let client = client_json(
        state,
        store,
        store.client(client_id),
        identity.uses_cookie(),
    );
    Ok(envelope(sign_in, client, cookie))
}

/// Runs a sign-in step on the store and binds its client to the caller:
/// a cookie for a new client, or its rotated token when a session started.
fn take_step(
    state: &AppState,
    identity: &Identity,
    step: impl FnOnce(&mut Store) -> Result<SignInStep, ApiError>,
) -> Result<(SignInStep, Option<HeaderValue>), ApiError> {
    let mut store = state.store();
    let step = step(&mut store)?;
    let cookie = identity.bind(state, &mut store, &step.client_id);
    Ok((step, cookie))
}

/// [`sign_in_answer`] after a step. A step that completed the sign-in
/// created a session: its first token is minted, as are fresh ones for the
/// client's other sessions when theirs are stale.
async fn step_answer(
    state: &AppState,
    identity: &Identity,
    azp: Option<&str>,
    (step, cookie): (SignInStep, Option<HeaderValue>),
) -> Result<Response, ApiError> {
    refresh_last_active_tokens(state, &step.client_id, azp).await?;
    let store = state.store();
    sign_in_answer(
        state,
        &store,
        identity,
        &step.client_id,
        &step.sign_in_id,
        cookie,
    )
}

/// `POST /v1/client/sign_ins`: a password sign-in on the caller's client
/// (or a new one); complete at once, or waiting for a second factor.
async fn sign_ins_create(
    State(state): State<AppState>,
    identity: Identity,
    Azp(azp): Azp,
    params: Params,
) -> Result<Response, ApiError> {
    let attempt = PasswordAttempt {
        strategy: params.string("strategy")?,
        identifier: params.string("identifier")?,
        password: params.string("password")?,
    };
    let device = identity.device();
    let step = take_step(&state, &identity, |store| {
        store.sign_in_with_password(identity.client_id(), &device, &attempt, state.multi_session)
    })?;
    step_answer(&state, &identity, azp.as_deref(), step).await
}

/// `GET /v1/client/sign_ins/{id}`.
async fn sign_ins_show(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    identity: Identity,
    _: Params,
) -> Result<Response, ApiError> {
    let id = sign_in_path(path)?;
    let client_id = caller_client(&identity, &id)?;
    let store = state.store();
    sign_in_answer(&state, &store, &identity, &client_id, &id, None)
}

/// `POST /v1/client/sign_ins/{id}/prepare_second_factor`: sends a code
/// (`strategy=email_code`, `email_address_id` optional).
async fn sign_ins_prepare_second_factor(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    identity: Identity,
    params: Params,
) -> Result<Response, ApiError> {
    let id = sign_in_path(path)?;
    let client_id = caller_client(&identity, &id)?;
    let prepare = PrepareParams {
        strategy: params.string("strategy")?,
        email_address_id: params.string("email_address_id")?,
    };
    let mut store = state.store();
    store.prepare_second_factor(&client_id, &id, &prepare)?;
    sign_in_answer(&state, &store, &identity, &client_id, &id, None)
}

/// `POST /v1/client/sign_ins/{id}/attempt_second_factor`: checks the code
/// (`strategy`, `code`); the right one completes the sign-in.
async fn sign_ins_attempt_second_factor(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    identity: Identity,
    Azp(azp): Azp,
    params: Params,
) -> Result<Response, ApiError> {
    let id = sign_in_path(path)?;
    let client_id = caller_client(&identity, &id)?;
    let attempt = AttemptParams {
        strategy: params.string("strategy")?,
        code: params.string("code")?,
    };
    let device = identity.device();
    let step = take_step(&state, &identity, |store| {
        store.attempt_second_factor(&client_id, &device, &id, &attempt, state.multi_session)
    })?;
    step_answer(&state, &identity, azp.as_deref(), step).await
}

//! `/v1/client/sign_ins`: password sign-in, completed in one request.

use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use axum::Router;

use super::identity::Identity;
use super::params::Params;
use super::tokens::{mint_token, signer, Azp, TokenSubject};
use super::{client_json, envelope};
use crate::api_error::ApiError;
use crate::json as render;
use crate::store::PasswordAttempt;
use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/v1/client/sign_ins", post(sign_ins_create))
}

/// `POST /v1/client/sign_ins`: a complete sign-in attempt and a new active
/// session, on the caller's client or a new one.
async fn sign_ins_create(
    State(state): State<AppState>,
    identity: Identity,
    Azp(azp): Azp,
    params: Params,
) -> Result<Response, ApiError> {
    let signer = signer(&state).await?;
    let attempt = PasswordAttempt {
        strategy: params.string("strategy")?,
        identifier: params.string("identifier")?,
        password: params.string("password")?,
    };
    let (signed_in, cookie) = {
        let mut store = state.store();
        let signed_in =
            store.sign_in_with_password(identity.client_id(), &attempt, state.multi_session)?;
        // The client's cookie token rotated with the sign-in: send the new one.
        let cookie = identity.bind(&state, &mut store, &signed_in.client_id);
        (signed_in, cookie)
    };
    let subject = TokenSubject {
        session_id: &signed_in.session_id,
        user_id: &signed_in.user_id,
        azp: azp.as_deref(),
    };
    mint_token(&state, signer, &subject)?;
    let store = state.store();
    let sign_in = store
        .user(&signed_in.user_id)
        .map(|user| render::sign_in_complete(user, &signed_in.session_id, &state.base_url))
        .unwrap_or_default();
    let client = client_json(
        &state,
        &store,
        store.client(&signed_in.client_id),
        identity.uses_cookie(),
    );
    Ok(envelope(sign_in, client, cookie))
}

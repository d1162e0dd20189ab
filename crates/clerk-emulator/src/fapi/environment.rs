//! The instance: `/v1/environment`, `/v1/health` and, on development
//! instances, `/v1/dev_browser`.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::api_error::ApiError;
use crate::ids::new_id;
use crate::json as render;
use crate::keys::Purpose;
use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/health", get(health_show))
        // clerk-js in development mode refreshes it with PATCH.
        .route(
            "/v1/environment",
            get(environment_show).patch(environment_show),
        )
        .route("/v1/dev_browser", post(dev_browser_create))
}

/// `GET /v1/health`.
async fn health_show() -> Json<Value> {
    Json(json!({"status": "healthy"}))
}

/// `GET`/`PATCH /v1/environment`.
async fn environment_show(State(state): State<AppState>) -> Json<Value> {
    Json(render::environment(
        state.multi_session,
        state.dev_browser,
        &state.base_url,
    ))
}

/// `POST /v1/dev_browser`.
async fn dev_browser_create(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    if !state.dev_browser {
        return Err(ApiError::not_development_instance());
    }
    // As Clerk: the `id` is the token the browser sends back as
    // `__clerk_db_jwt` (clerk-js stores `data.id`).
    let token = state.keys.seal(Purpose::DevBrowser, &new_id("dvb"));
    Ok(Json(json!({"object": "dev_browser", "id": token})))
}

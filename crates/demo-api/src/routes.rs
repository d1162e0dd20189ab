//! The API's routes: `GET /api/me` (who the session token says you are) and
//! `GET /health` (for scripts waiting on startup).

use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{json, Value};

use crate::auth::AuthSession;
use crate::AppState;

/// The answer of `GET /api/me`.
#[derive(Debug, Serialize)]
struct Me {
    user_id: String,
    session_id: String,
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/me", get(me_show))
        .route("/health", get(health_show))
}

/// `GET /api/me`: the verified `sub` and `sid` of the bearer token.
async fn me_show(AuthSession(session): AuthSession) -> Json<Me> {
    Json(Me {
        user_id: session.user_id,
        session_id: session.session_id,
    })
}

/// `GET /health`: up, without touching the JWKS.
async fn health_show() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

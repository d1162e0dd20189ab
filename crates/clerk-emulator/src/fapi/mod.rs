//! Clerk's Frontend API, one module per resource. Each module owns its
//! routes (`router()`), and a handler parses, calls one `Store` method and
//! renders.

use axum::http::{header, HeaderValue, Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::api_error::ApiError;
use crate::json as render;
use crate::store::{ClientRec, Store};
use crate::AppState;

mod client;
mod environment;
pub(crate) mod identity;
mod params;
mod sessions;
mod sign_ins;
mod tokens;

/// Every FAPI route, plus the JWKS.
pub(crate) fn router() -> Router<AppState> {
    environment::router()
        .merge(client::router())
        .merge(sign_ins::router())
        .merge(sessions::router())
        .merge(tokens::router())
}

/// `{response, client}`, the shape of every client-facing FAPI answer.
fn envelope(response: Value, client: Value, set_cookie: Option<HeaderValue>) -> Response {
    let mut resp = Json(json!({"response": response, "client": client})).into_response();
    if let Some(cookie) = set_cookie {
        resp.headers_mut().append(header::SET_COOKIE, cookie);
    }
    resp
}

/// A client's JSON (`null` when it is gone).
fn client_json(
    state: &AppState,
    store: &Store,
    client: Option<&ClientRec>,
    with_cookie: bool,
) -> Value {
    client
        .map(|c| render::client(store, c, &state.base_url, with_cookie))
        .unwrap_or(Value::Null)
}

/// Unknown routes.
pub(crate) async fn not_found(method: Method, uri: Uri) -> ApiError {
    ApiError::not_found_route(method.as_str(), uri.path())
}

/// Known routes, wrong method (axum adds the `Allow` header).
pub(crate) async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::method_not_allowed(method.as_str(), uri.path())
}

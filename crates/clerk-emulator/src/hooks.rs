//! Test hooks under `/__emulator/`: sessions (listed, and marked pending
//! with tasks), fault injection, the request log, the outbox of codes
//! sent, the emulator's clock and reset. They are not part of Clerk's API.

use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::api_error::ApiError;
use crate::request_log::{LogEntry, RequestLog};
use crate::store::{SessionRec, SessionStatus};
use crate::{AppState, Limits};

/// Longest delay a fault may ask for (ms), so a typo cannot hang a suite.
const MAX_DELAY_MS: u64 = 120_000;

/// Most requests one fault may hit, and most faults pending at once, so a
/// stray or hostile fault cannot break the emulator for good.
const MAX_FAULT_COUNT: u32 = 1000;
const MAX_PENDING_FAULTS: usize = 100;

/// Furthest the clock may be moved in one request (ten years), so the
/// offset never nears overflow in practice.
const MAX_CLOCK_STEP_MS: i64 = 10 * 365 * 24 * 3600 * 1000;

/// Hook POSTs must say `application/json`: browsers preflight that, so a
/// page cannot send one as a "simple" cross-site request.
struct JsonContentType;

impl<S: Sync> FromRequestParts<S> for JsonContentType {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let mime = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase());
        match mime.as_deref() {
            Some("application/json") => Ok(Self),
            _ => Err(ApiError::unsupported_media_type("application/json")),
        }
    }
}

#[derive(Debug)]
pub(crate) struct HookState {
    pub faults: Vec<Fault>,
    pub log: RequestLog,
}

/// A pending fault, as posted and as listed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Fault {
    pub count: u32,
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub delay_ms: Option<u64>,
    #[serde(default)]
    pub drop: bool,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub method: Option<String>,
    /// The Clerk error code of the body (`requires_captcha` brings Clerk's
    /// own message and a 401 by default).
    #[serde(default)]
    pub code: Option<String>,
    /// Instead of Clerk's error shape, this text as an HTML body (empty for
    /// none): what a proxy, CDN or firewall in front of Clerk answers.
    #[serde(default)]
    pub body: Option<String>,
}

/// Longest `body` a fault may carry.
const MAX_FAULT_BODY: usize = 4096;

/// Fault codes with Clerk's body and status: `requires_captcha` is what
/// `GET /v1/client` answers when bot protection wants a CAPTCHA.
const CAPTCHA_CODE: &str = "requires_captcha";

/// Whether a fault's `path` matches a request path: a prefix, in which a
/// `*` segment stands for any one non-empty segment (so
/// `/v1/client/sessions/*/tokens` hits the token endpoint of every session
/// without knowing its id).
fn path_matches(pattern: &str, path: &str) -> bool {
    if !pattern.contains('*') {
        return path.starts_with(pattern);
    }
    let mut segments = path.split('/');
    let mut wanted = pattern.split('/').peekable();
    while let Some(want) = wanted.next() {
        let Some(got) = segments.next() else {
            return false;
        };
        let last = wanted.peek().is_none();
        let ok = match want {
            "*" => !got.is_empty(),
            // The last segment is a prefix, as a pattern without `*` is.
            want if last => got.starts_with(want),
            want => got == want,
        };
        if !ok {
            return false;
        }
    }
    true
}

impl Fault {
    fn matches(&self, method: &str, path: &str) -> bool {
        self.path.as_deref().is_none_or(|p| path_matches(p, path))
            && self
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
    }

    /// The answer of a status fault: Clerk's error shape, or the raw `body`.
    pub fn answer(&self, status: StatusCode) -> Response {
        match &self.body {
            Some(body) => (
                status,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                body.clone(),
            )
                .into_response(),
            None => self.error(status).into_response(),
        }
    }

    /// The Clerk-shaped body of a status fault.
    fn error(&self, status: StatusCode) -> ApiError {
        let mut err = match self.code.as_deref() {
            Some(CAPTCHA_CODE) => ApiError::requires_captcha(),
            _ => ApiError::injected(status),
        };
        err.status = status;
        if let Some(code) = self.code.as_deref().filter(|c| *c != CAPTCHA_CODE) {
            err.code = code.to_owned().into();
        }
        err.meta("injected", Value::Bool(true))
    }

    /// The kind recorded in the request log.
    pub fn kind(&self) -> &'static str {
        if self.drop {
            "drop"
        } else if self.status.is_some() {
            "status"
        } else {
            "delay"
        }
    }
}

impl HookState {
    /// Takes one use of the first pending fault matching the request.
    pub fn take_fault(&mut self, method: &str, path: &str) -> Option<Fault> {
        let index = self.faults.iter().position(|f| f.matches(method, path))?;
        let fault = self.faults.get_mut(index)?;
        fault.count = fault.count.saturating_sub(1);
        let taken = fault.clone();
        if fault.count == 0 {
            self.faults.remove(index);
        }
        Some(taken)
    }

    pub fn new(limits: &Limits) -> Self {
        Self {
            faults: Vec::new(),
            log: RequestLog::new(limits),
        }
    }

    pub fn record(&mut self, entry: LogEntry) {
        self.log.record(entry);
    }
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/__emulator/sessions", get(sessions_index))
        .route("/__emulator/sessions/{id}", post(sessions_update))
        .route(
            "/__emulator/faults",
            get(faults_index).post(faults_create).delete(faults_destroy),
        )
        .route(
            "/__emulator/requests",
            get(requests_index).delete(requests_destroy),
        )
        .route(
            "/__emulator/emails",
            get(emails_index).delete(emails_destroy),
        )
        .route("/__emulator/clock", get(clock_show).post(clock_update))
        .route("/__emulator/reset", post(reset_create))
        .route("/__emulator/avatar/{file}", get(avatar_show))
}

/// `GET /__emulator/sessions`: every session ever created.
async fn sessions_index(State(state): State<AppState>) -> Json<Value> {
    let mut store = state.store();
    let list: Vec<Value> = store
        .sessions_in_creation_order()
        .into_iter()
        .map(session_json)
        .collect();
    Json(Value::Array(list))
}

/// Most tasks a pending session may have, and the longest task key.
const MAX_TASKS: usize = 10;
const MAX_TASK_KEY: usize = 64;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SessionChange {
    status: String,
    #[serde(default)]
    tasks: Vec<TaskSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TaskSpec {
    key: String,
}

fn session_json(s: &SessionRec) -> Value {
    let tasks: Vec<Value> = s.tasks.iter().map(|key| json!({"key": key})).collect();
    json!({
        "id": s.id,
        "status": s.status.as_str(),
        "client_id": s.client_id,
        "user_id": s.user_id,
        "tasks": tasks,
    })
}

/// `POST /__emulator/sessions/{id}` with `{"status": "pending", "tasks":
/// [{"key": "choose-organization"}]}` (or `{"status": "active"}`): marks a
/// live session pending with tasks, or active again.
async fn sessions_update(
    State(state): State<AppState>,
    path: Result<Path<String>, axum::extract::rejection::PathRejection>,
    _: JsonContentType,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let id = path
        .map(|Path(id)| id)
        .map_err(|_| ApiError::session_not_found("(undecodable id)"))?;
    let change: SessionChange = serde_json::from_slice(&body).map_err(|e| {
        ApiError::malformed_body(format!(
            "Expected {{\"status\": \"pending\"|\"active\", \"tasks\": [{{\"key\": ...}}]}}: {e}"
        ))
    })?;
    let tasks: Vec<String> = change.tasks.into_iter().map(|t| t.key).collect();
    let status = match change.status.as_str() {
        "pending" if tasks.is_empty() => {
            return Err(ApiError::param_missing("tasks"));
        }
        "pending" => SessionStatus::Pending,
        "active" if !tasks.is_empty() => {
            return Err(ApiError::param_invalid(
                "tasks",
                "An active session has no tasks.",
            ));
        }
        "active" => SessionStatus::Active,
        _ => {
            return Err(ApiError::param_invalid(
                "status",
                "status must be \"pending\" or \"active\".",
            ))
        }
    };
    let plain = |key: &String| {
        !key.is_empty()
            && key.len() <= MAX_TASK_KEY
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if tasks.len() > MAX_TASKS || !tasks.iter().all(plain) {
        return Err(ApiError::param_invalid(
            "tasks",
            format!(
                "At most {MAX_TASKS} tasks, each a key of 1 to {MAX_TASK_KEY} letters, digits, - and _."
            ),
        ));
    }
    let mut store = state.store();
    let session = store.set_session_tasks(&id, status, tasks)?;
    Ok(Json(session_json(session)))
}

/// `GET /__emulator/faults`.
async fn faults_index(State(state): State<AppState>) -> Json<Vec<Fault>> {
    Json(state.hooks().faults.clone())
}

/// `POST /__emulator/faults`: queue a fault (JSON body).
async fn faults_create(
    State(state): State<AppState>,
    _: JsonContentType,
    body: Bytes,
) -> Result<Response, ApiError> {
    let mut fault: Fault = serde_json::from_slice(&body)
        .map_err(|e| ApiError::malformed_body(format!("Expected a fault object: {e}")))?;
    if let Some(code) = fault.code.as_deref() {
        let plain = !code.is_empty()
            && code.len() <= 64
            && code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !plain {
            return Err(ApiError::param_invalid(
                "code",
                "code must be 1 to 64 lower-case letters, digits and underscores.",
            ));
        }
        if code == CAPTCHA_CODE && fault.status.is_none() && !fault.drop {
            fault.status = Some(401);
        }
        if fault.status.is_none() {
            return Err(ApiError::param_missing("status"));
        }
    }
    if let Some(body) = fault.body.as_deref() {
        if body.len() > MAX_FAULT_BODY {
            return Err(ApiError::param_invalid(
                "body",
                format!("body must be at most {MAX_FAULT_BODY} bytes."),
            ));
        }
        if fault.status.is_none() || fault.code.is_some() {
            return Err(ApiError::param_invalid(
                "body",
                "A body goes with a status, and instead of a Clerk error code.",
            ));
        }
    }
    if !(1..=MAX_FAULT_COUNT).contains(&fault.count) {
        return Err(ApiError::param_invalid(
            "count",
            format!("count must be between 1 and {MAX_FAULT_COUNT}."),
        ));
    }
    if let Some(status) = fault.status {
        if !(400..=599).contains(&status) {
            return Err(ApiError::param_invalid(
                "status",
                "status must be between 400 and 599.",
            ));
        }
        if fault.drop {
            return Err(ApiError::param_invalid(
                "status",
                "A fault either answers a status or drops the connection, not both.",
            ));
        }
    }
    if fault.delay_ms.is_some_and(|d| d > MAX_DELAY_MS) {
        return Err(ApiError::param_invalid(
            "delay_ms",
            format!("delay_ms must be at most {MAX_DELAY_MS}."),
        ));
    }
    if fault.status.is_none() && fault.delay_ms.is_none() && !fault.drop {
        return Err(ApiError::param_missing("status"));
    }
    if fault.path.as_deref().is_some_and(|p| !p.starts_with('/')) {
        return Err(ApiError::param_invalid("path", "path must start with /."));
    }
    if let Some(method) = fault.method.as_mut() {
        method.make_ascii_uppercase();
    }
    let mut hooks = state.hooks();
    if hooks.faults.len() >= MAX_PENDING_FAULTS {
        return Err(ApiError::quota_exceeded(format!(
            "At most {MAX_PENDING_FAULTS} faults may be pending; DELETE /__emulator/faults clears them."
        )));
    }
    hooks.faults.push(fault.clone());
    Ok((StatusCode::CREATED, Json(fault)).into_response())
}

/// `DELETE /__emulator/faults`.
async fn faults_destroy(State(state): State<AppState>) -> StatusCode {
    state.hooks().faults.clear();
    StatusCode::NO_CONTENT
}

/// `GET /__emulator/requests`.
async fn requests_index(State(state): State<AppState>) -> Json<Vec<LogEntry>> {
    Json(state.hooks().log.entries())
}

/// `DELETE /__emulator/requests`.
async fn requests_destroy(State(state): State<AppState>) -> StatusCode {
    state.hooks().log.clear();
    StatusCode::NO_CONTENT
}

/// `GET /__emulator/emails[?to=ADDRESS]`: the codes sent, oldest first.
async fn emails_index(State(state): State<AppState>, uri: Uri) -> Json<Value> {
    let to = uri.query().and_then(|q| {
        form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "to")
            .map(|(_, v)| v.into_owned())
    });
    let emails = state.store().outbox.list(to.as_deref());
    Json(json!(emails))
}

/// `DELETE /__emulator/emails`.
async fn emails_destroy(State(state): State<AppState>) -> StatusCode {
    state.store().outbox.clear();
    StatusCode::NO_CONTENT
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockStep {
    advance_ms: i64,
}

fn clock_json(state: &AppState) -> Json<Value> {
    let store = state.store();
    Json(json!({"now_ms": store.now(), "offset_ms": store.clock_offset()}))
}

/// `GET /__emulator/clock`: the emulator's time and how far tests moved it.
async fn clock_show(State(state): State<AppState>) -> Json<Value> {
    clock_json(&state)
}

/// `POST /__emulator/clock` with `{"advance_ms": N}`: moves the clock
/// (codes expire, sign-ins are abandoned) without waiting. Reset puts it
/// back. Session tokens keep the real time, so backends still verify them.
async fn clock_update(
    State(state): State<AppState>,
    _: JsonContentType,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let step: ClockStep = serde_json::from_slice(&body)
        .map_err(|e| ApiError::malformed_body(format!("Expected {{\"advance_ms\": N}}: {e}")))?;
    if step.advance_ms.unsigned_abs() > MAX_CLOCK_STEP_MS.unsigned_abs() {
        return Err(ApiError::param_invalid(
            "advance_ms",
            format!("advance_ms must be between -{MAX_CLOCK_STEP_MS} and {MAX_CLOCK_STEP_MS}."),
        ));
    }
    state.store().advance_clock(step.advance_ms);
    Ok(clock_json(&state))
}

/// `POST /__emulator/reset`: forget clients, sessions, sign-ins, sent
/// codes, faults and the log, and put the clock back.
async fn reset_create(State(state): State<AppState>, _: JsonContentType) -> StatusCode {
    state.store().reset();
    let mut hooks = state.hooks();
    hooks.faults.clear();
    hooks.log.clear();
    StatusCode::NO_CONTENT
}

/// `GET /__emulator/avatar/{user_id}.svg`: the `image_url` of users, a
/// circle with the initial, so pages render without the Internet.
async fn avatar_show(
    State(state): State<AppState>,
    file: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Result<Response, ApiError> {
    let not_found = || ApiError::not_found_route("GET", "/__emulator/avatar");
    let Path(file) = file.map_err(|_| not_found())?;
    let id = file.strip_suffix(".svg").ok_or_else(not_found)?;
    let initial = {
        let store = state.store();
        let user = store.user(id).ok_or_else(not_found)?;
        user.first_name
            .as_deref()
            .unwrap_or(&user.email)
            .chars()
            .next()
            .filter(char::is_ascii_alphanumeric)
            .unwrap_or('?')
            .to_ascii_uppercase()
    };
    let svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"64\" height=\"64\" viewBox=\"0 0 64 64\">\
         <circle cx=\"32\" cy=\"32\" r=\"32\" fill=\"#6c47ff\"/>\
         <text x=\"32\" y=\"42\" font-family=\"sans-serif\" font-size=\"28\" fill=\"#fff\" \
         text-anchor=\"middle\">{initial}</text></svg>"
    );
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
}

#[cfg(test)]
mod tests {
    use super::path_matches;

    #[test]
    fn fault_paths_are_prefixes_with_one_segment_wildcards() {
        let tokens = "/v1/client/sessions/*/tokens";
        assert!(path_matches(tokens, "/v1/client/sessions/sess_1/tokens"));
        assert!(path_matches(
            tokens,
            "/v1/client/sessions/sess_1/tokens/tpl"
        ));
        assert!(!path_matches(tokens, "/v1/client/sessions/sess_1/touch"));
        assert!(!path_matches(tokens, "/v1/client/sessions//tokens"));
        assert!(!path_matches(tokens, "/v1/client/sessions/sess_1"));
        assert!(!path_matches(tokens, "/v1/client/sign_ins/sia_1/tokens"));
        assert!(path_matches(
            "/v1/client/sessions/*",
            "/v1/client/sessions/sess_1/end"
        ));
        // Without a wildcard, a plain string prefix as before.
        assert!(path_matches("/v1/client/sess", "/v1/client/sessions"));
        assert!(path_matches("/v1/client/*/sess", "/v1/client/x/sessions"));
    }
}

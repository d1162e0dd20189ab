//! Clerk-shaped error responses: `{"errors":[{code,message,long_message,meta}],"clerk_trace_id":...}`.

use std::borrow::Cow;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use crate::ids;

/// One FAPI error, answered with its HTTP status and Clerk's JSON body.
/// Boxed so `Result<_, ApiError>` stays small on the happy path.
#[derive(Debug, Clone)]
pub(crate) struct ApiError(Box<Details>);

#[derive(Debug, Clone)]
pub(crate) struct Details {
    pub status: StatusCode,
    /// Clerk's code: one of the catalogue's, or a fault's own.
    pub code: Cow<'static, str>,
    pub message: String,
    pub long_message: String,
    pub meta: Map<String, Value>,
    /// Expire the `__client` cookie along with the error (forged cookie).
    pub clear_cookie: Option<HeaderValue>,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
        long_message: impl Into<String>,
    ) -> Self {
        Self(Box::new(Details {
            status,
            code: Cow::Borrowed(code),
            message: message.into(),
            long_message: long_message.into(),
            meta: Map::new(),
            clear_cookie: None,
        }))
    }

    /// Adds `meta.param_name`, as Clerk does for form errors.
    pub fn param(mut self, name: &str) -> Self {
        self.meta
            .insert("param_name".into(), Value::String(name.to_owned()));
        self
    }

    pub fn meta(mut self, key: &str, value: Value) -> Self {
        self.meta.insert(key.to_owned(), value);
        self
    }

    pub fn body(&self) -> Value {
        json!({
            "errors": [{
                "code": self.code,
                "message": self.message,
                "long_message": self.long_message,
                "meta": self.meta,
            }],
            "clerk_trace_id": ids::trace_id(),
        })
    }

    // --- the catalogue -------------------------------------------------

    pub fn not_found_route(method: &str, path: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "resource_not_found",
            "not found",
            format!("No route matches {method} {path}."),
        )
    }

    pub fn session_not_found(id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "resource_not_found",
            "not found",
            format!("No session was found with id {id}"),
        )
        .param("session_id")
    }

    pub fn method_not_allowed(method: &str, path: &str) -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "Method not allowed",
            format!("The {method} method is not allowed on {path}."),
        )
    }

    pub fn body_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request_body_too_large",
            "Request body too large",
            format!("The request body exceeds the limit of {limit} bytes."),
        )
    }

    pub fn malformed_body(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "malformed_request_body",
            "Malformed request body",
            detail,
        )
    }

    pub fn param_missing(name: &str) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "form_param_missing",
            "is missing",
            format!("{name} must be included."),
        )
        .param(name)
    }

    pub fn param_invalid(name: &str, detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "form_param_format_invalid",
            "is invalid",
            detail,
        )
        .param(name)
    }

    pub fn identifier_not_found() -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "form_identifier_not_found",
            "Couldn't find your account.",
            "Couldn't find your account.",
        )
        .param("identifier")
    }

    pub fn password_incorrect() -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "form_password_incorrect",
            "Password is incorrect. Try again, or use another method.",
            "Password is incorrect. Try again, or use another method.",
        )
        .param("password")
    }

    /// A strategy the account (or this step) does not offer; 400 as in
    /// Clerk's error index.
    pub fn strategy_invalid(strategy: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "strategy_for_user_invalid",
            "Invalid verification strategy",
            format!("The verification strategy {strategy:?} is not valid for this account."),
        )
        .param("strategy")
    }

    pub fn sign_in_not_found(id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "resource_not_found",
            "not found",
            format!("No sign in was found with id {id}"),
        )
    }

    /// A factor step on an attempt a newer one has replaced.
    pub fn sign_in_superseded() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "resource_forbidden",
            "Update operations are not allowed on older sign ins",
            "Update operations are not allowed on older sign ins",
        )
    }

    /// A factor step on a complete attempt.
    pub fn verification_already_verified() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "verification_already_verified",
            "already verified",
            "This verification has already been verified.",
        )
    }

    /// An attempt at a code that was never sent.
    pub fn verification_missing() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "verification_missing",
            "is missing",
            "This strategy requires verification preparation before attempting to validate it.",
        )
    }

    pub fn verification_expired() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "verification_expired",
            "expired",
            "This verification has expired. You must create a new one.",
        )
    }

    /// Too many wrong codes.
    pub fn verification_failed() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "verification_failed",
            "failed",
            "Too many failed attempts. You have to try again with the same or another method.",
        )
    }

    pub fn sign_up_not_found(id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "resource_not_found",
            "Sign up not found",
            format!("No sign up was found with id {id}"),
        )
    }

    /// An e-mail address that already belongs to a user.
    pub fn identifier_exists(name: &str) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "form_identifier_exists",
            "That email address is taken. Please try another.",
            "That email address is taken. Please try another.",
        )
        .param(name)
    }

    pub fn password_too_short(min: usize) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "form_password_length_too_short",
            format!("Passwords must be {min} characters or more."),
            format!("Passwords must be {min} characters or more."),
        )
        .param("password")
    }

    pub fn user_quota_exceeded(max: usize) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "user_quota_exceeded",
            "user quota exceeded",
            format!("You have reached your limit of {max} users."),
        )
    }

    /// A test hook's status change a session cannot take.
    pub fn invalid_action_for_session(id: &str, action: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_action_for_session",
            "Invalid action for user session",
            format!("Unable to {action} session {id}"),
        )
    }

    /// Clerk's bot protection asks for a CAPTCHA (an injected fault only:
    /// the emulator has no bot protection).
    pub fn requires_captcha() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "requires_captcha",
            "CAPTCHA verification is required",
            "CAPTCHA verification is required",
        )
    }

    pub fn code_incorrect() -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "form_code_incorrect",
            "is incorrect",
            "Incorrect code",
        )
        .param("code")
    }

    /// A parameter naming something that does not exist (an e-mail address
    /// id that is not the user's).
    pub fn form_resource_not_found(name: &str) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "form_resource_not_found",
            "is missing",
            format!("The resource associated with the supplied {name} was not found."),
        )
        .param(name)
    }

    pub fn session_exists() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "session_exists",
            "Session already exists",
            "You're already signed in.",
        )
    }

    pub fn identifier_already_signed_in() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "identifier_already_signed_in",
            "Identifier already signed in",
            "You're already signed in to this account on this browser.",
        )
        .param("identifier")
    }

    pub fn signed_out() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "signed_out",
            "Signed out",
            "You are signed out",
        )
    }

    pub fn authentication_invalid(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "authentication_invalid",
            "Invalid authentication",
            detail,
        )
    }

    pub fn dev_browser_unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "dev_browser_unauthenticated",
            "Browser unauthenticated",
            "Unable to authenticate this browser for your development instance. Check your Clerk cookies and try again.",
        )
    }

    pub fn not_development_instance() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_request_for_environment",
            "Invalid request for environment",
            "Dev browsers exist only on development instances; start the emulator with --dev-browser.",
        )
    }

    pub fn client_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "resource_not_found",
            "not found",
            "No client was found for this browser.",
        )
    }

    /// A request from a page whose origin may not make it (a hook from any
    /// page but the allowed origins, a state change from a foreign page).
    pub fn origin_invalid(origin: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "origin_invalid",
            "Invalid HTTP Origin header",
            format!(
                "Requests from the origin {origin:?} are not allowed here; start the emulator with --allowed-origin to allow it."
            ),
        )
    }

    /// A `Host` that does not name this server (DNS rebinding).
    pub fn host_invalid(host: &str) -> Self {
        Self::new(
            StatusCode::MISDIRECTED_REQUEST,
            "host_invalid",
            "Invalid HTTP Host header",
            format!(
                "The Host {host:?} does not name this emulator; use localhost or 127.0.0.1 with its port."
            ),
        )
    }

    pub fn unsupported_media_type(expected: &str) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Unsupported media type",
            format!("Send {expected}."),
        )
    }

    /// The body did not arrive in time (slowloris).
    pub fn request_timeout(limit: std::time::Duration) -> Self {
        Self::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            "Request timeout",
            format!(
                "The request body did not arrive within {} ms.",
                limit.as_millis()
            ),
        )
    }

    /// A bounded resource is full.
    pub fn quota_exceeded(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "quota_exceeded",
            "Quota exceeded",
            detail,
        )
    }

    pub fn internal(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_clerk_error",
            "Oops, an unexpected error occurred",
            detail,
        )
    }

    /// The body of an injected fault: a code that fits the status.
    pub fn injected(status: StatusCode) -> Self {
        let code = match status.as_u16() {
            401 => "authentication_invalid",
            404 => "resource_not_found",
            429 => "too_many_requests",
            503 => "service_unavailable",
            s if s >= 500 => "internal_clerk_error",
            _ => "injected_fault",
        };
        let reason = status.canonical_reason().unwrap_or("Error");
        Self::new(
            status,
            code,
            reason,
            format!(
                "Fault injected by the emulator: {} {reason}.",
                status.as_u16()
            ),
        )
        .meta("injected", Value::Bool(true))
    }

    /// A generic body for a status produced outside our handlers.
    pub fn for_status(status: StatusCode, method: &str, path: &str) -> Self {
        match status {
            StatusCode::NOT_FOUND => Self::not_found_route(method, path),
            StatusCode::METHOD_NOT_ALLOWED => Self::method_not_allowed(method, path),
            StatusCode::PAYLOAD_TOO_LARGE => Self::body_too_large(crate::BODY_LIMIT),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => Self::unsupported_media_type(
                "application/x-www-form-urlencoded or application/json",
            ),
            s if s.is_server_error() => Self::internal(format!("{method} {path} failed.")),
            s => Self::new(
                s,
                "bad_request",
                s.canonical_reason().unwrap_or("Bad request"),
                format!("The request {method} {path} could not be processed."),
            ),
        }
    }
}

impl std::ops::Deref for ApiError {
    type Target = Details;

    fn deref(&self) -> &Details {
        &self.0
    }
}

impl std::ops::DerefMut for ApiError {
    fn deref_mut(&mut self) -> &mut Details {
        &mut self.0
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = self.body().to_string();
        let mut response = (
            self.status,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response();
        if let Some(cookie) = self.0.clear_cookie {
            response.headers_mut().append(header::SET_COOKIE, cookie);
        }
        response
    }
}

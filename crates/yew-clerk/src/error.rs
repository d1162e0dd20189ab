//! The one error type of the crate.

/// One error from Clerk's Frontend API, as Clerk reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// Machine-readable code, e.g. `form_password_incorrect`.
    pub code: String,
    /// Short message meant for the user.
    pub message: String,
    /// Longer explanation, when Clerk gives one.
    pub long_message: Option<String>,
    /// The form field the error is about (`meta.param_name`), when Clerk says.
    pub param_name: Option<String>,
}

/// Clerk's codes for "there is no such session or client" (Clerk's Frontend
/// API error index): `resource_not_found` (404, "No session was found with id
/// …", also for a client), `client_not_found` (no client in the request),
/// `authentication_invalid` (401, "you need to supply an active session"),
/// and `signed_out` (401, "You are signed out").
pub const GONE_CODES: &[&str] = &[
    "resource_not_found",
    "client_not_found",
    "authentication_invalid",
    "signed_out",
];

/// The code of Clerk's bot-protection 401 (clerk-js `core/resources/Client.ts`
/// and `core/auth/CaptchaHeartbeat.ts`).
const CAPTCHA_CODE: &str = "requires_captcha";

/// Everything that can go wrong talking to Clerk or acting on its answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClerkError {
    /// The publishable key cannot be used.
    #[error("invalid publishable key: {reason}")]
    InvalidPublishableKey {
        /// What is wrong with it.
        reason: String,
    },
    /// The configuration cannot be used (for example a malformed `proxy_url`).
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    /// Clerk answered with an error status.
    #[error("{}", api_summary(*.status, .errors))]
    Api {
        /// HTTP status.
        status: u16,
        /// Clerk's errors; empty when the body was not Clerk's error shape.
        errors: Vec<ApiError>,
        /// `clerk_trace_id`, to quote to Clerk support.
        trace_id: Option<String>,
    },
    /// The request never got an answer: offline, DNS, CORS, connection reset.
    #[error("could not reach Clerk: {0}")]
    Network(String),
    /// Clerk answered, but not with what was expected.
    #[error("unexpected response from Clerk: {0}")]
    Decode(String),
    /// A redirect target was refused; it is never followed.
    #[error("refused to redirect to \"{url}\": {reason}")]
    RedirectRefused {
        /// The URL as given.
        url: String,
        /// Why it was refused.
        reason: String,
    },
    /// The browser's storage failed.
    #[error("browser storage: {0}")]
    Storage(String),
    /// A sign-in stopped at a step this SDK does not offer
    /// ([`SignInStep::Unsupported`](crate::SignInStep::Unsupported)), for an
    /// app to show.
    #[error("sign-in is not complete (status {status})")]
    SignInIncomplete {
        /// Clerk's sign-in status, as sent.
        status: String,
    },
    /// The action needs a signed-in session and there is none.
    #[error("no active session")]
    NoActiveSession,
}

fn api_summary(status: u16, errors: &[ApiError]) -> String {
    match errors.first() {
        Some(first) => first
            .long_message
            .clone()
            .unwrap_or_else(|| first.message.clone()),
        None => format!("Clerk answered HTTP {status}"),
    }
}

impl ClerkError {
    /// HTTP status, for errors Clerk answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Clerk's first error code, e.g. `form_password_incorrect`.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Api { errors, .. } => errors.first().map(|e| e.code.as_str()),
            _ => None,
        }
    }

    /// Clerk's errors, empty for errors Clerk did not answer.
    pub fn api_errors(&self) -> &[ApiError] {
        match self {
            Self::Api { errors, .. } => errors,
            _ => &[],
        }
    }

    /// The first error about a form field (`identifier`, `password`...).
    pub fn field_error(&self, field: &str) -> Option<&ApiError> {
        self.api_errors()
            .iter()
            .find(|e| e.param_name.as_deref() == Some(field))
    }

    /// True when Clerk itself says the session or client no longer exists: a
    /// 401 or 404 whose body is Clerk's error with one of [`GONE_CODES`]. A
    /// 401 or 404 from anything else (a proxy's HTML page, an empty body, an
    /// unknown code) is not: the session may well be alive.
    pub fn is_session_gone(&self) -> bool {
        matches!(self.status(), Some(401 | 404))
            && self
                .api_errors()
                .iter()
                .any(|e| GONE_CODES.contains(&e.code.as_str()))
    }

    /// True when a `GET /v1/client` failure means this browser has no
    /// client: a 401 for an unknown or forged client cookie, which Clerk
    /// drops and clerk-js treats as signed out. Bot protection's 401
    /// (`requires_captcha`) says nothing about the session: a load failure.
    pub(crate) fn means_no_client(&self) -> bool {
        self.status() == Some(401) && self.code() != Some(CAPTCHA_CODE)
    }

    /// True for failures worth retrying: network errors, 429 and 5xx.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Network(_) => true,
            Self::Api { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, code: &str, long: Option<&str>, param: Option<&str>) -> ClerkError {
        ClerkError::Api {
            status,
            errors: vec![ApiError {
                code: code.into(),
                message: "short".into(),
                long_message: long.map(Into::into),
                param_name: param.map(Into::into),
            }],
            trace_id: None,
        }
    }

    #[test]
    fn display_prefers_long_message() {
        assert_eq!(
            api(422, "x", Some("long one"), None).to_string(),
            "long one"
        );
        assert_eq!(api(422, "x", None, None).to_string(), "short");
        let bare = ClerkError::Api {
            status: 502,
            errors: vec![],
            trace_id: None,
        };
        assert_eq!(bare.to_string(), "Clerk answered HTTP 502");
    }

    #[test]
    fn classifies_statuses() {
        for code in GONE_CODES {
            assert!(api(404, code, None, None).is_session_gone(), "{code}");
            assert!(api(401, code, None, None).is_session_gone(), "{code}");
            assert!(!api(500, code, None, None).is_session_gone(), "{code}");
            assert!(!api(403, code, None, None).is_session_gone(), "{code}");
        }
        assert!(!api(500, "internal", None, None).is_session_gone());
        assert!(api(503, "x", None, None).is_retryable());
        assert!(ClerkError::Network("offline".into()).is_retryable());
        assert!(!api(422, "x", None, None).is_retryable());
        assert!(api(429, "too_many_requests", None, None).is_retryable());
        assert!(!api(401, "signed_out", None, None).is_retryable());
    }

    #[test]
    fn finds_field_errors() {
        let err = api(422, "form_password_incorrect", None, Some("password"));
        assert_eq!(
            err.field_error("password").map(|e| e.code.as_str()),
            Some("form_password_incorrect")
        );
        assert!(err.field_error("identifier").is_none());
        assert_eq!(err.code(), Some("form_password_incorrect"));
    }

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn a_captcha_401_is_no_sign_out() {
        use crate::api::decode_error;
        // Clerk's body for bot protection.
        let captcha = decode_error(
            401,
            r#"{"errors": [{"code": "requires_captcha", "message": "CAPTCHA verification is required",
                "long_message": "CAPTCHA verification is required", "meta": {}}],
               "clerk_trace_id": "t"}"#,
        );
        assert!(!captcha.means_no_client());
        assert!(captcha
            .to_string()
            .contains("CAPTCHA verification is required"));
        let forged = decode_error(
            401,
            r#"{"errors": [{"code": "authentication_invalid", "message": "Unauthorized request"}]}"#,
        );
        assert!(forged.means_no_client());
        assert!(!decode_error(500, "").means_no_client());
    }

    // Natively against serde_json, in the browser against what ships.
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn only_clerk_saying_gone_is_gone() {
        use crate::api::decode_error;
        // What a proxy, CDN or firewall may answer instead of Clerk.
        for (status, body) in [
            (404, "<html><body><h1>404 Not Found</h1></body></html>"),
            (404, ""),
            (401, "Unauthorized"),
            (404, r#"{"message": "no route"}"#),
            (404, r#"{"errors": []}"#),
            (
                401,
                r#"{"errors": [{"code": "proxy_auth_required", "message": "Log in"}]}"#,
            ),
            (404, r#"{"errors": [{"code": "resource_not_found"}]}"#),
        ] {
            let err = decode_error(status, body);
            assert_eq!(err.status(), Some(status));
            assert!(!err.is_session_gone(), "{status} {body}");
        }
        let gone = decode_error(
            404,
            r#"{"errors": [{"code": "resource_not_found", "message": "not found",
                "long_message": "No session was found with id sess_1"}]}"#,
        );
        assert!(gone.is_session_gone());
    }
}

//! Body parameters, read by the [`Params`] extractor from a form-urlencoded
//! or JSON body, as clerk-js sends either.

use std::collections::HashMap;

use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderMap};
use serde_json::Value;

use crate::api_error::ApiError;
use crate::{AppState, BODY_LIMIT};

/// Body parameters, from a form-urlencoded or JSON body.
///
/// Handlers that read no parameter still take it, so that an unparseable
/// body is a 400 `malformed_request_body` on every FAPI route.
pub(crate) struct Params(HashMap<String, Value>);

impl Params {
    fn parse(headers: &HeaderMap, body: &[u8]) -> Result<Self, ApiError> {
        let is_json = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            })
            .is_some_and(|mime| mime == "application/json" || mime.ends_with("+json"));
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(HashMap::new()));
        }
        if is_json {
            let value: Value = serde_json::from_slice(body).map_err(|e| {
                ApiError::malformed_body(format!("The JSON request body could not be parsed: {e}."))
            })?;
            return match value {
                Value::Object(map) => Ok(Self(map.into_iter().collect())),
                _ => Err(ApiError::malformed_body(
                    "The JSON request body must be an object.",
                )),
            };
        }
        if std::str::from_utf8(body).is_err() {
            return Err(ApiError::malformed_body(
                "The form-urlencoded request body is not valid UTF-8.",
            ));
        }
        let mut map = HashMap::new();
        for (k, v) in form_urlencoded::parse(body) {
            map.entry(k.into_owned())
                .or_insert_with(|| Value::String(v.into_owned()));
        }
        Ok(Self(map))
    }

    /// A string parameter; absent, null and "" all count as missing.
    pub fn string(&self, name: &str) -> Result<Option<String>, ApiError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(ApiError::param_invalid(
                name,
                format!("{name} must be a string."),
            )),
        }
    }
}

impl FromRequest<AppState> for Params {
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &AppState) -> Result<Self, ApiError> {
        let (parts, body) = request.into_parts();
        // The front layer already enforced the body limit and buffered it.
        let body = axum::body::to_bytes(body, BODY_LIMIT)
            .await
            .map_err(|_| ApiError::body_too_large(BODY_LIMIT))?;
        Self::parse(&parts.headers, &body)
    }
}

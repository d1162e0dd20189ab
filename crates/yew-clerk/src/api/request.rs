//! Pure request building and response decoding, free of the browser so it is
//! tested natively. `http.rs` only moves the bytes.

use super::json::Json;
use super::models::{field, list, optional, FromJson};
use crate::error::{ApiError, ClerkError};

/// The FAPI version these models follow, sent as `__clerk_api_version`.
pub(crate) const CLERK_API_VERSION: &str = "2025-04-10";
/// Sent as `_clerk_js_version`: FAPI keys some behaviour on it, and we follow
/// clerk-js 5's wire behaviour.
pub(crate) const CLERK_JS_VERSION: &str = "5.0.0";
/// Query parameter carrying a development instance's dev-browser token.
pub(crate) const DEV_BROWSER_PARAM: &str = "__clerk_db_jwt";

/// A Frontend API method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Post,
    Delete,
}

/// What goes on the wire: only GET or POST, so that with a form body and no
/// custom headers every request is a CORS "simple request" without a preflight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Prepared {
    pub post: bool,
    pub url: String,
    pub body: Option<String>,
}

/// Builds the request for `method path` with a form body, as clerk-js does:
/// DELETE becomes `POST ?_method=DELETE`.
pub(crate) fn prepare(
    base_url: &str,
    method: Method,
    path: &str,
    form: &[(&str, &str)],
    dev_browser_token: Option<&str>,
) -> Prepared {
    let mut url = String::with_capacity(base_url.len() + path.len() + 96);
    url.push_str(base_url.trim_end_matches('/'));
    url.push_str("/v1");
    url.push_str(path);
    url.push_str("?__clerk_api_version=");
    url.push_str(CLERK_API_VERSION);
    url.push_str("&_clerk_js_version=");
    url.push_str(CLERK_JS_VERSION);
    if method == Method::Delete {
        url.push_str("&_method=DELETE");
    }
    if let Some(token) = dev_browser_token {
        url.push('&');
        url.push_str(DEV_BROWSER_PARAM);
        url.push('=');
        form_encode_into(&mut url, token);
    }
    let post = method != Method::Get;
    let body = post.then(|| {
        let mut body = String::new();
        for (i, (key, value)) in form.iter().enumerate() {
            if i > 0 {
                body.push('&');
            }
            form_encode_into(&mut body, key);
            body.push('=');
            form_encode_into(&mut body, value);
        }
        body
    });
    Prepared { post, url, body }
}

/// `application/x-www-form-urlencoded` encoding of one key or value.
pub(crate) fn form_encode_into(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(byte as char)
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(HEX[usize::from(byte >> 4)] as char);
                out.push(HEX[usize::from(byte & 15)] as char);
            }
        }
    }
}

/// Encoding of a query value that keeps `/` and `:` readable (RFC 3986
/// allows both there): `redirect_url=/account`.
pub(crate) fn query_encode_into(out: &mut String, text: &str) {
    for part in text.split_inclusive(['/', ':']) {
        let (body, sep) = match part.strip_suffix(['/', ':']) {
            Some(body) => (body, &part[body.len()..]),
            None => (part, ""),
        };
        form_encode_into(out, body);
        out.push_str(sep);
    }
}

impl FromJson for ApiError {
    fn from_json(json: &Json) -> Result<Self, String> {
        Ok(ApiError {
            code: field(json, "code")?,
            message: field(json, "message")?,
            long_message: optional(json, "long_message")?,
            param_name: json
                .get("meta")
                .map(|meta| optional(meta, "param_name"))
                .transpose()?
                .flatten(),
        })
    }
}

/// Turns a status and body into the value, or a `ClerkError` that says why not.
pub(crate) fn decode<T: FromJson>(status: u16, body: &str) -> Result<T, ClerkError> {
    let parsed = Json::parse(body);
    if (200..300).contains(&status) {
        let json = parsed.map_err(ClerkError::Decode)?;
        return T::from_json(&json).map_err(ClerkError::Decode);
    }
    // Not Clerk's error shape (a proxy's HTML page, say): keep the status.
    let (errors, trace_id) = match &parsed {
        Ok(json) => (
            list::<ApiError>(json, "errors").unwrap_or_default(),
            optional::<String>(json, "clerk_trace_id").ok().flatten(),
        ),
        Err(_) => (Vec::new(), None),
    };
    Err(ClerkError::Api {
        status,
        errors,
        trace_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::models::{Client, Envelope};

    #[test]
    fn get_has_clerk_params_and_no_body() {
        let p = prepare("http://127.0.0.1:8787/", Method::Get, "/client", &[], None);
        assert!(!p.post);
        assert_eq!(p.body, None);
        assert_eq!(
            p.url,
            "http://127.0.0.1:8787/v1/client?__clerk_api_version=2025-04-10&_clerk_js_version=5.0.0"
        );
    }

    #[test]
    fn delete_is_a_post_with_method_override() {
        let p = prepare(
            "https://clerk.x.dev",
            Method::Delete,
            "/client/sessions",
            &[],
            None,
        );
        assert!(p.post);
        assert!(p.url.starts_with("https://clerk.x.dev/v1/client/sessions?"));
        assert!(p.url.ends_with("&_method=DELETE"));
        assert_eq!(p.body.as_deref(), Some(""));
    }

    #[test]
    fn form_body_and_dev_browser_token_are_encoded() {
        let p = prepare(
            "https://clerk.x.dev",
            Method::Post,
            "/client/sign_ins",
            &[
                ("identifier", "a+b@example.com"),
                ("password", "p&ss w=rd/é"),
            ],
            Some("tok.en+/="),
        );
        assert_eq!(
            p.body.as_deref(),
            Some("identifier=a%2Bb%40example.com&password=p%26ss+w%3Drd%2F%C3%A9")
        );
        assert!(p.url.ends_with("&__clerk_db_jwt=tok.en%2B%2F%3D"));
    }

    #[test]
    fn query_values_keep_slashes() {
        let mut out = String::new();
        query_encode_into(&mut out, "http://h/a b?c=d&e/");
        assert_eq!(out, "http://h/a+b%3Fc%3Dd%26e/");
    }

    #[test]
    fn decodes_success_and_clerk_errors() {
        let ok: Envelope<Client> = decode(200, r#"{"response": null, "client": null}"#).unwrap();
        assert!(ok.response.is_none());

        let err = decode::<Envelope<Client>>(
            422,
            r#"{"errors": [{"code": "form_password_incorrect", "message": "Password is incorrect.",
                "long_message": "Password is incorrect. Try again.", "meta": {"param_name": "password"}}],
                "clerk_trace_id": "abc"}"#,
        )
        .unwrap_err();
        assert_eq!(err.status(), Some(422));
        assert_eq!(err.code(), Some("form_password_incorrect"));
        assert_eq!(
            err.field_error("password").map(|e| e.message.as_str()),
            Some("Password is incorrect.")
        );
        assert!(matches!(err, ClerkError::Api { trace_id: Some(ref t), .. } if t == "abc"));
    }

    #[test]
    fn malformed_bodies_are_errors_not_panics() {
        // A 2xx that is not JSON, or JSON of the wrong shape.
        for body in ["<html>", "", "[]", r#"{"response": {"id": 5}}"#, "\u{0}"] {
            assert!(
                matches!(
                    decode::<Envelope<Client>>(200, body),
                    Err(ClerkError::Decode(_))
                ),
                "{body:?}"
            );
        }
        // An error status with a body that is not Clerk's shape keeps the status.
        let err = decode::<Envelope<Client>>(502, "<html>Bad gateway</html>").unwrap_err();
        assert_eq!(
            err,
            ClerkError::Api {
                status: 502,
                errors: vec![],
                trace_id: None
            }
        );
    }
}

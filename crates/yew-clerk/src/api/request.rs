//! Pure request building and response decoding, free of the browser so it is
//! tested natively. `http.rs` only moves the bytes.

use serde::de::DeserializeOwned;
use serde::Deserialize;

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

/// Clerk's error body: `{"errors": [...], "clerk_trace_id": "..."}`.
#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    errors: Vec<WireError>,
    clerk_trace_id: Option<String>,
}

#[derive(Deserialize)]
struct WireError {
    code: String,
    message: String,
    long_message: Option<String>,
    meta: Option<WireErrorMeta>,
}

#[derive(Deserialize)]
struct WireErrorMeta {
    param_name: Option<String>,
}

impl From<WireError> for ApiError {
    fn from(e: WireError) -> Self {
        ApiError {
            code: e.code,
            message: e.message,
            long_message: e.long_message,
            param_name: e.meta.and_then(|m| m.param_name),
        }
    }
}

/// Turns a status and body into the value, or a `ClerkError` that says why not.
///
/// serde_json refuses nesting deeper than 128 levels, and skips the values the
/// models do not name without recursion, so no body can exhaust the stack.
pub(crate) fn decode<T: DeserializeOwned>(status: u16, body: &str) -> Result<T, ClerkError> {
    if (200..300).contains(&status) {
        return serde_json::from_str(body).map_err(|e| ClerkError::Decode(e.to_string()));
    }
    // Not Clerk's error shape (a proxy's HTML page, say): keep the status.
    let (errors, trace_id) = match serde_json::from_str::<ErrorBody>(body) {
        Ok(body) => (
            body.errors.into_iter().map(ApiError::from).collect(),
            body.clerk_trace_id,
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
    use crate::api::models::{Client, Envelope, Ignored};

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

    // Also run in the browser (scripts/test's wasm step): the wasm stack is
    // the one that must hold.
    #[cfg(target_arch = "wasm32")]
    wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let deep = "[".repeat(100_000);
        assert!(matches!(
            decode::<Envelope<Client>>(200, &deep),
            Err(ClerkError::Decode(_))
        ));
        // Values the models do not name are skipped without recursion.
        let ignored = format!(
            r#"{{"response": {{"id": "c", "x": {}{}}}, "client": null}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let envelope: Envelope<Client> = decode(200, &ignored).unwrap();
        assert_eq!(envelope.response.map(|c| c.id).as_deref(), Some("c"));
        assert!(decode::<Ignored>(200, &ignored).is_ok());
        // An error body nested too deeply is still an error with its status.
        let err = decode::<Ignored>(404, &deep).unwrap_err();
        assert_eq!(err.status(), Some(404));
    }

    // Native only: proptest is not a dependency of the wasm test build.
    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        #[test]
        fn never_panics_on_any_text(text in "\\PC*", status in 100u16..600) {
            let _ = decode::<Envelope<Client>>(status, &text);
            let _ = decode::<Ignored>(status, &text);
        }

        #[test]
        fn never_panics_on_json_like_text(
            text in r#"[\[\]{}":,\\ 0-9.eE+\-tfnrulase\\u00dD8]{0,40}"#,
            status in proptest::sample::select(vec![200u16, 401, 404, 422, 500]),
        ) {
            let _ = decode::<Envelope<Client>>(status, &text);
        }

        #[test]
        fn never_panics_on_client_shaped_text(
            id in "\\PC*",
            sessions in r#"[\[\]{}":,0-9a-z_ ]{0,60}"#,
        ) {
            let body = format!(r#"{{"response": {{"id": {}, "sessions": [{sessions}]}}}}"#, quoted(&id));
            let _ = decode::<Envelope<Client>>(200, &body);
        }

        #[test]
        fn strings_round_trip(text in "\\PC*") {
            let body = format!(r#"{{"response": {{"id": {}, "sessions": []}}}}"#, quoted(&text));
            let envelope: Envelope<Client> = decode(200, &body).unwrap();
            proptest::prop_assert_eq!(envelope.response.map(|c| c.id), Some(text));
        }
    }

    /// A JSON string literal, escaped by hand so the test does not trust the
    /// encoder of the library under test.
    #[cfg(not(target_arch = "wasm32"))]
    fn quoted(text: &str) -> String {
        let mut doc = String::from("\"");
        for c in text.chars() {
            match c {
                '"' => doc.push_str("\\\""),
                '\\' => doc.push_str("\\\\"),
                c if (c as u32) < 0x20 => doc.push_str(&format!("\\u{:04x}", c as u32)),
                c => doc.push(c),
            }
        }
        doc.push('"');
        doc
    }
}

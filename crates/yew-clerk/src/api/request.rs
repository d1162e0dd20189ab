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

/// A body as `T`. In the browser: the browser's own `JSON.parse`, then
/// serde-wasm-bindgen over the parsed value. The app links
/// serde-wasm-bindgen anyway (yew-router's history state), and it measured
/// 5.6 KB gzip smaller than serde_json, whose parser is compiled again for
/// every model (README, "Size, decided by measurement"). It walks only the
/// fields the models name, to the models' fixed depth, so no body can
/// exhaust the wasm stack; `JSON.parse` is the engine's.
#[cfg(target_arch = "wasm32")]
fn parse<T: DeserializeOwned>(body: &str) -> Result<T, String> {
    let value = js_sys::JSON::parse(body).map_err(|_| String::from("the body is not JSON"))?;
    serde_wasm_bindgen::from_value(value).map_err(|e| e.to_string())
}

/// Natively (tests, docs), serde_json drives the same `Deserialize` impls.
#[cfg(not(target_arch = "wasm32"))]
fn parse<T: DeserializeOwned>(body: &str) -> Result<T, String> {
    serde_json::from_str(body).map_err(|e| e.to_string())
}

/// Every Frontend API answer is a JSON object. serde-wasm-bindgen would read
/// a JS array as an object without fields (an array is an object in JS), so
/// `[]` would pass as an empty envelope.
fn is_object(body: &str) -> bool {
    body.trim_start_matches([' ', '\t', '\n', '\r'])
        .starts_with('{')
}

/// Turns a status and body into the value, or a `ClerkError` that says why not.
pub(crate) fn decode<T: DeserializeOwned>(status: u16, body: &str) -> Result<T, ClerkError> {
    if !(200..300).contains(&status) {
        return Err(api_error(status, body));
    }
    if !is_object(body) {
        return Err(ClerkError::Decode("the body is not a JSON object".into()));
    }
    parse(body).map_err(ClerkError::Decode)
}

/// The error an error status and its body say. Not generic: one copy for
/// every answer type.
#[inline(never)]
pub(crate) fn api_error(status: u16, body: &str) -> ClerkError {
    // Not Clerk's error shape (a proxy's HTML page, say): keep the status.
    let parsed = is_object(body)
        .then(|| parse::<ErrorBody>(body).ok())
        .flatten();
    let (errors, trace_id) = match parsed {
        Some(body) => (
            body.errors.into_iter().map(ApiError::from).collect(),
            body.clerk_trace_id,
        ),
        None => (Vec::new(), None),
    };
    ClerkError::Api {
        status,
        errors,
        trace_id,
    }
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

    // Natively against serde_json, in the browser against what ships.
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
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

    // Natively against serde_json, in the browser against what ships.
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
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

    // Natively against serde_json, in the browser against what ships.
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let deep = "[".repeat(100_000);
        assert!(matches!(
            decode::<Envelope<Client>>(200, &deep),
            Err(ClerkError::Decode(_))
        ));
        // Values the models do not name are skipped, however deep (or, where
        // the parser refuses the depth, the body is a Decode error).
        let ignored = format!(
            r#"{{"response": {{"id": "c", "x": {}{}}}, "client": null}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        match decode::<Envelope<Client>>(200, &ignored) {
            Ok(envelope) => assert_eq!(envelope.response.map(|c| c.id).as_deref(), Some("c")),
            Err(e) => assert!(matches!(e, ClerkError::Decode(_)), "{e:?}"),
        }
        let _ = decode::<Ignored>(200, &ignored);
        // An error body nested too deeply is still an error with its status.
        let err = decode::<Ignored>(404, &deep).unwrap_err();
        assert_eq!(err.status(), Some(404));
    }

    // Natively against serde_json, in the browser against what ships.
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn random_bodies_never_panic_and_strings_round_trip() {
        let seed = seed();
        let mut rng = XorShift(seed | 1);
        const JSONISH: &[u8] = br#"[]{}":,\ 0123456789.eE+-tfnrulase"#;
        for _ in 0..2_000 {
            let len = rng.below(48);
            let text: String = (0..len)
                .map(|_| JSONISH[rng.below(JSONISH.len())] as char)
                .collect();
            for status in [200, 401, 404, 422, 500] {
                let _ = decode::<Envelope<Client>>(status, &text);
            }
        }
        for _ in 0..500 {
            let len = rng.below(24);
            let text: String = (0..len)
                .filter_map(|_| char::from_u32(rng.next() as u32 % 0x11_0000))
                .collect();
            let body = format!(
                r#"{{"response": {{"id": {}, "sessions": []}}}}"#,
                quoted(&text)
            );
            let envelope: Envelope<Client> =
                decode(200, &body).unwrap_or_else(|e| panic!("seed {seed}: {body:?}: {e}"));
            assert_eq!(envelope.response.map(|c| c.id), Some(text), "seed {seed}");
        }
    }

    /// xorshift64: enough randomness to fuzz, the same on both targets.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
    }

    /// A new seed each run; failures print it.
    fn seed() -> u64 {
        #[cfg(target_arch = "wasm32")]
        let now = js_sys::Date::now() as u64;
        #[cfg(not(target_arch = "wasm32"))]
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64);
        now
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

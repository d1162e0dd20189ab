//! Shared helpers: start an emulator on an ephemeral port and talk to it
//! over real HTTP.

use std::sync::Arc;
use std::time::Duration;

use clerk_emulator::{Config, Running};
use reqwest::header::ORIGIN;
use reqwest::{Method, Response, StatusCode};
use serde_json::Value;

/// The origin the tests pretend to be (allowed by default).
pub const APP_ORIGIN: &str = "http://127.0.0.1:8080";

pub const DEMO: (&str, &str) = ("demo@example.com", "demo-password-1");
pub const ADA: (&str, &str) = ("ada@example.com", "ada-password-1");

/// An emulator plus an HTTP client with its own cookie jar (one "browser").
pub struct Emu {
    /// Shared by the browsers of one emulator; the last one stops it.
    pub running: Arc<Running>,
    pub http: reqwest::Client,
    pub base: String,
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .timeout(Duration::from_secs(20))
        .build()
        .expect("reqwest client")
}

/// The configuration of tests about anything but Client Trust: every
/// password sign-in completes in one request.
pub fn one_step() -> Config {
    Config::default().with_client_trust(false)
}

/// Starts an emulator on 127.0.0.1:0 with `config` (codes not printed: the
/// tests read them from the outbox).
pub async fn start_with(config: Config) -> Emu {
    let config = config
        .with_addr("127.0.0.1:0".parse().expect("addr"))
        .with_print_codes(false);
    let running = clerk_emulator::start(config)
        .await
        .expect("emulator starts");
    let base = running.url();
    Emu {
        running: Arc::new(running),
        http: client(),
        base,
    }
}

/// An emulator without Client Trust.
pub async fn start() -> Emu {
    start_with(one_step()).await
}

impl Emu {
    /// Another browser (its own cookie jar) on the same emulator.
    pub fn another_browser(&self) -> Emu {
        Emu {
            running: Arc::clone(&self.running),
            http: client(),
            base: self.base.clone(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A request with the app's Origin, as a browser would send it.
    pub fn req(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(path))
            .header(ORIGIN, APP_ORIGIN)
    }

    /// Sends a request with no body.
    pub async fn send(&self, method: Method, path: &str) -> Response {
        self.req(method, path).send().await.expect("request sent")
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.req(Method::POST, path)
            .form(form)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn get(&self, path: &str) -> Response {
        self.send(Method::GET, path).await
    }

    /// Signs in and returns the whole `{response, client}` envelope.
    pub async fn sign_in(&self, (email, password): (&str, &str)) -> Value {
        let resp = self
            .post_form(
                "/v1/client/sign_ins",
                &[
                    ("strategy", "password"),
                    ("identifier", email),
                    ("password", password),
                ],
            )
            .await;
        ok_json(resp).await
    }

    pub async fn client_json(&self) -> Value {
        ok_json(self.get("/v1/client").await).await
    }

    /// `/__emulator/sessions`, as a list of `(id, status)`.
    pub async fn hook_sessions(&self) -> Vec<(String, String)> {
        let list = ok_json(self.get("/__emulator/sessions").await).await;
        list.as_array()
            .expect("sessions hook answers an array")
            .iter()
            .map(|s| (str_at(s, "/id"), str_at(s, "/status")))
            .collect()
    }

    pub async fn hook_status(&self, session_id: &str) -> Option<String> {
        self.hook_sessions()
            .await
            .into_iter()
            .find(|(id, _)| id == session_id)
            .map(|(_, status)| status)
    }

    pub async fn requests_log(&self) -> Vec<Value> {
        let log = ok_json(self.get("/__emulator/requests").await).await;
        log.as_array()
            .expect("requests hook answers an array")
            .clone()
    }

    /// POSTs a JSON body.
    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.req(Method::POST, path)
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn add_fault(&self, fault: Value) {
        let resp = self.post_json("/__emulator/faults", &fault).await;
        assert_eq!(resp.status(), StatusCode::CREATED, "fault accepted");
    }

    /// `GET /__emulator/emails?to=...`: the codes sent to `to`, oldest first.
    pub async fn emails_to(&self, to: &str) -> Vec<Value> {
        let url = format!("/__emulator/emails?to={}", to.replace('+', "%2B"));
        let list = ok_json(self.get(&url).await).await;
        list.as_array()
            .expect("emails hook answers an array")
            .clone()
    }

    /// The last code sent to `to`.
    pub async fn last_code(&self, to: &str) -> String {
        let emails = self.emails_to(to).await;
        let last = emails.last().unwrap_or_else(|| panic!("no e-mail to {to}"));
        str_at(last, "/code")
    }

    /// The emulator's time, in seconds.
    pub async fn clock_secs(&self) -> i64 {
        let clock = ok_json(self.get("/__emulator/clock").await).await;
        clock["now_ms"].as_i64().expect("now_ms") / 1000
    }

    /// Moves the emulator's clock by `ms`.
    pub async fn advance_clock(&self, ms: i64) {
        let resp = self
            .post_json("/__emulator/clock", &serde_json::json!({"advance_ms": ms}))
            .await;
        ok_json(resp).await;
    }

    pub async fn jwks(&self) -> Value {
        ok_json(self.get("/.well-known/jwks.json").await).await
    }
}

/// Verifies `jwt` against `jwks` (RS256, the key named by its `kid`,
/// `iss`, `exp` and `nbf` with no leeway) and returns its claims.
pub fn verify_jwt(jwks: &Value, jwt: &str, issuer: &str) -> Value {
    use jsonwebtoken::{Algorithm, DecodingKey, Validation};
    let header = jsonwebtoken::decode_header(jwt).expect("JWT header");
    assert_eq!(header.alg, Algorithm::RS256);
    let kid = header.kid.expect("kid in header");
    let key = jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["kid"] == kid.as_str())
        .expect("kid published in JWKS");
    assert_eq!(key["alg"], "RS256");
    assert_eq!(key["use"], "sig");
    let decoding =
        DecodingKey::from_rsa_components(&str_at(key, "/n"), &str_at(key, "/e")).expect("RSA key");
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[issuer]);
    validation.set_required_spec_claims(&["exp", "nbf", "iss", "sub"]);
    validation.validate_nbf = true;
    validation.leeway = 0;
    jsonwebtoken::decode::<Value>(jwt, &decoding, &validation)
        .expect("token verifies")
        .claims
}

pub fn str_at(value: &Value, pointer: &str) -> String {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no string at {pointer} in {value}"))
        .to_owned()
}

/// Asserts a 200 and returns the JSON body.
pub async fn ok_json(resp: Response) -> Value {
    let status = resp.status();
    let text = resp.text().await.expect("body read");
    assert_eq!(status, StatusCode::OK, "expected 200, got {status}: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Checks that `body` is Clerk's error shape and returns the first code.
pub fn clerk_error_code(body: &Value) -> Result<String, String> {
    let errors = body
        .get("errors")
        .and_then(Value::as_array)
        .ok_or("no errors array")?;
    let first = errors.first().ok_or("empty errors array")?;
    for field in ["code", "message", "long_message"] {
        if !first.get(field).is_some_and(Value::is_string) {
            return Err(format!("errors[0].{field} is not a string"));
        }
    }
    if !first.get("meta").is_some_and(Value::is_object) {
        return Err("errors[0].meta is not an object".into());
    }
    let trace = body
        .get("clerk_trace_id")
        .and_then(Value::as_str)
        .ok_or("no clerk_trace_id")?;
    if trace.is_empty() || !trace.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(format!("clerk_trace_id {trace:?} is not hex"));
    }
    Ok(str_at(first, "/code"))
}

/// Asserts the status and Clerk's error shape with `code`; returns the body.
pub async fn expect_error(resp: Response, status: StatusCode, code: &str) -> Value {
    let got = resp.status();
    let text = resp.text().await.expect("body read");
    assert_eq!(got, status, "status for {code}: {text}");
    let body: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("error body not JSON ({e}): {text}"));
    let found = clerk_error_code(&body).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert_eq!(found, code, "error code in {text}");
    body
}

/// The value of a form field in a page of the hosted portal.
pub fn input_value(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + marker.len();
    let end = html[start..].find('"').expect("closing quote") + start;
    html[start..end].to_owned()
}

/// The `__client` Set-Cookie of a response, if any.
pub fn client_set_cookie(resp: &Response) -> Option<String> {
    resp.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("__client="))
        .map(str::to_owned)
}

/// Sends raw bytes on a fresh connection (the request should say
/// `Connection: close`) and returns the status and body of the answer.
pub async fn raw_request(addr: std::net::SocketAddr, request: &[u8]) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    // The server may answer (413) before reading everything; ignore a reset.
    let _ = stream.write_all(request).await;
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "no answer within 20 s");
    let text = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {head:?}"));
    (status, body.to_owned())
}

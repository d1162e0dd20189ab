//! The demo API against real parts: clerk-emulator instances in-process
//! (signed in over HTTP, tokens from the FAPI token endpoint), a tiny JWKS
//! server for keys the tests hold, and the API itself driven with `oneshot`.
//! The binary gets one run of its own at the end.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::routing::get;
use axum::Router;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use demo_api::Config;
use http_body_util::BodyExt as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs1::EncodeRsaPrivateKey as _;
use rsa::traits::PublicKeyParts as _;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tower::ServiceExt as _;

/// The app's origin: allowed by default in the emulator, and by the API here.
const APP: &str = "http://127.0.0.1:8080";
const DEMO: (&str, &str) = ("demo@example.com", "demo-password-1");
/// Upper bound for anything the tests wait on.
const WAIT: Duration = Duration::from_secs(30);

// --- emulators and their tokens -------------------------------------------

/// A signed-in browser on one emulator: its session token and who it names.
struct Signed {
    token: String,
    user_id: String,
    session_id: String,
}

/// One "browser" (its own cookie jar: cookies ignore ports, so two emulators
/// on 127.0.0.1 must not share one).
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .timeout(WAIT)
        .build()
        .expect("reqwest client")
}

async fn json_of(response: reqwest::Response) -> Value {
    let status = response.status();
    let text = response.text().await.expect("body read");
    assert!(status.is_success(), "{status}: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Signs in as the demo user on the emulator at `base` and asks the FAPI
/// token endpoint for a session token, sending `origin` (it becomes `azp`).
async fn sign_in(base: &str, origin: Option<&str>) -> Signed {
    let http = browser();
    let with_origin = |request: reqwest::RequestBuilder| match origin {
        Some(origin) => request.header(header::ORIGIN, origin),
        None => request,
    };
    let form = [
        ("strategy", "password"),
        ("identifier", DEMO.0),
        ("password", DEMO.1),
    ];
    let envelope = json_of(
        with_origin(http.post(format!("{base}/v1/client/sign_ins")))
            .form(&form)
            .send()
            .await
            .expect("sign-in sent"),
    )
    .await;
    let session_id = envelope["response"]["created_session_id"]
        .as_str()
        .expect("created_session_id")
        .to_owned();
    let user_id = envelope["client"]["sessions"]
        .as_array()
        .and_then(|sessions| sessions.iter().find(|s| s["id"] == session_id.as_str()))
        .and_then(|s| s["user"]["id"].as_str())
        .expect("the session's user id")
        .to_owned();
    let minted = json_of(
        with_origin(http.post(format!("{base}/v1/client/sessions/{session_id}/tokens")))
            .send()
            .await
            .expect("token request sent"),
    )
    .await;
    let token = minted["jwt"].as_str().expect("jwt").to_owned();
    Signed {
        token,
        user_id,
        session_id,
    }
}

async fn start_emulator() -> clerk_emulator::Running {
    start_emulator_allowing(&[APP]).await
}

/// An emulator whose pages at `origins` may sign in (it refuses
/// state-changing requests from any other page).
async fn start_emulator_allowing(origins: &[&str]) -> clerk_emulator::Running {
    // One-request password sign-ins; Client Trust is the emulator's concern.
    let config = clerk_emulator::Config::default()
        .with_addr(([127, 0, 0, 1], 0).into())
        .with_allowed_origins(origins.iter().copied())
        .with_client_trust(false)
        .with_print_codes(false);
    clerk_emulator::start(config)
        .await
        .expect("emulator starts")
}

/// A second emulator that names `issuer_of`'s URL as its issuer but signs
/// with its own key: the same instance after a restart, or an impostor.
/// Returns its own base URL.
async fn start_twin(issuer_of: &clerk_emulator::Running) -> String {
    let config = clerk_emulator::Config::default()
        .with_addr(issuer_of.addr())
        .with_client_trust(false)
        .with_print_codes(false);
    let router = tokio::task::spawn_blocking(move || clerk_emulator::router(config))
        .await
        .expect("key generation ran")
        .expect("twin router");
    // It answers only requests that name its address, as the instance
    // would after a restart there: a proxy in front says so.
    let host = axum::http::HeaderValue::from_str(&issuer_of.addr().to_string()).expect("host");
    let router = router.layer(axum::middleware::map_request(
        move |mut request: axum::extract::Request| {
            let host = host.clone();
            async move {
                request.headers_mut().insert(axum::http::header::HOST, host);
                request
            }
        },
    ));
    serve(router).await
}

/// Serves `router` on a free loopback port until the test's runtime ends.
async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}")
}

async fn jwks_of(base: &str) -> Value {
    json_of(
        browser()
            .get(format!("{base}/.well-known/jwks.json"))
            .send()
            .await
            .expect("jwks fetched"),
    )
    .await
}

// --- keys the tests hold --------------------------------------------------

/// An RSA key the tests sign with, and its public JWK.
struct TestKey {
    kid: String,
    encoding: EncodingKey,
    jwk: Value,
}

impl TestKey {
    fn generate(kid: &str) -> Self {
        let private =
            rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).expect("RSA key generated");
        let der = private.to_pkcs1_der().expect("key encodes");
        let jwk = json!({
            "kid": kid, "kty": "RSA", "alg": "RS256", "use": "sig",
            "n": URL_SAFE_NO_PAD.encode(private.n().to_bytes_be()),
            "e": URL_SAFE_NO_PAD.encode(private.e().to_bytes_be()),
        });
        Self {
            kid: kid.to_owned(),
            encoding: EncodingKey::from_rsa_der(der.as_bytes()),
            jwk,
        }
    }

    /// Signs `claims` with this key, naming `kid` in the header.
    fn sign_as(&self, kid: &str, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(kid.to_owned());
        jsonwebtoken::encode(&header, claims, &self.encoding).expect("token signed")
    }

    fn sign(&self, claims: &Value) -> String {
        self.sign_as(&self.kid, claims)
    }
}

/// One key for the whole binary: RSA generation is the slow part.
fn test_key() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(|| TestKey::generate("test-key-1"))
}

fn now() -> i64 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs();
    i64::try_from(secs).expect("seconds fit")
}

const TEST_ISSUER: &str = "https://clerk.test.example";

/// Claims as Clerk mints them, from `TEST_ISSUER` for the app.
fn claims_at(iat: i64) -> Value {
    json!({
        "iss": TEST_ISSUER, "sub": "user_test", "sid": "sess_test", "azp": APP,
        "iat": iat, "nbf": iat - 10, "exp": iat + 60, "jti": "jti_test",
    })
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// The decoded payload of a token.
fn payload_of(token: &str) -> Value {
    let part = token.split('.').nth(1).expect("payload part");
    let bytes = URL_SAFE_NO_PAD.decode(part).expect("payload base64");
    serde_json::from_slice(&bytes).expect("payload JSON")
}

/// A JWKS endpoint the test controls: what it serves, and how often it was asked.
struct JwksServer {
    url: String,
    served: Arc<Mutex<(StatusCode, String)>>,
    fetches: Arc<AtomicUsize>,
    /// When set, requests are counted and then never answered.
    hang: Arc<AtomicBool>,
}

impl JwksServer {
    async fn start(jwks: &Value) -> Self {
        let served = Arc::new(Mutex::new((StatusCode::OK, jwks.to_string())));
        let fetches = Arc::new(AtomicUsize::new(0));
        let hang = Arc::new(AtomicBool::new(false));
        let (answer, count, hanging) =
            (Arc::clone(&served), Arc::clone(&fetches), Arc::clone(&hang));
        let router = Router::new().route(
            "/.well-known/jwks.json",
            get(move || {
                count.fetch_add(1, Ordering::SeqCst);
                let hang = hanging.load(Ordering::SeqCst);
                let (status, body) = answer
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .clone();
                async move {
                    if hang {
                        std::future::pending::<()>().await;
                    }
                    (status, [(header::CONTENT_TYPE, "application/json")], body)
                }
            }),
        );
        let base = serve(router).await;
        Self {
            url: format!("{base}/.well-known/jwks.json"),
            served,
            fetches,
            hang,
        }
    }

    fn serve(&self, status: StatusCode, body: String) {
        *self.served.lock().unwrap_or_else(PoisonError::into_inner) = (status, body);
    }

    fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }

    /// Waits (bounded) until the server has been asked `n` times.
    async fn wait_for_fetches(&self, n: usize) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while self.fetches() < n {
            assert!(tokio::time::Instant::now() < deadline, "no fetch #{n}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// An API that trusts `test_key()` through a JWKS server, for `TEST_ISSUER`.
async fn api_with_test_key() -> (Router, JwksServer) {
    let server = JwksServer::start(&json!({"keys": [test_key().jwk]})).await;
    let api = demo_api::app(
        Config::new(TEST_ISSUER)
            .with_jwks_url(server.url.as_str())
            .with_allowed_origins([APP]),
    )
    .expect("api");
    (api, server)
}

// --- calling the API ------------------------------------------------------

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

async fn call(api: &Router, request: Request<Body>) -> Answer {
    let response = tokio::time::timeout(WAIT, api.clone().oneshot(request))
        .await
        .expect("answered in time")
        .expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("not JSON ({e}): {bytes:?}"))
    };
    Answer {
        status,
        headers,
        body,
    }
}

/// `GET /api/me` with `Authorization: <authorization>` from the app's origin.
async fn me(api: &Router, authorization: Option<&str>) -> Answer {
    let mut request = Request::get("/api/me").header(header::ORIGIN, APP);
    if let Some(value) = authorization {
        request = request.header(header::AUTHORIZATION, value);
    }
    call(api, request.body(Body::empty()).expect("request")).await
}

async fn me_with(api: &Router, token: &str) -> Answer {
    me(api, Some(&format!("Bearer {token}"))).await
}

fn challenge(answer: &Answer) -> &str {
    answer
        .headers
        .get(header::WWW_AUTHENTICATE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// A 401 with `code`, a message, and an `invalid_token` Bearer challenge.
fn assert_refused(answer: &Answer, code: &str) {
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.body);
    assert_eq!(answer.body["error"]["code"], code, "{}", answer.body);
    let message = answer.body["error"]["message"].as_str().unwrap_or("");
    assert!(!message.is_empty(), "{}", answer.body);
    assert!(
        challenge(answer).starts_with("Bearer realm=\"demo-api\", error=\"invalid_token\", "),
        "{:?}",
        challenge(answer)
    );
}

fn assert_me(answer: &Answer, user_id: &str, session_id: &str) {
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(
        answer.body,
        json!({"user_id": user_id, "session_id": session_id})
    );
}

/// The API answers who `signed` is.
async fn assert_accepted(api: &Router, signed: &Signed) {
    assert_me(
        &me_with(api, &signed.token).await,
        &signed.user_id,
        &signed.session_id,
    );
}

// --- tokens from the emulator ---------------------------------------------

#[tokio::test]
async fn a_session_token_from_the_emulator_names_its_user_and_session() {
    let emu = start_emulator().await;
    let signed = sign_in(&emu.url(), Some(APP)).await;
    assert_eq!(
        payload_of(&signed.token)["azp"],
        APP,
        "the emulator sets azp"
    );

    let by_issuer = demo_api::app(Config::new(emu.url()).with_allowed_origins([APP])).expect("api");
    assert_accepted(&by_issuer, &signed).await;

    // The publishable key the emulator prints is enough configuration.
    let by_key = demo_api::app(
        Config::from_publishable_key(&emu.publishable_key())
            .expect("key")
            .with_allowed_origins([APP]),
    )
    .expect("api");
    assert_accepted(&by_key, &signed).await;
}

#[tokio::test]
async fn no_bearer_credentials_is_a_401_with_a_plain_challenge() {
    let api = demo_api::app(Config::new("http://127.0.0.1:9")).expect("api");
    for authorization in [None, Some("Basic ZGVtbzpkZW1v"), Some("Token abc")] {
        let answer = me(&api, authorization).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{authorization:?}");
        assert_eq!(answer.body["error"]["code"], "token-missing");
        // RFC 6750 §3.1: no error code when no credentials were sent.
        assert_eq!(challenge(&answer), "Bearer realm=\"demo-api\"");
    }
}

#[tokio::test]
async fn malformed_tokens_are_refused_without_fetching_keys() {
    let (api, jwks) = api_with_test_key().await;
    let good_payload = b64(&claims_at(now()));
    let no_kid = format!(
        "{}.{good_payload}.c2ln",
        b64(&json!({"alg": "RS256", "typ": "JWT"}))
    );
    let wrong_typ = format!(
        "{}.{good_payload}.c2ln",
        b64(&json!({"alg": "RS256", "typ": "at+jwt", "kid": test_key().kid}))
    );
    let too_long = format!("a.{}.c", "b".repeat(9000));
    for token in [
        "not-a-jwt",
        "a.b",
        "a.b.c.d",
        "!!!.b.c",
        "e30.e30.e30",
        no_kid.as_str(),
        wrong_typ.as_str(),
        too_long.as_str(),
    ] {
        let answer = me_with(&api, token).await;
        assert_refused(&answer, "token-invalid");
    }
    let empty = me(&api, Some("Bearer ")).await;
    assert_refused(&empty, "token-invalid");
    assert_eq!(jwks.fetches(), 0, "nothing worth a JWKS fetch");
}

#[tokio::test]
async fn alg_none_and_hs256_with_the_public_key_are_refused() {
    let emu = start_emulator().await;
    let signed = sign_in(&emu.url(), Some(APP)).await;
    let jwks = jwks_of(&emu.url()).await;
    let kid = jwks["keys"][0]["kid"].as_str().expect("kid").to_owned();
    let api = demo_api::app(Config::new(emu.url()).with_allowed_origins([APP])).expect("api");
    let payload = payload_of(&signed.token);

    let unsigned = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT", "kid": kid})),
        b64(&payload)
    );
    assert_refused(&me_with(&api, &unsigned).await, "token-invalid-algorithm");

    // The classic confusion attack: HMAC keyed with the public key material.
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(kid.clone());
    let public = jwks["keys"][0].to_string();
    let confused = jsonwebtoken::encode(
        &header,
        &payload,
        &EncodingKey::from_secret(public.as_bytes()),
    )
    .expect("signed");
    assert_refused(&me_with(&api, &confused).await, "token-invalid-algorithm");
    let n = jwks["keys"][0]["n"].as_str().expect("n");
    let confused = jsonwebtoken::encode(&header, &payload, &EncodingKey::from_secret(n.as_bytes()))
        .expect("signed");
    assert_refused(&me_with(&api, &confused).await, "token-invalid-algorithm");

    // The real token still works: the refusals were about the tokens.
    assert_accepted(&api, &signed).await;
}

#[tokio::test]
async fn forged_and_tampered_tokens_are_refused() {
    let emu = start_emulator().await;
    let signed = sign_in(&emu.url(), Some(APP)).await;
    let jwks = jwks_of(&emu.url()).await;
    let kid = jwks["keys"][0]["kid"].as_str().expect("kid").to_owned();
    let api = demo_api::app(Config::new(emu.url()).with_allowed_origins([APP])).expect("api");

    // Our own key, claiming to be the emulator's.
    let forged = test_key().sign_as(&kid, &payload_of(&signed.token));
    assert_refused(&me_with(&api, &forged).await, "token-invalid-signature");

    // The emulator's signature over someone else's claims.
    let mut parts: Vec<String> = signed.token.split('.').map(str::to_owned).collect();
    let mut payload = payload_of(&signed.token);
    payload["sub"] = json!("user_someone_else");
    parts[1] = b64(&payload);
    assert_refused(
        &me_with(&api, &parts.join(".")).await,
        "token-invalid-signature",
    );
}

#[tokio::test]
async fn a_token_from_another_emulator_with_the_same_issuer_is_refused() {
    let emu = start_emulator().await;
    let twin = start_twin(&emu).await;
    let impostor = sign_in(&twin, Some(APP)).await;
    assert_eq!(
        payload_of(&impostor.token)["iss"],
        emu.url(),
        "same issuer string, other key"
    );
    let api = demo_api::app(Config::new(emu.url()).with_allowed_origins([APP])).expect("api");
    assert_refused(&me_with(&api, &impostor.token).await, "jwk-kid-mismatch");
}

#[tokio::test]
async fn the_issuer_must_be_the_configured_instance() {
    let emu = start_emulator().await;
    let signed = sign_in(&emu.url(), Some(APP)).await;
    let api = demo_api::app(
        Config::new("https://other-instance.clerk.accounts.dev")
            .with_jwks_url(format!("{}/.well-known/jwks.json", emu.url()))
            .with_allowed_origins([APP]),
    )
    .expect("api");
    assert_refused(&me_with(&api, &signed.token).await, "token-invalid-issuer");
}

#[tokio::test]
async fn azp_must_be_an_allowed_origin() {
    // The emulator lets that page sign in; the API must still refuse its token.
    let emu = start_emulator_allowing(&[APP, "https://evil.example"]).await;
    let api = demo_api::app(Config::new(emu.url()).with_allowed_origins([APP])).expect("api");
    let elsewhere = sign_in(&emu.url(), Some("https://evil.example")).await;
    assert_eq!(payload_of(&elsewhere.token)["azp"], "https://evil.example");
    assert_refused(
        &me_with(&api, &elsewhere.token).await,
        "token-invalid-authorized-parties",
    );

    // No Origin, no azp: refused too once origins are configured (Clerk's
    // @clerk/backend since 3.11.1).
    let no_origin = sign_in(&emu.url(), None).await;
    assert!(payload_of(&no_origin.token).get("azp").is_none());
    assert_refused(
        &me_with(&api, &no_origin.token).await,
        "token-invalid-authorized-parties",
    );
}

// --- tokens the tests sign ------------------------------------------------

#[tokio::test]
async fn the_time_claims_hold_with_five_seconds_of_leeway() {
    let (api, _jwks) = api_with_test_key().await;
    let now = now();
    let ok = |answer: &Answer| assert_me(answer, "user_test", "sess_test");

    ok(&me_with(&api, &test_key().sign(&claims_at(now))).await);

    let mut claims = claims_at(now - 60);
    claims["exp"] = json!(now - 2);
    ok(&me_with(&api, &test_key().sign(&claims)).await);
    claims["exp"] = json!(now - 30);
    assert_refused(
        &me_with(&api, &test_key().sign(&claims)).await,
        "token-expired",
    );

    let mut early = claims_at(now);
    early["nbf"] = json!(now + 30);
    assert_refused(
        &me_with(&api, &test_key().sign(&early)).await,
        "token-not-active-yet",
    );

    let mut ahead = claims_at(now);
    ahead["iat"] = json!(now + 30);
    assert_refused(
        &me_with(&api, &test_key().sign(&ahead)).await,
        "token-iat-in-the-future",
    );
}

#[tokio::test]
async fn incomplete_and_pending_tokens_are_refused() {
    let (api, _jwks) = api_with_test_key().await;
    for claim in ["sub", "sid", "exp"] {
        let mut claims = claims_at(now());
        if let Some(map) = claims.as_object_mut() {
            map.remove(claim);
        }
        assert_refused(
            &me_with(&api, &test_key().sign(&claims)).await,
            "token-verification-failed",
        );
    }
    let mut pending = claims_at(now());
    pending["sts"] = json!("pending");
    assert_refused(
        &me_with(&api, &test_key().sign(&pending)).await,
        "session-pending",
    );
    let mut odd = claims_at(now());
    odd["exp"] = json!("tomorrow");
    assert_refused(
        &me_with(&api, &test_key().sign(&odd)).await,
        "token-invalid",
    );
}

// --- the JWKS cache -------------------------------------------------------

#[tokio::test]
async fn keys_are_fetched_once_and_refetched_for_a_new_kid() {
    let emu = start_emulator().await;
    let twin = start_twin(&emu).await;
    let jwks = JwksServer::start(&jwks_of(&emu.url()).await).await;
    let api = demo_api::app(
        Config::new(emu.url())
            .with_jwks_url(jwks.url.as_str())
            .with_allowed_origins([APP]),
    )
    .expect("api");

    let before = sign_in(&emu.url(), Some(APP)).await;
    for _ in 0..3 {
        assert_accepted(&api, &before).await;
    }
    assert_eq!(jwks.fetches(), 1, "fetched once, then cached");

    // The instance restarts with a new key (same issuer): the first token
    // signed by it makes the API refetch, once.
    jwks.serve(StatusCode::OK, jwks_of(&twin).await.to_string());
    let after = sign_in(&twin, Some(APP)).await;
    for _ in 0..3 {
        assert_accepted(&api, &after).await;
    }
    assert_eq!(jwks.fetches(), 2, "one refetch for the new kid");
    assert_refused(&me_with(&api, &before.token).await, "jwk-kid-mismatch");
}

#[tokio::test]
async fn a_flood_of_unknown_kids_costs_one_refetch() {
    let (api, jwks) = api_with_test_key().await;
    let claims = claims_at(now());
    let good = test_key().sign(&claims);
    assert_me(&me_with(&api, &good).await, "user_test", "sess_test");
    assert_eq!(jwks.fetches(), 1);

    // Concurrent, as a flood would be: they share one fetch.
    let mut flood = tokio::task::JoinSet::new();
    for i in 0..64 {
        let (api, token) = (
            api.clone(),
            test_key().sign_as(&format!("bogus-{i}"), &claims),
        );
        flood.spawn(async move { me_with(&api, &token).await });
    }
    while let Some(answer) = flood.join_next().await {
        assert_refused(&answer.expect("request task ran"), "jwk-kid-mismatch");
    }
    assert_eq!(jwks.fetches(), 2, "64 unknown kids, one refetch");
    assert_me(&me_with(&api, &good).await, "user_test", "sess_test");
    assert_eq!(jwks.fetches(), 2);
}

#[tokio::test]
async fn a_hanging_jwks_stalls_no_request_that_has_its_key() {
    let jwks = JwksServer::start(&json!({"keys": [test_key().jwk]})).await;
    // A zero TTL makes every request want a refresh.
    let mut config = Config::new(TEST_ISSUER)
        .with_jwks_url(jwks.url.as_str())
        .with_allowed_origins([APP])
        .with_jwks_ttl(Duration::ZERO);
    config.jwks_timeout = Duration::from_secs(2);
    let api = demo_api::app(config).expect("api");
    let token = test_key().sign(&claims_at(now()));
    assert_me(&me_with(&api, &token).await, "user_test", "sess_test");
    assert_eq!(jwks.fetches(), 1);

    jwks.hang.store(true, Ordering::SeqCst);
    let refreshing = tokio::spawn({
        let (api, token) = (api.clone(), token.clone());
        async move { me_with(&api, &token).await }
    });
    jwks.wait_for_fetches(2).await;
    // While that request waits on the endpoint, others use the key they have.
    let meanwhile = tokio::time::timeout(Duration::from_secs(1), me_with(&api, &token))
        .await
        .expect("not stalled by the refresh");
    assert_me(&meanwhile, "user_test", "sess_test");
    // The refresh times out and falls back to the old key.
    assert_me(
        &refreshing.await.expect("request task ran"),
        "user_test",
        "sess_test",
    );
    // After the failure, the next refresh waits for the cooldown.
    assert_me(&me_with(&api, &token).await, "user_test", "sess_test");
    assert_eq!(jwks.fetches(), 2);
}

#[tokio::test]
async fn unreachable_or_broken_jwks_is_a_503_not_a_401() {
    let (api, jwks) = api_with_test_key().await;
    let token = test_key().sign(&claims_at(now()));
    jwks.serve(StatusCode::INTERNAL_SERVER_ERROR, "oops".into());
    let answer = me_with(&api, &token).await;
    assert_eq!(
        answer.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        answer.body
    );
    assert_eq!(answer.body["error"]["code"], "jwk-remote-failed-to-load");
    assert!(answer.headers.get(header::WWW_AUTHENTICATE).is_none());

    // Nothing listens on a port we just released.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind")
        .local_addr()
        .expect("addr");
    let api = demo_api::app(
        Config::new(TEST_ISSUER).with_jwks_url(format!("http://{closed}/.well-known/jwks.json")),
    )
    .expect("api");
    let answer = me_with(&api, &token).await;
    assert_eq!(
        answer.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        answer.body
    );
}

// --- CORS -----------------------------------------------------------------

async fn preflight(api: &Router, origin: &str) -> Answer {
    let request = Request::builder()
        .method(Method::OPTIONS)
        .uri("/api/me")
        .header(header::ORIGIN, origin)
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "GET")
        .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "authorization")
        .body(Body::empty())
        .expect("request");
    call(api, request).await
}

fn allowed_origin(answer: &Answer) -> Option<&str> {
    answer
        .headers
        .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
        .and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn the_app_origin_may_send_its_bearer_header_cross_origin() {
    let (api, _jwks) = api_with_test_key().await;
    let answer = preflight(&api, APP).await;
    assert!(answer.status.is_success(), "{}", answer.status);
    assert_eq!(allowed_origin(&answer), Some(APP));
    let allowed_headers = answer
        .headers
        .get(header::ACCESS_CONTROL_ALLOW_HEADERS)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(
        allowed_headers.contains("authorization"),
        "{allowed_headers}"
    );
    assert!(
        answer
            .headers
            .get(header::ACCESS_CONTROL_ALLOW_CREDENTIALS)
            .is_none(),
        "the bearer header is the credential, not cookies"
    );

    let other = preflight(&api, "https://evil.example").await;
    assert_eq!(allowed_origin(&other), None);

    // The app can read a refusal too.
    let refused = me(&api, None).await;
    assert_eq!(allowed_origin(&refused), Some(APP));
}

// --- the binary -----------------------------------------------------------

const BIN: &str = env!("CARGO_BIN_EXE_demo-api");

#[tokio::test]
async fn the_binary_serves_the_emulator_and_stops_on_sigterm() {
    let emu = start_emulator().await;
    let mut child = tokio::process::Command::new(BIN)
        .args([
            "--addr",
            "127.0.0.1:0",
            "--issuer",
            &emu.url(),
            "--allowed-origin",
            APP,
        ])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let first = tokio::time::timeout(WAIT, lines.next_line())
        .await
        .expect("first line in time")
        .expect("stdout readable")
        .expect("a first line");
    let url = first
        .strip_prefix("demo-api listening on ")
        .unwrap_or_else(|| panic!("first line: {first}"))
        .to_owned();
    assert!(!url.ends_with(":0"), "the real port is printed: {url}");

    let signed = sign_in(&emu.url(), Some(APP)).await;
    let answer = json_of(
        browser()
            .get(format!("{url}/api/me"))
            .bearer_auth(&signed.token)
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(
        answer,
        json!({"user_id": signed.user_id, "session_id": signed.session_id})
    );

    let pid = child.id().expect("running").to_string();
    let killed = tokio::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .expect("kill runs");
    assert!(killed.success());
    let status = tokio::time::timeout(WAIT, child.wait())
        .await
        .expect("exits in time")
        .expect("status");
    assert_eq!(status.code(), Some(0), "clean exit on SIGTERM");
}

#[test]
fn bad_flags_exit_with_a_usage_error() {
    for args in [
        vec!["--publishable-key", "sk_test_nope"],
        vec!["--issuer", "clerk.example.com"],
        vec![
            "--issuer",
            "https://clerk.example.com",
            "--allowed-origin",
            "nope",
        ],
        vec![
            "--publishable-key",
            "pk_test_MTI3LjAuMC4xOjg3ODck",
            "--issuer",
            "https://x.example",
        ],
        vec![],
    ] {
        let output = std::process::Command::new(BIN)
            .args(&args)
            .output()
            .expect("binary runs");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(!output.stderr.is_empty(), "{args:?} says why");
    }
}

//! Property test over request handling: random methods, paths, queries,
//! headers, cookies and bodies never panic the router, never produce a 5xx,
//! and every 4xx body is Clerk's error shape.

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{header, HeaderValue, Request};
use axum::Router;
use http_body_util::BodyExt;
use proptest::prelude::*;
use tower::ServiceExt;

use crate::common::{clerk_error_code, one_step};

/// One runtime and two routers for all cases: cookie mode with Client
/// Trust (a client with an active session and a sign-in waiting for its
/// code) and dev-browser mode.
struct Fixture {
    runtime: tokio::runtime::Runtime,
    router: Router,
    dev_router: Router,
    valid_cookie: String,
    /// The id of the sign-in waiting for its code, for paths that say
    /// `PENDING`.
    pending_sign_in: String,
}

/// Sends one request; returns the new `__client` cookie, if any, and the
/// JSON body.
async fn call(
    router: &Router,
    method: &str,
    path: &str,
    body: &str,
    cookie: Option<&str>,
) -> (Option<String>, serde_json::Value) {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    let request = request.body(Body::from(body.to_owned())).expect("request");
    let response = router.clone().oneshot(request).await.expect("infallible");
    assert!(response.status().is_success(), "{method} {path}");
    let cookie = response
        .headers()
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::to_owned);
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (cookie, serde_json::from_slice(&bytes).expect("JSON"))
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let config = clerk_emulator::Config::default()
            .with_multi_session(true)
            .with_print_codes(false);
        let router = clerk_emulator::router(config).expect("router");
        let (valid_cookie, pending_sign_in) = runtime.block_on(async {
            // Ada signs in through the code step...
            let (cookie, started) = call(
                &router,
                "POST",
                "/v1/client/sign_ins",
                "identifier=ada@example.com&password=ada-password-1",
                None,
            )
            .await;
            let cookie = cookie.expect("a client cookie");
            let id = started["response"]["id"].as_str().expect("id").to_owned();
            let factor = format!("/v1/client/sign_ins/{id}");
            call(
                &router,
                "POST",
                &format!("{factor}/prepare_second_factor"),
                "strategy=email_code",
                Some(&cookie),
            )
            .await;
            let (_, emails) = call(&router, "GET", "/__emulator/emails", "", None).await;
            let code = emails[0]["code"].as_str().expect("code").to_owned();
            let (rotated, _) = call(
                &router,
                "POST",
                &format!("{factor}/attempt_second_factor"),
                &format!("strategy=email_code&code={code}"),
                Some(&cookie),
            )
            .await;
            let cookie = rotated.expect("rotated cookie");
            // ...and Demo's sign-in waits for its code on the same client.
            let (_, pending) = call(
                &router,
                "POST",
                "/v1/client/sign_ins",
                "identifier=demo@example.com&password=demo-password-1",
                Some(&cookie),
            )
            .await;
            assert_eq!(pending["response"]["status"], "needs_client_trust");
            let pending = pending["response"]["id"].as_str().expect("id").to_owned();
            (cookie, pending)
        });
        let dev_router = clerk_emulator::router(one_step().with_dev_browser(true)).expect("router");
        Fixture {
            runtime,
            router,
            dev_router,
            valid_cookie,
            pending_sign_in,
        }
    })
}

/// Any bytes, percent-encoded so the URI stays parseable.
fn junk_segment() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9_-]{0,30}",
        prop::collection::vec(any::<u8>(), 0..20)
            .prop_map(|bytes| bytes.iter().map(|b| format!("%{b:02X}")).collect()),
        Just("sess_".to_owned()),
        Just("sia_".to_owned()),
        Just("PENDING".to_owned()),
        Just("..".to_owned()),
    ]
}

fn path() -> impl Strategy<Value = String> {
    let fixed = prop::sample::select(vec![
        "/v1/client",
        "/v1/client/sign_ins",
        "/v1/client/sessions",
        "/v1/environment",
        "/v1/health",
        "/v1/dev_browser",
        "/v1",
        "/",
        "/.well-known/jwks.json",
        "/__emulator/sessions",
        "/__emulator/requests",
        "/__emulator/avatar/user_x.svg",
        "/__emulator/emails",
        "/__emulator/clock",
        "/__emulator/sessions/sess_x",
        "/sign-in",
        "/sign-in/factor-two",
        "/sign-in/factor-two/resend",
        "/sign-up",
        "/sign-up/verify",
        "/sign-up/verify/resend",
    ])
    .prop_map(str::to_owned);
    let session = (
        junk_segment(),
        prop::sample::select(vec![
            "",
            "/touch",
            "/end",
            "/remove",
            "/tokens",
            "/tokens/tpl",
            "/x/y",
        ]),
    )
        .prop_map(|(id, action)| format!("/v1/client/sessions/{id}{action}"));
    let sign_in = (
        junk_segment(),
        prop::sample::select(vec![
            "",
            "/prepare_second_factor",
            "/attempt_second_factor",
            "/prepare_first_factor",
            "/x",
        ]),
    )
        .prop_map(|(id, action)| format!("/v1/client/sign_ins/{id}{action}"));
    let random =
        prop::collection::vec(junk_segment(), 0..5).prop_map(|s| format!("/{}", s.join("/")));
    prop_oneof![fixed, session, sign_in, random]
}

fn query() -> impl Strategy<Value = String> {
    let pair = prop_oneof![
        prop::sample::select(vec![
            "_method=DELETE",
            "_method=PATCH",
            "_method=PUT",
            "_method=GET",
            "_method=%FF",
            "_clerk_js_version=5.0.0",
            "__clerk_api_version=2025-04-10",
            "_clerk_session_id=sess_x",
            "__clerk_db_jwt=dvb_x.y",
            "__clerk_db_jwt=",
            "%%%",
            "a=%ZZ",
        ])
        .prop_map(str::to_owned),
        ("[a-z_]{1,8}", junk_segment()).prop_map(|(k, v)| format!("{k}={v}")),
    ];
    prop::collection::vec(pair, 0..4).prop_map(|pairs| pairs.join("&"))
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..512),
        Just(Vec::new()),
        Just(vec![b'x'; clerk_emulator::BODY_LIMIT + 1]),
        prop::sample::select(vec![
            "{",
            "{\"identifier\": 1}",
            "{\"identifier\": \"demo@example.com\", \"password\": \"demo-password-1\"}",
            "[]",
            "null",
            "\"str\"",
            "identifier=demo%40example.com&password=demo-password-1",
            "identifier=demo%40example.com&password=wrong&strategy=password",
            "strategy=oauth_google",
            "strategy=email_code",
            "strategy=email_code&email_address_id=idn_x",
            "strategy=email_code&code=123456",
            "strategy=email_code&code=",
            "strategy=totp&code=%FF",
            "{\"strategy\": \"totp\", \"code\": 123456}",
            "{\"advance_ms\": 9223372036854775807}",
            "{\"status\": \"pending\", \"tasks\": [{\"key\": \"choose-organization\"}]}",
            "csrf_token=x&identifier=demo%40example.com&password=demo-password-1",
            "csrf_token=&code=424242",
            "email_address=a%40b.co&password=12345678",
            "a=%FF%FE&b",
            "&&&==",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        "[ -~]{0,200}".prop_map(String::into_bytes),
    ]
}

#[derive(Debug, Clone)]
struct Case {
    method: &'static str,
    path: String,
    query: String,
    content_type: Option<&'static str>,
    cookie: u8,
    origin: Option<&'static [u8]>,
    preflight: bool,
    body: Vec<u8>,
    dev_browser: bool,
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::sample::select(vec![
            "GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "TRACE",
        ]),
        path(),
        query(),
        prop::option::of(prop::sample::select(vec![
            "application/json",
            "application/x-www-form-urlencoded",
            "text/plain;charset=UTF-8",
            "multipart/form-data; boundary=x",
            "application/json; charset=utf-8",
            "garbage",
        ])),
        0u8..5,
        prop::option::of(prop::sample::select(vec![
            &b"http://127.0.0.1:8080"[..],
            b"http://evil.example",
            b"null",
            b"http://\xff\xfe",
        ])),
        any::<bool>(),
        body(),
        any::<bool>(),
    )
        .prop_map(
            |(method, path, query, content_type, cookie, origin, preflight, body, dev_browser)| {
                Case {
                    method,
                    path,
                    query,
                    content_type,
                    cookie,
                    origin,
                    preflight,
                    body,
                    dev_browser,
                }
            },
        )
}

fn run(case: &Case) -> Result<(), TestCaseError> {
    let fx = fixture();
    let path = case.path.replace("PENDING", &fx.pending_sign_in);
    let uri = if case.query.is_empty() {
        path
    } else {
        format!("{path}?{}", case.query)
    };
    let mut builder = Request::builder().method(case.method).uri(&uri);
    if let Some(ct) = case.content_type {
        builder = builder.header(header::CONTENT_TYPE, ct);
    }
    // Header values are raw bytes: some are valid but not UTF-8 (obs-text).
    let cookie: Option<Vec<u8>> = match case.cookie {
        0 => None,
        1 => Some(fx.valid_cookie.clone().into_bytes()),
        2 => Some(b"__client=client_x.forged; __client=other".to_vec()),
        3 => Some(b"__client=\xff\xfe.\x80; theme=dark".to_vec()),
        _ => Some(b"=;;__client;__client==".to_vec()),
    };
    if let Some(cookie) = cookie {
        builder = builder.header(
            header::COOKIE,
            HeaderValue::from_bytes(&cookie).expect("valid bytes"),
        );
    }
    if let Some(origin) = case.origin {
        builder = builder.header(
            header::ORIGIN,
            HeaderValue::from_bytes(origin).expect("valid bytes"),
        );
    }
    if case.preflight {
        builder = builder
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "DELETE")
            .header(
                header::ACCESS_CONTROL_REQUEST_HEADERS,
                HeaderValue::from_bytes(b"content-type, x-\xe9, \"q\"").expect("valid bytes"),
            );
    }
    // Every generated case is a valid request; a builder error is a test bug.
    let request = builder
        .body(Body::from(case.body.clone()))
        .map_err(|e| TestCaseError::fail(format!("bad test request {e}: {case:?}")))?;
    let (status, bytes) = fx.runtime.block_on(async {
        let router = if case.dev_browser {
            &fx.dev_router
        } else {
            &fx.router
        };
        let response = router.clone().oneshot(request).await.expect("infallible");
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map(|c| c.to_bytes())
            .expect("the body is produced");
        (status, bytes)
    });
    prop_assert!(!status.is_server_error(), "{status} for {case:?}");
    // The hosted pages answer HTML, errors included.
    let hosted = case.path.starts_with("/sign-in") || case.path.starts_with("/sign-up");
    if hosted && status.is_client_error() && case.method != "HEAD" {
        let text = String::from_utf8_lossy(&bytes);
        prop_assert!(
            text.starts_with("<!doctype html>") || text.starts_with('{'),
            "{status} body for {case:?}: {text}"
        );
    } else if status.is_client_error() && case.method != "HEAD" {
        let body: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
            TestCaseError::fail(format!("{status} body not JSON ({e}) for {case:?}"))
        })?;
        if let Err(e) = clerk_error_code(&body) {
            return Err(TestCaseError::fail(format!("{e}: {body} for {case:?}")));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn any_request_gets_a_clerk_shaped_answer(case in case()) {
        run(&case)?;
    }
}

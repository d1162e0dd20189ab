//! CORS: allowed origins get credentials headers on everything, others none.

use reqwest::header::{HeaderMap, ORIGIN};
use reqwest::{Method, StatusCode};

use crate::common::*;

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

async fn preflight(emu: &Emu, origin: &str) -> reqwest::Response {
    reqwest::Client::new()
        .request(Method::OPTIONS, emu.url("/v1/client/sign_ins"))
        .header(ORIGIN, origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type, x-custom")
        .send()
        .await
        .expect("sent")
}

#[tokio::test]
async fn preflight_for_allowed_origin() {
    let emu = start().await;
    for origin in [APP_ORIGIN, "http://localhost:8080"] {
        let resp = preflight(&emu, origin).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT);
        let h = resp.headers();
        assert_eq!(
            header(h, "access-control-allow-origin").as_deref(),
            Some(origin)
        );
        assert_eq!(
            header(h, "access-control-allow-credentials").as_deref(),
            Some("true")
        );
        let methods = header(h, "access-control-allow-methods").unwrap_or_default();
        for m in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
            assert!(methods.contains(m), "{m} in {methods}");
        }
        let allowed = header(h, "access-control-allow-headers").unwrap_or_default();
        for name in ["content-type", "authorization", "x-custom"] {
            assert!(allowed.contains(name), "{name} in {allowed}");
        }
        assert!(header(h, "access-control-max-age").is_some());
        let vary: Vec<_> = h
            .get_all("vary")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        assert!(vary.iter().any(|v| v.contains("Origin")), "{vary:?}");
    }
    // Preflights are logged as such and consume no fault.
    emu.add_fault(serde_json::json!({"count": 1, "status": 503}))
        .await;
    assert_eq!(
        preflight(&emu, APP_ORIGIN).await.status(),
        StatusCode::NO_CONTENT
    );
    let log = emu.requests_log().await;
    assert!(log
        .iter()
        .all(|e| e["preflight"] == true && e["method"] == "OPTIONS"));
    assert_eq!(log.len(), 3);
    let faults = ok_json(emu.get("/__emulator/faults").await).await;
    assert_eq!(
        faults.as_array().map(Vec::len),
        Some(1),
        "fault still pending"
    );
}

#[tokio::test]
async fn refused_origin_gets_no_cors_headers() {
    let emu = start().await;
    let resp = preflight(&emu, "http://evil.example").await;
    assert!(header(resp.headers(), "access-control-allow-origin").is_none());
    assert!(header(resp.headers(), "access-control-allow-credentials").is_none());
    let resp = reqwest::Client::new()
        .get(emu.url("/v1/environment"))
        .header(ORIGIN, "http://127.0.0.1:9999")
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(header(resp.headers(), "access-control-allow-origin").is_none());
}

#[tokio::test]
async fn allowed_origin_on_success_errors_and_hooks() {
    let emu = start().await;
    let ok = emu.get("/v1/environment").await;
    let err = emu.get("/v1/client/sessions/sess_x").await;
    let not_found = emu.get("/nowhere").await;
    let hook = emu.get("/__emulator/sessions").await;
    emu.add_fault(serde_json::json!({"count": 1, "status": 500}))
        .await;
    let fault = emu.get("/v1/environment").await;
    assert_eq!(fault.status(), StatusCode::INTERNAL_SERVER_ERROR);
    for resp in [ok, err, not_found, hook, fault] {
        assert_eq!(
            header(resp.headers(), "access-control-allow-origin").as_deref(),
            Some(APP_ORIGIN),
            "{}",
            resp.url()
        );
        assert_eq!(
            header(resp.headers(), "access-control-allow-credentials").as_deref(),
            Some("true")
        );
    }
}

#[tokio::test]
async fn configured_origins_replace_defaults() {
    let emu = start_with(one_step().with_allowed_origins(["https://app.test:3000/"])).await;
    let resp = reqwest::Client::new()
        .get(emu.url("/v1/environment"))
        .header(ORIGIN, "https://app.test:3000")
        .send()
        .await
        .expect("sent");
    assert_eq!(
        header(resp.headers(), "access-control-allow-origin").as_deref(),
        Some("https://app.test:3000")
    );
    let resp = emu.get("/v1/environment").await;
    assert!(header(resp.headers(), "access-control-allow-origin").is_none());
    // A bad origin is a configuration error, not a panic.
    let bad = clerk_emulator::start(
        one_step()
            .with_addr("127.0.0.1:0".parse().expect("addr"))
            .with_allowed_origins(["ftp://nope/path"]),
    )
    .await;
    assert!(matches!(bad, Err(clerk_emulator::Error::InvalidOrigin(_))));
}

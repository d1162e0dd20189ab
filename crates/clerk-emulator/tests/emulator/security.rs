//! What a hostile web page or network peer must not be able to do to a
//! developer's emulator (issue 13): drive the hooks, rebind DNS, read
//! secrets from the log, fix a session, end sessions cross-origin, hold
//! connections open.

use reqwest::header::{CONTENT_TYPE, ORIGIN};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::*;

const EVIL: &str = "https://evil.example";

#[tokio::test]
async fn hooks_refuse_a_page_from_a_foreign_origin() {
    let emu = start().await;
    let sid = str_at(&emu.sign_in(DEMO).await, "/response/created_session_id");
    let bare = reqwest::Client::new();
    for origin in [EVIL, "null", "http://127.0.0.1:9999"] {
        for (method, path) in [
            (Method::POST, "/__emulator/reset"),
            (Method::POST, "/__emulator/faults"),
            (Method::GET, "/__emulator/requests"),
            (Method::GET, "/__emulator/sessions"),
            (Method::DELETE, "/__emulator/requests"),
        ] {
            let resp = bare
                .request(method.clone(), emu.url(path))
                .header(ORIGIN, origin)
                .header(CONTENT_TYPE, "application/json")
                .body(json!({"count": 1, "status": 503}).to_string())
                .send()
                .await
                .expect("sent");
            expect_error(resp, StatusCode::FORBIDDEN, "origin_invalid").await;
        }
    }
    // Nothing happened: the session lives, no fault is queued, and the
    // allowed origin (and no origin at all) still reach the hooks.
    assert_eq!(emu.hook_status(&sid).await.as_deref(), Some("active"));
    assert_eq!(
        ok_json(emu.get("/__emulator/faults").await).await,
        json!([])
    );
    ok_json(
        bare.get(emu.url("/__emulator/faults"))
            .send()
            .await
            .expect("sent"),
    )
    .await;
}

#[tokio::test]
async fn hook_posts_need_a_json_content_type() {
    let emu = start().await;
    let sid = str_at(&emu.sign_in(DEMO).await, "/response/created_session_id");
    // A form post or text/plain is a "simple" request a page can send
    // without a preflight; the hooks refuse them.
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        for (path, body) in [
            ("/__emulator/reset", String::new()),
            (
                "/__emulator/faults",
                json!({"count": 1, "status": 503}).to_string(),
            ),
        ] {
            let mut request = emu.req(Method::POST, path).body(body);
            if let Some(content_type) = content_type {
                request = request.header(CONTENT_TYPE, content_type);
            }
            let resp = request.send().await.expect("sent");
            expect_error(
                resp,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
            )
            .await;
        }
    }
    assert_eq!(emu.hook_status(&sid).await.as_deref(), Some("active"));
    assert_eq!(
        ok_json(emu.get("/__emulator/faults").await).await,
        json!([])
    );
    // With the JSON content type (and no body), reset works.
    let resp = emu
        .req(Method::POST, "/__emulator/reset")
        .header(CONTENT_TYPE, "application/json")
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert!(emu.hook_sessions().await.is_empty());
}

#[tokio::test]
async fn fault_counts_and_the_fault_queue_are_bounded() {
    let emu = start().await;
    for count in [4_294_967_295_u64, 1001] {
        let resp = emu
            .post_json(
                "/__emulator/faults",
                &json!({"count": count, "status": 503}),
            )
            .await;
        let body = expect_error(
            resp,
            StatusCode::UNPROCESSABLE_ENTITY,
            "form_param_format_invalid",
        )
        .await;
        assert_eq!(body["errors"][0]["meta"]["param_name"], "count");
    }
    emu.add_fault(json!({"count": 1000, "status": 503, "path": "/v1/nowhere"}))
        .await;
    for _ in 1..100 {
        emu.add_fault(json!({"count": 1, "delay_ms": 1, "path": "/v1/nowhere"}))
            .await;
    }
    let resp = emu
        .post_json("/__emulator/faults", &json!({"count": 1, "status": 503}))
        .await;
    expect_error(resp, StatusCode::UNPROCESSABLE_ENTITY, "quota_exceeded").await;
    let pending = ok_json(emu.get("/__emulator/faults").await).await;
    assert_eq!(pending.as_array().map(Vec::len), Some(100));
}

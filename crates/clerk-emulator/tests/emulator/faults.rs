//! The fault switch and the request log.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::*;

/// The `fault` field of every logged request, in order.
async fn logged_faults(emu: &Emu) -> Vec<serde_json::Value> {
    let log = emu.requests_log().await;
    log.iter().map(|e| e["fault"].clone()).collect()
}

#[tokio::test]
async fn status_fault_then_exhausted() {
    let emu = start().await;
    emu.add_fault(json!({"count": 2, "status": 503})).await;
    for _ in 0..2 {
        let resp = emu.get("/v1/environment").await;
        let body = expect_error(resp, StatusCode::SERVICE_UNAVAILABLE, "service_unavailable").await;
        assert_eq!(body["errors"][0]["meta"]["injected"], true);
    }
    // Count exhausted: handled normally again, nothing pending.
    ok_json(emu.get("/v1/environment").await).await;
    let pending = ok_json(emu.get("/__emulator/faults").await).await;
    assert_eq!(pending, json!([]));
    let faults = logged_faults(&emu).await;
    assert_eq!(faults, [json!("status"), json!("status"), json!(null)]);
}

#[tokio::test]
async fn a_status_fault_may_answer_a_proxys_page_instead_of_clerks_shape() {
    let emu = start().await;
    let page = "<html><body>404 Not Found</body></html>";
    emu.add_fault(json!({"count": 1, "status": 404, "body": page, "path": "/v1/client/sessions", "method": "DELETE"}))
        .await;
    emu.add_fault(json!({"count": 1, "status": 401, "body": ""}))
        .await;
    let resp = emu.send(Method::DELETE, "/v1/client/sessions").await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert!(resp.headers()["content-type"]
        .to_str()
        .is_ok_and(|v| v.starts_with("text/html")));
    assert_eq!(resp.text().await.ok().as_deref(), Some(page));
    let resp = emu.get("/v1/client").await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(resp.text().await.ok().as_deref(), Some(""));

    // A body goes with a status, never with a Clerk code, and is bounded.
    for bad in [
        json!({"count": 1, "body": "x", "delay_ms": 1}),
        json!({"count": 1, "status": 404, "code": "x", "body": "x"}),
        json!({"count": 1, "status": 404, "body": "x".repeat(4097)}),
    ] {
        let resp = emu.post_json("/__emulator/faults", &bad).await;
        expect_error(
            resp,
            StatusCode::UNPROCESSABLE_ENTITY,
            "form_param_format_invalid",
        )
        .await;
    }
}

#[tokio::test]
async fn delay_fault_delays_then_handles() {
    let emu = start().await;
    emu.add_fault(json!({"count": 1, "delay_ms": 400})).await;
    let started = Instant::now();
    ok_json(emu.get("/v1/environment").await).await;
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(400), "took {took:?}");
    // The count is used up: the next request is not touched by a fault.
    ok_json(emu.get("/v1/environment").await).await;
    let faults = logged_faults(&emu).await;
    assert_eq!(faults, [json!("delay"), json!(null)]);
}

#[tokio::test]
async fn drop_fault_is_a_connection_error() {
    let emu = start().await;
    emu.add_fault(json!({"count": 1, "drop": true})).await;
    // The connection breaks off inside the body (so browsers do not retry):
    // either sending or reading the body fails, never with a status.
    let result = match emu.req(Method::GET, "/v1/client").send().await {
        Ok(response) => response.bytes().await.map(|_| ()),
        Err(err) => Err(err),
    };
    let err = result.expect_err("a dropped connection is an error");
    assert!(!err.is_status(), "{err}");
    assert!(
        err.is_request() || err.is_connect() || err.is_body() || err.is_decode(),
        "{err:?}"
    );
    // The next request is served.
    ok_json(emu.get("/v1/client").await).await;
    let log = emu.requests_log().await;
    assert_eq!(log[0]["status"], 0);
    assert_eq!(log[0]["fault"], "drop");
}

#[tokio::test]
async fn method_and_path_filters() {
    let emu = start_with(one_step().with_multi_session(true)).await;
    let sid = str_at(&emu.sign_in(DEMO).await, "/response/created_session_id");
    emu.add_fault(
        json!({"count": 1, "status": 500, "method": "delete", "path": "/v1/client/sessions"}),
    )
    .await;
    // Not matching: GET on the path, DELETE elsewhere (/v1/client is not under the prefix).
    ok_json(emu.get(&format!("/v1/client/sessions/{sid}")).await).await;
    ok_json(emu.get("/v1/client").await).await;
    // Matching through the override: POST ?_method=DELETE is a DELETE.
    expect_error(
        emu.post_form("/v1/client/sessions?_method=DELETE", &[])
            .await,
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal_clerk_error",
    )
    .await;
    // The fault hid the real handler: the session is still active.
    assert_eq!(emu.hook_status(&sid).await.as_deref(), Some("active"));
    ok_json(
        emu.post_form("/v1/client/sessions?_method=DELETE", &[])
            .await,
    )
    .await;
    assert_eq!(emu.hook_status(&sid).await.as_deref(), Some("removed"));
}

#[tokio::test]
async fn faults_only_hit_fapi_and_can_be_cleared() {
    let emu = start().await;
    emu.add_fault(json!({"count": 3, "status": 429})).await;
    // Hooks and the JWKS are not FAPI: no fault consumed.
    ok_json(emu.get("/__emulator/sessions").await).await;
    emu.jwks().await;
    let pending = ok_json(emu.get("/__emulator/faults").await).await;
    assert_eq!(pending[0]["count"], 3);
    let resp = emu.send(Method::DELETE, "/__emulator/faults").await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    ok_json(emu.get("/v1/environment").await).await;
}

#[tokio::test]
async fn bad_fault_specs_are_clerk_errors() {
    let emu = start().await;
    for (spec, status, code) in [
        (
            json!({"count": 0, "status": 500}),
            422,
            "form_param_format_invalid",
        ),
        (
            json!({"count": 1, "status": 200}),
            422,
            "form_param_format_invalid",
        ),
        (json!({"count": 1}), 422, "form_param_missing"),
        (
            json!({"count": 1, "status": 500, "drop": true}),
            422,
            "form_param_format_invalid",
        ),
        (
            json!({"count": 1, "drop": true, "path": "v1"}),
            422,
            "form_param_format_invalid",
        ),
        (
            json!({"count": 1, "status": 500, "bogus": 1}),
            400,
            "malformed_request_body",
        ),
        (json!("nope"), 400, "malformed_request_body"),
    ] {
        let resp = emu
            .req(Method::POST, "/__emulator/faults")
            .json(&spec)
            .send()
            .await
            .expect("sent");
        expect_error(resp, StatusCode::from_u16(status).expect("status"), code).await;
    }
    assert_eq!(
        ok_json(emu.get("/__emulator/faults").await).await,
        json!([])
    );
}

#[tokio::test]
async fn request_log_counts_and_reset() {
    let emu = start().await;
    emu.sign_in(DEMO).await;
    emu.get("/v1/client?_clerk_js_version=5.0.0").await;
    let log = emu.requests_log().await;
    assert_eq!(log.len(), 2);
    let first = &log[0];
    assert_eq!(first["method"], "POST");
    assert_eq!(first["path"], "/v1/client/sign_ins");
    assert_eq!(first["status"], 200);
    assert_eq!(first["preflight"], false);
    let sent = "strategy=password&identifier=demo%40example.com&password=demo-password-1";
    assert_eq!(first["request_bytes"], sent.len());
    assert!(first["response_bytes"].as_u64().unwrap_or(0) > 1000);
    assert_eq!(log[1]["query"], "_clerk_js_version=5.0.0");

    let resp = emu.send(Method::DELETE, "/__emulator/requests").await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert!(emu.requests_log().await.is_empty());

    // Reset forgets clients and sessions; users stay.
    emu.add_fault(json!({"count": 5, "delay_ms": 1})).await;
    let resp = emu
        .req(Method::POST, "/__emulator/reset")
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert!(emu.hook_sessions().await.is_empty());
    assert_eq!(
        ok_json(emu.get("/__emulator/faults").await).await,
        json!([])
    );
    // The old cookie names a client that no longer exists: signed out, and
    // the stale cookie is expired.
    let resp = emu.get("/v1/client").await;
    assert!(client_set_cookie(&resp).is_some_and(|c| c.contains("Max-Age=0")));
    assert_eq!(ok_json(resp).await["client"], serde_json::Value::Null);
    emu.sign_in(DEMO).await;
}

#[tokio::test]
async fn a_fault_answers_get_client_with_clerks_requires_captcha() {
    let emu = start().await;
    let resp = emu
        .post_json(
            "/__emulator/faults",
            &serde_json::json!({"count": 1, "code": "requires_captcha", "path": "/v1/client", "method": "GET"}),
        )
        .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert_eq!(ok_json_created(resp).await["status"], 401);
    let body = expect_error(
        emu.get("/v1/client").await,
        StatusCode::UNAUTHORIZED,
        "requires_captcha",
    )
    .await;
    assert_eq!(
        body["errors"][0]["message"],
        "CAPTCHA verification is required"
    );
    assert_eq!(
        body["errors"][0]["long_message"],
        "CAPTCHA verification is required"
    );
    // Spent.
    ok_json(emu.get("/v1/client").await).await;

    // Any other code needs its status, and a plain name.
    expect_error(
        emu.post_json(
            "/__emulator/faults",
            &serde_json::json!({"count": 1, "code": "too_many_requests"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "form_param_missing",
    )
    .await;
    expect_error(
        emu.post_json(
            "/__emulator/faults",
            &serde_json::json!({"count": 1, "status": 400, "code": "<b>"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "form_param_format_invalid",
    )
    .await;
    emu.add_fault(serde_json::json!({"count": 1, "status": 429, "code": "too_many_requests", "path": "/v1/client"}))
        .await;
    expect_error(
        emu.get("/v1/client").await,
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_requests",
    )
    .await;
}

/// The JSON body of a 201.
async fn ok_json_created(resp: reqwest::Response) -> serde_json::Value {
    let text = resp.text().await.expect("body");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

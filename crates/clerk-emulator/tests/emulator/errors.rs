//! Every error case answers the right status with Clerk's error shape.

use reqwest::header::{CONTENT_TYPE, COOKIE};
use reqwest::{Method, StatusCode};

use crate::common::*;

const SIGN_INS: &str = "/v1/client/sign_ins";

/// A sign-in form, the status and error code it earns and the parameter
/// it names.
type SignInCase = (
    &'static [(&'static str, &'static str)],
    StatusCode,
    &'static str,
    &'static str,
);

const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;

#[tokio::test]
async fn sign_in_errors() {
    let emu = start().await;
    let cases: [SignInCase; 6] = [
        (
            &[
                ("strategy", "password"),
                ("identifier", DEMO.0),
                ("password", "nope"),
            ],
            UNPROCESSABLE,
            "form_password_incorrect",
            "password",
        ),
        (
            &[("identifier", "nobody@example.com"), ("password", "x")],
            UNPROCESSABLE,
            "form_identifier_not_found",
            "identifier",
        ),
        (
            &[("strategy", "password"), ("password", "x")],
            UNPROCESSABLE,
            "form_param_missing",
            "identifier",
        ),
        (
            &[("identifier", DEMO.0)],
            UNPROCESSABLE,
            "form_param_missing",
            "password",
        ),
        (
            &[("identifier", DEMO.0), ("password", "")],
            UNPROCESSABLE,
            "form_param_missing",
            "password",
        ),
        // 400, as in Clerk's error index.
        (
            &[("strategy", "oauth_google"), ("identifier", DEMO.0)],
            StatusCode::BAD_REQUEST,
            "strategy_for_user_invalid",
            "strategy",
        ),
    ];
    for (form, status, code, param) in cases {
        let resp = emu.post_form(SIGN_INS, form).await;
        let body = expect_error(resp, status, code).await;
        assert_eq!(body["errors"][0]["meta"]["param_name"], param, "{form:?}");
    }

    // A JSON value of the wrong type names its parameter.
    let resp = emu
        .req(Method::POST, SIGN_INS)
        .json(&serde_json::json!({"identifier": 42, "password": "x"}))
        .send()
        .await
        .expect("sent");
    let body = expect_error(
        resp,
        StatusCode::UNPROCESSABLE_ENTITY,
        "form_param_format_invalid",
    )
    .await;
    assert_eq!(body["errors"][0]["meta"]["param_name"], "identifier");

    // Failed attempts create no session.
    assert!(emu.hook_sessions().await.is_empty());
}

#[tokio::test]
async fn second_sign_in_in_single_session_mode() {
    let emu = start().await;
    emu.sign_in(DEMO).await;
    expect_error(
        emu.post_form(SIGN_INS, &[("identifier", ADA.0), ("password", ADA.1)])
            .await,
        StatusCode::BAD_REQUEST,
        "session_exists",
    )
    .await;
    assert_eq!(emu.hook_sessions().await.len(), 1);
}

#[tokio::test]
async fn same_account_twice_in_multi_session_mode() {
    let emu = start_with(one_step().with_multi_session(true)).await;
    emu.sign_in(DEMO).await;
    emu.sign_in(ADA).await;
    let resp = emu
        .post_form(SIGN_INS, &[("identifier", DEMO.0), ("password", DEMO.1)])
        .await;
    let body = expect_error(
        resp,
        StatusCode::BAD_REQUEST,
        "identifier_already_signed_in",
    )
    .await;
    assert_eq!(body["errors"][0]["meta"]["param_name"], "identifier");
    assert_eq!(emu.hook_sessions().await.len(), 2);
}

#[tokio::test]
async fn unknown_session_and_routes() {
    let emu = start().await;
    emu.sign_in(DEMO).await;
    for (method, path) in [
        (Method::GET, "/v1/client/sessions/sess_nope"),
        (Method::POST, "/v1/client/sessions/sess_nope/touch"),
        (Method::POST, "/v1/client/sessions/sess_nope/tokens"),
        (Method::POST, "/v1/client/sessions/%FF%FE/end"),
        (Method::GET, "/v1/no/such/route"),
        (Method::DELETE, "/definitely/not/here"),
    ] {
        let resp = emu.send(method, path).await;
        expect_error(resp, StatusCode::NOT_FOUND, "resource_not_found").await;
    }
}

#[tokio::test]
async fn wrong_method_is_405_with_allow() {
    let emu = start().await;
    let resp = emu.send(Method::PATCH, "/v1/client").await;
    let allow = resp
        .headers()
        .get("allow")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(allow.contains("GET") && allow.contains("DELETE"), "{allow}");
    // Also through the override (POST ?_method=PATCH is a PATCH), and GET
    // on a POST-only route.
    for resp in [
        resp,
        emu.post_form("/v1/client/sign_ins?_method=PATCH", &[])
            .await,
        emu.get("/v1/client/sign_ins").await,
    ] {
        expect_error(resp, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
    }
}

#[tokio::test]
async fn malformed_and_oversized_bodies() {
    let emu = start().await;
    for (content_type, body) in [
        ("application/json", b"{\"identifier\":".to_vec()),
        ("application/json", b"[1,2,3]".to_vec()),
        (
            "application/x-www-form-urlencoded",
            vec![b'a', b'=', 0xff, 0xfe],
        ),
    ] {
        let resp = emu
            .req(Method::POST, SIGN_INS)
            .header(CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .expect("sent");
        expect_error(resp, StatusCode::BAD_REQUEST, "malformed_request_body").await;
    }
    // Over the limit, declared and streamed alike.
    let big = "a=".to_owned() + &"x".repeat(clerk_emulator::BODY_LIMIT);
    let resp = emu
        .req(Method::POST, SIGN_INS)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(big.clone())
        .send()
        .await
        .expect("sent");
    expect_error(
        resp,
        StatusCode::PAYLOAD_TOO_LARGE,
        "request_body_too_large",
    )
    .await;
    // Chunked, with no Content-Length: the limit is enforced while reading.
    let host = emu.running.addr();
    let mut request = format!(
        "POST {SIGN_INS} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    .into_bytes();
    for chunk in [big.as_bytes(), b"more"] {
        request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        request.extend_from_slice(chunk);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    let (status, body) = raw_request(emu.running.addr(), &request).await;
    assert_eq!(status, 413, "{body}");
    let body: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(
        clerk_error_code(&body).as_deref(),
        Ok("request_body_too_large")
    );
    // Exactly at the limit is fine (and then fails on content, not size).
    let at_limit = "a=".to_owned() + &"x".repeat(clerk_emulator::BODY_LIMIT - 2);
    expect_error(
        emu.req(Method::POST, SIGN_INS)
            .body(at_limit)
            .send()
            .await
            .expect("sent"),
        StatusCode::UNPROCESSABLE_ENTITY,
        "form_param_missing",
    )
    .await;
}

#[tokio::test]
async fn missing_and_forged_cookie() {
    let emu = start().await;
    let sid = str_at(&emu.sign_in(DEMO).await, "/response/created_session_id");
    let bare = reqwest::Client::new();

    // No cookie at all.
    for (method, path) in [
        (Method::GET, format!("/v1/client/sessions/{sid}")),
        (Method::POST, format!("/v1/client/sessions/{sid}/tokens")),
        (Method::DELETE, "/v1/client/sessions".to_owned()),
    ] {
        let resp = bare
            .request(method, emu.url(&path))
            .send()
            .await
            .expect("sent");
        let body = expect_error(resp, StatusCode::UNAUTHORIZED, "signed_out").await;
        assert_eq!(body["errors"][0]["long_message"], "You are signed out");
    }

    // A forged cookie: 401 and the cookie is expired so the browser recovers.
    let client_id = str_at(&emu.client_json().await, "/client/id");
    for forged in [
        format!("__client={client_id}.AAAA"),
        format!("__client={client_id}"),
        "__client=garbage".to_owned(),
    ] {
        let resp = bare
            .get(emu.url("/v1/client"))
            .header(COOKIE, forged)
            .send()
            .await
            .expect("sent");
        let cookie = client_set_cookie(&resp).expect("cookie expired");
        assert!(cookie.contains("Max-Age=0"), "{cookie}");
        expect_error(resp, StatusCode::UNAUTHORIZED, "authentication_invalid").await;
    }
    // The real session is untouched.
    assert_eq!(emu.hook_status(&sid).await.as_deref(), Some("active"));
}

#[tokio::test]
async fn cookie_attributes() {
    let emu = start().await;
    let resp = emu
        .post_form(SIGN_INS, &[("identifier", DEMO.0), ("password", DEMO.1)])
        .await;
    let cookie = client_set_cookie(&resp).expect("cookie set");
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=31536000"] {
        assert!(cookie.contains(attr), "{attr} in {cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain http: {cookie}");
    // Behind a TLS-terminating proxy the cookie is Secure.
    let resp = reqwest::Client::new()
        .post(emu.url(SIGN_INS))
        .header("x-forwarded-proto", "https")
        .form(&[("identifier", ADA.0), ("password", ADA.1)])
        .send()
        .await
        .expect("sent");
    let cookie = client_set_cookie(&resp).expect("cookie set");
    assert!(cookie.contains("; Secure"), "{cookie}");
}

#[tokio::test]
async fn dev_browser_endpoint_in_cookie_mode() {
    let emu = start().await;
    expect_error(
        emu.post_form("/v1/dev_browser", &[]).await,
        StatusCode::BAD_REQUEST,
        "invalid_request_for_environment",
    )
    .await;
}

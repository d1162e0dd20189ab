//! What a hostile web page or network peer must not be able to do to a
//! developer's emulator (issue 13): drive the hooks, rebind DNS, read
//! secrets from the log, fix a session, end sessions cross-origin, hold
//! connections open.

use reqwest::header::{CONTENT_TYPE, ORIGIN};
use reqwest::{Method, StatusCode};
use std::time::Duration;

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

#[tokio::test]
async fn a_rebinding_host_is_refused_before_any_handler() {
    let emu = start().await;
    let port = emu.running.addr().port();
    let sign_in = |host: &str| {
        let body = format!("identifier={}&password={}", DEMO.0, DEMO.1);
        format!(
            "POST /v1/client/sign_ins HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
    };
    let hook = |host: &str| {
        format!("GET /__emulator/requests HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")
    };
    for host in [
        "rebind.evil.example".to_owned(),
        format!("rebind.evil.example:{port}"),
        format!("localhost.evil.example:{port}"),
        format!("127.0.0.1.nip.io:{port}"),
        "127.0.0.1:1".to_owned(),
        "127.0.0.1".to_owned(),
        String::new(),
    ] {
        for request in [sign_in(&host), hook(&host)] {
            let (status, body) = raw_request(emu.running.addr(), request.as_bytes()).await;
            assert_eq!(status, 421, "Host {host:?}: {body}");
            let body: serde_json::Value = serde_json::from_str(&body).expect("JSON");
            assert_eq!(
                clerk_error_code(&body).as_deref(),
                Ok("host_invalid"),
                "{host:?}"
            );
        }
    }
    assert!(
        emu.hook_sessions().await.is_empty(),
        "no sign-in went through"
    );
    // The names of this server are accepted.
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("LocalHost:{port}"),
    ] {
        let (status, body) = raw_request(emu.running.addr(), hook(&host).as_bytes()).await;
        assert_eq!(status, 200, "Host {host:?}: {body}");
    }
}

#[tokio::test]
async fn the_request_log_redacts_tokens_passwords_and_codes() {
    let emu = start_with(one_step().with_dev_browser(true)).await;
    let token = str_at(
        &ok_json(emu.post_form("/v1/dev_browser", &[]).await).await,
        "/id",
    );
    ok_json(
        emu.get(&format!(
            "/v1/client?__clerk_db_jwt={token}&_clerk_js_version=5.0.0"
        ))
        .await,
    )
    .await;
    emu.get(&format!(
        "/v1/environment?__dev_session={token}&password=hunter2&code=424242&totp=123456&x=1"
    ))
    .await;
    let log = emu.requests_log().await;
    let queries: Vec<String> = log.iter().map(|e| str_at(e, "/query")).collect();
    let all = queries.join("\n");
    for secret in [token.as_str(), "hunter2", "424242", "123456"] {
        assert!(!all.contains(secret), "{secret} in the log: {all}");
    }
    assert_eq!(
        queries[1],
        "__clerk_db_jwt=[redacted]&_clerk_js_version=5.0.0"
    );
    assert_eq!(
        queries[2],
        "__dev_session=[redacted]&password=[redacted]&code=[redacted]&totp=[redacted]&x=1"
    );
}

/// `__client=value` from a response's Set-Cookie.
fn client_cookie(resp: &reqwest::Response) -> Option<String> {
    client_set_cookie(resp).and_then(|c| c.split(';').next().map(str::to_owned))
}

/// A request as a browser holding exactly `cookie`.
async fn with_cookie(
    emu: &Emu,
    method: Method,
    path: &str,
    cookie: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    reqwest::Client::new()
        .request(method, emu.url(path))
        .header(ORIGIN, APP_ORIGIN)
        .header(reqwest::header::COOKIE, cookie)
        .form(form)
        .send()
        .await
        .expect("sent")
}

#[tokio::test]
async fn a_planted_client_cookie_stops_working_at_sign_in_and_sign_out() {
    let emu = start().await;
    // The attacker gets a client cookie and plants it in the victim's browser.
    let created = with_cookie(&emu, Method::PUT, "/v1/client", "", &[]).await;
    let planted = client_cookie(&created).expect("a client cookie");
    let client_id = str_at(&ok_json(created).await, "/client/id");

    // The victim signs in: the cookie rotates, the client id stays.
    let signed = with_cookie(
        &emu,
        Method::POST,
        "/v1/client/sign_ins",
        &planted,
        &[("identifier", DEMO.0), ("password", DEMO.1)],
    )
    .await;
    let fresh = client_cookie(&signed).expect("a sign-in sets a new cookie");
    assert_ne!(fresh, planted);
    let signed = ok_json(signed).await;
    assert_eq!(str_at(&signed, "/client/id"), client_id);
    let sid = str_at(&signed, "/response/created_session_id");

    // The planted value no longer names the client, and its answers do not
    // expire the cookie (a late answer must not clobber the fresh one).
    let seen = with_cookie(&emu, Method::GET, "/v1/client", &planted, &[]).await;
    assert!(client_set_cookie(&seen).is_none());
    assert_eq!(ok_json(seen).await["client"], serde_json::Value::Null);
    let tokens = format!("/v1/client/sessions/{sid}/tokens");
    expect_error(
        with_cookie(&emu, Method::POST, &tokens, &planted, &[]).await,
        StatusCode::UNAUTHORIZED,
        "signed_out",
    )
    .await;
    ok_json(with_cookie(&emu, Method::POST, &tokens, &fresh, &[]).await).await;

    // Each sign-out rotates it again: all sessions, or one.
    let out = with_cookie(&emu, Method::DELETE, "/v1/client/sessions", &fresh, &[]).await;
    let after = client_cookie(&out).expect("a sign-out sets a new cookie");
    assert_ne!(after, fresh);
    ok_json(out).await;
    let stale = ok_json(with_cookie(&emu, Method::GET, "/v1/client", &fresh, &[]).await).await;
    assert_eq!(stale["client"], serde_json::Value::Null);
    let again = with_cookie(
        &emu,
        Method::POST,
        "/v1/client/sign_ins",
        &after,
        &[("identifier", DEMO.0), ("password", DEMO.1)],
    )
    .await;
    let mut cookie = client_cookie(&again).expect("rotated");
    let sid = str_at(&ok_json(again).await, "/response/created_session_id");
    for action in ["end", "remove"] {
        let path = format!("/v1/client/sessions/{sid}/{action}");
        let out = with_cookie(&emu, Method::POST, &path, &cookie, &[]).await;
        let rotated = client_cookie(&out).expect("a session sign-out sets a new cookie");
        assert_ne!(rotated, cookie, "{action}");
        assert_eq!(str_at(&ok_json(out).await, "/client/id"), client_id);
        let seen = ok_json(with_cookie(&emu, Method::GET, "/v1/client", &cookie, &[]).await).await;
        assert_eq!(seen["client"], serde_json::Value::Null, "{action}");
        cookie = rotated;
    }
}

#[tokio::test]
async fn state_changes_from_a_foreign_page_are_refused() {
    let emu = start().await;
    let sid = str_at(&emu.sign_in(DEMO).await, "/response/created_session_id");
    // A page on another port of 127.0.0.1 is same-site, so SameSite=Lax
    // lets the cookie travel with its requests.
    let changes = [
        (
            Method::POST,
            "/v1/client/sessions?_method=DELETE".to_owned(),
        ),
        (Method::DELETE, "/v1/client/sessions".to_owned()),
        (Method::POST, format!("/v1/client/sessions/{sid}/remove")),
        (Method::POST, format!("/v1/client/sessions/{sid}/end")),
        (Method::POST, "/v1/client?_method=DELETE".to_owned()),
        (Method::PUT, "/v1/client".to_owned()),
        (Method::POST, "/v1/client/sign_ins".to_owned()),
    ];
    for origin in ["http://127.0.0.1:9999", "null", EVIL] {
        for (method, path) in &changes {
            let resp = emu
                .http
                .request(method.clone(), emu.url(path))
                .header(ORIGIN, origin)
                .form(&[("identifier", ADA.0), ("password", ADA.1)])
                .send()
                .await
                .expect("sent");
            expect_error(resp, StatusCode::FORBIDDEN, "origin_invalid").await;
        }
    }
    assert_eq!(emu.hook_status(&sid).await.as_deref(), Some("active"));
    assert_eq!(
        emu.hook_sessions().await.len(),
        1,
        "no sign-in went through"
    );
    // Reads change nothing (and without CORS headers the page cannot read).
    let read = emu
        .http
        .get(emu.url("/v1/client"))
        .header(ORIGIN, EVIL)
        .send()
        .await
        .expect("sent");
    assert_eq!(
        ok_json(read).await["client"]["last_active_session_id"],
        sid.as_str()
    );
    // The emulator's own origin (its hosted pages) and no Origin at all
    // (curl, a server) may change state.
    let touch = format!("/v1/client/sessions/{sid}/touch");
    for origin in [Some(emu.base.as_str()), None] {
        let mut request = emu.http.post(emu.url(&touch));
        if let Some(origin) = origin {
            request = request.header(ORIGIN, origin);
        }
        ok_json(request.send().await.expect("sent")).await;
    }
}

/// Reads until the server closes the connection; fails if it has not
/// within `bound`.
async fn closed_within(stream: &mut tokio::net::TcpStream, bound: Duration) -> String {
    use tokio::io::AsyncReadExt;
    let mut answer = Vec::new();
    match tokio::time::timeout(bound, stream.read_to_end(&mut answer)).await {
        Ok(_) => String::from_utf8_lossy(&answer).into_owned(),
        Err(_) => panic!("the connection is still open after {bound:?}"),
    }
}

#[tokio::test]
async fn slow_clients_are_cut_off() {
    use tokio::io::AsyncWriteExt;
    let limits = clerk_emulator::Limits::default()
        .with_read_timeouts(Duration::from_millis(300), Duration::from_millis(300));
    let emu = start_with(one_step().with_limits(limits)).await;
    let addr = emu.running.addr();
    let bound = Duration::from_secs(5);
    let connect = || tokio::net::TcpStream::connect(addr);

    // A head that never ends (slowloris), and a connection that never
    // sends anything: closed.
    let mut slow_head = connect().await.expect("connect");
    let head = format!("GET /v1/health HTTP/1.1\r\nHost: {addr}\r\nX-Slow: a");
    slow_head.write_all(head.as_bytes()).await.expect("write");
    let mut idle = connect().await.expect("connect");
    closed_within(&mut slow_head, bound).await;
    closed_within(&mut idle, bound).await;

    // A body that never arrives: 408 in Clerk's shape, then closed.
    let mut slow_body = connect().await.expect("connect");
    let request = format!(
        "POST /v1/client/sign_ins HTTP/1.1\r\nHost: {addr}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nidentifier="
    );
    slow_body
        .write_all(request.as_bytes())
        .await
        .expect("write");
    let answer = closed_within(&mut slow_body, bound).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"request_timeout\""), "{answer}");

    // Prompt clients are served as before.
    ok_json(emu.get("/v1/health").await).await;
}

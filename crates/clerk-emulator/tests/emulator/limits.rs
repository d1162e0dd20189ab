//! Nothing grows without bound: the request log, closed sessions and
//! clients are capped (`clerk_emulator::Limits`), and what is dropped
//! first is what matters least.

use std::time::{Duration, Instant};

use clerk_emulator::{Config, Limits};
use reqwest::Method;
use serde_json::Value;

use crate::common::*;

fn with_limits(limits: Limits) -> Config {
    one_step().with_limits(limits)
}

#[tokio::test]
async fn the_request_log_is_a_ring_of_the_latest_entries() {
    let emu = start_with(with_limits(
        Limits::default().with_request_log(10, 1024 * 1024),
    ))
    .await;
    for i in 0..25 {
        ok_json(emu.get(&format!("/v1/health?i={i}")).await).await;
    }
    let queries: Vec<String> = emu
        .requests_log()
        .await
        .iter()
        .map(|e| str_at(e, "/query"))
        .collect();
    let expected: Vec<String> = (15..25).map(|i| format!("i={i}")).collect();
    assert_eq!(queries, expected);
}

#[tokio::test]
async fn the_request_log_truncates_long_fields_and_keeps_to_its_byte_budget() {
    const BUDGET: usize = 64 * 1024;
    const FIELD_MAX: usize = 2048 + '…'.len_utf8();
    let emu = start_with(with_limits(
        Limits::default().with_request_log(100_000, BUDGET),
    ))
    .await;
    let long_path = format!("/v1/health/{}", "p".repeat(3000));
    let long_value = "x".repeat(10_000);
    for i in 0..60 {
        emu.get(&format!("{long_path}?i={i}&x={long_value}")).await;
    }
    let log = emu.requests_log().await;
    assert!(!log.is_empty() && log.len() < 60, "{} entries", log.len());
    let mut total = 0;
    for entry in &log {
        let (path, query) = (str_at(entry, "/path"), str_at(entry, "/query"));
        assert!(path.len() <= FIELD_MAX, "path of {} bytes", path.len());
        assert!(query.len() <= FIELD_MAX, "query of {} bytes", query.len());
        assert!(query.ends_with('…'), "truncation is marked");
        total += path.len() + query.len() + str_at(entry, "/method").len();
    }
    assert!(total <= BUDGET, "{total} bytes kept");
    // The newest entry is the last request.
    let last = str_at(log.last().expect("an entry"), "/query");
    assert!(last.starts_with("i=59&"), "{}", &last[..10]);
}

/// Signs in and out again on one browser; returns the session id.
async fn sign_in_and_out(emu: &Emu) -> String {
    let sid = str_at(&emu.sign_in(DEMO).await, "/response/created_session_id");
    ok_json(emu.send(Method::DELETE, "/v1/client/sessions").await).await;
    sid
}

#[tokio::test]
async fn closed_sessions_beyond_the_cap_are_forgotten_oldest_first() {
    let emu = start_with(with_limits(
        Limits::default().with_closed_sessions(3, Duration::from_secs(3600)),
    ))
    .await;
    let mut ids = Vec::new();
    for _ in 0..6 {
        let sid = sign_in_and_out(&emu).await;
        // Right after a sign-out the hook still shows it, as tests expect.
        assert_eq!(emu.hook_status(&sid).await.as_deref(), Some("removed"));
        ids.push(sid);
    }
    let listed: Vec<String> = emu
        .hook_sessions()
        .await
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(listed, ids[3..]);
}

#[tokio::test]
async fn closed_sessions_are_forgotten_after_their_retention() {
    let emu = start_with(with_limits(
        Limits::default().with_closed_sessions(1000, Duration::from_secs(2)),
    ))
    .await;
    let other = client();
    let active = str_at(
        &ok_json(
            other
                .post(emu.url("/v1/client/sign_ins"))
                .form(&[("identifier", ADA.0), ("password", ADA.1)])
                .send()
                .await
                .expect("sent"),
        )
        .await,
        "/response/created_session_id",
    );
    let sid = sign_in_and_out(&emu).await;
    assert_eq!(emu.hook_status(&sid).await.as_deref(), Some("removed"));
    let deadline = Instant::now() + Duration::from_secs(15);
    while emu.hook_status(&sid).await.is_some() {
        assert!(Instant::now() < deadline, "{sid} still listed after 15 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(emu.hook_status(&active).await.as_deref(), Some("active"));
}

#[tokio::test]
async fn idle_clients_beyond_the_cap_go_before_signed_in_ones() {
    let emu = start_with(with_limits(Limits::default().with_clients(20))).await;
    let sid = str_at(&emu.sign_in(DEMO).await, "/response/created_session_id");
    // A flood of anonymous clients, as every `POST /v1/client` makes one.
    let mut anonymous = Vec::new();
    for _ in 0..40 {
        let browser = client();
        let created = browser
            .put(emu.url("/v1/client"))
            .send()
            .await
            .expect("sent");
        ok_json(created).await;
        anonymous.push(browser);
    }
    let mut alive = 0;
    for browser in &anonymous {
        let seen = ok_json(
            browser
                .get(emu.url("/v1/client"))
                .send()
                .await
                .expect("sent"),
        )
        .await;
        if seen["client"] != Value::Null {
            alive += 1;
        }
    }
    assert!(
        alive < 20,
        "{alive} anonymous clients kept with a cap of 20"
    );
    let first = ok_json(
        anonymous[0]
            .get(emu.url("/v1/client"))
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(first["client"], Value::Null, "the oldest idle client went");
    // The signed-in browser, the oldest of all, kept its client and session.
    let mine = emu.client_json().await;
    assert_eq!(mine["client"]["last_active_session_id"], sid.as_str());
    assert_eq!(emu.hook_status(&sid).await.as_deref(), Some("active"));
}

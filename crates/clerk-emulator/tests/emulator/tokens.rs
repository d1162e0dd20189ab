//! Session tokens as Clerk's version 2 tokens are: their claims, a
//! configurable lifetime, a fault that can hit the token endpoint of any
//! session, and a usable `last_active_token` on every active session of a
//! client answer.

use std::time::{Duration, Instant};

use clerk_emulator::Config;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::*;

async fn mint(emu: &Emu, session_id: &str) -> reqwest::Response {
    emu.post_form(&format!("/v1/client/sessions/{session_id}/tokens"), &[])
        .await
}

/// The claims of a token the JWKS verifies (signature, `iss`, `exp`, `nbf`).
async fn claims_of(emu: &Emu, jwt: &str) -> Value {
    verify_jwt(&emu.jwks().await, jwt, &emu.base)
}

fn session_token(envelope: &Value, index: usize) -> String {
    str_at(
        envelope,
        &format!("/client/sessions/{index}/last_active_token/jwt"),
    )
}

#[tokio::test]
async fn tokens_carry_clerks_version_2_claims() {
    let emu = start().await;
    let signed = emu.sign_in(DEMO).await;
    let sid = str_at(&signed, "/response/created_session_id");
    let user_id = str_at(&signed, "/client/sessions/0/user/id");
    let jwt = str_at(&ok_json(mint(&emu, &sid).await).await, "/jwt");
    let claims = claims_of(&emu, &jwt).await;
    let iat = claims["iat"].as_i64().expect("iat");
    assert_eq!(claims["exp"].as_i64(), Some(iat + 60), "60 s by default");
    assert_eq!(claims["nbf"].as_i64(), Some(iat - 10));
    assert_eq!(claims["iss"], emu.base.as_str());
    assert_eq!(claims["sub"], user_id.as_str());
    assert_eq!(claims["sid"], sid.as_str());
    assert_eq!(claims["azp"], APP_ORIGIN);
    assert_eq!(claims["v"], 2);
    assert_eq!(claims["sts"], "active");
    assert_eq!(
        claims["fva"],
        json!([0, -1]),
        "first factor just now, no second"
    );
    assert!(str_at(&claims, "/jti").starts_with("jti_"));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    assert!((iat - now).abs() <= 5, "iat {iat} is now ({now})");

    // No Origin (a server, curl): no azp.
    let bare = emu
        .http
        .post(emu.url(&format!("/v1/client/sessions/{sid}/tokens")))
        .send()
        .await
        .expect("sent");
    let claims = claims_of(&emu, &str_at(&ok_json(bare).await, "/jwt")).await;
    assert!(claims.get("azp").is_none(), "{claims}");
}

#[tokio::test]
async fn fva_counts_the_minutes_since_each_factor() {
    let emu = start_with(Config::default()).await;
    let started = emu.password(DEMO).await;
    let done = emu.confirm_with_code(&started, DEMO.0).await;
    let sid = str_at(&done, "/response/created_session_id");
    let claims = claims_of(&emu, &session_token(&done, 0)).await;
    assert_eq!(claims["fva"], json!([0, 0]), "both factors just now");
    assert_eq!(
        done["client"]["sessions"][0]["factor_verification_age"],
        json!([0, 0])
    );

    // Seven minutes later on the emulator's clock.
    emu.advance_clock(7 * 60 * 1000).await;
    let jwt = str_at(&ok_json(mint(&emu, &sid).await).await, "/jwt");
    assert_eq!(claims_of(&emu, &jwt).await["fva"], json!([7, 7]));
}

#[tokio::test]
async fn the_token_lifetime_is_configurable() {
    let emu = start_with(one_step().with_token_lifetime(Duration::from_secs(5))).await;
    let signed = emu.sign_in(DEMO).await;
    let sid = str_at(&signed, "/response/created_session_id");
    let jwt = str_at(&ok_json(mint(&emu, &sid).await).await, "/jwt");
    let claims = claims_of(&emu, &jwt).await;
    let iat = claims["iat"].as_i64().expect("iat");
    assert_eq!(claims["exp"].as_i64(), Some(iat + 5));

    for bad in [0, 86_401] {
        let config = one_step()
            .with_addr("127.0.0.1:0".parse().expect("addr"))
            .with_token_lifetime(Duration::from_secs(bad));
        let err = clerk_emulator::start(config).await.expect_err("refused");
        assert!(
            matches!(err, clerk_emulator::Error::InvalidTokenLifetime(_)),
            "{err}"
        );
    }
    let fractional = one_step().with_token_lifetime(Duration::from_millis(1500));
    assert!(clerk_emulator::start(fractional).await.is_err());
}

#[tokio::test]
async fn a_fault_can_hit_the_token_endpoint_of_any_session() {
    let emu = start_with(one_step().with_multi_session(true)).await;
    let demo = str_at(&emu.sign_in(DEMO).await, "/response/created_session_id");
    let ada = str_at(&emu.sign_in(ADA).await, "/response/created_session_id");
    emu.add_fault(json!({
        "count": 2,
        "status": 503,
        "path": "/v1/client/sessions/*/tokens",
        "method": "POST",
    }))
    .await;
    // Other routes of the session are not hit.
    ok_json(
        emu.post_form(&format!("/v1/client/sessions/{demo}/touch"), &[])
            .await,
    )
    .await;
    for sid in [&demo, &ada] {
        let body = expect_error(
            mint(&emu, sid).await,
            StatusCode::SERVICE_UNAVAILABLE,
            "service_unavailable",
        )
        .await;
        assert_eq!(body["errors"][0]["meta"]["injected"], true);
    }
    // Spent: the next one succeeds (a retry would).
    ok_json(mint(&emu, &demo).await).await;
    let listed = ok_json(emu.get("/__emulator/faults").await).await;
    assert_eq!(listed, json!([]));
}

#[tokio::test]
async fn every_active_session_of_a_client_answer_carries_a_token() {
    let emu = start_with(one_step().with_multi_session(true)).await;
    emu.sign_in(DEMO).await;
    let both = emu.sign_in(ADA).await;
    let sessions = both["client"]["sessions"].as_array().expect("sessions");
    assert_eq!(sessions.len(), 2);
    for (i, session) in sessions.iter().enumerate() {
        assert_eq!(
            session["last_active_token"]["object"], "token",
            "session {i}"
        );
        let claims = claims_of(&emu, &session_token(&both, i)).await;
        assert_eq!(claims["sid"], session["id"]);
    }

    // The page loads: GET /v1/client carries them too, and a fresh token
    // is not minted while the last one has most of its life left.
    let loaded = emu.client_json().await;
    let again = emu.client_json().await;
    for i in 0..2 {
        assert_eq!(session_token(&loaded, i), session_token(&again, i));
        assert_eq!(session_token(&loaded, i), session_token(&both, i));
    }
    // Every answer that renders the client, the session itself included.
    let demo = str_at(&loaded, "/client/sessions/0/id");
    let touched = ok_json(
        emu.post_form(&format!("/v1/client/sessions/{demo}/touch"), &[])
            .await,
    )
    .await;
    assert_eq!(touched["response"]["last_active_token"]["object"], "token");
    assert!(touched["client"]["sessions"][1]["last_active_token"]["jwt"].is_string());

    // An ended session has none.
    let ended = ok_json(
        emu.post_form(&format!("/v1/client/sessions/{demo}/end"), &[])
            .await,
    )
    .await;
    assert_eq!(ended["response"]["status"], "ended");
    assert_eq!(ended["response"]["last_active_token"], Value::Null);
}

#[tokio::test]
async fn a_stale_last_active_token_is_replaced_by_a_fresh_one() {
    let emu = start_with(one_step().with_token_lifetime(Duration::from_secs(2))).await;
    let signed = emu.sign_in(DEMO).await;
    let first = session_token(&signed, 0);
    let first_exp = claims_of(&emu, &first).await["exp"].as_i64().expect("exp");
    // Past half its life the token is stale: the next client answer mints
    // another. Poll until then (a second or so), with a deadline.
    let deadline = Instant::now() + Duration::from_secs(10);
    let fresh = loop {
        let token = session_token(&emu.client_json().await, 0);
        if token != first {
            break token;
        }
        assert!(Instant::now() < deadline, "no fresh token within 10 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let claims = claims_of(&emu, &fresh).await;
    assert!(claims["exp"].as_i64().expect("exp") > first_exp, "{claims}");
    // Minted without a token request on the wire.
    let log = emu.requests_log().await;
    assert!(
        !log.iter()
            .any(|r| r["path"].as_str().is_some_and(|p| p.ends_with("/tokens"))),
        "{log:?}"
    );
}

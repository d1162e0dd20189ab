//! Client Trust (on by default): a password sign-in from a client that has
//! not signed the user in before answers `needs_client_trust` and completes
//! with an e-mail code read from the outbox; every way that step can go
//! wrong answers Clerk's error.

use clerk_emulator::{Config, User};
use reqwest::StatusCode;
use serde_json::Value;

use crate::common::*;

const SIGN_INS: &str = "/v1/client/sign_ins";

/// An emulator with Client Trust on, as by default.
async fn trusting() -> Emu {
    start_with(Config::default()).await
}

fn prepare_path(id: &str) -> String {
    format!("{SIGN_INS}/{id}/prepare_second_factor")
}

fn attempt_path(id: &str) -> String {
    format!("{SIGN_INS}/{id}/attempt_second_factor")
}

/// Helpers of the code step, for the other modules too.
impl Emu {
    /// A password sign-in; the envelope, whatever its status.
    pub(crate) async fn password(&self, (email, password): (&str, &str)) -> Value {
        ok_json(
            self.post_form(SIGN_INS, &[("identifier", email), ("password", password)])
                .await,
        )
        .await
    }

    pub(crate) async fn prepare_email_code(&self, sign_in: &Value) -> Value {
        let id = str_at(sign_in, "/response/id");
        let email_id = str_at(
            sign_in,
            "/response/supported_second_factors/0/email_address_id",
        );
        ok_json(
            self.post_form(
                &prepare_path(&id),
                &[("strategy", "email_code"), ("email_address_id", &email_id)],
            )
            .await,
        )
        .await
    }

    pub(crate) async fn attempt_code(&self, sign_in_id: &str, code: &str) -> reqwest::Response {
        self.post_form(
            &attempt_path(sign_in_id),
            &[("strategy", "email_code"), ("code", code)],
        )
        .await
    }

    /// A password sign-in waiting for the code it was sent: the envelope,
    /// the sign-in's id and the code.
    async fn code_sent(&self, user: (&str, &str)) -> (Value, String, String) {
        let started = self.password(user).await;
        let id = str_at(&started, "/response/id");
        self.prepare_email_code(&started).await;
        let code = self.last_code(user.0).await;
        (started, id, code)
    }

    /// The whole code step: prepare, read the outbox, attempt.
    pub(crate) async fn confirm_with_code(&self, sign_in: &Value, to: &str) -> Value {
        self.prepare_email_code(sign_in).await;
        let code = self.last_code(to).await;
        let id = str_at(sign_in, "/response/id");
        ok_json(self.attempt_code(&id, &code).await).await
    }

    /// The attempt's `second_factor_verification`, as
    /// `GET /v1/client/sign_ins/{id}` shows it.
    async fn verification(&self, sign_in_id: &str) -> Value {
        let shown = ok_json(self.get(&format!("{SIGN_INS}/{sign_in_id}")).await).await;
        shown["response"]["second_factor_verification"].clone()
    }

    /// "Resend code", then the new code completes the sign-in.
    async fn resend_and_complete(&self, sign_in: &Value) {
        self.prepare_email_code(sign_in).await;
        let fresh = self.last_code(DEMO.0).await;
        let id = str_at(sign_in, "/response/id");
        let done = ok_json(self.attempt_code(&id, &fresh).await).await;
        assert_eq!(done["response"]["status"], "complete");
    }

    async fn sign_out_all(&self) {
        ok_json(
            self.send(reqwest::Method::DELETE, "/v1/client/sessions")
                .await,
        )
        .await;
    }
}

#[tokio::test]
async fn a_new_browser_confirms_a_password_sign_in_with_the_emailed_code() {
    let emu = trusting().await;
    let started = emu.password(DEMO).await;
    let sign_in = &started["response"];
    assert_eq!(sign_in["object"], "sign_in_attempt");
    assert_eq!(sign_in["status"], "needs_client_trust");
    assert_eq!(sign_in["created_session_id"], Value::Null);
    assert_eq!(sign_in["second_factor_verification"], Value::Null);
    let factors = sign_in["supported_second_factors"]
        .as_array()
        .expect("second factors");
    assert_eq!(factors.len(), 1, "{factors:?}");
    assert_eq!(factors[0]["strategy"], "email_code");
    assert_eq!(factors[0]["safe_identifier"], DEMO.0);
    assert_eq!(factors[0]["primary"], true);
    let email_id = str_at(&factors[0], "/email_address_id");
    // The attempt is the client's, and no session exists yet.
    let id = str_at(sign_in, "/id");
    assert_eq!(str_at(&started, "/client/sign_in/id"), id);
    assert_eq!(started["client"]["sessions"], serde_json::json!([]));
    assert!(emu.hook_sessions().await.is_empty());
    assert!(emu.emails_to(DEMO.0).await.is_empty(), "nothing sent yet");
    let client = emu.client_json().await;
    assert_eq!(
        str_at(&client, "/response/sign_in/status"),
        "needs_client_trust"
    );

    let prepared = emu.prepare_email_code(&started).await;
    let verification = &prepared["response"]["second_factor_verification"];
    assert_eq!(verification["object"], "verification_otp");
    assert_eq!(verification["status"], "unverified");
    assert_eq!(verification["strategy"], "email_code");
    assert_eq!(verification["attempts"], 0);
    assert!(
        verification["expire_at"].as_i64().is_some(),
        "{verification}"
    );
    assert_eq!(prepared["response"]["status"], "needs_client_trust");
    let emails = emu.emails_to(DEMO.0).await;
    assert_eq!(emails.len(), 1, "{emails:?}");
    assert_eq!(emails[0]["to"], DEMO.0);
    assert_eq!(str_at(&emails[0], "/sign_in_id"), id);
    assert!(emails[0]["sent_at"].as_i64().is_some());
    let code = str_at(&emails[0], "/code");
    assert!(
        code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()),
        "{code}"
    );
    assert_eq!(
        email_id,
        str_at(
            &emu.client_json().await,
            "/response/sign_in/supported_second_factors/0/email_address_id"
        )
    );

    let resp = emu.attempt_code(&id, &code).await;
    let rotated = client_set_cookie(&resp).expect("the cookie rotates with the new session");
    assert!(rotated.contains("HttpOnly"), "{rotated}");
    let done = ok_json(resp).await;
    assert_eq!(done["response"]["status"], "complete");
    assert_eq!(
        done["response"]["second_factor_verification"]["status"],
        "verified"
    );
    assert_eq!(
        done["response"]["second_factor_verification"]["attempts"],
        1
    );
    let session_id = str_at(&done, "/response/created_session_id");
    assert_eq!(str_at(&done, "/client/last_active_session_id"), session_id);
    assert_eq!(
        done["client"]["sign_in"],
        Value::Null,
        "a complete attempt leaves the client"
    );
    assert_eq!(str_at(&done, "/client/sessions/0/status"), "active");
    let jwt = str_at(&done, "/client/sessions/0/last_active_token/jwt");
    let claims = verify_jwt(&emu.jwks().await, &jwt, &emu.base);
    assert_eq!(claims["sid"], session_id.as_str());
    assert_eq!(
        emu.hook_status(&session_id).await.as_deref(),
        Some("active")
    );

    // The attempt can still be read, complete.
    let shown = ok_json(emu.get(&format!("{SIGN_INS}/{id}")).await).await;
    assert_eq!(shown["response"]["status"], "complete");
    assert_eq!(str_at(&shown, "/response/created_session_id"), session_id);
}

#[tokio::test]
async fn a_trusted_browser_signs_the_same_user_in_again_in_one_step() {
    let emu = start_with(Config::default().with_multi_session(true)).await;
    let started = emu.password(DEMO).await;
    emu.confirm_with_code(&started, DEMO.0).await;
    emu.sign_out_all().await;

    let again = emu.password(DEMO).await;
    assert_eq!(again["response"]["status"], "complete", "{again}");
    assert!(again["response"]["created_session_id"].is_string());
    assert_eq!(emu.emails_to(DEMO.0).await.len(), 1, "no second code");

    // Trust is per user: another account on this browser needs its code.
    let ada = emu.password(ADA).await;
    assert_eq!(ada["response"]["status"], "needs_client_trust");
    // And per browser: another browser needs one for the same user.
    let browser = emu.another_browser();
    let fresh = browser.password(DEMO).await;
    assert_eq!(fresh["response"]["status"], "needs_client_trust");
}

#[tokio::test]
async fn deleting_the_client_forgets_its_trust() {
    let emu = trusting().await;
    let started = emu.password(DEMO).await;
    emu.confirm_with_code(&started, DEMO.0).await;
    ok_json(emu.send(reqwest::Method::DELETE, "/v1/client").await).await;
    let again = emu.password(DEMO).await;
    assert_eq!(again["response"]["status"], "needs_client_trust");
}

#[tokio::test]
async fn a_wrong_code_names_the_code_field_and_the_right_one_still_works() {
    let emu = trusting().await;
    let (_, id, code) = emu.code_sent(DEMO).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let body = expect_error(
        emu.attempt_code(&id, wrong).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "form_code_incorrect",
    )
    .await;
    assert_eq!(body["errors"][0]["meta"]["param_name"], "code");
    assert_eq!(body["errors"][0]["long_message"], "Incorrect code");
    let shown = ok_json(emu.get(&format!("{SIGN_INS}/{id}")).await).await;
    assert_eq!(
        shown["response"]["second_factor_verification"]["attempts"],
        1
    );
    assert_eq!(shown["response"]["status"], "needs_client_trust");
    assert!(emu.hook_sessions().await.is_empty());

    let done = ok_json(emu.attempt_code(&id, &code).await).await;
    assert_eq!(done["response"]["status"], "complete");
}

#[tokio::test]
async fn too_many_wrong_codes_fail_the_verification_until_a_new_code_is_sent() {
    let emu = trusting().await;
    let (started, id, code) = emu.code_sent(DEMO).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..3 {
        expect_error(
            emu.attempt_code(&id, wrong).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "form_code_incorrect",
        )
        .await;
    }
    // Even the right code is refused now.
    let body = expect_error(
        emu.attempt_code(&id, &code).await,
        StatusCode::BAD_REQUEST,
        "verification_failed",
    )
    .await;
    assert!(
        str_at(&body, "/errors/0/long_message").contains("Too many failed attempts"),
        "{body}"
    );
    assert_eq!(emu.verification(&id).await["status"], "failed");
    assert!(emu.hook_sessions().await.is_empty());

    // A new code starts over.
    emu.resend_and_complete(&started).await;
}

#[tokio::test]
async fn a_code_expires_after_ten_minutes() {
    let emu = trusting().await;
    let (started, id, code) = emu.code_sent(DEMO).await;
    emu.advance_clock(9 * 60 * 1000).await;
    assert_eq!(emu.verification(&id).await["status"], "unverified");
    emu.advance_clock(60 * 1000).await;
    let body = expect_error(
        emu.attempt_code(&id, &code).await,
        StatusCode::BAD_REQUEST,
        "verification_expired",
    )
    .await;
    assert_eq!(body["errors"][0]["message"], "expired");
    assert_eq!(emu.verification(&id).await["status"], "expired");
    emu.resend_and_complete(&started).await;
}

#[tokio::test]
async fn a_new_code_replaces_the_previous_one() {
    let emu = trusting().await;
    let started = emu.password(DEMO).await;
    let id = str_at(&started, "/response/id");
    emu.prepare_email_code(&started).await;
    let first = emu.last_code(DEMO.0).await;
    // Codes are random: prepare again until the new one differs (one in a
    // million it does not, the first time).
    let mut second = first.clone();
    for _ in 0..5 {
        emu.prepare_email_code(&started).await;
        second = emu.last_code(DEMO.0).await;
        if second != first {
            break;
        }
    }
    assert_ne!(first, second);
    expect_error(
        emu.attempt_code(&id, &first).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "form_code_incorrect",
    )
    .await;
    let done = ok_json(emu.attempt_code(&id, &second).await).await;
    assert_eq!(done["response"]["status"], "complete");
    assert!(emu.emails_to(DEMO.0).await.len() >= 2);
}

#[tokio::test]
async fn bad_factor_steps_get_clerks_errors() {
    let emu = trusting().await;
    let started = emu.password(DEMO).await;
    let id = str_at(&started, "/response/id");

    // Attempt before any code was sent.
    expect_error(
        emu.attempt_code(&id, "123456").await,
        StatusCode::BAD_REQUEST,
        "verification_missing",
    )
    .await;
    // A strategy this sign-in does not offer, on either step.
    for (path, form) in [
        (prepare_path(&id), vec![("strategy", "phone_code")]),
        (prepare_path(&id), vec![("strategy", "totp")]),
        (
            attempt_path(&id),
            vec![("strategy", "totp"), ("code", "123456")],
        ),
    ] {
        let body = expect_error(
            emu.post_form(&path, &form).await,
            StatusCode::BAD_REQUEST,
            "strategy_for_user_invalid",
        )
        .await;
        assert_eq!(body["errors"][0]["meta"]["param_name"], "strategy");
    }
    // Missing parameters.
    let body = expect_error(
        emu.post_form(&prepare_path(&id), &[]).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "form_param_missing",
    )
    .await;
    assert_eq!(body["errors"][0]["meta"]["param_name"], "strategy");
    let body = expect_error(
        emu.post_form(&attempt_path(&id), &[("strategy", "email_code")])
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "form_param_missing",
    )
    .await;
    assert_eq!(body["errors"][0]["meta"]["param_name"], "code");
    // An e-mail address that is not the user's.
    let body = expect_error(
        emu.post_form(
            &prepare_path(&id),
            &[("strategy", "email_code"), ("email_address_id", "idn_nope")],
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "form_resource_not_found",
    )
    .await;
    assert_eq!(body["errors"][0]["meta"]["param_name"], "email_address_id");
    assert!(emu.emails_to(DEMO.0).await.is_empty(), "nothing was sent");
    // An unknown sign-in.
    for path in [
        format!("{SIGN_INS}/sia_unknown"),
        prepare_path("sia_unknown"),
    ] {
        let resp = if path.ends_with("factor") {
            emu.post_form(&path, &[("strategy", "email_code")]).await
        } else {
            emu.get(&path).await
        };
        expect_error(resp, StatusCode::NOT_FOUND, "resource_not_found").await;
    }
    // Without an e-mail address id the user's primary one is used.
    ok_json(
        emu.post_form(&prepare_path(&id), &[("strategy", "email_code")])
            .await,
    )
    .await;
    assert_eq!(emu.emails_to(DEMO.0).await.len(), 1);
}

#[tokio::test]
async fn a_complete_sign_in_takes_no_more_factor_steps() {
    let emu = trusting().await;
    let started = emu.password(DEMO).await;
    let id = str_at(&started, "/response/id");
    emu.confirm_with_code(&started, DEMO.0).await;
    let code = emu.last_code(DEMO.0).await;
    expect_error(
        emu.attempt_code(&id, &code).await,
        StatusCode::BAD_REQUEST,
        "verification_already_verified",
    )
    .await;
    expect_error(
        emu.post_form(&prepare_path(&id), &[("strategy", "email_code")])
            .await,
        StatusCode::BAD_REQUEST,
        "verification_already_verified",
    )
    .await;
    assert_eq!(emu.hook_sessions().await.len(), 1, "one session, not two");
}

#[tokio::test]
async fn an_abandoned_sign_in_is_gone() {
    let emu = trusting().await;
    let started = emu.password(DEMO).await;
    let id = str_at(&started, "/response/id");
    emu.prepare_email_code(&started).await;
    emu.advance_clock(24 * 3600 * 1000).await;
    assert_eq!(emu.client_json().await["response"]["sign_in"], Value::Null);
    expect_error(
        emu.get(&format!("{SIGN_INS}/{id}")).await,
        StatusCode::NOT_FOUND,
        "resource_not_found",
    )
    .await;
    expect_error(
        emu.attempt_code(&id, "123456").await,
        StatusCode::NOT_FOUND,
        "resource_not_found",
    )
    .await;
}

#[tokio::test]
async fn a_newer_sign_in_replaces_the_older_one() {
    let emu = trusting().await;
    let older = emu.password(DEMO).await;
    let older_id = str_at(&older, "/response/id");
    let newer = emu.password(DEMO).await;
    let newer_id = str_at(&newer, "/response/id");
    assert_ne!(older_id, newer_id);
    assert_eq!(
        str_at(&emu.client_json().await, "/response/sign_in/id"),
        newer_id
    );
    let body = expect_error(
        emu.post_form(&prepare_path(&older_id), &[("strategy", "email_code")])
            .await,
        StatusCode::FORBIDDEN,
        "resource_forbidden",
    )
    .await;
    assert!(str_at(&body, "/errors/0/message").contains("older sign ins"));
    // The newer one goes through.
    let done = emu.confirm_with_code(&newer, DEMO.0).await;
    assert_eq!(done["response"]["status"], "complete");
}

#[tokio::test]
async fn another_browser_cannot_touch_the_sign_in() {
    let emu = trusting().await;
    let (_, id, code) = emu.code_sent(DEMO).await;
    let stranger = emu.another_browser();
    // With no client at all, and with a client of its own.
    expect_error(
        stranger.attempt_code(&id, &code).await,
        StatusCode::NOT_FOUND,
        "resource_not_found",
    )
    .await;
    ok_json(stranger.send(reqwest::Method::POST, "/v1/client").await).await;
    expect_error(
        stranger.attempt_code(&id, &code).await,
        StatusCode::NOT_FOUND,
        "resource_not_found",
    )
    .await;
    // The owner still can.
    let done = ok_json(emu.attempt_code(&id, &code).await).await;
    assert_eq!(done["response"]["status"], "complete");
}

#[tokio::test]
async fn clerk_test_addresses_always_get_424242() {
    let tester = ("jane+clerk_test@example.com", "jane-password-1");
    let emu = start_with(Config::default().with_users(vec![User::new(tester.0, tester.1)])).await;
    let started = emu.password(tester).await;
    emu.prepare_email_code(&started).await;
    assert_eq!(emu.last_code(tester.0).await, "424242");
    let id = str_at(&started, "/response/id");
    let done = ok_json(emu.attempt_code(&id, "424242").await).await;
    assert_eq!(done["response"]["status"], "complete");
}

#[tokio::test]
async fn without_client_trust_a_password_completes_in_one_request() {
    let emu = start().await;
    let signed = emu.password(DEMO).await;
    assert_eq!(signed["response"]["status"], "complete");
    assert_eq!(signed["response"]["supported_second_factors"], Value::Null);
    assert!(emu.emails_to(DEMO.0).await.is_empty());
}

#[tokio::test]
async fn the_outbox_is_listed_filtered_cleared_and_reset() {
    let emu = start_with(Config::default().with_multi_session(true)).await;
    for user in [DEMO, ADA] {
        let started = emu.password(user).await;
        emu.prepare_email_code(&started).await;
    }
    let all = ok_json(emu.get("/__emulator/emails").await).await;
    let all = all.as_array().expect("array");
    assert_eq!(all.len(), 2);
    assert_eq!(all[0]["to"], DEMO.0, "oldest first");
    assert_eq!(all[1]["to"], ADA.0);
    assert_eq!(emu.emails_to("ADA@example.com").await.len(), 1);

    let resp = emu
        .send(reqwest::Method::DELETE, "/__emulator/emails")
        .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert!(emu.emails_to(DEMO.0).await.is_empty());

    let started = emu.password(DEMO).await;
    emu.prepare_email_code(&started).await;
    emu.advance_clock(1000).await;
    let resp = emu
        .req(reqwest::Method::POST, "/__emulator/reset")
        .header("content-type", "application/json")
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert!(emu.emails_to(DEMO.0).await.is_empty(), "reset empties it");
    let clock = ok_json(emu.get("/__emulator/clock").await).await;
    assert_eq!(clock["offset_ms"], 0, "reset puts the clock back");
}

#[tokio::test]
async fn the_clock_hook_checks_its_body() {
    let emu = trusting().await;
    for body in [
        serde_json::json!({"advance_ms": "soon"}),
        serde_json::json!({"advance": 5}),
    ] {
        expect_error(
            emu.post_json("/__emulator/clock", &body).await,
            StatusCode::BAD_REQUEST,
            "malformed_request_body",
        )
        .await;
    }
    expect_error(
        emu.post_json(
            "/__emulator/clock",
            &serde_json::json!({"advance_ms": i64::MIN}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "form_param_format_invalid",
    )
    .await;
    let moved = ok_json(
        emu.post_json(
            "/__emulator/clock",
            &serde_json::json!({"advance_ms": 5000}),
        )
        .await,
    )
    .await;
    assert_eq!(moved["offset_ms"], 5000);
}

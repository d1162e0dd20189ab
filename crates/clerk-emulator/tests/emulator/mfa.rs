//! Users with an authenticator app: their password sign-in answers
//! `needs_second_factor` with `totp` (never `needs_client_trust`), and a
//! code of the current 30-second step, or one step either side, completes
//! it. Also Client Trust on a development instance, where the dev browser
//! is the device.

use clerk_emulator::{Config, DEMO_TOTP_SECRET};
use reqwest::StatusCode;

use crate::common::*;

const GRACE: (&str, &str) = ("grace@example.com", "grace-password-1");
const SIGN_INS: &str = "/v1/client/sign_ins";
const STEP_MS: i64 = 30_000;

impl Emu {
    /// Moves the emulator's clock to the middle of a TOTP step and returns
    /// its time in seconds, so codes computed for it cannot straddle a step
    /// boundary while the test runs.
    pub(crate) async fn mid_step_secs(&self) -> i64 {
        let clock = ok_json(self.get("/__emulator/clock").await).await;
        let now = clock["now_ms"].as_i64().expect("now_ms");
        let shift = (STEP_MS / 2 - now.rem_euclid(STEP_MS)).rem_euclid(STEP_MS);
        self.advance_clock(shift).await;
        (now + shift) / 1000
    }

    async fn attempt_totp(&self, sign_in_id: &str, code: &str) -> reqwest::Response {
        self.post_form(
            &format!("{SIGN_INS}/{sign_in_id}/attempt_second_factor"),
            &[("strategy", "totp"), ("code", code)],
        )
        .await
    }
}

fn totp(at_secs: i64) -> String {
    clerk_emulator::totp_code(DEMO_TOTP_SECRET, at_secs).expect("base32 secret")
}

#[tokio::test]
async fn a_totp_user_needs_an_authenticator_code_one_step_either_side() {
    let emu = start_with(Config::default()).await;
    let started = ok_json(
        emu.post_form(SIGN_INS, &[("identifier", GRACE.0), ("password", GRACE.1)])
            .await,
    )
    .await;
    let sign_in = &started["response"];
    assert_eq!(sign_in["status"], "needs_second_factor", "{sign_in}");
    assert_eq!(
        sign_in["supported_second_factors"],
        serde_json::json!([{"strategy": "totp"}])
    );
    assert_eq!(started["client"]["sessions"], serde_json::json!([]));
    let id = str_at(sign_in, "/id");

    let now = emu.mid_step_secs().await;
    // Two steps away, and a wrong code, are refused; each names the field.
    for code in [totp(now - 60), totp(now + 60), "12345".to_owned()] {
        let body = expect_error(
            emu.attempt_totp(&id, &code).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "form_code_incorrect",
        )
        .await;
        assert_eq!(body["errors"][0]["meta"]["param_name"], "code");
    }
    let shown = ok_json(emu.get(&format!("{SIGN_INS}/{id}")).await).await;
    let verification = &shown["response"]["second_factor_verification"];
    assert_eq!(verification["object"], "verification_totp");
    assert_eq!(verification["status"], "unverified");
    assert_eq!(verification["attempts"], 3);
    assert!(
        emu.emails_to(GRACE.0).await.is_empty(),
        "no e-mail for TOTP"
    );

    // The previous step's code is still good.
    let done = ok_json(emu.attempt_totp(&id, &totp(now - 30)).await).await;
    assert_eq!(done["response"]["status"], "complete");
    assert_eq!(
        done["response"]["second_factor_verification"]["status"],
        "verified"
    );
    let session_id = str_at(&done, "/response/created_session_id");
    assert_eq!(str_at(&done, "/client/last_active_session_id"), session_id);
    assert_eq!(
        done["client"]["sessions"][0]["user"]["two_factor_enabled"],
        true
    );
    assert_eq!(done["client"]["sessions"][0]["user"]["totp_enabled"], true);

    // MFA is asked every time, on a browser that already passed it; the
    // next step's code is good too.
    ok_json(
        emu.send(reqwest::Method::DELETE, "/v1/client/sessions")
            .await,
    )
    .await;
    let again = ok_json(
        emu.post_form(SIGN_INS, &[("identifier", GRACE.0), ("password", GRACE.1)])
            .await,
    )
    .await;
    assert_eq!(again["response"]["status"], "needs_second_factor");
    let id = str_at(&again, "/response/id");
    let done = ok_json(emu.attempt_totp(&id, &totp(now + 30)).await).await;
    assert_eq!(done["response"]["status"], "complete");
}

#[tokio::test]
async fn a_totp_sign_in_takes_no_email_code_and_a_prepare_sends_nothing() {
    // MFA applies with Client Trust off too.
    let emu = start().await;
    let started = ok_json(
        emu.post_form(SIGN_INS, &[("identifier", GRACE.0), ("password", GRACE.1)])
            .await,
    )
    .await;
    assert_eq!(started["response"]["status"], "needs_second_factor");
    let id = str_at(&started, "/response/id");
    let prepare = format!("{SIGN_INS}/{id}/prepare_second_factor");
    let body = expect_error(
        emu.post_form(&prepare, &[("strategy", "email_code")]).await,
        StatusCode::BAD_REQUEST,
        "strategy_for_user_invalid",
    )
    .await;
    assert_eq!(body["errors"][0]["meta"]["param_name"], "strategy");
    let prepared = ok_json(emu.post_form(&prepare, &[("strategy", "totp")]).await).await;
    assert_eq!(
        prepared["response"]["second_factor_verification"]["object"],
        "verification_totp"
    );
    assert!(emu.emails_to(GRACE.0).await.is_empty());
    let now = emu.mid_step_secs().await;
    let done = ok_json(emu.attempt_totp(&id, &totp(now)).await).await;
    assert_eq!(done["response"]["status"], "complete");
}

#[tokio::test]
async fn the_users_file_takes_a_totp_secret_and_refuses_a_bad_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("users.json");
    std::fs::write(
        &path,
        r#"[{"email": "kay@example.com", "password": "pw-kay-1", "totp_secret": "jbsw y3dp ehpk 3pxp"}]"#,
    )
    .expect("write");
    let users = clerk_emulator::load_users(&path).expect("valid file");
    assert_eq!(users[0].totp_secret.as_deref(), Some("jbsw y3dp ehpk 3pxp"));
    let emu = start_with(one_step().with_users(users)).await;
    let started = ok_json(
        emu.post_form(
            SIGN_INS,
            &[("identifier", "kay@example.com"), ("password", "pw-kay-1")],
        )
        .await,
    )
    .await;
    assert_eq!(started["response"]["status"], "needs_second_factor");
    let now = emu.mid_step_secs().await;
    let code = clerk_emulator::totp_code("JBSWY3DPEHPK3PXP", now).expect("code");
    let id = str_at(&started, "/response/id");
    let done = ok_json(emu.attempt_totp(&id, &code).await).await;
    assert_eq!(done["response"]["status"], "complete");

    for secret in ["not base32!", "MZXW6", ""] {
        std::fs::write(
            &path,
            format!(
                r#"[{{"email": "kay@example.com", "password": "pw", "totp_secret": "{secret}"}}]"#
            ),
        )
        .expect("write");
        let err = clerk_emulator::load_users(&path).expect_err(secret);
        assert!(err.to_string().contains("totp_secret"), "{err}");
    }
}

#[tokio::test]
async fn on_a_development_instance_the_dev_browser_is_the_trusted_device() {
    let emu = start_with(Config::default().with_dev_browser(true)).await;
    let new_dev_browser = || async {
        let dvb = ok_json(emu.post_form("/v1/dev_browser", &[]).await).await;
        str_at(&dvb, "/id")
    };
    let token = new_dev_browser().await;
    let with = |path: &str| format!("{path}?__clerk_db_jwt={token}");
    let sign_in = || async {
        ok_json(
            emu.post_form(
                &with(SIGN_INS),
                &[("identifier", DEMO.0), ("password", DEMO.1)],
            )
            .await,
        )
        .await
    };
    let started = sign_in().await;
    assert_eq!(started["response"]["status"], "needs_client_trust");
    let id = str_at(&started, "/response/id");
    ok_json(
        emu.post_form(
            &with(&format!("{SIGN_INS}/{id}/prepare_second_factor")),
            &[("strategy", "email_code")],
        )
        .await,
    )
    .await;
    let code = emu.last_code(DEMO.0).await;
    let done = ok_json(
        emu.post_form(
            &with(&format!("{SIGN_INS}/{id}/attempt_second_factor")),
            &[("strategy", "email_code"), ("code", &code)],
        )
        .await,
    )
    .await;
    assert_eq!(done["response"]["status"], "complete");

    // Even a new client for the same dev browser is trusted.
    ok_json(emu.send(reqwest::Method::DELETE, &with("/v1/client")).await).await;
    let again = sign_in().await;
    assert_eq!(again["response"]["status"], "complete", "{again}");

    // A new dev browser is a new device.
    let other = new_dev_browser().await;
    let fresh = ok_json(
        emu.post_form(
            &format!("{SIGN_INS}?__clerk_db_jwt={other}"),
            &[("identifier", DEMO.0), ("password", DEMO.1)],
        )
        .await,
    )
    .await;
    assert_eq!(fresh["response"]["status"], "needs_client_trust");
    assert_eq!(fresh["client"]["sign_in"]["status"], "needs_client_trust");
}

#[test]
fn the_seeded_mfa_user_is_documented() {
    let users = clerk_emulator::default_users();
    let grace = users
        .iter()
        .find(|u| u.email == GRACE.0)
        .expect("grace is seeded");
    assert_eq!(grace.password, GRACE.1);
    assert_eq!(grace.totp_secret.as_deref(), Some(DEMO_TOTP_SECRET));
    let readme = include_str!("../../README.md");
    assert!(readme.contains(DEMO_TOTP_SECRET), "README names the secret");
    assert!(
        readme.contains("oathtool --totp -b"),
        "README has the one-liner"
    );
}

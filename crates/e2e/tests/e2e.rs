//! The app's scenarios in headless Chromium against the real emulator.
//! Run through `scripts/test`, which builds the dists these tests serve.

use e2e::{wait_until, Dist, Env, Options, Result};
use serde_json::json;

// In a subfolder, so cargo does not build it as a test binary of its own.
#[path = "e2e/portal.rs"]
mod portal;

const DEMO: (&str, &str) = ("demo@example.com", "demo-password-1");
const ADA: (&str, &str) = ("ada@example.com", "ada-password-1");
const GRACE: (&str, &str) = ("grace@example.com", "grace-password-1");

async fn env() -> Result<Env> {
    Env::start(Options::default()).await
}

#[tokio::test]
async fn sign_out_reloads_to_signed_out_and_ends_the_session() -> Result<()> {
    let env = env().await?;
    env.goto("/").await?;
    env.wait_text("#status", "You are signed out").await?;
    env.screenshot("signed-out").await?;

    // Inline errors on the form first.
    env.goto("/sign-in").await?;
    env.fill("#identifier", DEMO.0).await?;
    env.fill("#password", "wrong").await?;
    env.click("#sign-in").await?;
    env.wait_text("#password-error", "Password is incorrect")
        .await?;
    env.screenshot("sign-in-error").await?;

    let session = env.sign_in(DEMO.0, DEMO.1).await?;
    assert_eq!(
        env.active_session_ids().await?,
        std::slice::from_ref(&session),
        "the page shows the server's session"
    );
    assert_eq!(env.text("#user-email").await?.as_deref(), Some(DEMO.0));
    env.screenshot("signed-in").await?;

    // Data the app kept (theme) and data it did not (anything else).
    env.js("localStorage.setItem('theme', 'dark'); localStorage.setItem('draft', 'secret')")
        .await?;
    env.clear_emulator_requests().await?;
    env.mark_document().await?;
    env.count_fapi_calls_until_unload().await?;
    env.click("#sign-out").await?;
    wait_until("the reload", || async {
        // A script may hit the page mid-navigation; that is not a failure.
        Ok(matches!(env.is_same_document().await, Ok(false)).then_some(()))
    })
    .await?;
    env.wait_text("#status", "You are signed out").await?;
    // Budget: exactly one FAPI request between the click and the navigation.
    assert_eq!(env.fapi_calls_before_unload().await?, Some(1));
    assert_eq!(env.local_storage_keys().await?, ["theme"]);
    assert_eq!(env.session_status(&session).await?, "removed");
    let sign_out_requests = env.emulator_actions().await?;
    assert_eq!(
        sign_out_requests.len(),
        1,
        "one FAPI request to sign out: {sign_out_requests:?}"
    );
    assert_eq!(sign_out_requests[0]["method"], "DELETE");

    // Protected page sends to sign-in, with a way back.
    env.goto("/account").await?;
    env.wait_path("/sign-in?redirect_url=%2Faccount").await?;
    env.wait_text("h1", "Sign in").await?;

    // Back never shows the signed-in page again.
    for _ in 0..3 {
        env.browser.back().await?;
        let text = env.page_text().await?;
        assert!(!text.contains("Active session"), "after back: {text}");
    }
    env.finish().await
}

/// The focused element's id.
async fn focused(env: &Env) -> Result<Option<String>> {
    let id = env
        .js("return document.activeElement ? document.activeElement.id : null")
        .await?;
    Ok(id.as_str().map(str::to_owned))
}

#[tokio::test]
async fn a_new_browser_confirms_with_the_emailed_code_and_is_trusted_after() -> Result<()> {
    let env = env().await?;
    env.goto("/account").await?;
    env.wait_path("/sign-in?redirect_url=%2Faccount").await?;
    env.fill("#identifier", DEMO.0).await?;
    env.fill("#password", DEMO.1).await?;
    env.click("#sign-in").await?;

    // The code step, with the way back kept; the code went to the outbox.
    env.wait_path("/sign-in/factor-two?redirect_url=%2Faccount")
        .await?;
    env.wait_text("#intro", "We sent a code to demo@example.com")
        .await?;
    let first = env.emailed_code(DEMO.0, 0).await?;
    let attributes = env
        .js("const c = document.querySelector('#code'); \
             return [c.getAttribute('autocomplete'), c.getAttribute('inputmode'), \
                     document.querySelector('label[for=code]').innerText];")
        .await?;
    assert_eq!(
        attributes,
        json!(["one-time-code", "numeric", "Verification code"])
    );
    wait_until("focus on the code", || async {
        Ok((focused(&env).await?.as_deref() == Some("code")).then_some(()))
    })
    .await?;
    assert!(env.text("#resend").await?.is_some(), "Resend code");
    env.screenshot("sign-in-code-step").await?;

    // A wrong code: Clerk's error next to the input, still signed out.
    let wrong = if first == "000000" {
        "111111"
    } else {
        "000000"
    };
    env.enter_code(wrong).await?;
    env.wait_text("#code-error", "Incorrect code").await?;
    assert!(env.active_session_ids().await?.is_empty());
    env.screenshot("sign-in-code-error").await?;

    // Resend: a new code replaces the first.
    env.click("#resend").await?;
    let second = env.emailed_code(DEMO.0, 1).await?;
    env.wait_text("#intro", "We sent a new code to demo@example.com")
        .await?;
    env.enter_code(&second).await?;
    env.wait_path("/account").await?;
    env.wait_text("#account-email", DEMO.0).await?;

    // Signed out and in again on the same browser: no code asked.
    env.click("#sign-out").await?;
    env.wait_path("/").await?;
    env.wait_text("#status", "You are signed out").await?;
    env.clear_emulator_requests().await?;
    let session = env.sign_in(DEMO.0, DEMO.1).await?;
    assert_eq!(env.active_session_ids().await?, [session]);
    assert_eq!(env.emails(DEMO.0).await?.len(), 2, "no new code");
    let actions = env.emulator_actions().await?;
    assert!(
        actions.iter().all(|r| !r["path"]
            .as_str()
            .is_some_and(|p| p.contains("second_factor"))),
        "one step: {actions:?}"
    );
    env.finish().await
}

#[tokio::test]
async fn the_mfa_user_signs_in_with_an_authenticator_code() -> Result<()> {
    let env = env().await?;
    env.goto("/sign-in").await?;
    env.fill("#identifier", GRACE.0).await?;
    env.fill("#password", GRACE.1).await?;
    env.click("#sign-in").await?;
    env.wait_path("/sign-in/factor-two").await?;
    env.wait_text("#intro", "Enter the code from your authenticator app")
        .await?;
    assert!(env.text("#resend").await?.is_none(), "nothing to resend");
    env.screenshot("sign-in-totp").await?;

    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| e2e::Error::Setup(e.to_string()))?;
    let code = clerk_emulator::totp_code(clerk_emulator::DEMO_TOTP_SECRET, now.as_secs() as i64)
        .ok_or_else(|| e2e::Error::Setup("the demo TOTP secret".into()))?;
    env.enter_code(&code).await?;
    env.wait_text("#status", "Active session: sess_").await?;
    assert_eq!(env.path().await?, "/");
    assert_eq!(env.text("#user-email").await?.as_deref(), Some(GRACE.0));
    assert!(env.emails(GRACE.0).await?.is_empty(), "no e-mail for MFA");
    env.finish().await
}

#[tokio::test]
async fn sign_in_returns_to_the_protected_page_but_never_to_an_auth_step() -> Result<()> {
    let env = env().await?;
    env.goto("/account").await?;
    env.wait_path("/sign-in?redirect_url=%2Faccount").await?;
    env.submit_sign_in(DEMO.0, DEMO.1).await?;
    env.wait_path("/account").await?;
    env.wait_text("#account-email", DEMO.0).await?;
    env.screenshot("account").await?;

    // A redirect_url pointing at an auth step, or elsewhere, goes home instead.
    for target in ["/sign-out", "/sign-in", "https://evil.example/"] {
        env.click("#sign-out").await?; // account: "Sign out and go home"
        env.wait_path("/").await?;
        env.wait_text("#status", "You are signed out").await?;
        env.goto(&format!("/sign-in?redirect_url={target}")).await?;
        env.submit_sign_in(DEMO.0, DEMO.1).await?;
        env.wait_text("#status", "Active session").await?;
        assert_eq!(env.path().await?, "/", "{target}");
        env.goto("/account").await?;
    }
    env.finish().await
}

#[tokio::test]
async fn sign_out_and_go_home_and_the_sign_in_redirect_keep_the_document() -> Result<()> {
    let env = env().await?;
    let session = env.sign_in(DEMO.0, DEMO.1).await?;
    env.goto("/account").await?;
    env.wait_text("#account-email", DEMO.0).await?;

    // "Sign out and go home": yew-router pushes "/", no page load.
    env.mark_document().await?;
    env.click("#sign-out").await?;
    env.wait_path("/").await?;
    env.wait_text("#status", "You are signed out").await?;
    assert!(
        env.is_same_document().await?,
        "sign-out went home without a reload"
    );
    assert_eq!(env.session_status(&session).await?, "removed");

    // The protected page's redirect to sign-in, and back after signing in.
    env.click("nav a[href='/account']").await?;
    env.wait_path("/sign-in?redirect_url=%2Faccount").await?;
    env.submit_sign_in(DEMO.0, DEMO.1).await?;
    env.wait_path("/account").await?;
    env.wait_text("#account-email", DEMO.0).await?;
    assert!(
        env.is_same_document().await?,
        "redirected to sign-in and back without a reload"
    );
    env.finish().await
}

#[tokio::test]
async fn sign_out_with_redirect_url_lands_there_and_hostile_ones_are_refused() -> Result<()> {
    let env = env().await?;
    let session = env.sign_in(DEMO.0, DEMO.1).await?;

    for hostile in [
        "https://evil.example/",
        "javascript:alert(document.domain)",
        "//evil.example",
    ] {
        env.goto(&format!("/sign-out?redirect_url={}", urlencode(hostile)))
            .await?;
        env.clear_emulator_requests().await?;
        env.click("#sign-out").await?;
        let error = env
            .wait_text("#sign-out-error", "refused to redirect")
            .await?;
        assert!(error.contains("still signed in"), "{error}");
        assert!(env.path().await?.starts_with("/sign-out"), "never followed");
        assert_eq!(env.session_status(&session).await?, "active");
        assert_eq!(
            env.emulator_actions().await?,
            Vec::<serde_json::Value>::new(),
            "refused before any request"
        );
    }
    env.screenshot("redirect-refused").await?;

    env.goto("/sign-out?redirect_url=/sessions").await?;
    env.click("#sign-out").await?;
    env.wait_path("/sessions").await?;
    env.wait_text("main", "You are signed out").await?;
    assert_eq!(env.session_status(&session).await?, "removed");
    env.finish().await
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn multi_session_sign_out_of_one_keeps_the_other() -> Result<()> {
    let env = Env::start(Options {
        multi_session: true,
        ..Options::default()
    })
    .await?;
    let demo = env.sign_in(DEMO.0, DEMO.1).await?;
    let ada = env.sign_in(ADA.0, ADA.1).await?;
    let mut active = env.active_session_ids().await?;
    active.sort();
    let mut both = vec![demo.clone(), ada.clone()];
    both.sort();
    assert_eq!(active, both);

    env.goto("/sessions").await?;
    env.wait_text("main", "2 signed-in sessions").await?;
    env.wait_text(&format!("li[data-session-id='{ada}']"), "Current")
        .await?;
    env.screenshot("sessions").await?;
    env.mark_document().await?;
    env.click(&format!("#sign-out-{demo}")).await?;
    env.wait_text("main", "1 signed-in session on").await?;
    assert!(env.is_same_document().await?, "stays on the page");
    assert_eq!(env.session_status(&demo).await?, "removed");
    assert_eq!(env.session_status(&ada).await?, "active");
    assert!(env
        .text(&format!("li[data-session-id='{demo}']"))
        .await?
        .is_none());

    env.goto("/").await?;
    env.wait_text("#status", &format!("Active session: {ada}"))
        .await?;
    env.finish().await
}

#[tokio::test]
async fn another_tab_switches_to_signed_out_within_a_second() -> Result<()> {
    let env = env().await?;
    let session = env.sign_in(DEMO.0, DEMO.1).await?;
    let first = env.browser.window().await?;
    let second = env.browser.new_window(true).await?.handle;
    env.browser.switch_to_window(second.clone()).await?;
    env.goto("/").await?;
    env.wait_text("#status", &format!("Active session: {session}"))
        .await?;
    env.mark_document().await?;

    env.browser.switch_to_window(first).await?;
    env.click("#sign-out").await?;
    let clicked = std::time::Instant::now();
    env.browser.switch_to_window(second).await?;
    env.wait_text("#status", "You are signed out").await?;
    let took = clicked.elapsed();
    assert!(took.as_millis() < 1_000, "took {took:?}");
    assert!(env.is_same_document().await?, "without a reload");
    env.finish().await
}

#[tokio::test]
async fn failed_sign_out_keeps_the_session_and_retry_works() -> Result<()> {
    let mut env = env().await?;
    let session = env.sign_in(DEMO.0, DEMO.1).await?;

    // The server fails.
    env.fault(json!({"count": 1, "status": 503, "path": "/v1/client/sessions"}))
        .await?;
    env.mark_document().await?;
    env.click("#sign-out").await?;
    let error = env.wait_text("#sign-out-error", "Sign-out failed").await?;
    assert!(error.contains("still signed in"), "{error}");
    assert!(!env.page_text().await?.contains("You are signed out"));
    env.wait_text("#status", &format!("Active session: {session}"))
        .await?;
    assert!(env.is_same_document().await?, "nothing navigated");
    assert_eq!(env.session_status(&session).await?, "active");
    env.screenshot("sign-out-failed").await?;

    env.click("#sign-out-retry").await?;
    env.wait_text("#status", "You are signed out").await?;
    assert_eq!(env.session_status(&session).await?, "removed");

    // The server is gone.
    let session = env.sign_in(DEMO.0, DEMO.1).await?;
    env.stop_emulator().await;
    env.click("#sign-out").await?;
    env.wait_text("#sign-out-error", "could not reach Clerk")
        .await?;
    assert!(!env.page_text().await?.contains("You are signed out"));
    env.wait_text("#status", &format!("Active session: {session}"))
        .await?;

    // It answers again (fresh, so the session is gone with it): retry signs out.
    env.restart_emulator().await?;
    env.click("#sign-out-retry").await?;
    env.wait_text("#status", "You are signed out").await?;
    env.finish().await
}

#[tokio::test]
async fn unreachable_server_shows_a_panel_with_a_working_retry() -> Result<()> {
    let mut env = env().await?;
    env.stop_emulator().await;
    env.goto("/").await?;
    env.wait_text("#load-failure", "Can't reach").await?;
    env.screenshot("load-failure").await?;
    env.restart_emulator().await?;
    env.click("#retry").await?;
    env.wait_text("#status", "You are signed out").await?;
    env.finish().await
}

#[tokio::test]
async fn a_malformed_key_shows_the_load_failure_panel() -> Result<()> {
    let env = Env::start(Options {
        dist: Dist::BadKey,
        ..Options::default()
    })
    .await?;
    env.goto("/").await?;
    let panel = env
        .wait_text("#load-failure", "publishable key is invalid")
        .await?;
    assert!(panel.contains("CLERK_PUBLISHABLE_KEY"), "{panel}");
    assert!(env.text("#retry").await?.is_none());
    assert!(
        env.emulator_requests().await?.is_empty(),
        "no request with a bad key"
    );
    env.screenshot("bad-key").await?;
    env.finish().await
}

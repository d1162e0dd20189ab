//! Clerk's hosted sign-in (the emulator's Account Portal), the dev-browser
//! handshake, pending sessions, bot protection, and clerk-js tabs (issue 11).

use e2e::{wait_until, Env, Options, Result};
use serde_json::{json, Value};

use super::DEMO;

/// Fills in the portal's password form and submits it.
async fn portal_password(env: &Env, email: &str, password: &str) -> Result<()> {
    env.fill("#identifier", email).await?;
    env.fill("#password", password).await?;
    env.click("button[type=submit]").await
}

/// Signs in on the portal as today's Clerk asks: the password, then, on a
/// browser Client Trust does not know yet, the code from the outbox.
async fn portal_sign_in(env: &Env, email: &str, password: &str) -> Result<()> {
    let sent = env.emails(email).await?.len();
    portal_password(env, email, password).await?;
    let (portal, code_step) = (
        format!("{}/", env.emulator_url),
        format!("{}/sign-in/factor-two", env.emulator_url),
    );
    env.enter_code_if_asked(email, sent, &portal, &code_step)
        .await
}

/// The dev browser the app stored (localStorage keeps it as JSON).
async fn stored_dev_browser(env: &Env) -> Result<Option<String>> {
    let value = env
        .js("const v = localStorage.getItem('__clerk_db_jwt'); return v && JSON.parse(v);")
        .await?;
    Ok(value.as_str().map(str::to_owned))
}

/// The URL this document was loaded from, before any `replaceState`.
async fn loaded_url(env: &Env) -> Result<String> {
    let value = env
        .js("return performance.getEntriesByType('navigation')[0].name;")
        .await?;
    Ok(value.as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn portal_sign_in_in_cookie_mode_comes_back_signed_in() -> Result<()> {
    let env = Env::start(Options::default()).await?;
    env.goto("/").await?;
    env.wait_text("#status", "You are signed out").await?;
    env.screenshot("sign-in-choices").await?;
    env.click("#portal-sign-in").await?;
    let portal = env
        .wait_url_prefix(&format!("{}/sign-in?redirect_url=", env.emulator_url))
        .await?;
    assert!(!portal.contains("__clerk_db_jwt"), "cookie mode: {portal}");
    env.wait_text("h1", "Sign in").await?;
    env.screenshot("portal-sign-in").await?;
    portal_sign_in(&env, DEMO.0, DEMO.1).await?;
    env.wait_url_prefix(&format!("{}/", env.app_url)).await?;
    let status = env.wait_text("#status", "Active session: sess_").await?;
    let session = status.trim_start_matches("Active session: ").trim();
    assert_eq!(env.session_status(session).await?, "active");
    assert_eq!(env.text("#user-email").await?.as_deref(), Some(DEMO.0));
    env.finish().await
}

#[tokio::test]
async fn portal_sign_in_in_dev_browser_mode_hands_the_token_back_in_the_url() -> Result<()> {
    let env = Env::start(Options {
        dev_browser: true,
        ..Options::default()
    })
    .await?;
    // The app's button: the portal gets the app's dev browser.
    env.goto("/").await?;
    env.wait_text("#status", "You are signed out").await?;
    let token = stored_dev_browser(&env).await?.expect("a dev browser");
    env.click("#portal-sign-in").await?;
    let portal = env
        .wait_url_prefix(&format!("{}/sign-in?redirect_url=", env.emulator_url))
        .await?;
    assert!(
        portal.ends_with(&format!("&__clerk_db_jwt={token}")),
        "{portal}"
    );
    portal_sign_in(&env, DEMO.0, DEMO.1).await?;
    env.wait_text("#status", "Active session: sess_").await?;
    assert!(loaded_url(&env)
        .await?
        .contains(&format!("__clerk_db_jwt={token}")));
    assert!(!env.url().await?.contains("__clerk_db_jwt"), "stripped");

    // A browser that never loaded the app: only the URL can bring the
    // portal's dev browser.
    env.js("localStorage.clear()").await?;
    env.browser
        .goto(&format!(
            "{}/sign-in?redirect_url={}/account%3Ftab%3D1%23top",
            env.emulator_url, env.app_url
        ))
        .await?;
    env.wait_text("h1", "Sign in").await?;
    let portal = env.url().await?;
    let fresh = portal
        .split("__clerk_db_jwt=")
        .nth(1)
        .and_then(|rest| rest.split(['&', '#']).next())
        .expect("the portal started its own dev browser")
        .to_owned();
    assert_ne!(fresh, token);
    portal_sign_in(&env, DEMO.0, DEMO.1).await?;
    env.wait_text("#account-email", DEMO.0).await?;
    let arrived = loaded_url(&env).await?;
    assert!(
        arrived.contains(&format!("__clerk_db_jwt={fresh}")),
        "{arrived}"
    );
    let now = env.url().await?;
    assert_eq!(
        now,
        format!("{}/account?tab=1#top", env.app_url),
        "only the token left, the fragment kept; it arrived as {arrived}"
    );
    assert_eq!(
        stored_dev_browser(&env).await?.as_deref(),
        Some(fresh.as_str())
    );
    env.finish().await
}

#[tokio::test]
async fn sign_out_keeps_the_dev_browser_so_the_next_sign_in_needs_no_code() -> Result<()> {
    let env = Env::start(Options {
        dev_browser: true,
        client_trust: true,
        ..Options::default()
    })
    .await?;
    env.goto("/").await?;
    env.wait_text("#status", "You are signed out").await?;
    let token = stored_dev_browser(&env).await?.expect("a dev browser");

    // First sign-in on this browser: Client Trust asks for a code.
    env.click("#portal-sign-in").await?;
    env.wait_text("h1", "Sign in").await?;
    portal_password(&env, DEMO.0, DEMO.1).await?;
    env.wait_url_prefix(&format!("{}/sign-in/factor-two", env.emulator_url))
        .await?;
    let code = env.emailed_code(DEMO.0, 0).await?;
    env.fill("#code", &code).await?;
    env.click("button[type=submit]").await?;
    env.wait_text("#status", "Active session: sess_").await?;

    // Sign out: the page reloads; the dev browser stays.
    env.mark_document().await?;
    env.click("#sign-out").await?;
    wait_until("the reload", || async {
        // A script may hit the page mid-navigation; that is not a failure.
        Ok(matches!(env.is_same_document().await, Ok(false)).then_some(()))
    })
    .await?;
    env.wait_text("#status", "You are signed out").await?;
    assert_eq!(
        stored_dev_browser(&env).await?.as_deref(),
        Some(token.as_str())
    );

    // Same browser, same device: no second code.
    env.click("#portal-sign-in").await?;
    env.wait_text("h1", "Sign in").await?;
    portal_password(&env, DEMO.0, DEMO.1).await?;
    env.wait_text("#status", "Active session: sess_").await?;
    assert_eq!(env.emails(DEMO.0).await?.len(), 1, "one code in all");
    env.finish().await
}

#[tokio::test]
async fn a_pending_session_asks_to_finish_setting_up_the_account() -> Result<()> {
    let env = Env::start(Options::default()).await?;
    let session = env.sign_in(DEMO.0, DEMO.1).await?;
    env.make_pending(&session, &["choose-organization"]).await?;
    env.goto("/").await?;
    env.wait_text("h1", "Finish setting up your account")
        .await?;
    env.wait_text("#tasks", "choose-organization").await?;
    let text = env.page_text().await?;
    assert!(!text.contains("Active session"), "{text}");
    env.screenshot("pending-session").await?;
    // Protected pages treat it as signed out.
    env.goto("/account").await?;
    env.wait_path("/sign-in?redirect_url=%2Faccount").await?;
    env.finish().await
}

#[tokio::test]
async fn a_captcha_401_on_load_shows_the_failure_panel_not_signed_out() -> Result<()> {
    let env = Env::start(Options::default()).await?;
    env.fault(
        json!({"count": 1, "status": 401, "code": "requires_captcha",
        "path": "/v1/client", "method": "GET"}),
    )
    .await?;
    env.goto("/").await?;
    let panel = env.wait_text("#load-failure", "bot protection").await?;
    assert!(
        panel.contains("CAPTCHA verification is required"),
        "{panel}"
    );
    assert!(!panel.contains("signed out"), "{panel}");
    assert!(!env.page_text().await?.contains("You are signed out"));
    env.screenshot("captcha").await?;
    env.click("#retry").await?;
    env.wait_text("#status", "You are signed out").await?;
    env.finish().await
}

#[tokio::test]
async fn a_clerk_js_tab_signing_out_signs_this_tab_out() -> Result<()> {
    let env = Env::start(Options::default()).await?;
    let session = env.sign_in(DEMO.0, DEMO.1).await?;
    env.mark_document().await?;
    let first = env.browser.window().await?;

    // Another tab of the site, which runs clerk-js rather than this app (a
    // page of the same origin without it: the stylesheet): it signs out on
    // the Frontend API, then tells its tabs as clerk-js does.
    let stylesheet = env
        .js("return [...document.querySelectorAll('link[href]')].map(l => l.href).find(h => h.endsWith('.css'));")
        .await?;
    let stylesheet = stylesheet
        .as_str()
        .expect("the app's stylesheet")
        .to_owned();
    let second = env.browser.new_window(true).await?.handle;
    env.browser.switch_to_window(second).await?;
    env.browser.goto(&stylesheet).await?;
    let script = format!(
        "const done = arguments[0];
         fetch('{}/v1/client/sessions?_method=DELETE', {{method: 'POST', credentials: 'include'}})
           .then(r => {{ new BroadcastChannel('clerk').postMessage({{type: 'signout'}}); done(r.status); }})
           .catch(e => done(String(e)));",
        env.emulator_url
    );
    let status: Value = env.browser.execute_async(&script, Vec::new()).await?;
    assert_eq!(status, json!(200));

    env.browser.switch_to_window(first).await?;
    env.wait_text("#status", "You are signed out").await?;
    assert!(env.is_same_document().await?, "without a reload");
    assert_eq!(env.session_status(&session).await?, "removed");
    env.finish().await
}

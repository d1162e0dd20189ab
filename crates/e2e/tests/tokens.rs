//! Session tokens end to end: the account page calls the demo API with the
//! page's token; the token is refreshed before it expires, retried through
//! a failing token endpoint, and gone from the page after a sign-out. Run
//! through `scripts/test`, which builds the dists these tests serve.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use e2e::{Env, Error, Options, Result};
use serde_json::json;

const DEMO: (&str, &str) = ("demo@example.com", "demo-password-1");

/// Signs in and opens `/account` (a page load), where the API's first
/// answer must show this session; returns the session id.
async fn account_page(env: &Env) -> Result<String> {
    let session = env.sign_in(DEMO.0, DEMO.1).await?;
    env.clear_emulator_requests().await?;
    env.goto("/account").await?;
    env.wait_text("#api-answer", "Answer 1: HTTP 200").await?;
    let answer = env.text("#api-answer").await?.unwrap_or_default();
    assert!(
        answer.contains(&format!(r#""session_id":"{session}""#)),
        "{answer}"
    );
    let user = env.text("#account-user-id").await?.unwrap_or_default();
    assert!(
        answer.contains(&format!(r#""user_id":"{user}""#)),
        "{answer}"
    );
    Ok(session)
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

#[tokio::test]
async fn the_account_page_shows_the_apis_answer_with_one_fapi_request_on_load() -> Result<()> {
    let env = Env::start(Options::default()).await?;
    account_page(&env).await?;
    env.screenshot("account-api").await?;
    // The load's token came with the client: one FAPI request, no token request.
    let load: Vec<_> = (env.emulator_requests().await?.into_iter())
        .filter(|r| r["preflight"] != true)
        .map(|r| format!("{} {}", r["method"], r["path"]))
        .collect();
    assert_eq!(load, [r#""GET" "/v1/client""#], "the load");

    // A cached token: no request.
    env.click("#api-call").await?;
    env.wait_text("#api-answer", "Answer 2: HTTP 200").await?;
    assert_eq!(
        env.token_requests().await?,
        Vec::<u64>::new(),
        "a cache hit"
    );

    // skip_cache: one request.
    env.click("#api-call-new-token").await?;
    env.wait_text("#api-answer", "Answer 3: HTTP 200").await?;
    assert_eq!(env.token_requests().await?, [200], "a refresh");
    env.finish().await
}

#[tokio::test]
async fn with_5_second_tokens_the_page_keeps_working_past_their_expiry() -> Result<()> {
    let env = Env::start(Options {
        token_lifetime: Duration::from_secs(5),
        ..Options::default()
    })
    .await?;
    account_page(&env).await?;
    let first = env
        .session_cookie_claims()
        .await?
        .ok_or_else(|| Error::Setup("no __session cookie while signed in".into()))?;
    let first_exp = first["exp"].as_i64().unwrap_or_default();
    // Past the first token's expiry and the API's 5 s of leeway, so an
    // unrefreshed token would now be refused as expired.
    while now_secs() <= first_exp + 6 {
        assert!(now_secs() < first_exp + 30, "the clock");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    env.click("#api-call").await?;
    env.wait_text("#api-answer", "Answer 2: HTTP 200").await?;
    let refreshes = env.token_requests().await?;
    assert!(
        !refreshes.is_empty() && refreshes.iter().all(|s| *s == 200),
        "{refreshes:?}"
    );
    // Refreshed in the background, while the tab is visible, about every
    // 2.5 s for 5 s tokens: a bounded number, not a loop.
    assert!(refreshes.len() <= 8, "{refreshes:?}");
    let now = env.session_cookie_claims().await?.unwrap_or_default();
    assert!(now["exp"].as_i64() > Some(first_exp + 6), "{now}");
    env.finish().await
}

#[tokio::test]
async fn after_a_sign_out_what_the_page_still_holds_is_refused_by_the_api() -> Result<()> {
    let env = Env::start(Options::default()).await?;
    let session = account_page(&env).await?;
    // While signed in, what the page holds (the `__session` cookie) works.
    let before = env.call_api_with_held_token().await?;
    assert!(before.held_a_token, "{before:?}");
    assert_eq!(before.status, 200, "{before:?}");
    assert!(before.body.contains(&session), "{before:?}");

    // "Sign out and go home": yew-router's navigation, the same document.
    env.mark_document().await?;
    env.click("#sign-out").await?;
    env.wait_path("/").await?;
    env.wait_text("#status", "You are signed out").await?;
    assert!(env.is_same_document().await?);
    assert_eq!(env.session_status(&session).await?, "removed");

    let after = env.call_api_with_held_token().await?;
    assert!(!after.held_a_token, "the cookie is gone: {after:?}");
    assert_eq!(after.status, 401, "{after:?}");
    assert!(after.body.contains("token-missing"), "{after:?}");
    let uat = env
        .js("return document.cookie.includes('__client_uat=0')")
        .await?;
    assert_eq!(uat, json!(true), "__client_uat says signed out");
    assert_eq!(env.local_storage_keys().await?, Vec::<String>::new());
    env.finish().await
}

#[tokio::test]
async fn a_503_on_the_token_endpoint_is_retried_and_then_succeeds() -> Result<()> {
    let env = Env::start(Options::default()).await?;
    account_page(&env).await?;
    env.fault(json!({"count": 2, "status": 503, "path": "/v1/client/sessions/*/tokens"}))
        .await?;
    env.clear_emulator_requests().await?;
    env.click("#api-call-new-token").await?;
    env.wait_text("#api-answer", "Answer 2: HTTP 200").await?;
    assert_eq!(env.token_requests().await?, [503, 503, 200]);
    env.finish().await
}

//! Session tokens against the emulator: the cache seeded by the client (a
//! load sends one request, the first `get_token` none), one request shared
//! by concurrent calls, retries on a 503 within their bound, none on a
//! session that is gone, and nothing handed out once a sign-out starts.

use super::*;

const DEMO: (&str, &str) = ("demo@example.com", "demo-password-1");

/// How many token requests (`POST .../tokens`) the emulator saw.
async fn token_requests() -> usize {
    let log = requests(emulator()).await;
    log.iter()
        .filter(|r| r.starts_with("POST ") && r.ends_with("/tokens"))
        .count()
}

/// The page's cookies as a script sees them.
fn cookies() -> String {
    js_sys::eval("document.cookie")
        .unwrap()
        .as_string()
        .unwrap()
}

#[wasm_bindgen_test]
async fn a_load_seeds_the_cache_so_the_first_get_token_sends_nothing() {
    reset(emulator()).await;
    let first = Mounted::start(harness(key_for(emulator()))).await;
    let session = first.sign_in(DEMO.0, DEMO.1).await;
    drop(first);

    clear_requests(emulator()).await;
    let app = Mounted::new(harness(key_for(emulator())));
    app.wait_status(&format!("signed-in {session}")).await;
    let token = app.clerk().get_token(GetTokenOptions::new()).await;
    let again = app.clerk().get_token(GetTokenOptions::new()).await;
    assert_eq!(token.as_ref().map(|t| t.split('.').count()), Ok(3));
    assert_eq!(token, again, "the cached token, twice");
    assert_eq!(requests(emulator()).await, ["GET /v1/client"]);
}

#[wasm_bindgen_test]
async fn concurrent_calls_share_one_request() {
    reset(emulator()).await;
    let app = Mounted::start(harness(key_for(emulator()))).await;
    app.sign_in(DEMO.0, DEMO.1).await;
    clear_requests(emulator()).await;
    let (a, b) = (app.clerk(), app.clerk());
    let fresh = || GetTokenOptions::new().skip_cache(true);
    let (a, b) = futures::join!(a.get_token(fresh()), b.get_token(fresh()));
    assert!(a.is_ok(), "{a:?}");
    assert_eq!(a, b);
    assert_eq!(token_requests().await, 1);
    // The new token is the cached one now.
    assert_eq!(app.clerk().get_token(GetTokenOptions::new()).await, a);
    assert_eq!(token_requests().await, 1);
}

#[wasm_bindgen_test]
async fn a_503_is_retried_until_it_succeeds_and_only_within_the_bound() {
    reset(emulator()).await;
    let app = Mounted::start(harness(key_for(emulator()))).await;
    app.sign_in(DEMO.0, DEMO.1).await;
    let fresh = || GetTokenOptions::new().skip_cache(true);

    clear_requests(emulator()).await;
    fault(json!({"count": 2, "status": 503, "path": "/v1/client/sessions/*/tokens"})).await;
    let token = app.clerk().get_token(fresh()).await;
    assert!(token.is_ok(), "{token:?}");
    assert_eq!(token_requests().await, 3, "two 503s, then the token");

    // Four 503s: the first attempt and three retries, then the error.
    clear_requests(emulator()).await;
    fault(json!({"count": 4, "status": 503, "path": "/v1/client/sessions/*/tokens"})).await;
    let started = js_sys::Date::now();
    let err = app.clerk().get_token(fresh()).await.unwrap_err();
    let took = js_sys::Date::now() - started;
    assert_eq!(err.status(), Some(503), "{err:?}");
    assert_eq!(token_requests().await, 4);
    assert!(took < 6_000.0, "the retries' waits are bounded: {took} ms");
    // Still signed in: a 503 says nothing about the session.
    assert!(app.clerk().is_signed_in());
}

#[wasm_bindgen_test]
async fn a_session_gone_is_not_retried_and_the_state_becomes_signed_out() {
    reset(emulator()).await;
    let app = Mounted::start(harness(key_for(emulator()))).await;
    app.sign_in(DEMO.0, DEMO.1).await;
    // Ended elsewhere: the SDK still thinks it is signed in.
    assert_eq!(fapi_as_browser("/client?_method=DELETE").await, 200);
    clear_requests(emulator()).await;
    let err = app
        .clerk()
        .get_token(GetTokenOptions::new().skip_cache(true))
        .await
        .unwrap_err();
    assert!(err.is_session_gone(), "{err:?}");
    assert_eq!(token_requests().await, 1, "no retry");
    app.wait_status("signed-out").await;
}

#[wasm_bindgen_test]
async fn after_a_sign_out_get_token_is_no_active_session_and_sends_nothing() {
    reset(emulator()).await;
    let mut props = harness(key_for(emulator()));
    props.session_cookie = true;
    let app = Mounted::start(props).await;
    app.sign_in(DEMO.0, DEMO.1).await;
    let before = app.clerk();
    let token = before.get_token(GetTokenOptions::new()).await.unwrap();
    assert!(
        cookies().contains(&format!("__session={token}")),
        "{}",
        cookies()
    );
    assert!(!cookies().contains("__client_uat=0"), "{}", cookies());

    // While the sign-out is in flight, nothing is handed out either.
    fault(json!({"count": 1, "delay_ms": 500, "method": "DELETE", "path": "/v1/client/sessions"}))
        .await;
    let signing_out = app.clerk();
    let sign_out = signing_out.sign_out(SignOutOptions::new().callback(Callback::from(|_| ())));
    let during = async {
        wait_until("the sign-out in flight", || {
            app.text("#phase").as_deref() == Some("in-flight")
        })
        .await;
        clear_requests(emulator()).await;
        let during = before.get_token(GetTokenOptions::new()).await;
        (during, cookies())
    };
    let (signed_out, (during, cookies_during)) = futures::join!(sign_out, during);
    signed_out.expect("the sign-out succeeds");
    assert_eq!(during, Err(ClerkError::NoActiveSession));
    assert!(!cookies_during.contains("__session="), "{cookies_during}");
    app.wait_status("signed-out").await;

    clear_requests(emulator()).await;
    for options in [
        GetTokenOptions::new(),
        GetTokenOptions::new().skip_cache(true),
        GetTokenOptions::new().template("any"),
    ] {
        // A handle from before the sign-out, and a new one.
        assert_eq!(
            before.get_token(options.clone()).await,
            Err(ClerkError::NoActiveSession)
        );
        assert_eq!(
            app.clerk().get_token(options).await,
            Err(ClerkError::NoActiveSession)
        );
    }
    assert_eq!(requests(emulator()).await, Vec::<String>::new());
    assert!(!cookies().contains("__session="), "{}", cookies());
    assert!(cookies().contains("__client_uat=0"), "{}", cookies());
}

#[wasm_bindgen_test]
async fn a_failed_sign_out_drops_the_cookie_and_the_cache_too() {
    reset(emulator()).await;
    let mut props = harness(key_for(emulator()));
    props.session_cookie = true;
    let app = Mounted::start(props).await;
    let session = app.sign_in(DEMO.0, DEMO.1).await;
    assert!(cookies().contains("__session="), "{}", cookies());

    fault(json!({"count": 1, "status": 503, "path": "/v1/client/sessions"})).await;
    let stay = SignOutOptions::new().callback(Callback::from(|_| ()));
    let err = app.clerk().sign_out(stay.clone()).await;
    assert_eq!(err.map_err(|e| e.status()), Err(Some(503)));
    assert!(!cookies().contains("__session="), "{}", cookies());
    assert_eq!(app.text("#status").unwrap(), format!("signed-in {session}"));

    // Clerk said nothing about the session: it lives, and a new token is
    // fetched for it (the old one was forgotten).
    clear_requests(emulator()).await;
    assert!(app.clerk().get_token(GetTokenOptions::new()).await.is_ok());
    assert_eq!(token_requests().await, 1);
    assert!(cookies().contains("__session="), "{}", cookies());

    app.clerk()
        .sign_out(stay)
        .await
        .expect("the retry succeeds");
    app.wait_status("signed-out").await;
    assert!(!cookies().contains("__session="), "{}", cookies());
}

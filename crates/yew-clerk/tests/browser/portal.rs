//! The Account Portal's URLs, the dev-browser URL handshake, and clerk-js's
//! session rules (issue 11), against the real emulators.

use super::*;
use wasm_bindgen::JsValue;

#[derive(Properties, PartialEq, Clone)]
struct PortalHarnessProps {
    key: AttrValue,
    probe: Probe,
    #[prop_or_default]
    dev_browser: DevBrowserMode,
    #[prop_or(true)]
    treat_pending_as_signed_out: bool,
}

#[component]
fn PortalHarness(props: &PortalHarnessProps) -> Html {
    html! {
        <ClerkProvider
            publishable_key={props.key.clone()}
            dev_browser={props.dev_browser}
            treat_pending_as_signed_out={props.treat_pending_as_signed_out}
        >
            <ProbeView probe={props.probe.clone()} />
            <SignedIn><p class="signed-in">{ "Welcome" }</p></SignedIn>
            <SignedOut><p class="signed-out">{ "You are signed out" }</p></SignedOut>
        </ClerkProvider>
    }
}

fn portal_props(base: &str, dev_browser: DevBrowserMode) -> PortalHarnessProps {
    PortalHarnessProps {
        key: key_for(base).into(),
        probe: Probe::default(),
        dev_browser,
        treat_pending_as_signed_out: true,
    }
}

fn mount_portal(props: PortalHarnessProps) -> Mounted {
    let probe = props.probe.clone();
    let key = props.key.to_string();
    let root = mount::<PortalHarness>(props, || {});
    Mounted { root, probe, key }
}

fn stored_dev_browser() -> Option<String> {
    let stored = storage().get_item("__clerk_db_jwt").unwrap()?;
    serde_json::from_str(&stored).ok()
}

fn location() -> web_sys::Location {
    web_sys::window().unwrap().location()
}

fn replace_url(url: &str) {
    web_sys::window()
        .unwrap()
        .history()
        .unwrap()
        .replace_state_with_url(&JsValue::NULL, "", Some(url))
        .unwrap();
}

/// A fresh dev browser from the instance, as the portal would start one.
async fn new_dev_browser(base: &str) -> String {
    let response = Request::post(&format!("{base}/v1/dev_browser"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("")
        .unwrap()
        .send()
        .await
        .unwrap();
    assert!(response.ok(), "POST /v1/dev_browser: {}", response.status());
    let body: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    body["id"].as_str().unwrap().to_owned()
}

#[wasm_bindgen_test]
async fn portal_urls_come_from_the_environment_only_when_asked() {
    let base = emulator();
    reset(base).await;
    clear_requests(base).await;
    let app = mount_portal(portal_props(base, DevBrowserMode::Auto));
    app.wait_status("signed-out").await;
    assert_eq!(
        requests(base).await,
        ["GET /v1/client"],
        "load is one request"
    );

    clear_requests(base).await;
    let url = app.clerk().build_sign_in_url(None).await.unwrap();
    let here = format!(
        "{}{}",
        location().origin().unwrap(),
        location().pathname().unwrap()
    );
    assert!(
        url.starts_with(&format!("{base}/sign-in?redirect_url={here}")),
        "{url} {here}"
    );
    assert!(!url.contains("__clerk_db_jwt"), "cookie mode: {url}");
    let up = app
        .clerk()
        .build_sign_up_url(Some("/account"))
        .await
        .unwrap();
    let origin = location().origin().unwrap();
    assert_eq!(up, format!("{base}/sign-up?redirect_url={origin}/account"));
    assert_eq!(
        requests(base).await,
        ["GET /v1/environment"],
        "fetched once, then kept"
    );
    let refused = app
        .clerk()
        .build_sign_in_url(Some("https://evil.example/"))
        .await
        .unwrap_err();
    assert!(matches!(refused, ClerkError::RedirectRefused { .. }));
}

#[wasm_bindgen_test]
async fn the_dev_browser_comes_back_in_the_url_and_leaves_the_address_bar() {
    let base = dev_browser_emulator();
    reset(base).await;
    let token = new_dev_browser(base).await;
    let before = location().href().unwrap();
    let path = location().pathname().unwrap();
    replace_url(&format!("{path}?x=1&__clerk_db_jwt={token}&y=2#frag"));
    clear_requests(base).await;
    let app = mount_portal(portal_props(base, DevBrowserMode::Always));
    app.wait_status("signed-out").await;
    let (search, hash) = (location().search().unwrap(), location().hash().unwrap());
    replace_url(&before);
    assert_eq!((search.as_str(), hash.as_str()), ("?x=1&y=2", "#frag"));
    assert_eq!(stored_dev_browser().as_deref(), Some(token.as_str()));
    // The portal's dev browser is used at once (the log redacts tokens, but
    // no new one is made, and the emulator accepts only tokens it issued).
    assert_eq!(requests(base).await, ["GET /v1/client"]);

    // And goes to the portal on another origin.
    let url = app.clerk().build_sign_in_url(None).await.unwrap();
    assert!(
        url.starts_with(&format!("{base}/sign-in?redirect_url=")),
        "{url}"
    );
    assert!(url.ends_with(&format!("&__clerk_db_jwt={token}")), "{url}");
}

#[wasm_bindgen_test]
async fn a_sign_out_keeps_the_dev_browser_unless_asked() {
    let base = dev_browser_emulator();
    reset(base).await;
    let app = mount_portal(portal_props(base, DevBrowserMode::Always));
    app.wait_status("signed-out").await;
    let token = stored_dev_browser().expect("a dev browser");
    clear_requests(base).await;
    storage().set_item("cart", "1").unwrap();
    app.sign_in("demo@example.com", "demo-password-1").await;
    let (callback, _) = recorder::<()>();
    app.clerk()
        .sign_out(SignOutOptions::new().callback(callback))
        .await
        .unwrap();
    assert_eq!(stored_dev_browser().as_deref(), Some(token.as_str()));
    assert!(storage().get_item("cart").unwrap().is_none());

    app.sign_in("demo@example.com", "demo-password-1").await;
    let made = requests(base).await;
    assert!(
        !made.iter().any(|r| r == "POST /v1/dev_browser"),
        "the same dev browser signs in again: {made:?}"
    );
    let (callback, _) = recorder::<()>();
    app.clerk()
        .sign_out(
            SignOutOptions::new()
                .callback(callback)
                .clear_dev_browser(true),
        )
        .await
        .unwrap();
    assert_eq!(stored_dev_browser(), None);
}

#[wasm_bindgen_test]
async fn a_pending_session_is_signed_out_unless_the_app_opts_in() {
    let base = emulator();
    reset(base).await;
    let app = mount_portal(portal_props(base, DevBrowserMode::Auto));
    app.wait_status("signed-out").await;
    let session = app.sign_in("demo@example.com", "demo-password-1").await;
    hook(
        "POST",
        base,
        &format!("/__emulator/sessions/{session}"),
        Some(json!({"status": "pending", "tasks": [{"key": "choose-organization"}]})),
    )
    .await;
    app.clerk().reload().await.unwrap();
    app.wait_status("signed-out").await;
    assert!(app.has(".signed-out") && !app.has(".signed-in"));
    let clerk = app.clerk();
    let pending = clerk.pending_session().expect("the pending session");
    assert_eq!(pending.id, session);
    assert_eq!(pending.tasks[0].key, "choose-organization");
    assert!(clerk.user().is_none());
    drop(app);

    let mut props = portal_props(base, DevBrowserMode::Auto);
    props.treat_pending_as_signed_out = false;
    let app = mount_portal(props);
    app.wait_status(&format!("signed-in {session}")).await;
    assert!(app.has(".signed-in"));
}

#[wasm_bindgen_test]
async fn without_a_last_active_session_the_first_active_one_is_current() {
    let base = emulator();
    reset(base).await;
    let app = mount_portal(portal_props(base, DevBrowserMode::Auto));
    app.wait_status("signed-out").await;
    let session = app.sign_in("demo@example.com", "demo-password-1").await;
    // The emulator's own answer, with last_active_session_id taken out on
    // the way (the emulator always sets it).
    js_sys::eval(
        r#"(() => {
            const real = window.fetch;
            window.fetch = async function (input, init) {
                const url = typeof input === "string" ? input : input.url;
                if (!new URL(url).pathname.endsWith("/v1/client")) return real.apply(this, arguments);
                window.fetch = real;
                const answer = await real.apply(this, arguments);
                const body = await answer.json();
                body.response.last_active_session_id = null;
                return new Response(JSON.stringify(body), {
                    status: answer.status, headers: { "Content-Type": "application/json" }
                });
            };
        })()"#,
    )
    .unwrap();
    app.clerk().reload().await.unwrap();
    app.wait_status(&format!("signed-in {session}")).await;
    let clerk = app.clerk();
    assert_eq!(
        clerk.client().unwrap().last_active_session_id,
        None,
        "the interceptor ran"
    );
}

#[wasm_bindgen_test]
async fn a_captcha_401_on_load_is_a_failure_not_signed_out() {
    let base = emulator();
    reset(base).await;
    fault(json!({"count": 1, "status": 401, "code": "requires_captcha", "path": "/v1/client", "method": "GET"})).await;
    let app = mount_portal(portal_props(base, DevBrowserMode::Auto));
    let status = app.wait_status("failed").await;
    assert!(status.contains("CAPTCHA"), "{status}");
    assert!(!app.has(".signed-out") && !app.has(".signed-in"));
    app.clerk().reload().await.unwrap();
    app.wait_status("signed-out").await;
}

#[wasm_bindgen_test]
async fn clerk_js_tabs_sign_outs_are_heard_and_sent() {
    let base = emulator();
    reset(base).await;
    let app = mount_portal(portal_props(base, DevBrowserMode::Auto));
    app.wait_status("signed-out").await;
    let session = app.sign_in("demo@example.com", "demo-password-1").await;

    // A clerk-js tab signs out and broadcasts as clerk-js does.
    assert_eq!(
        fapi_as_browser("/client/sessions?_method=DELETE").await,
        200
    );
    let clerk_js = web_sys::BroadcastChannel::new("clerk").unwrap();
    let message = js_sys::JSON::parse(r#"{"type": "signout"}"#).unwrap();
    clerk_js.post_message(&message).unwrap();
    app.wait_status("signed-out").await;
    assert_eq!(session_status(base, &session).await, "removed");

    // Ours tells clerk-js tabs in the same shape.
    let heard: Rc<RefCell<Vec<String>>> = Rc::default();
    let sink = heard.clone();
    let _listener = gloo_events::EventListener::new(&clerk_js, "message", move |event| {
        let data = event.dyn_ref::<web_sys::MessageEvent>().unwrap().data();
        sink.borrow_mut()
            .push(js_sys::JSON::stringify(&data).unwrap().into());
    });
    app.sign_in("demo@example.com", "demo-password-1").await;
    let (callback, _) = recorder::<()>();
    app.clerk()
        .sign_out(SignOutOptions::new().callback(callback))
        .await
        .unwrap();
    wait_until("clerk-js's message", || !heard.borrow().is_empty()).await;
    assert_eq!(heard.borrow().as_slice(), [r#"{"type":"signout"}"#]);
    clerk_js.close();
}

//! Browser tests: the SDK in headless Chromium against a real clerk-emulator.
//!
//! `scripts/test` starts two emulators (cookie mode with multi-session, and
//! dev-browser mode) and passes their URLs at build time.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use gloo_net::http::Request;
use gloo_timers::future::TimeoutFuture;
use serde_json::{json, Value};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, RequestCredentials};
use yew::prelude::*;
use yew_clerk::*;

wasm_bindgen_test_configure!(run_in_browser);

// In a subfolder, so cargo does not build it as a test of its own.
#[cfg(feature = "yew-router")]
#[path = "browser/router.rs"]
mod router;
#[path = "browser/sign_in.rs"]
mod sign_in;

#[path = "browser/tokens.rs"]
mod tokens;

#[path = "browser/portal.rs"]
mod portal;

// option_env, not env!: clippy and doc builds run without an emulator.
#[allow(clippy::option_env_unwrap)]
fn emulator() -> &'static str {
    option_env!("CLERK_EMULATOR_URL").expect("build with CLERK_EMULATOR_URL (scripts/test does)")
}

#[allow(clippy::option_env_unwrap)]
fn dev_browser_emulator() -> &'static str {
    option_env!("CLERK_EMULATOR_DEV_BROWSER_URL")
        .expect("build with CLERK_EMULATOR_DEV_BROWSER_URL (scripts/test does)")
}

/// `pk_test_` + base64 of `host:port$`, as the emulator prints it.
fn key_for(url: &str) -> String {
    let host = url.trim_start_matches("http://");
    let encoded = web_sys::window()
        .unwrap()
        .btoa(&format!("{host}$"))
        .unwrap();
    format!("pk_test_{encoded}")
}

// ---- the emulator's test hooks -------------------------------------------

async fn hook(method: &str, base: &str, path: &str, body: Option<Value>) -> Value {
    let url = format!("{base}{path}");
    let builder = match method {
        "GET" => Request::get(&url),
        "DELETE" => Request::delete(&url),
        _ => Request::post(&url),
    };
    let request = match body {
        Some(body) => builder
            .header("Content-Type", "application/json")
            .body(body.to_string())
            .unwrap(),
        // Hook POSTs must say JSON (a browser then preflights them).
        None if method == "POST" => builder
            .header("Content-Type", "application/json")
            .build()
            .unwrap(),
        None => builder.build().unwrap(),
    };
    let response = request.send().await.expect("emulator reachable");
    assert!(response.ok(), "{method} {path}: HTTP {}", response.status());
    let text = response.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

async fn reset(base: &str) {
    hook("POST", base, "/__emulator/reset", None).await;
    web_sys::window()
        .unwrap()
        .local_storage()
        .unwrap()
        .unwrap()
        .clear()
        .unwrap();
}

async fn fault(spec: Value) {
    hook("POST", emulator(), "/__emulator/faults", Some(spec)).await;
}

async fn session_status(base: &str, id: &str) -> String {
    let sessions = hook("GET", base, "/__emulator/sessions", None).await;
    sessions
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .map(|s| s["status"].as_str().unwrap().to_owned())
        .unwrap_or_else(|| panic!("emulator has no session {id}: {sessions}"))
}

/// FAPI requests the emulator saw, as `METHOD path`, preflights excluded.
async fn requests(base: &str) -> Vec<String> {
    let log = hook("GET", base, "/__emulator/requests", None).await;
    log.as_array()
        .unwrap()
        .iter()
        .filter(|r| r["preflight"] != true)
        .map(|r| {
            format!(
                "{} {}",
                r["method"].as_str().unwrap(),
                r["path"].as_str().unwrap()
            )
        })
        .collect()
}

async fn clear_requests(base: &str) {
    hook("DELETE", base, "/__emulator/requests", None).await;
}

/// The codes the emulator "e-mailed" to `to`, oldest first.
async fn emails(base: &str, to: &str) -> Vec<Value> {
    let path = format!("/__emulator/emails?to={}", to.replace('+', "%2B"));
    match hook("GET", base, &path, None).await {
        Value::Array(emails) => emails,
        other => panic!("emails: {other}"),
    }
}

/// The newest code sent to `to` for the sign-in attempt `sign_in_id`.
async fn emailed_code(base: &str, to: &str, sign_in_id: &str) -> String {
    let emails = emails(base, to).await;
    let email = emails
        .iter()
        .rev()
        .find(|e| e["sign_in_id"] == sign_in_id)
        .unwrap_or_else(|| panic!("no code for {sign_in_id} in {emails:?}"));
    email["code"].as_str().expect("a code").to_owned()
}

/// Signs in with a password, and on a browser the emulator does not trust
/// yet (Client Trust) with the code from its outbox; the complete attempt.
async fn sign_in_through_trust(clerk: &Clerk, base: &str, email: &str, password: &str) -> SignIn {
    let attempt = clerk
        .sign_in_with_password(email, password)
        .await
        .expect("sign-in");
    if attempt.status != SignInStatus::NeedsClientTrust {
        return attempt;
    }
    let factor = attempt.second_factors()[0].clone();
    let prepared = clerk
        .prepare_second_factor(&attempt, &factor)
        .await
        .expect("code sent");
    let code = emailed_code(base, email, &prepared.id).await;
    clerk
        .attempt_second_factor(&prepared, &factor, &VerificationCode::new(&code))
        .await
        .expect("the emailed code")
}

/// The emulator's URL for a publishable key made by [`key_for`].
fn base_for(key: &str) -> String {
    let encoded = key.trim_start_matches("pk_test_");
    let decoded = web_sys::window().unwrap().atob(encoded).unwrap();
    format!("http://{}", decoded.trim_end_matches('$'))
}

/// Acts on the emulator as this browser (same cookie), like another tab would.
async fn fapi_as_browser(method_path: &str) -> u16 {
    let url = format!("{}/v1{method_path}", emulator());
    Request::post(&url)
        .credentials(RequestCredentials::Include)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("")
        .unwrap()
        .send()
        .await
        .unwrap()
        .status()
}

// ---- a mounted provider ------------------------------------------------------

/// What a component saw, shared with the test; as a prop it compares by
/// identity.
struct Shared<T>(Rc<RefCell<T>>);

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<T: Default> Default for Shared<T> {
    fn default() -> Self {
        Self(Rc::default())
    }
}

impl<T> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// The provider's `Clerk` handle as of the last render.
type Probe = Shared<Option<Clerk>>;

#[derive(Properties, PartialEq, Clone)]
struct HarnessProps {
    key: AttrValue,
    probe: Probe,
    #[prop_or_default]
    keep: Vec<String>,
    #[prop_or_default]
    after: Option<AttrValue>,
    #[prop_or_default]
    dev_browser: DevBrowserMode,
    #[prop_or_default]
    router_push: Option<Callback<String>>,
    #[prop_or(DEFAULT_REQUEST_TIMEOUT_MS)]
    timeout_ms: u32,
    #[prop_or_default]
    session_cookie: bool,
}

#[component]
fn Harness(props: &HarnessProps) -> Html {
    html! {
        <ClerkProvider
            publishable_key={props.key.clone()}
            keep_storage_keys={props.keep.clone()}
            after_sign_out_url={props.after.clone()}
            dev_browser={props.dev_browser}
            router_push={props.router_push.clone()}
            request_timeout_ms={props.timeout_ms}
            session_cookie={props.session_cookie}
        >
            <ProbeView probe={props.probe.clone()} />
            <ClerkLoading><p class="loading">{ "Loading" }</p></ClerkLoading>
            <SignedIn><p class="signed-in">{ "Welcome" }</p></SignedIn>
            <SignedOut><p class="signed-out">{ "You are signed out" }</p></SignedOut>
            <Protect fallback={html! { <p class="protect-fallback">{ "Sign in first" }</p> }}>
                <p class="protected">{ "Secret" }</p>
            </Protect>
            <SignOutButton id="sob" />
        </ClerkProvider>
    }
}

#[derive(Properties, PartialEq)]
struct ProbeProps {
    probe: Probe,
}

#[component]
fn ProbeView(props: &ProbeProps) -> Html {
    let clerk = use_clerk();
    let auth = use_auth();
    let email = use_user().and_then(|u| u.primary_email_address().map(str::to_owned));
    props.probe.0.replace(clerk.clone());
    let Some(clerk) = clerk else {
        return html! { <p id="status">{ "no provider" }</p> };
    };
    let load = match clerk.load_state() {
        LoadState::Loading => "loading".to_owned(),
        LoadState::Loaded if auth.is_signed_in => {
            format!("signed-in {}", auth.session_id.unwrap_or_default())
        }
        LoadState::Loaded => "signed-out".to_owned(),
        LoadState::Failed(e) => format!("failed: {e}"),
    };
    let phase = match clerk.sign_out_phase() {
        SignOutPhase::Idle => "idle".to_owned(),
        SignOutPhase::InFlight => "in-flight".to_owned(),
        SignOutPhase::Navigating => "navigating".to_owned(),
        SignOutPhase::Failed(e) => format!("failed: {e}"),
    };
    html! {
        <>
            <p id="status">{ load }</p>
            <p id="phase">{ phase }</p>
            <p id="email">{ email.unwrap_or_default() }</p>
        </>
    }
}

/// Mounted roots, each with what unmounts it.
type Mounts = RefCell<Vec<(Element, Box<dyn FnOnce()>)>>;

thread_local! {
    // Mounts of a test that panicked (and so never dropped them), removed by
    // the next mount so that one failure does not cascade.
    static LEFTOVERS: Mounts = const { RefCell::new(Vec::new()) };
}

/// Mounts `C` in a new element of the page; `on_unmount` runs when it is
/// unmounted, by [`unmount`] or as a leftover.
fn mount<C>(props: C::Properties, on_unmount: impl FnOnce() + 'static) -> Element
where
    C: yew::BaseComponent,
{
    for (root, destroy) in LEFTOVERS.with(|l| l.take()) {
        destroy();
        root.remove();
    }
    let document = gloo_utils::document();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    let handle = yew::Renderer::<C>::with_root_and_props(root.clone(), props).render();
    let destroy = Box::new(move || {
        handle.destroy();
        on_unmount();
    });
    LEFTOVERS.with(|l| l.borrow_mut().push((root.clone(), destroy)));
    root
}

fn unmount(root: &Element) {
    let mine = LEFTOVERS.with(|l| {
        let mut list = l.borrow_mut();
        let index = list.iter().position(|(r, _)| r == root);
        index.map(|i| list.remove(i))
    });
    if let Some((root, destroy)) = mine {
        destroy();
        root.remove();
    }
}

struct Mounted {
    root: Element,
    probe: Probe,
    /// The publishable key, which names the emulator.
    key: String,
}

impl Mounted {
    fn new(props: HarnessProps) -> Self {
        let probe = props.probe.clone();
        let key = props.key.to_string();
        let root = mount::<Harness>(props, || {});
        Self { root, probe, key }
    }
    /// Mounts and waits until the client is loaded, signed out.
    async fn start(props: HarnessProps) -> Self {
        let app = Self::new(props);
        app.wait_status("signed-out").await;
        app
    }

    fn clerk(&self) -> Clerk {
        self.probe.0.borrow().clone().expect("provider rendered")
    }

    fn text(&self, selector: &str) -> Option<String> {
        self.root
            .query_selector(selector)
            .unwrap()
            .and_then(|e| e.text_content())
    }

    fn has(&self, selector: &str) -> bool {
        self.root.query_selector(selector).unwrap().is_some()
    }

    async fn wait(&self, what: &str, cond: impl Fn(&Self) -> bool) {
        wait_until(what, || cond(self)).await;
    }

    async fn wait_status(&self, prefix: &str) -> String {
        self.wait(&format!("status {prefix:?}"), |m| {
            m.text("#status").is_some_and(|t| t.starts_with(prefix))
        })
        .await;
        self.text("#status").unwrap()
    }

    /// Signs in and returns the new session id.
    async fn sign_in(&self, email: &str, password: &str) -> String {
        let base = base_for(&self.key);
        let attempt = sign_in_through_trust(&self.clerk(), &base, email, password).await;
        let id = attempt.created_session_id.expect("session created");
        self.wait_status(&format!("signed-in {id}")).await;
        id
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        unmount(&self.root);
    }
}

fn harness(key: String) -> HarnessProps {
    HarnessProps {
        key: key.into(),
        probe: Probe::default(),
        keep: Vec::new(),
        after: None,
        dev_browser: DevBrowserMode::Auto,
        router_push: None,
        timeout_ms: DEFAULT_REQUEST_TIMEOUT_MS,
        session_cookie: false,
    }
}

async fn wait_until(what: &str, cond: impl Fn() -> bool) {
    let start = js_sys::Date::now();
    while !cond() {
        assert!(
            js_sys::Date::now() - start < 5_000.0,
            "timed out after 5 s waiting for {what}"
        );
        TimeoutFuture::new(10).await;
    }
}

fn storage() -> web_sys::Storage {
    web_sys::window().unwrap().local_storage().unwrap().unwrap()
}

fn storage_keys() -> Vec<String> {
    let storage = storage();
    let mut keys: Vec<String> = (0..storage.length().unwrap())
        .filter_map(|i| storage.key(i).unwrap())
        .collect();
    keys.sort();
    keys
}

/// A callback that records how often it ran and with what.
fn recorder<T: 'static>() -> (Callback<T>, Rc<RefCell<Vec<T>>>) {
    let calls = Rc::new(RefCell::new(Vec::new()));
    let sink = calls.clone();
    (Callback::from(move |v| sink.borrow_mut().push(v)), calls)
}

// ---- tests -------------------------------------------------------------------

#[wasm_bindgen_test]
async fn bad_key_renders_a_failure_and_no_request() {
    reset(emulator()).await;
    clear_requests(emulator()).await;
    let app = Mounted::new(harness("pk_live_not-base64!".into()));
    let status = app.wait_status("failed").await;
    assert!(status.contains("invalid publishable key"), "{status}");
    assert!(!app.has(".signed-in") && !app.has(".signed-out"));
    assert!(requests(emulator()).await.is_empty());
}

#[wasm_bindgen_test]
async fn unreachable_server_is_a_clear_load_failure_and_retry_works() {
    reset(emulator()).await;
    fault(json!({"count": 1, "drop": true, "path": "/v1/client"})).await;
    let app = Mounted::new(harness(key_for(emulator())));
    let status = app.wait_status("failed").await;
    assert!(status.contains("could not reach Clerk"), "{status}");
    app.clerk()
        .reload()
        .await
        .expect("retry succeeds once the server answers");
    app.wait_status("signed-out").await;
}

#[wasm_bindgen_test]
async fn loads_with_one_request_and_renders_control_components() {
    reset(emulator()).await;
    clear_requests(emulator()).await;
    // Slow enough to see the loading state.
    fault(json!({"count": 1, "delay_ms": 300, "path": "/v1/client"})).await;
    let app = Mounted::new(harness(key_for(emulator())));
    app.wait("the loading indicator", |m| {
        m.has(".loading") && !m.has(".signed-out")
    })
    .await;
    app.wait_status("signed-out").await;
    assert_eq!(requests(emulator()).await, ["GET /v1/client"]);
    assert!(app.has(".signed-out") && !app.has(".signed-in") && !app.has(".loading"));
    assert!(app.has(".protect-fallback") && !app.has(".protected"));

    app.sign_in("demo@example.com", "demo-password-1").await;
    app.wait("signed-in content", |m| {
        m.has(".signed-in") && m.has(".protected")
    })
    .await;
    assert!(!app.has(".signed-out") && !app.has(".protect-fallback"));
    assert_eq!(app.text("#email").as_deref(), Some("demo@example.com"));
    assert_eq!(app.text("#sob").as_deref(), Some("Sign out"));
}

#[wasm_bindgen_test]
async fn sign_in_errors_carry_clerk_codes_and_fields() {
    reset(emulator()).await;
    let app = Mounted::start(harness(key_for(emulator()))).await;
    let clerk = app.clerk();

    let wrong = clerk
        .sign_in_with_password("demo@example.com", "nope")
        .await
        .unwrap_err();
    assert_eq!(
        (wrong.status(), wrong.code()),
        (Some(422), Some("form_password_incorrect"))
    );
    assert!(wrong.field_error("password").is_some());

    let unknown = clerk
        .sign_in_with_password("nobody@example.com", "x")
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Some("form_identifier_not_found"));
    assert!(unknown.field_error("identifier").is_some());

    let missing = clerk
        .sign_in_with_password("demo@example.com", "")
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Some("form_param_missing"));
    app.wait_status("signed-out").await;
}

#[wasm_bindgen_test]
async fn full_sign_out_ends_sessions_clears_storage_and_runs_the_callback() {
    reset(emulator()).await;
    let mut props = harness(key_for(emulator()));
    props.keep = vec!["theme".into()];
    let app = Mounted::start(props).await;
    let session = app.sign_in("demo@example.com", "demo-password-1").await;
    storage().set_item("theme", "dark").unwrap();
    storage().set_item("cart", "3 books").unwrap();
    clear_requests(emulator()).await;

    // Listen as another tab would: a sign-out goes out in clerk-js's shape.
    let other_tab = web_sys::BroadcastChannel::new(tabs::CLERK_JS_CHANNEL_NAME).unwrap();
    let heard = Rc::new(RefCell::new(Vec::<String>::new()));
    let sink = heard.clone();
    let _listener = gloo_events::EventListener::new(&other_tab, "message", move |e| {
        let data = e.dyn_ref::<web_sys::MessageEvent>().unwrap().data();
        let kind = js_sys::Reflect::get(&data, &"type".into()).unwrap();
        sink.borrow_mut().push(kind.as_string().unwrap_or_default());
    });

    let (callback, calls) = recorder::<()>();
    app.clerk()
        .sign_out(SignOutOptions::new().callback(callback))
        .await
        .expect("sign-out");

    assert_eq!(
        calls.borrow().len(),
        1,
        "callback ran once, instead of navigating"
    );
    app.wait_status("signed-out").await;
    assert_eq!(session_status(emulator(), &session).await, "removed");
    assert_eq!(
        storage_keys(),
        ["theme"],
        "everything but the kept key is gone"
    );
    assert_eq!(
        requests(emulator()).await,
        ["DELETE /v1/client/sessions"],
        "one request, no preflight"
    );
    wait_until("the other tab hears it", || {
        heard.borrow().iter().any(|m| m == tabs::CLERK_JS_SIGN_OUT)
    })
    .await;
}

#[wasm_bindgen_test]
async fn redirect_url_wins_over_after_sign_out_url_and_the_router_gets_the_path() {
    reset(emulator()).await;
    let (push, urls) = recorder::<String>();
    let mut props = harness(key_for(emulator()));
    props.after = Some("/after".into());
    props.router_push = Some(push);
    let app = Mounted::start(props).await;
    let origin = web_sys::window().unwrap().location().origin().unwrap();

    app.sign_in("demo@example.com", "demo-password-1").await;
    app.clerk().sign_out(SignOutOptions::new()).await.unwrap();
    assert_eq!(*urls.borrow(), ["/after"], "provider default");

    // The router gets the path on this origin with its query and fragment,
    // however the URL was written.
    app.sign_in("demo@example.com", "demo-password-1").await;
    app.clerk()
        .sign_out(SignOutOptions::new().redirect_url(format!("{origin}/?tab=1#top")))
        .await
        .unwrap();
    assert_eq!(urls.borrow()[1], "/?tab=1#top", "per-call URL wins");
    app.wait("the page to stay, signed out", |m| {
        m.text("#phase").as_deref() == Some("idle")
            && m.text("#status").as_deref() == Some("signed-out")
    })
    .await;
}

#[wasm_bindgen_test]
async fn hostile_redirects_are_refused_before_any_request() {
    reset(emulator()).await;
    let (push, urls) = recorder::<String>();
    let mut props = harness(key_for(emulator()));
    props.router_push = Some(push);
    let app = Mounted::start(props).await;
    let session = app.sign_in("demo@example.com", "demo-password-1").await;
    clear_requests(emulator()).await;

    for hostile in [
        "javascript:alert(1)",
        "data:text/html,x",
        "https://evil.example/",
        "//evil.example",
    ] {
        let err = app
            .clerk()
            .sign_out(SignOutOptions::new().redirect_url(hostile))
            .await
            .unwrap_err();
        assert!(
            matches!(err, ClerkError::RedirectRefused { .. }),
            "{hostile}: {err:?}"
        );
    }
    assert!(urls.borrow().is_empty(), "never followed");
    assert!(
        requests(emulator()).await.is_empty(),
        "no sign-out request was made"
    );
    assert_eq!(session_status(emulator(), &session).await, "active");
    app.wait_status(&format!("signed-in {session}")).await;
    assert!(app.text("#phase").unwrap().contains("refused to redirect"));
}

#[wasm_bindgen_test]
async fn multi_session_sign_out_of_one_or_the_current() {
    reset(emulator()).await;
    let (callback, calls) = recorder::<()>();
    let app = Mounted::start(harness(key_for(emulator()))).await;
    let demo = app.sign_in("demo@example.com", "demo-password-1").await;
    let ada = app.sign_in("ada@example.com", "ada-password-1").await;
    assert_eq!(app.clerk().state().signed_in_sessions().len(), 2);

    // Another session: only it ends, the page stays, the list updates.
    clear_requests(emulator()).await;
    let opts = SignOutOptions::new()
        .session_id(demo.clone())
        .callback(callback.clone());
    app.clerk().sign_out(opts).await.unwrap();
    assert!(
        calls.borrow().is_empty(),
        "no navigation for another session"
    );
    assert_eq!(
        requests(emulator()).await,
        [format!("POST /v1/client/sessions/{demo}/remove")]
    );
    assert_eq!(session_status(emulator(), &demo).await, "removed");
    assert_eq!(session_status(emulator(), &ada).await, "active");
    app.wait("one session left", |m| {
        m.clerk().state().signed_in_sessions().len() == 1
    })
    .await;
    app.wait_status(&format!("signed-in {ada}")).await;

    // The current one of two: it ends, then as a full sign-out.
    let demo2 = app.sign_in("demo@example.com", "demo-password-1").await;
    storage().set_item("cart", "1").unwrap();
    let opts = SignOutOptions::new()
        .session_id(demo2.clone())
        .callback(callback);
    app.clerk().sign_out(opts).await.unwrap();
    assert_eq!(calls.borrow().len(), 1, "finished like a full sign-out");
    assert!(storage_keys().is_empty());
    assert_eq!(session_status(emulator(), &demo2).await, "removed");
    assert_eq!(session_status(emulator(), &ada).await, "active");
}

#[wasm_bindgen_test]
async fn a_second_call_in_flight_makes_no_second_request() {
    reset(emulator()).await;
    let (callback, calls) = recorder::<()>();
    let app = Mounted::start(harness(key_for(emulator()))).await;
    app.sign_in("demo@example.com", "demo-password-1").await;
    clear_requests(emulator()).await;
    fault(json!({"count": 1, "delay_ms": 400, "path": "/v1/client/sessions"})).await;

    let clerk = app.clerk();
    let first = clerk.sign_out(SignOutOptions::new().callback(callback.clone()));
    let second = async {
        app.wait("phase in-flight and button disabled", |m| {
            m.text("#phase").as_deref() == Some("in-flight")
                && m.text("#sob").as_deref() == Some("Signing out…")
                && m.root.query_selector("#sob").unwrap().is_some_and(|b| {
                    b.dyn_into::<web_sys::HtmlButtonElement>()
                        .unwrap()
                        .disabled()
                })
        })
        .await;
        app.clerk()
            .sign_out(SignOutOptions::new().callback(callback.clone()))
            .await
    };
    let (a, b) = futures::join!(first, second);
    assert_eq!((a, b), (Ok(()), Ok(())), "both callers get the one result");
    assert_eq!(requests(emulator()).await, ["DELETE /v1/client/sessions"]);
    assert_eq!(calls.borrow().len(), 1, "navigated once");
}

async fn assert_failed_sign_out_keeps_session(app: &Mounted, session: &str, expect: &str) {
    storage().set_item("cart", "3 books").unwrap();
    let (callback, calls) = recorder::<()>();
    let result = app
        .clerk()
        .sign_out(SignOutOptions::new().callback(callback))
        .await;
    let Err(err) = result else {
        let log = hook("GET", emulator(), "/__emulator/requests", None).await;
        panic!("sign-out should fail with {expect}; the emulator saw {log}");
    };
    assert!(err.is_retryable(), "{err:?}");
    assert!(err.to_string().contains(expect), "{err}");
    assert!(calls.borrow().is_empty(), "nothing navigates");
    assert!(storage_keys().is_empty(), "storage is cleared anyway");
    assert_failure_shown_and_still_signed_in(app, session).await;
}

/// After a failed sign-out: the failure shows, nothing claims signed out,
/// and the session is still active on the emulator.
async fn assert_failure_shown_and_still_signed_in(app: &Mounted, session: &str) {
    app.wait("failure shown", |m| {
        m.text("#phase").is_some_and(|t| t.starts_with("failed"))
    })
    .await;
    assert_eq!(
        app.text("#status").unwrap(),
        format!("signed-in {session}"),
        "never claims signed out"
    );
    assert!(!app.has(".signed-out"));
    assert_eq!(session_status(emulator(), session).await, "active");
}

#[wasm_bindgen_test]
async fn server_errors_and_network_failures_keep_the_session_and_allow_retry() {
    reset(emulator()).await;
    let app = Mounted::start(harness(key_for(emulator()))).await;
    let session = app.sign_in("demo@example.com", "demo-password-1").await;

    fault(json!({"count": 1, "status": 503, "path": "/v1/client/sessions"})).await;
    assert_failed_sign_out_keeps_session(&app, &session, "503").await;

    fault(json!({"count": 1, "drop": true, "path": "/v1/client/sessions"})).await;
    assert_failed_sign_out_keeps_session(&app, &session, "could not reach Clerk").await;

    let (callback, calls) = recorder::<()>();
    app.clerk()
        .sign_out(SignOutOptions::new().callback(callback))
        .await
        .expect("retry works");
    assert_eq!(calls.borrow().len(), 1);
    assert_eq!(session_status(emulator(), &session).await, "removed");
    app.wait_status("signed-out").await;
    assert_eq!(app.text("#phase").as_deref(), Some("idle"));
}

/// A sign-out that failed although the server may have answered: the session
/// is still active on the emulator, nothing claims signed out, and Retry works.
async fn assert_sign_out_fails_then_retry_works(app: &Mounted, session: &str, status: u16) {
    let (callback, calls) = recorder::<()>();
    let err = app
        .clerk()
        .sign_out(SignOutOptions::new().callback(callback.clone()))
        .await
        .expect_err("a 404 that does not say the session is gone is a failure");
    assert_eq!(err.status(), Some(status), "{err:?}");
    assert!(calls.borrow().is_empty(), "nothing navigates");
    assert_failure_shown_and_still_signed_in(app, session).await;

    app.clerk()
        .sign_out(SignOutOptions::new().callback(callback))
        .await
        .expect("retry works");
    assert_eq!(calls.borrow().len(), 1);
    assert_eq!(session_status(emulator(), session).await, "removed");
    app.wait_status("signed-out").await;
}

#[wasm_bindgen_test]
async fn a_404_while_the_session_lives_is_a_failure_with_retry() {
    reset(emulator()).await;
    let app = Mounted::start(harness(key_for(emulator()))).await;
    let session = app.sign_in("demo@example.com", "demo-password-1").await;
    // The emulator's fault switch answers the DELETE with a 404 (Clerk's
    // error shape, code resource_not_found) while the session stays active.
    fault(json!({"count": 1, "status": 404, "method": "DELETE", "path": "/v1/client/sessions"}))
        .await;
    assert_sign_out_fails_then_retry_works(&app, &session, 404).await;
}

#[wasm_bindgen_test]
async fn a_non_clerk_401_or_404_on_sign_out_is_a_failure_with_retry() {
    reset(emulator()).await;
    let app = Mounted::start(harness(key_for(emulator()))).await;
    let session = app.sign_in("demo@example.com", "demo-password-1").await;
    // Answered by the emulator's fault switch with a raw body, as a proxy,
    // CDN or firewall in front of Clerk would answer (the SDK reads the
    // body whatever its content type).
    let cases = [
        (404, "<html><body><h1>404 Not Found</h1></body></html>"),
        (404, ""),
        (
            401,
            r#"{"errors": [{"code": "proxy_auth_required", "message": "Log in to the proxy"}]}"#,
        ),
        (404, r#"{"message": "no route"}"#),
    ];
    for (status, body) in cases {
        let session = if app.clerk().is_signed_in() {
            session.clone()
        } else {
            app.sign_in("demo@example.com", "demo-password-1").await
        };
        fault(
            json!({"count": 1, "status": status, "body": body, "method": "DELETE",
            "path": "/v1/client/sessions"}),
        )
        .await;
        assert_sign_out_fails_then_retry_works(&app, &session, status).await;
    }
}

#[wasm_bindgen_test]
async fn a_hanging_server_times_out_as_a_network_error_and_retry_works() {
    reset(emulator()).await;
    let mut props = harness(key_for(emulator()));
    props.timeout_ms = 300;
    let app = Mounted::start(props).await;
    let session = app.sign_in("demo@example.com", "demo-password-1").await;
    fault(
        json!({"count": 1, "delay_ms": 2_000, "method": "DELETE", "path": "/v1/client/sessions"}),
    )
    .await;

    let (callback, calls) = recorder::<()>();
    let started = js_sys::Date::now();
    let err = app
        .clerk()
        .sign_out(SignOutOptions::new().callback(callback.clone()))
        .await
        .expect_err("no answer within the timeout is a failure");
    let took = js_sys::Date::now() - started;
    assert!(
        took < 1_500.0,
        "gave up after {took} ms, not at the timeout"
    );
    assert!(
        matches!(err, ClerkError::Network(_)) && err.is_retryable(),
        "{err:?}"
    );
    assert!(err.to_string().contains("300 ms"), "{err}");
    assert!(calls.borrow().is_empty(), "nothing navigates");
    app.wait("failure shown", |m| {
        m.text("#phase").is_some_and(|t| t.starts_with("failed"))
    })
    .await;
    assert_eq!(app.text("#status").unwrap(), format!("signed-in {session}"));

    // Retry sends a new request (the first no longer holds later callers).
    app.clerk()
        .sign_out(SignOutOptions::new().callback(callback))
        .await
        .expect("retry works");
    assert_eq!(calls.borrow().len(), 1);
    app.wait_status("signed-out").await;
    assert_ne!(session_status(emulator(), &session).await, "active");
}

#[wasm_bindgen_test]
async fn a_session_already_gone_counts_as_signed_out() {
    reset(emulator()).await;
    let app = Mounted::start(harness(key_for(emulator()))).await;
    let session = app.sign_in("demo@example.com", "demo-password-1").await;
    // Ended elsewhere (another device, an admin): the SDK still thinks it is active.
    assert_eq!(fapi_as_browser("/client?_method=DELETE").await, 200);
    let (callback, calls) = recorder::<()>();
    app.clerk()
        .sign_out(SignOutOptions::new().callback(callback))
        .await
        .expect("gone is success");
    assert_eq!(calls.borrow().len(), 1);
    app.wait_status("signed-out").await;
    assert_ne!(session_status(emulator(), &session).await, "active");
}

#[wasm_bindgen_test]
async fn other_tabs_signals_refetch_the_client() {
    reset(emulator()).await;
    let app = Mounted::start(harness(key_for(emulator()))).await;
    let session = app.sign_in("demo@example.com", "demo-password-1").await;

    // Another tab signs out and broadcasts.
    assert_eq!(
        fapi_as_browser("/client/sessions?_method=DELETE").await,
        200
    );
    let other_tab = web_sys::BroadcastChannel::new(tabs::CHANNEL_NAME).unwrap();
    other_tab.post_message(&tabs::SIGNED_OUT.into()).unwrap();
    let sent = js_sys::Date::now();
    app.wait_status("signed-out").await;
    assert!(
        js_sys::Date::now() - sent < 1_000.0,
        "switched within a second"
    );
    assert_eq!(session_status(emulator(), &session).await, "removed");

    // The storage-event fallback, as a browser without BroadcastChannel sends it.
    let session = app.sign_in("demo@example.com", "demo-password-1").await;
    assert_eq!(
        fapi_as_browser(&format!("/client/sessions/{session}/end")).await,
        200
    );
    let init = web_sys::StorageEventInit::new();
    init.set_key(Some(tabs::STORAGE_SIGNAL_KEY));
    init.set_new_value(Some(&format!("\"{}:1\"", tabs::SIGNED_OUT)));
    let event = web_sys::StorageEvent::new_with_event_init_dict("storage", &init).unwrap();
    web_sys::window().unwrap().dispatch_event(&event).unwrap();
    app.wait_status("signed-out").await;
}

#[wasm_bindgen_test]
async fn back_forward_cache_restore_revalidates() {
    reset(emulator()).await;
    let app = Mounted::start(harness(key_for(emulator()))).await;
    let session = app.sign_in("demo@example.com", "demo-password-1").await;
    assert_eq!(
        fapi_as_browser(&format!("/client/sessions/{session}/remove")).await,
        200
    );
    clear_requests(emulator()).await;

    let init = web_sys::PageTransitionEventInit::new();
    init.set_persisted(true);
    let event = web_sys::PageTransitionEvent::new_with_event_init_dict("pageshow", &init).unwrap();
    fault(json!({"count": 1, "delay_ms": 300, "path": "/v1/client"})).await;
    web_sys::window().unwrap().dispatch_event(&event).unwrap();
    // Hidden while re-validating, then signed out.
    app.wait("re-validation", |m| {
        m.text("#status").as_deref() == Some("loading") && !m.has(".signed-in")
    })
    .await;
    app.wait_status("signed-out").await;
    assert!(!app.has(".signed-in") && !app.has(".protected"));
    assert_eq!(requests(emulator()).await, ["GET /v1/client"]);

    // A non-persisted pageshow (a normal load) does nothing.
    let normal = web_sys::PageTransitionEvent::new("pageshow").unwrap();
    web_sys::window().unwrap().dispatch_event(&normal).unwrap();
    assert_eq!(app.text("#status").as_deref(), Some("signed-out"));
}

#[wasm_bindgen_test]
async fn the_context_sign_out_callback_is_stable_and_signs_out() {
    reset(emulator()).await;
    let app = Mounted::start(harness(key_for(emulator()))).await;
    let before = app.clerk().sign_out_callback().clone();
    let session = app.sign_in("demo@example.com", "demo-password-1").await;
    // Re-rendered since (signed in): the same callback, so components that
    // take it as a prop need not re-render.
    assert_eq!(*app.clerk().sign_out_callback(), before);

    let (callback, calls) = recorder::<()>();
    before.emit(SignOutOptions::new().callback(callback));
    app.wait_status("signed-out").await;
    assert_eq!(calls.borrow().len(), 1, "same semantics as Clerk::sign_out");
    assert_eq!(session_status(emulator(), &session).await, "removed");
}

#[wasm_bindgen_test]
async fn sign_out_button_signs_out() {
    reset(emulator()).await;
    let (push, urls) = recorder::<String>();
    let mut props = harness(key_for(emulator()));
    props.after = Some("/signed-out".into());
    props.router_push = Some(push);
    let app = Mounted::start(props).await;
    let session = app.sign_in("demo@example.com", "demo-password-1").await;
    let button: web_sys::HtmlElement = app
        .root
        .query_selector("#sob")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    button.click();
    app.wait_status("signed-out").await;
    assert_eq!(session_status(emulator(), &session).await, "removed");
    wait_until("redirected", || urls.borrow().len() == 1).await;
    assert!(urls.borrow()[0].ends_with("/signed-out"));
}

#[wasm_bindgen_test]
async fn dev_browser_mode_keeps_a_token_and_sends_it() {
    let base = dev_browser_emulator();
    reset(base).await;
    clear_requests(base).await;
    let mut props = harness(key_for(base));
    props.dev_browser = DevBrowserMode::Always;
    let app = Mounted::start(props).await;
    // Stored as JSON, like every value the SDK stores.
    let stored = storage()
        .get_item("__clerk_db_jwt")
        .unwrap()
        .expect("token stored");
    let token: String = serde_json::from_str(&stored).unwrap();
    assert_eq!(
        requests(base).await,
        ["POST /v1/dev_browser", "GET /v1/client"]
    );
    let log = hook("GET", base, "/__emulator/requests", None).await;
    let client_request = log
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["path"] == "/v1/client")
        .unwrap();
    assert!(
        client_request["query"]
            .as_str()
            .unwrap()
            .contains("__clerk_db_jwt="),
        "{client_request}"
    );

    let session = app.sign_in("demo@example.com", "demo-password-1").await;
    let (callback, _calls) = recorder::<()>();
    app.clerk()
        .sign_out(SignOutOptions::new().callback(callback))
        .await
        .unwrap();
    assert_eq!(session_status(base, &session).await, "removed");
    drop(app);

    // A token the instance does not know (forged, or from a reset instance) is
    // replaced, as clerk-js does.
    reset(base).await;
    let forged = serde_json::to_string(&format!("{token}x")).unwrap();
    storage().set_item("__clerk_db_jwt", &forged).unwrap();
    let mut props = harness(key_for(base));
    props.dev_browser = DevBrowserMode::Always;
    let _app = Mounted::start(props).await;
    let fresh = storage().get_item("__clerk_db_jwt").unwrap().unwrap();
    assert_ne!(fresh, forged);
}

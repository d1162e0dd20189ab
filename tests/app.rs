//! The app's pages in headless Chromium against a real emulator
//! (`scripts/test` passes its URL at build time). The full flows, with page
//! loads and reloads, are in the end-to-end suite.
#![cfg(target_arch = "wasm32")]

use gloo_net::http::Request;
use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlInputElement};
use yew_clerk_app::{App, AppProps};

wasm_bindgen_test_configure!(run_in_browser);

// option_env, not env!: clippy and doc builds run without an emulator.
#[allow(clippy::option_env_unwrap)]
fn emulator() -> &'static str {
    option_env!("CLERK_EMULATOR_URL").expect("build with CLERK_EMULATOR_URL (scripts/test does)")
}

fn key_for(url: &str) -> String {
    let host = url.trim_start_matches("http://");
    format!(
        "pk_test_{}",
        web_sys::window()
            .unwrap()
            .btoa(&format!("{host}$"))
            .unwrap()
    )
}

async fn emulator_hook(path: &str, body: Option<&str>) {
    let url = format!("{}{path}", emulator());
    let request = match body {
        Some(json) => Request::post(&url)
            .header("Content-Type", "application/json")
            .body(json),
        // Hook POSTs must say JSON (a browser then preflights them).
        None => Request::post(&url)
            .header("Content-Type", "application/json")
            .build(),
    };
    let response = request.unwrap().send().await.expect("emulator reachable");
    assert!(response.ok(), "{path}: {}", response.status());
}

struct Mounted {
    root: Element,
    handle: Option<yew::AppHandle<App>>,
    original_url: String,
}

fn history() -> web_sys::History {
    web_sys::window().unwrap().history().unwrap()
}

impl Mounted {
    /// Mounts the app at `/`; the page's URL is put back on drop, since the
    /// app's router changes it.
    fn new(key: String) -> Self {
        let original_url = web_sys::window().unwrap().location().href().unwrap();
        history()
            .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("/"))
            .unwrap();
        let document = gloo_utils::document();
        let root = document.create_element("div").unwrap();
        document.body().unwrap().append_child(&root).unwrap();
        let props = AppProps {
            publishable_key: key.into(),
        };
        let handle = yew::Renderer::<App>::with_root_and_props(root.clone(), props).render();
        Self {
            root,
            handle: Some(handle),
            original_url,
        }
    }

    fn find(&self, selector: &str) -> Option<Element> {
        self.root.query_selector(selector).unwrap()
    }

    fn text(&self, selector: &str) -> String {
        self.find(selector)
            .and_then(|e| e.text_content())
            .unwrap_or_default()
    }

    async fn wait(&self, what: &str, cond: impl Fn() -> bool) {
        let start = js_sys::Date::now();
        while !cond() {
            assert!(
                js_sys::Date::now() - start < 5_000.0,
                "timed out waiting for {what}; page: {}",
                self.root.text_content().unwrap_or_default()
            );
            TimeoutFuture::new(10).await;
        }
    }

    async fn wait_text(&self, selector: &str, needle: &str) {
        let start = js_sys::Date::now();
        while !self.text(selector).contains(needle) {
            assert!(
                js_sys::Date::now() - start < 5_000.0,
                "timed out waiting for {selector} to contain {needle:?}; page: {}",
                self.root.text_content().unwrap_or_default()
            );
            TimeoutFuture::new(10).await;
        }
    }

    fn click(&self, selector: &str) {
        let element: HtmlElement = self.find(selector).unwrap().dyn_into().unwrap();
        element.click();
    }

    fn fill(&self, selector: &str, value: &str) {
        let input: HtmlInputElement = self.find(selector).unwrap().dyn_into().unwrap();
        input.set_value(value);
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            handle.destroy();
        }
        self.root.remove();
        let _ = history().replace_state_with_url(
            &wasm_bindgen::JsValue::NULL,
            "",
            Some(&self.original_url),
        );
    }
}

#[wasm_bindgen_test]
async fn a_malformed_key_renders_the_load_failure_panel() {
    // base64("not-a-host") has no '$'.
    let app = Mounted::new("pk_test_bm90LWEtaG9zdA".into());
    app.wait_text("#load-failure", "publishable key is invalid")
        .await;
    assert!(app.text("#load-failure").contains("CLERK_PUBLISHABLE_KEY"));
    assert!(app.find("#retry").is_none(), "retrying cannot fix a key");
}

#[wasm_bindgen_test]
async fn an_unreachable_server_offers_a_retry_that_works() {
    emulator_hook("/__emulator/reset", None).await;
    emulator_hook(
        "/__emulator/faults",
        Some(r#"{"count": 1, "drop": true, "path": "/v1/client"}"#),
    )
    .await;
    let app = Mounted::new(key_for(emulator()));
    app.wait_text("#load-failure", "Can't reach").await;
    app.click("#retry");
    app.wait_text("#status", "You are signed out").await;
    assert!(app.find("#load-failure").is_none());
}

#[wasm_bindgen_test]
async fn sign_in_shows_errors_by_field_then_the_session() {
    emulator_hook("/__emulator/reset", None).await;
    let app = Mounted::new(key_for(emulator()));
    app.wait_text("#status", "You are signed out").await;
    app.click("main a.button");
    app.wait_text("h1", "Sign in").await;

    app.fill("#identifier", "demo@example.com");
    app.fill("#password", "wrong-password");
    app.click("#sign-in");
    app.wait_text("#password-error", "Password is incorrect")
        .await;
    assert_eq!(
        app.find("#password")
            .unwrap()
            .get_attribute("aria-invalid")
            .as_deref(),
        Some("true")
    );
    assert!(app.find("#identifier-error").is_none());

    app.fill("#identifier", "nobody@example.com");
    app.click("#sign-in");
    app.wait_text("#identifier-error", "Couldn't find your account")
        .await;

    // Client Trust: this browser is new to the emulator, so a code step.
    app.fill("#identifier", "demo@example.com");
    app.fill("#password", "demo-password-1");
    app.click("#sign-in");
    app.wait_text("#intro", "We sent a code to demo@example.com")
        .await;
    let code = app.find("#code").expect("a code input");
    assert_eq!(
        code.get_attribute("autocomplete").as_deref(),
        Some("one-time-code")
    );
    assert_eq!(code.get_attribute("inputmode").as_deref(), Some("numeric"));
    assert_eq!(app.text("label[for=code]"), "Verification code");
    assert_eq!(location_path(), "/sign-in/factor-two");
    let emailed = emailed_code("demo@example.com").await;
    app.wait("focus on the code", || {
        gloo_utils::document()
            .active_element()
            .is_some_and(|e| e.id() == "code")
    })
    .await;

    let wrong = if emailed == "000000" {
        "111111"
    } else {
        "000000"
    };
    app.fill("#code", wrong);
    app.click("#verify");
    app.wait_text("#code-error", "Incorrect code").await;
    assert_eq!(code.get_attribute("aria-invalid").as_deref(), Some("true"));

    app.fill("#code", &emailed);
    app.click("#verify");
    app.wait_text("#status", "Active session: sess_").await;
    assert_eq!(app.text("#user-email"), "demo@example.com");
    assert!(app.text("#session-id").starts_with("sess_"));
    assert_eq!(location_path(), "/");
}

fn location_path() -> String {
    web_sys::window().unwrap().location().pathname().unwrap()
}

/// The newest code the emulator "e-mailed" to `to` (`/__emulator/emails`).
async fn emailed_code(to: &str) -> String {
    let start = js_sys::Date::now();
    loop {
        let url = format!("{}/__emulator/emails?to={to}", emulator());
        let response = Request::get(&url).send().await.expect("emulator reachable");
        let emails = js_sys::JSON::parse(&response.text().await.unwrap()).unwrap();
        let emails: js_sys::Array = emails.dyn_into().expect("a list");
        if let Some(email) = emails.iter().last() {
            let code = js_sys::Reflect::get(&email, &"code".into()).unwrap();
            return code.as_string().expect("a code");
        }
        assert!(
            js_sys::Date::now() - start < 5_000.0,
            "no code sent to {to}"
        );
        TimeoutFuture::new(10).await;
    }
}

/// The review's 32 return targets after sign-in: dot segments (plain and
/// percent-encoded), auth steps, and paths the browser reads as another host.
#[wasm_bindgen_test]
fn the_return_path_after_sign_in_is_normalised_as_the_browser_reads_it() {
    let origin = web_sys::window().unwrap().location().origin().unwrap();
    let home = "/";
    let cases: [(&str, &str); 32] = [
        // Auth steps behind dot segments: never a destination.
        ("/./sign-in", home),
        ("/x/../sign-in", home),
        ("/%2e/sign-in", home),
        ("/%2E/sign-in", home),
        ("/x/%2e%2e/sign-out", home),
        ("/x/%2E%2e/sign-out", home),
        ("/x/.%2e/sign-in", home),
        ("/a/b/../../sign-in?redirect_url=/x", home),
        ("/sign-in/.", home),
        ("./sign-in", home),
        ("sign-in", home),
        ("/.%2E/sign-out", home),
        ("/SIGN-IN/./", home),
        ("/sign\t-in", home),
        (&format!("{origin}/x/../sign-in"), home),
        (&format!("{origin}/%2e%2e/sign-out?x=1"), home),
        // Another host, however it is written.
        ("//evil.com", home),
        ("//evil.com/path", home),
        (&format!("{origin}//evil.com"), home),
        (&format!("{origin}//evil.com/x?y"), home),
        (&format!("{origin}/..//evil.com"), home),
        ("/./\\evil.com", home),
        ("/\\evil.com", home),
        ("\\\\evil.com", home),
        ("///evil.com", home),
        ("https://evil.com/", home),
        ("javascript:alert(1)", home),
        // Pages of the app: kept, normalised.
        ("/account", "/account"),
        ("/sessions?x=1#top", "/sessions?x=1#top"),
        ("/x/../account", "/account"),
        ("/%2e%2e/account", "/account"),
        ("/x/..%2fsign-in", "/x/..%2fsign-in"),
    ];
    for (target, expected) in cases {
        assert_eq!(
            yew_clerk_app::return_to::after_sign_in(Some(target), &origin),
            expected,
            "{target:?}"
        );
    }
}

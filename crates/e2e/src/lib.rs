//! End-to-end harness: the built app (`dist/`) served on loopback, a real
//! clerk-emulator, the demo API (`crates/demo-api`) verifying its tokens,
//! and headless Chromium driven over WebDriver.
//!
//! The app's publishable key is baked in at build time, so every test uses
//! the same emulator address; [`Env::start`] therefore holds a process-wide
//! lock, and tests run one after another with a fresh emulator each.
//! `scripts/test` builds the dists and sets the `E2E_*` variables.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, StatusCode, Uri};
use axum::response::Response;
use clerk_emulator::{Config, Running};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use tokio::process::{Child, Command};
use tokio::sync::{Mutex, MutexGuard};

/// How long any wait may take before the test fails.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// What can go wrong setting up or driving a test.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A required `E2E_*` variable is missing.
    #[error("{0} is not set: run the end-to-end tests through scripts/test")]
    Env(&'static str),
    /// Starting a process or server failed.
    #[error("{0}")]
    Setup(String),
    /// A WebDriver command failed.
    #[error("webdriver: {0}")]
    WebDriver(#[from] fantoccini::error::CmdError),
    /// Starting the WebDriver session failed.
    #[error("webdriver session: {0}")]
    Session(#[from] fantoccini::error::NewSessionError),
    /// Talking to the emulator's hooks failed.
    #[error("emulator hook: {0}")]
    Http(#[from] reqwest::Error),
    /// A condition did not hold in time.
    #[error("timed out after {TIMEOUT:?} waiting for {0}")]
    Timeout(String),
}

/// Result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;

fn env(name: &'static str) -> Result<String> {
    std::env::var(name).map_err(|_| Error::Env(name))
}

/// Which build of the app to serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dist {
    /// Built with the key of the test emulator (`E2E_DIST`).
    Normal,
    /// Built with a malformed key (`E2E_BAD_KEY_DIST`).
    BadKey,
}

/// Options of one test environment.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Start the emulator with `--multi-session`.
    pub multi_session: bool,
    /// Start the emulator with Client Trust (its default, and here too, as
    /// on a new Clerk application): a new browser confirms a password
    /// sign-in with an e-mail code, which [`Env::submit_sign_in`] reads from
    /// `/__emulator/emails`.
    pub client_trust: bool,
    /// The emulator's session token lifetime (`--token-lifetime`): 60 s as
    /// Clerk's, or a few seconds for tests that outlive a token.
    pub token_lifetime: Duration,
    /// Which build to serve.
    pub dist: Dist,
    /// Run as a development instance: the emulator with `--dev-browser`, and
    /// the app told to use a dev browser (`<meta name="clerk-dev-browser"
    /// content="always">` added to the page as it is served).
    pub dev_browser: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            multi_session: false,
            client_trust: true,
            token_lifetime: Duration::from_secs(60),
            dist: Dist::Normal,
            dev_browser: false,
        }
    }
}

static LOCK: OnceLock<Mutex<()>> = OnceLock::new();

/// One test's world: emulator, app server, chromedriver and a browser session.
pub struct Env {
    /// The browser.
    pub browser: Client,
    /// `http://127.0.0.1:PORT` of the app.
    pub app_url: String,
    /// `http://127.0.0.1:PORT` of the emulator.
    pub emulator_url: String,
    /// `http://127.0.0.1:PORT` of the demo API, which the app's dist names
    /// in its `demo-api-url` meta tag.
    pub api_url: String,
    emulator_addr: SocketAddr,
    options: Options,
    emulator: Option<Running>,
    server: tokio::task::JoinHandle<()>,
    api: tokio::task::JoinHandle<()>,
    /// Held for its `Drop`, which ends chromedriver and its browsers.
    _driver: Driver,
    http: reqwest::Client,
    _lock: MutexGuard<'static, ()>,
}

impl Env {
    /// Starts everything, in a fresh browser profile.
    pub async fn start(options: Options) -> Result<Self> {
        let lock = LOCK.get_or_init(|| Mutex::new(())).lock().await;
        let parse = |name: &'static str| -> Result<SocketAddr> {
            env(name)?
                .parse()
                .map_err(|_| Error::Setup(format!("{name} is not host:port")))
        };
        let emulator_addr = parse("E2E_EMULATOR_ADDR")?;
        let app_addr = parse("E2E_APP_ADDR")?;
        let api_addr = parse("E2E_API_ADDR")?;
        let dist = PathBuf::from(env(match options.dist {
            Dist::Normal => "E2E_DIST",
            Dist::BadKey => "E2E_BAD_KEY_DIST",
        })?);
        let app_url = format!("http://{app_addr}");

        let emulator = start_emulator(emulator_addr, &app_url, &options).await?;
        let server = serve_dist(app_addr, dist, options.dev_browser).await?;
        let api = serve_api(api_addr, &emulator.url(), &app_url).await?;
        let (driver, webdriver_url) = start_chromedriver().await?;
        let browser = new_session(&webdriver_url).await?;
        Ok(Self {
            browser,
            emulator_url: emulator.url(),
            api_url: format!("http://{api_addr}"),
            app_url,
            emulator_addr,
            options,
            emulator: Some(emulator),
            server,
            api,
            _driver: driver,
            http: reqwest::Client::new(),
            _lock: lock,
        })
    }

    /// Stops the emulator (its state is lost, as with a real outage).
    pub async fn stop_emulator(&mut self) {
        if let Some(emulator) = self.emulator.take() {
            emulator.shutdown().await;
        }
    }

    /// Starts a fresh emulator on the same address.
    pub async fn restart_emulator(&mut self) -> Result<()> {
        self.stop_emulator().await;
        let emulator = start_emulator(self.emulator_addr, &self.app_url, &self.options).await?;
        self.emulator = Some(emulator);
        Ok(())
    }

    /// Opens a path of the app.
    pub async fn goto(&self, path: &str) -> Result<()> {
        Ok(self
            .browser
            .goto(&format!("{}{path}", self.app_url))
            .await?)
    }

    /// The current URL's path and query.
    pub async fn path(&self) -> Result<String> {
        let url = self.browser.current_url().await?;
        Ok(match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        })
    }

    /// The text of the first element matching `css`, if any.
    pub async fn text(&self, css: &str) -> Result<Option<String>> {
        // One script call, not find-then-read: yew may replace the element in
        // between, and a WebDriver element handle would then be stale.
        let script =
            "const e = document.querySelector(arguments[0]); return e ? e.innerText : null;";
        let value = self.browser.execute(script, vec![json!(css)]).await?;
        Ok(value.as_str().map(str::to_owned))
    }

    /// The whole page's visible text.
    pub async fn page_text(&self) -> Result<String> {
        Ok(self.text("body").await?.unwrap_or_default())
    }

    /// Waits until `css` contains `needle`; returns its text.
    pub async fn wait_text(&self, css: &str, needle: &str) -> Result<String> {
        let what = format!("{css} to contain {needle:?}");
        wait_until(&what, || async {
            Ok(self.text(css).await?.filter(|t| t.contains(needle)))
        })
        .await
    }

    /// Waits until `css` matches nothing.
    pub async fn wait_gone(&self, css: &str) -> Result<()> {
        wait_until(&format!("{css} to disappear"), || async {
            Ok(self.text(css).await?.is_none().then_some(()))
        })
        .await
    }

    /// Waits until the URL's path and query equal `path`.
    pub async fn wait_path(&self, path: &str) -> Result<()> {
        let waited = wait_until(&format!("the URL to be {path}"), || async {
            Ok((self.path().await? == path).then_some(()))
        })
        .await;
        match waited {
            Err(Error::Timeout(what)) => Err(Error::Timeout(format!(
                "{what}; it is {}, showing: {}",
                self.path().await?,
                self.page_text().await?
            ))),
            other => other,
        }
    }

    /// FAPI requests other than loading the client (`GET /v1/client`), which
    /// every page load makes.
    pub async fn emulator_actions(&self) -> Result<Vec<Value>> {
        Ok(self
            .emulator_requests()
            .await?
            .into_iter()
            .filter(|r| !(r["method"] == "GET" && r["path"] == "/v1/client"))
            .collect())
    }

    /// Waits for the first element matching `css`.
    async fn element(&self, css: &str) -> Result<fantoccini::elements::Element> {
        let wait = self.browser.wait().at_most(TIMEOUT);
        Ok(wait.for_element(Locator::Css(css)).await?)
    }

    /// Clicks the first element matching `css`.
    pub async fn click(&self, css: &str) -> Result<()> {
        Ok(self.element(css).await?.click().await?)
    }

    /// Types into an input, replacing its value.
    pub async fn fill(&self, css: &str, value: &str) -> Result<()> {
        let element = self.element(css).await?;
        element.clear().await?;
        Ok(element.send_keys(value).await?)
    }

    /// Runs a script in the page and returns its value.
    pub async fn js(&self, script: &str) -> Result<Value> {
        Ok(self.browser.execute(script, Vec::new()).await?)
    }

    /// Marks the current document; [`Env::is_same_document`] tells whether a
    /// reload or navigation replaced it since.
    pub async fn mark_document(&self) -> Result<()> {
        self.js("window.__e2eMark = true").await.map(drop)
    }

    /// False once the page was reloaded or navigated away since the mark.
    pub async fn is_same_document(&self) -> Result<bool> {
        Ok(self.js("return window.__e2eMark === true").await? == json!(true))
    }

    /// Counts the page's `fetch` calls to the emulator until the document
    /// unloads; [`Env::fapi_calls_before_unload`] reads the count after.
    pub async fn count_fapi_calls_until_unload(&self) -> Result<()> {
        let script = r#"
            const api = arguments[0];
            const fetch = window.fetch;
            let calls = 0;
            window.fetch = function (input, init) {
                const url = typeof input === "string" ? input : input.url;
                if (url.startsWith(api)) calls++;
                return fetch.apply(this, arguments);
            };
            sessionStorage.removeItem("e2e-fapi-calls");
            addEventListener("pagehide", () => sessionStorage.setItem("e2e-fapi-calls", String(calls)));
        "#;
        self.browser
            .execute(script, vec![json!(self.emulator_url)])
            .await?;
        Ok(())
    }

    /// The count [`Env::count_fapi_calls_until_unload`] left behind.
    pub async fn fapi_calls_before_unload(&self) -> Result<Option<u64>> {
        let value = self
            .js(r#"return sessionStorage.getItem("e2e-fapi-calls")"#)
            .await?;
        Ok(value.as_str().and_then(|v| v.parse().ok()))
    }

    /// The keys in localStorage, sorted.
    pub async fn local_storage_keys(&self) -> Result<Vec<String>> {
        let keys = self.js("return Object.keys(localStorage).sort()").await?;
        Ok(keys
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|k| k.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Submits the password form, and the code step with the e-mailed code
    /// when Clerk asks for one (Client Trust, on a browser it does not know
    /// yet for this user).
    pub async fn submit_sign_in(&self, email: &str, password: &str) -> Result<()> {
        let sent = self.emails(email).await?.len();
        self.fill("#identifier", email).await?;
        self.fill("#password", password).await?;
        self.click("#sign-in").await?;
        let (form, code_step) = (
            format!("{}/sign-in", self.app_url),
            format!("{}/sign-in/factor-two", self.app_url),
        );
        self.enter_code_if_asked(email, sent, &form, &code_step)
            .await
    }

    /// After a password was submitted on a page under `form` (a URL
    /// prefix): waits until the browser leaves it, and when it lands under
    /// `code_step` enters the code e-mailed to `email` beyond the first
    /// `sent`. The app's own form and Clerk's hosted one both end here.
    pub async fn enter_code_if_asked(
        &self,
        email: &str,
        sent: usize,
        form: &str,
        code_step: &str,
    ) -> Result<()> {
        let asked = wait_until("the sign-in to finish or ask for a code", || async {
            let url = self.url().await?;
            Ok(if url.starts_with(code_step) {
                Some(true)
            } else if url.starts_with(form) {
                None
            } else {
                Some(false)
            })
        })
        .await?;
        if asked {
            let code = self.emailed_code(email, sent).await?;
            self.enter_code(&code).await?;
        }
        Ok(())
    }

    /// `GET /__emulator/emails?to=EMAIL`: the codes sent to `email`, oldest
    /// first.
    pub async fn emails(&self, email: &str) -> Result<Vec<Value>> {
        let to = email.replace('+', "%2B");
        self.hook_list(&format!("/__emulator/emails?to={to}")).await
    }

    /// Waits for a code to `email` beyond the first `sent`; returns the
    /// newest.
    pub async fn emailed_code(&self, email: &str, sent: usize) -> Result<String> {
        wait_until(&format!("a code e-mailed to {email}"), || async {
            let emails = self.emails(email).await?;
            Ok(emails
                .get(sent..)
                .and_then(<[Value]>::last)
                .and_then(|e| e["code"].as_str())
                .map(str::to_owned))
        })
        .await
    }

    /// Types a code into the code step and submits it with Enter.
    pub async fn enter_code(&self, code: &str) -> Result<()> {
        // WebDriver's Enter key.
        self.fill("#code", &format!("{code}\u{E007}")).await
    }

    /// Signs in through the form; returns the new session id shown on `/`.
    pub async fn sign_in(&self, email: &str, password: &str) -> Result<String> {
        self.goto("/sign-in").await?;
        self.submit_sign_in(email, password).await?;
        let status = self.wait_text("#status", "Active session: sess_").await?;
        Ok(status
            .trim_start_matches("Active session: ")
            .trim()
            .to_owned())
    }

    /// Saves a screenshot as `target/e2e-screenshots/NAME.png`.
    pub async fn screenshot(&self, name: &str) -> Result<()> {
        let png = self.browser.screenshot().await?;
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).map_err(|e| Error::Setup(e.to_string()))?;
        std::fs::write(dir.join(format!("{name}.png")), png)
            .map_err(|e| Error::Setup(e.to_string()))
    }

    /// `GET /__emulator/sessions`.
    pub async fn emulator_sessions(&self) -> Result<Vec<Value>> {
        self.hook_list("/__emulator/sessions").await
    }

    async fn hook_list(&self, path: &str) -> Result<Vec<Value>> {
        let url = format!("{}{path}", self.emulator_url);
        let response = self.http.get(url).send().await?.error_for_status()?;
        let value: Value = response.json().await?;
        Ok(value.as_array().cloned().unwrap_or_default())
    }

    /// The status of one session on the emulator.
    pub async fn session_status(&self, id: &str) -> Result<String> {
        let sessions = self.emulator_sessions().await?;
        sessions
            .iter()
            .find(|s| s["id"] == id)
            .and_then(|s| s["status"].as_str().map(str::to_owned))
            .ok_or_else(|| Error::Setup(format!("the emulator has no session {id}")))
    }

    /// Ids of the sessions the emulator lists as active.
    pub async fn active_session_ids(&self) -> Result<Vec<String>> {
        Ok(self
            .emulator_sessions()
            .await?
            .iter()
            .filter(|s| s["status"] == "active")
            .filter_map(|s| s["id"].as_str().map(str::to_owned))
            .collect())
    }

    /// `POST /__emulator/faults`.
    pub async fn fault(&self, spec: Value) -> Result<()> {
        let url = format!("{}/__emulator/faults", self.emulator_url);
        self.http
            .post(url)
            .json(&spec)
            .send()
            .await?
            .error_for_status()?;
        Ok(())
    }

    /// Marks a session pending with tasks (`POST /__emulator/sessions/{id}`).
    pub async fn make_pending(&self, session: &str, tasks: &[&str]) -> Result<()> {
        let url = format!("{}/__emulator/sessions/{session}", self.emulator_url);
        let tasks: Vec<Value> = tasks
            .iter()
            .map(|k| serde_json::json!({"key": k}))
            .collect();
        self.http
            .post(url)
            .json(&serde_json::json!({"status": "pending", "tasks": tasks}))
            .send()
            .await?
            .error_for_status()?;
        Ok(())
    }

    /// The browser's whole URL.
    pub async fn url(&self) -> Result<String> {
        Ok(self.browser.current_url().await?.to_string())
    }

    /// Waits until the browser's URL starts with `prefix`; returns it.
    pub async fn wait_url_prefix(&self, prefix: &str) -> Result<String> {
        let waited = wait_until(&format!("a URL starting {prefix}"), || async {
            let url = self.url().await?;
            Ok(url.starts_with(prefix).then_some(url))
        })
        .await;
        match waited {
            Err(Error::Timeout(what)) => Err(Error::Timeout(format!(
                "{what}; it is {}, showing: {}",
                self.url().await?,
                self.page_text().await?
            ))),
            other => other,
        }
    }

    /// FAPI requests the emulator logged (preflights included).
    pub async fn emulator_requests(&self) -> Result<Vec<Value>> {
        self.hook_list("/__emulator/requests").await
    }

    /// Empties the emulator's request log.
    pub async fn clear_emulator_requests(&self) -> Result<()> {
        let url = format!("{}/__emulator/requests", self.emulator_url);
        self.http.delete(url).send().await?.error_for_status()?;
        Ok(())
    }

    /// Ends the browser session and stops everything.
    pub async fn finish(mut self) -> Result<()> {
        let closed = self.browser.clone().close().await;
        self.stop_emulator().await;
        self.server.abort();
        self.api.abort();
        closed.map_err(Error::from)
    }

    /// Calls the demo API from the page with what the page holds: the
    /// `__session` cookie, as `Authorization: Bearer` when there is one.
    pub async fn call_api_with_held_token(&self) -> Result<ApiCall> {
        let script = r#"
            const [api, done] = arguments;
            const held = (document.cookie.match(/(?:^|;\s*)__session=([^;]*)/) || [])[1] || "";
            const headers = held ? { Authorization: "Bearer " + held } : {};
            fetch(api + "/api/me", { headers })
                .then(async r => done({ status: r.status, body: await r.text(), held: held !== "" }))
                .catch(e => done({ status: 0, body: String(e), held: held !== "" }));
        "#;
        let value = self
            .browser
            .execute_async(script, vec![json!(self.api_url)])
            .await?;
        Ok(ApiCall {
            status: value["status"].as_u64().unwrap_or_default(),
            body: value["body"].as_str().unwrap_or_default().to_owned(),
            held_a_token: value["held"] == json!(true),
        })
    }

    /// The claims of the token in the page's `__session` cookie, decoded
    /// in the page (unverified; the API verifies).
    pub async fn session_cookie_claims(&self) -> Result<Option<Value>> {
        let script = r#"
            const held = (document.cookie.match(/(?:^|;\s*)__session=([^;]*)/) || [])[1];
            if (!held) return null;
            const part = held.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
            return JSON.parse(atob(part));
        "#;
        let value = self.js(script).await?;
        Ok((!value.is_null()).then_some(value))
    }

    /// The token requests (`POST /v1/client/sessions/{id}/tokens`) the
    /// emulator logged, as their statuses.
    pub async fn token_requests(&self) -> Result<Vec<u64>> {
        Ok(self
            .emulator_requests()
            .await?
            .iter()
            .filter(|r| r["preflight"] != true && r["method"] == "POST")
            .filter(|r| r["path"].as_str().is_some_and(|p| p.ends_with("/tokens")))
            .map(|r| r["status"].as_u64().unwrap_or_default())
            .collect())
    }
}

/// What the demo API answered a call from the page.
#[derive(Debug, Clone)]
pub struct ApiCall {
    /// HTTP status; 0 when the request failed.
    pub status: u64,
    /// The body, or the error.
    pub body: String,
    /// Whether the page held a `__session` cookie to send.
    pub held_a_token: bool,
}

impl Drop for Env {
    // A failed test skips `finish`; the processes must not outlive it.
    fn drop(&mut self) {
        self.server.abort();
        self.api.abort();
    }
}

/// A headless Chromium with its own chromedriver, started as [`Env::start`]
/// starts its browser, for tools that need a browser without the rest of an
/// [`Env`] (the benchmark, `src/bin/bench.rs`).
pub struct Browser {
    /// The WebDriver session.
    pub client: Client,
    webdriver_url: String,
    /// Held for its `Drop`, which ends chromedriver and its browsers.
    _driver: Driver,
    http: reqwest::Client,
}

impl Browser {
    /// Starts chromedriver and a session in a fresh browser profile.
    pub async fn start() -> Result<Self> {
        let (driver, webdriver_url) = start_chromedriver().await?;
        let client = new_session(&webdriver_url).await?;
        Ok(Self {
            client,
            webdriver_url,
            _driver: driver,
            http: reqwest::Client::new(),
        })
    }

    /// Runs a Chrome DevTools Protocol command through chromedriver
    /// (`POST /session/{id}/goog/cdp/execute`); returns its result.
    pub async fn cdp(&self, command: &str, params: Value) -> Result<Value> {
        let id = self
            .client
            .session_id()
            .await?
            .ok_or_else(|| Error::Setup("the WebDriver session has no id".into()))?;
        let url = format!("{}/session/{id}/goog/cdp/execute", self.webdriver_url);
        let response = self
            .http
            .post(url)
            .json(&json!({ "cmd": command, "params": params }))
            .send()
            .await?;
        let status = response.status();
        let body: Value = response.json().await?;
        if !status.is_success() {
            return Err(Error::Setup(format!("CDP {command}: {status} {body}")));
        }
        Ok(body["value"].clone())
    }

    /// Ends the session and stops chromedriver.
    pub async fn finish(self) -> Result<()> {
        let closed = self.client.clone().close().await;
        closed.map_err(Error::from)
    }
}

/// Serves `dir` on `addr` as [`Env`] serves the app: its top-level files, and
/// `index.html` for any other path.
pub async fn serve_static(addr: SocketAddr, dir: PathBuf) -> Result<tokio::task::JoinHandle<()>> {
    serve_dist(addr, dir, false).await
}

/// Where screenshots go: `target/e2e-screenshots`.
pub fn screenshot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/e2e-screenshots")
}

/// Polls `check` until it yields a value, failing after [`TIMEOUT`].
pub async fn wait_until<T, F, Fut>(what: &str, mut check: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Option<T>>>,
{
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if let Some(value) = check().await? {
            return Ok(value);
        }
        if Instant::now() > deadline {
            return Err(Error::Timeout(what.to_owned()));
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn start_emulator(addr: SocketAddr, app_url: &str, options: &Options) -> Result<Running> {
    let config = Config::default()
        .with_addr(addr)
        .with_allowed_origins([app_url.to_owned()])
        .with_multi_session(options.multi_session)
        .with_client_trust(options.client_trust)
        .with_token_lifetime(options.token_lifetime)
        .with_dev_browser(options.dev_browser)
        // Tests read codes from /__emulator/emails.
        .with_print_codes(false);
    // The previous test's emulator may still be releasing the port.
    let deadline = Instant::now() + TIMEOUT;
    loop {
        match clerk_emulator::start(config.clone()).await {
            Ok(running) => return Ok(running),
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await
            }
            Err(e) => return Err(Error::Setup(format!("emulator on {addr}: {e}"))),
        }
    }
}

/// The demo API on `addr`, verifying the emulator's tokens for the app's
/// origin, as `scripts/dev` runs it.
async fn serve_api(
    addr: SocketAddr,
    emulator_url: &str,
    app_url: &str,
) -> Result<tokio::task::JoinHandle<()>> {
    let config = demo_api::Config::new(emulator_url).with_allowed_origins([app_url]);
    let app = demo_api::app(config).map_err(|e| Error::Setup(format!("demo API: {e}")))?;
    let listener = bind(addr, "demo API").await?;
    Ok(tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    }))
}

/// Binds `addr`, waiting for the previous test's server to release it.
async fn bind(addr: SocketAddr, what: &str) -> Result<tokio::net::TcpListener> {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        match tokio::net::TcpListener::bind(addr).await {
            Ok(listener) => return Ok(listener),
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await
            }
            Err(e) => return Err(Error::Setup(format!("{what} on {addr}: {e}"))),
        }
    }
}

/// Serves `dist` like a static host with SPA fallback: unknown paths get
/// `index.html`.
async fn serve_dist(
    addr: SocketAddr,
    dist: PathBuf,
    dev_browser: bool,
) -> Result<tokio::task::JoinHandle<()>> {
    if !dist.join("index.html").is_file() {
        return Err(Error::Setup(format!(
            "{} has no index.html",
            dist.display()
        )));
    }
    let listener = bind(addr, "app server").await?;
    let app = axum::Router::new().fallback(move |uri: Uri| {
        let dist = dist.clone();
        async move { static_file(&dist, &uri, dev_browser).await }
    });
    Ok(tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    }))
}

async fn static_file(dist: &Path, uri: &Uri, dev_browser: bool) -> Response {
    let name = uri.path().trim_start_matches('/');
    let safe = !name.is_empty() && !name.contains("..") && !name.contains('/');
    let path = if safe {
        dist.join(name)
    } else {
        dist.join("index.html")
    };
    let path = match tokio::fs::metadata(&path).await {
        Ok(meta) if meta.is_file() => path,
        _ => dist.join("index.html"),
    };
    let content_type = match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css",
        Some("png") => "image/png",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    };
    let read = tokio::fs::read(&path).await.map(|bytes| {
        if dev_browser && content_type.starts_with("text/html") {
            // Before the title: the minified page has no <head> tag.
            let html = String::from_utf8_lossy(&bytes).replacen(
                "<title>",
                "<meta name=\"clerk-dev-browser\" content=\"always\"><title>",
                1,
            );
            html.into_bytes()
        } else {
            bytes
        }
    });
    match read {
        Ok(bytes) => Response::builder()
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(bytes))
            .unwrap_or_default(),
        Err(_) => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(Body::empty())
            .unwrap_or_default(),
    }
}

/// chromedriver in a process group of its own: dropping it ends the browsers
/// it started as well, even when a failed test never closed its session.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        // A direct kill(2) on the group, never a `kill` command: procps reads
        // a negative pid without `--` as something else, and as root a wrong
        // target can be every process. Only a group that is chromedriver's
        // own (pgid == its pid, from `process_group(0)`) is signalled.
        if let Some(pid) = self.0.id().and_then(|p| libc::pid_t::try_from(p).ok()) {
            // SAFETY: getpgid and kill take plain integers and touch no memory.
            unsafe {
                if pid > 1 && libc::getpgid(pid) == pid {
                    libc::kill(-pid, libc::SIGKILL);
                }
            }
        }
        let _ = self.0.start_kill();
    }
}

async fn start_chromedriver() -> Result<(Driver, String)> {
    let port = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .and_then(|l| l.local_addr())
        .map_err(|e| Error::Setup(e.to_string()))?
        .port();
    let binary = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
    let child = Command::new(&binary)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| Error::Setup(format!("{binary}: {e}")))?;
    let url = format!("http://127.0.0.1:{port}");
    let status = format!("{url}/status");
    let http = reqwest::Client::new();
    wait_until("chromedriver to answer", || async {
        Ok(http
            .get(&status)
            .send()
            .await
            .ok()
            .filter(|r| r.status().is_success())
            .map(drop))
    })
    .await?;
    Ok((Driver(child), url))
}

async fn new_session(webdriver_url: &str) -> Result<Client> {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--window-size=1100,800",
            ],
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    Ok(ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(webdriver_url)
        .await?)
}

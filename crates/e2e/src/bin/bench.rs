//! The benchmark behind `scripts/bench` (README, "Performance"): the yew-clerk
//! demo and Clerk's vanilla clerk-js sign-out example, each against its own
//! in-process clerk-emulator, each in its own headless Chromium, runs
//! interleaved. Prints one markdown table (bytes from `scripts/size --json`,
//! times, FAPI traffic) and a few notes.
//!
//! Times are taken in the page, not over WebDriver: a script registered with
//! CDP `Page.addScriptToEvaluateOnNewDocument` runs before the page's own
//! scripts in every document, watches the status element with a
//! MutationObserver and records `performance.now()` (milliseconds since the
//! document's navigation start, `performance.timeOrigin`) when it first holds
//! "Active session" or "You are signed out", and the click on `#sign-out` as
//! `performance.timeOrigin + event.timeStamp` in sessionStorage, which the
//! reloaded document reads back.
//!
//! ```text
//! bench --runs N --warmup N
//!       --ours-dist DIR --ours-emulator ADDR --ours-sizes FILE
//!       --peer-dist DIR --peer-emulator ADDR --peer-sizes FILE --peer-name NAME
//!       [--peer-dev-browser]
//! ```
//!
//! Each dist must already hold the publishable key of its emulator address.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clerk_emulator::{Config, Running};
use e2e::{serve_static, Browser, Error, Result};
use fantoccini::Locator;
use serde_json::{json, Value};

/// How long one wait in a run may take.
const WAIT: Duration = Duration::from_secs(20);
/// The request log counts as settled after this long without a new entry.
const QUIET: Duration = Duration::from_millis(500);
const DEMO: (&str, &str) = ("demo@example.com", "demo-password-1");

/// Installed in every new document, before the page's scripts; `STATUS_CSS`
/// is replaced by the selector of the element that shows the auth state.
const PROBE: &str = r#"(() => {
  const css = STATUS_CSS;
  const doc = Number(sessionStorage.getItem('__benchDocs') || 0) + 1;
  sessionStorage.setItem('__benchDocs', String(doc));
  const b = window.__bench = {
    doc, origin: performance.timeOrigin, signedIn: null, signedOut: null, errors: [],
  };
  const note = (what) => { if (b.errors.length < 10) b.errors.push(String(what).slice(0, 400)); };
  addEventListener('error', (e) => note(e.message || e.error));
  addEventListener('unhandledrejection', (e) => note(e.reason && (e.reason.message || e.reason)));
  const consoleError = console.error;
  console.error = (...args) => { note(args.join(' ')); consoleError.apply(console, args); };
  addEventListener('click', (e) => {
    if (e.target instanceof Element && e.target.closest('#sign-out')) {
      sessionStorage.setItem('__benchClick', JSON.stringify({ doc, at: performance.timeOrigin + e.timeStamp }));
    }
  }, true);
  const check = () => {
    const el = document.querySelector(css);
    if (!el) return;
    const text = el.textContent;
    if (b.signedIn === null && text.includes('Active session')) b.signedIn = performance.now();
    if (b.signedOut === null && text.includes('You are signed out')) b.signedOut = performance.now();
  };
  new MutationObserver(check).observe(document, { childList: true, subtree: true, characterData: true });
})();"#;

/// Waits in the page until `window.__bench[KEY]` is set, then returns the
/// record (or null after the timeout): no WebDriver polling while it loads.
const WAIT_FOR: &str = r#"const [key, timeout, done] = arguments;
const deadline = Date.now() + timeout;
(function poll() {
  const b = window.__bench;
  if (b && b[key] !== null) return done(b);
  if (Date.now() > deadline) return done(b || null);
  setTimeout(poll, 20);
})();"#;

/// Signs the demo user in with one FAPI request from the page (the cookie
/// lands in the browser as it would after the sign-in form).
const SIGN_IN: &str = r#"const [url, body, done] = arguments;
fetch(url, {
  method: 'POST', credentials: 'include', body,
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
}).then((r) => done(r.status), (e) => done(String(e)));"#;

#[derive(Debug)]
struct Args {
    runs: usize,
    warmup: usize,
    ours: SideArgs,
    peer: SideArgs,
    peer_name: String,
}

#[derive(Debug, Default)]
struct SideArgs {
    dist: Option<PathBuf>,
    emulator: Option<SocketAddr>,
    sizes: Option<PathBuf>,
    /// Start its emulator with `--dev-browser`.
    dev_browser: bool,
}

fn parse_args() -> Result<Args> {
    let bad = |what: String| Error::Setup(format!("bench: {what}"));
    let mut args = Args {
        runs: 10,
        warmup: 1,
        ours: SideArgs::default(),
        peer: SideArgs::default(),
        peer_name: "clerk-js".into(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--peer-dev-browser" {
            args.peer.dev_browser = true;
            continue;
        }
        let value = it
            .next()
            .ok_or_else(|| bad(format!("{flag} needs a value")))?;
        let addr = || {
            value
                .parse::<SocketAddr>()
                .map_err(|_| bad(format!("{flag}: {value} is not host:port")))
        };
        let count = || {
            value
                .parse::<usize>()
                .map_err(|_| bad(format!("{flag}: {value} is not a count")))
        };
        match flag.as_str() {
            "--runs" => args.runs = count()?,
            "--warmup" => args.warmup = count()?,
            "--ours-dist" => args.ours.dist = Some(value.into()),
            "--ours-emulator" => args.ours.emulator = Some(addr()?),
            "--ours-sizes" => args.ours.sizes = Some(value.into()),
            "--peer-dist" => args.peer.dist = Some(value.into()),
            "--peer-emulator" => args.peer.emulator = Some(addr()?),
            "--peer-sizes" => args.peer.sizes = Some(value.into()),
            "--peer-name" => args.peer_name = value,
            _ => return Err(bad(format!("unknown argument {flag}"))),
        }
    }
    if args.runs == 0 {
        return Err(bad("--runs must be at least 1".into()));
    }
    Ok(args)
}

/// Sizes in bytes as `scripts/size --json` prints them.
struct Sizes {
    files: Vec<(String, [u64; 3])>,
    total: [u64; 3],
}

fn read_sizes(path: &Option<PathBuf>) -> Result<Sizes> {
    let path = path
        .as_ref()
        .ok_or_else(|| Error::Setup("bench: a --*-sizes file is required".into()))?;
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::Setup(format!("{}: {e}", path.display())))?;
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| Error::Setup(format!("{}: {e}", path.display())))?;
    let triple = |v: &Value| -> Result<[u64; 3]> {
        let get = |k: &str| {
            v[k].as_u64().ok_or_else(|| {
                Error::Setup(format!(
                    "{}: no {k} size (is brotli installed?)",
                    path.display()
                ))
            })
        };
        Ok([get("raw")?, get("gzip")?, get("brotli")?])
    };
    let files = value["files"]
        .as_array()
        .ok_or_else(|| Error::Setup(format!("{}: no files", path.display())))?
        .iter()
        .map(|f| Ok((f["name"].as_str().unwrap_or("?").to_owned(), triple(f)?)))
        .collect::<Result<Vec<_>>>()?;
    Ok(Sizes {
        files,
        total: triple(&value["total"])?,
    })
}

/// FAPI traffic of one phase, from the emulator's request log.
#[derive(Debug, Clone, Default)]
struct Traffic {
    requests: usize,
    preflights: usize,
    sent: u64,
    received: u64,
    /// `METHOD path status` of each non-preflight request, in order.
    lines: Vec<String>,
    /// The same for answers other than 2xx.
    not_ok: Vec<String>,
}

impl Traffic {
    fn from_log(log: &[Value]) -> Self {
        let mut t = Traffic::default();
        for r in log {
            if r["preflight"] == true {
                t.preflights += 1;
                continue;
            }
            t.requests += 1;
            // The browser sends request_bytes and receives response_bytes.
            t.sent += r["request_bytes"].as_u64().unwrap_or(0);
            t.received += r["response_bytes"].as_u64().unwrap_or(0);
            let line = format!(
                "{} {} {}",
                r["method"].as_str().unwrap_or("?"),
                r["path"].as_str().unwrap_or("?"),
                r["status"]
            );
            if !(200..300).contains(&r["status"].as_u64().unwrap_or(0)) {
                t.not_ok.push(line.clone());
            }
            t.lines.push(line);
        }
        t
    }
}

/// One measured run of one side.
struct Run {
    load_ms: f64,
    sign_out_ms: f64,
    reload_ms: f64,
    load: Traffic,
    sign_out: Traffic,
}

/// One app under test: its emulator, static server and browser.
struct Side {
    name: String,
    status_css: &'static str,
    dev_browser: bool,
    app_url: String,
    emulator: Running,
    server: tokio::task::JoinHandle<()>,
    browser: Browser,
    http: reqwest::Client,
    runs: Vec<Run>,
    /// Why it could not be measured, if it could not.
    failure: Option<String>,
}

impl Side {
    async fn start(name: &str, args: &SideArgs, status_css: &'static str) -> Result<Self> {
        let dist = args
            .dist
            .clone()
            .ok_or_else(|| Error::Setup(format!("bench: no dist for {name}")))?;
        let emulator_addr = args
            .emulator
            .ok_or_else(|| Error::Setup(format!("bench: no emulator address for {name}")))?;
        let app_addr = free_addr()?;
        let app_url = format!("http://{app_addr}");
        let emulator = clerk_emulator::start(
            Config::default()
                .with_addr(emulator_addr)
                .with_allowed_origins([app_url.clone()])
                .with_dev_browser(args.dev_browser)
                // One-request password sign-ins, so times stay comparable
                // across runs and with earlier results (the notes say so).
                .with_client_trust(false)
                .with_print_codes(false),
        )
        .await
        .map_err(|e| Error::Setup(format!("{name}: emulator on {emulator_addr}: {e}")))?;
        let server = serve_static(app_addr, dist).await?;
        let browser = Browser::start().await?;
        let probe = PROBE.replace("STATUS_CSS", &json!(status_css).to_string());
        browser
            .cdp(
                "Page.addScriptToEvaluateOnNewDocument",
                json!({ "source": probe }),
            )
            .await?;
        Ok(Self {
            name: name.to_owned(),
            status_css,
            dev_browser: args.dev_browser,
            app_url,
            emulator,
            server,
            browser,
            http: reqwest::Client::new(),
            runs: Vec::new(),
            failure: None,
        })
    }

    fn hook(&self, path: &str) -> String {
        format!("{}/__emulator/{path}", self.emulator.url())
    }

    async fn requests(&self) -> Result<Vec<Value>> {
        let response = self.http.get(self.hook("requests")).send().await?;
        let value: Value = response.error_for_status()?.json().await?;
        Ok(value.as_array().cloned().unwrap_or_default())
    }

    async fn clear_requests(&self) -> Result<()> {
        let request = self.http.delete(self.hook("requests"));
        request.send().await?.error_for_status()?;
        Ok(())
    }

    /// The request log once no new entry came for [`QUIET`].
    async fn settled_requests(&self) -> Result<Vec<Value>> {
        let deadline = Instant::now() + WAIT;
        let mut log = self.requests().await?;
        let mut since = Instant::now();
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let now = self.requests().await?;
            if now.len() != log.len() {
                log = now;
                since = Instant::now();
            } else if since.elapsed() >= QUIET {
                return Ok(now);
            }
            if Instant::now() > deadline {
                return Err(Error::Setup(format!(
                    "{}: FAPI requests did not settle",
                    self.name
                )));
            }
        }
    }

    async fn js(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        Ok(self.browser.client.execute(script, args).await?)
    }

    async fn js_async(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        Ok(self.browser.client.execute_async(script, args).await?)
    }

    /// The first load: signed out, and a page of the app's origin to sign in
    /// from.
    async fn open(&self) -> Result<()> {
        self.browser
            .client
            .goto(&format!("{}/", self.app_url))
            .await?;
        self.wait_in_page("signedOut").await.map(drop)
    }

    async fn wait_in_page(&self, key: &str) -> Result<Value> {
        let timeout = WAIT.as_millis() as u64;
        let b = self
            .js_async(WAIT_FOR, vec![json!(key), json!(timeout)])
            .await?;
        if b[key].is_number() {
            return Ok(b);
        }
        let state = if key == "signedIn" {
            "signed-in"
        } else {
            "signed-out"
        };
        let what = format!("the page never reached the {state} state");
        Err(self.failed(&what, &b).await)
    }

    /// An error that says what the page reported and which FAPI requests
    /// failed.
    async fn failed(&self, what: &str, bench: &Value) -> Error {
        let mut why = format!("{}: {what}", self.name);
        if let Some(errors) = bench["errors"].as_array().filter(|e| !e.is_empty()) {
            let errors: Vec<&str> = errors.iter().filter_map(Value::as_str).collect();
            let _ = write!(why, "; page errors: {}", errors.join(" | "));
        }
        if let Ok(log) = self.requests().await {
            let failed = Traffic::from_log(&log).not_ok;
            if !failed.is_empty() {
                let _ = write!(why, "; FAPI answers: {}", failed.join(", "));
            }
        }
        match self.status_text().await {
            Ok(text) => {
                let _ = write!(why, "; {} shows {text:?}", self.status_css);
            }
            Err(_) => {
                let body = self.js("return document.body.innerText", vec![]).await;
                let body = body.ok().and_then(|b| b.as_str().map(str::to_owned));
                let body: String = body.unwrap_or_default().chars().take(200).collect();
                let _ = write!(why, "; no {}, the page shows {body:?}", self.status_css);
            }
        }
        Error::Setup(why)
    }

    async fn status_text(&self) -> Result<String> {
        let element = self
            .browser
            .client
            .find(Locator::Css(self.status_css))
            .await?;
        Ok(element.text().await?)
    }

    async fn sign_in(&self) -> Result<()> {
        let url = format!("{}/v1/client/sign_ins", self.emulator.url());
        let body = format!(
            "identifier={}&password={}",
            DEMO.0.replace('@', "%40"),
            DEMO.1
        );
        let status = self
            .js_async(SIGN_IN, vec![json!(url), json!(body)])
            .await?;
        if status != json!(200) {
            return Err(Error::Setup(format!(
                "{}: signing in over FAPI answered {status}",
                self.name
            )));
        }
        Ok(())
    }

    /// Sign in, load `/` fresh, sign out; the page is signed out after.
    async fn run(&self) -> Result<Run> {
        self.sign_in().await?;

        self.clear_requests().await?;
        self.browser
            .client
            .goto(&format!("{}/", self.app_url))
            .await?;
        let loaded = self.wait_in_page("signedIn").await?;
        let load_ms = number(&loaded, "signedIn")?;
        let load = Traffic::from_log(&self.settled_requests().await?);

        self.clear_requests().await?;
        let clicked_doc = loaded["doc"].clone();
        self.browser
            .client
            .find(Locator::Css("#sign-out"))
            .await?
            .click()
            .await?;
        let deadline = Instant::now() + WAIT;
        let after = loop {
            // The old document goes away mid-wait, so poll from here.
            let state = self
                .js(
                    "return { bench: window.__bench || null, \
                     click: JSON.parse(sessionStorage.getItem('__benchClick') || 'null') }",
                    vec![],
                )
                .await;
            if let Ok(state) = state {
                let b = &state["bench"];
                if b["doc"] != clicked_doc && b["signedOut"].is_number() {
                    break state;
                }
                if Instant::now() > deadline {
                    return Err(self.failed("no signed-out reload after the click", b).await);
                }
            } else if Instant::now() > deadline {
                return Err(Error::Setup(format!(
                    "{}: the page did not come back",
                    self.name
                )));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        if after["click"]["doc"] != clicked_doc {
            return Err(Error::Setup(format!(
                "{}: the click on #sign-out was not recorded",
                self.name
            )));
        }
        let reload_ms = number(&after["bench"], "signedOut")?;
        let sign_out_ms =
            number(&after["bench"], "origin")? + reload_ms - number(&after["click"], "at")?;
        if sign_out_ms < reload_ms {
            return Err(Error::Setup(format!(
                "{}: the reload started {:.1} ms before the click: the page clocks disagree",
                self.name,
                reload_ms - sign_out_ms
            )));
        }
        let sign_out = Traffic::from_log(&self.settled_requests().await?);

        let response = self.http.get(self.hook("sessions")).send().await?;
        let sessions: Value = response.error_for_status()?.json().await?;
        let active = sessions
            .as_array()
            .map_or(0, |s| s.iter().filter(|s| s["status"] == "active").count());
        if active != 0 {
            return Err(Error::Setup(format!(
                "{}: signed out on screen, but the emulator still has {active} active session(s)",
                self.name
            )));
        }
        Ok(Run {
            load_ms,
            sign_out_ms,
            reload_ms,
            load,
            sign_out,
        })
    }

    async fn finish(self) -> Result<()> {
        let finished = self.browser.finish().await;
        self.emulator.shutdown().await;
        self.server.abort();
        finished
    }
}

fn number(value: &Value, key: &str) -> Result<f64> {
    value[key]
        .as_f64()
        .ok_or_else(|| Error::Setup(format!("the probe recorded no {key}: {value}")))
}

fn free_addr() -> Result<SocketAddr> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| Error::Setup(format!("no free port: {e}")))
}

/// Median and p90 (nearest rank) of a non-empty sample.
fn stats(mut values: Vec<f64>) -> (f64, f64) {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let median = if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    };
    let p90 = values[(n * 9).div_ceil(10) - 1];
    (median, p90)
}

fn kb(n: u64) -> String {
    format!("{:.1} KB", n as f64 / 1024.0)
}

fn ratio(theirs: f64, ours: f64) -> String {
    if ours > 0.0 {
        format!("{:.1}×", theirs / ours)
    } else {
        String::new()
    }
}

/// Reads one number of a run.
type Pick<T> = fn(&Run) -> T;
/// A measured cell: the number the ratio uses, and the text shown.
type Cell = Option<(f64, String)>;

/// Median and p90 of a time, or None where the side was not measured.
fn time_cell(side: &Side, pick: Pick<f64>) -> Cell {
    if side.failure.is_some() || side.runs.is_empty() {
        return None;
    }
    let (median, p90) = stats(side.runs.iter().map(pick).collect());
    Some((median, format!("{median:.0} ms ({p90:.0})")))
}

/// Median of a per-run count, with "(min–max)" when runs differ.
fn count(side: &Side, pick: impl Fn(&Run) -> u64) -> Cell {
    if side.failure.is_some() || side.runs.is_empty() {
        return None;
    }
    let mut v: Vec<u64> = side.runs.iter().map(pick).collect();
    v.sort_unstable();
    let (median, low, high) = (v[v.len() / 2], v[0], v[v.len() - 1]);
    let text = if low == high {
        format!("{median}")
    } else {
        format!("{median} ({low}–{high})")
    };
    Some((median as f64, text))
}

/// A row comparing the two sides, "n/a" where one was not measured.
fn compare(label: &str, ours: Cell, peer: Cell) -> [String; 4] {
    let text = |c: &Cell| c.as_ref().map_or("n/a".to_owned(), |c| c.1.clone());
    let ratio = match (&ours, &peer) {
        (Some(a), Some(b)) => ratio(b.0, a.0),
        _ => String::new(),
    };
    [label.to_owned(), text(&ours), text(&peer), ratio]
}

fn table(ours: &Side, peer: &Side, sizes: (&Sizes, &Sizes), runs: usize) -> String {
    let mut rows: Vec<[String; 4]> = vec![
        [
            String::new(),
            ours.name.clone(),
            peer.name.clone(),
            format!("{} ÷ {}", peer.name, ours.name),
        ],
        ["---", "---:", "---:", "---:"].map(String::from),
    ];
    let triple = |s: &[u64; 3]| format!("{} / {} / {}", kb(s[0]), kb(s[1]), kb(s[2]));
    for (name, s) in &sizes.0.files {
        let label = format!("`{name}` raw / gzip / br");
        rows.push([label, triple(s), String::new(), String::new()]);
    }
    for (name, s) in &sizes.1.files {
        let label = format!("`{name}` raw / gzip / br");
        rows.push([label, String::new(), triple(s), String::new()]);
    }
    for (i, label) in ["raw", "gzip -9", "brotli"].iter().enumerate() {
        let total = |s: &Sizes| Some((s.total[i] as f64, format!("**{}**", kb(s.total[i]))));
        let mut row = compare(
            &format!("**total {label}**"),
            total(sizes.0),
            total(sizes.1),
        );
        row[3] = format!("**{}**", row[3]);
        rows.push(row);
    }
    let timings: [(&str, Pick<f64>); 3] = [
        ("navigation start → signed in", |r| r.load_ms),
        ("click sign-out → signed out after reload", |r| {
            r.sign_out_ms
        }),
        ("… of which reload start → signed out", |r| r.reload_ms),
    ];
    for (label, pick) in timings {
        let label = format!("{label}, median (p90), {runs} runs");
        rows.push(compare(
            &label,
            time_cell(ours, pick),
            time_cell(peer, pick),
        ));
    }
    let phases: [(&str, Pick<Traffic>); 2] = [
        ("load", |r| r.load.clone()),
        ("sign-out", |r| r.sign_out.clone()),
    ];
    for (phase, traffic) in phases {
        let requests = |side: &Side| {
            let n = count(side, |r| traffic(r).requests as u64)?;
            let pre = count(side, |r| traffic(r).preflights as u64)?;
            Some((n.0, format!("{} (+{})", n.1, pre.1)))
        };
        let label = format!("FAPI requests (+ preflights), {phase}");
        rows.push(compare(&label, requests(ours), requests(peer)));
        let bytes = |side: &Side| {
            let sent = count(side, |r| traffic(r).sent)?;
            let received = count(side, |r| traffic(r).received)?;
            Some((received.0, format!("{} B / {} B", sent.1, received.1)))
        };
        let label = format!("FAPI body bytes sent / received, {phase}");
        rows.push(compare(&label, bytes(ours), bytes(peer)));
    }
    rows.iter()
        .map(|cells| format!("| {} |\n", cells.join(" | ")))
        .collect()
}

fn notes(ours: &Side, peer: &Side) -> String {
    let mut out = String::new();
    for side in [ours, peer] {
        if let Some(why) = &side.failure {
            let _ = writeln!(out, "- n/a: {why}");
            continue;
        }
        let Some(last) = side.runs.last() else {
            continue;
        };
        // Concurrent requests may be logged in either order.
        let sorted = |lines: &[String]| {
            let mut lines = lines.to_vec();
            lines.sort_unstable();
            lines
        };
        let same = side.runs.iter().all(|r| {
            sorted(&r.load.lines) == sorted(&last.load.lines)
                && sorted(&r.sign_out.lines) == sorted(&last.sign_out.lines)
        });
        let _ = write!(
            out,
            "- {} FAPI requests, {}: load {}; sign-out {}.",
            side.name,
            if same {
                "every run"
            } else {
                "last run (runs differ)"
            },
            join(&last.load.lines),
            join(&last.sign_out.lines)
        );
        let mut failed: Vec<&str> = (last.load.not_ok.iter())
            .chain(&last.sign_out.not_ok)
            .map(String::as_str)
            .collect();
        failed.sort_unstable();
        failed.dedup();
        if !failed.is_empty() {
            let _ = write!(out, " Not 2xx: {}.", failed.join(", "));
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "- Times are taken in the page: navigation start (`performance.timeOrigin`) to the \
         status text in the DOM (MutationObserver, before paint); the click event's time to the \
         signed-out text in the reloaded document. Each app runs in its own headless Chromium \
         against its own in-process emulator ({}, Client Trust off as with \
         `--no-client-trust`) over loopback, its files served \
         uncompressed and without cache headers (every load fetches and compiles everything); \
         before each load the demo user signs in with one FAPI request from the page.",
        modes(ours, peer)
    );
    out.push_str(
        "- FAPI counts and body bytes (headers not counted) come from the emulator's request log \
         until 0.5 s without a new request; sign-out includes the reloaded page's own requests.\n",
    );
    out
}

/// The emulators' identity modes, as the notes name them.
fn modes(ours: &Side, peer: &Side) -> String {
    let mode = |side: &Side| {
        if side.dev_browser {
            "--dev-browser"
        } else {
            "cookie mode"
        }
    };
    if ours.dev_browser == peer.dev_browser {
        format!("both {}", mode(ours))
    } else {
        format!("{} {}, {} {}", ours.name, mode(ours), peer.name, mode(peer))
    }
}

fn join(lines: &[String]) -> String {
    if lines.is_empty() {
        "none".into()
    } else {
        lines.join(", ")
    }
}

async fn bench(args: Args) -> Result<String> {
    let sizes = (read_sizes(&args.ours.sizes)?, read_sizes(&args.peer.sizes)?);
    let mut ours = Side::start("yew-clerk", &args.ours, "#status").await?;
    let mut peer = match Side::start(&args.peer_name, &args.peer, "#app").await {
        Ok(peer) => peer,
        Err(e) => {
            let _ = ours.finish().await;
            return Err(e);
        }
    };
    // Close the browsers whatever happened, or Chromium outlives chromedriver.
    let measured = measure(&args, &mut ours, &mut peer).await;
    let out = measured.map(|()| {
        let table = table(&ours, &peer, (&sizes.0, &sizes.1), args.runs);
        format!("{table}\n{}", notes(&ours, &peer))
    });
    let (a, b) = (ours.finish().await, peer.finish().await);
    let out = out?;
    a?;
    b?;
    Ok(out)
}

/// Warm-up and counted runs, the two sides interleaved. Ours must work; the
/// peer's first failure is recorded and ends its runs.
async fn measure(args: &Args, ours: &mut Side, peer: &mut Side) -> Result<()> {
    ours.open().await?;
    if let Err(e) = peer.open().await {
        peer.failure = Some(e.to_string());
    }
    for i in 0..args.warmup + args.runs {
        let counted = i >= args.warmup;
        eprintln!(
            "bench: {} {}",
            if counted { "run" } else { "warm-up" },
            if counted { i - args.warmup + 1 } else { i + 1 }
        );
        let run = ours.run().await?;
        if counted {
            ours.runs.push(run);
        }
        if peer.failure.is_none() {
            match peer.run().await {
                Ok(run) if counted => peer.runs.push(run),
                Ok(_) => {}
                Err(e) => peer.failure = Some(e.to_string()),
            }
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let result = match parse_args() {
        Ok(args) => bench(args).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(out) => {
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("bench: {e}");
            ExitCode::FAILURE
        }
    }
}

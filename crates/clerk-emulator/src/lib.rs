//! A local server that speaks Clerk's Frontend API (FAPI) on the wire, for
//! offline development and tests of Clerk front ends.
//!
//! It is not a mock: clients and sessions live in memory and really change
//! state (a removed session stays removed and its token endpoint refuses),
//! session tokens are RS256 JWTs signed by a per-process RSA key published at
//! `/.well-known/jwks.json`, and every error is answered with Clerk's error
//! shape (`{"errors":[{code,message,long_message,meta}],"clerk_trace_id"}`).
//!
//! What it serves:
//! - FAPI: `/v1/environment`, `/v1/health`, `/v1/client` (GET, PUT, POST,
//!   DELETE), `/v1/client/sign_ins` (password first factor) with
//!   `/{id}`, `/{id}/prepare_second_factor` and `/{id}/attempt_second_factor`
//!   (Client Trust's e-mail code, TOTP), `/v1/client/sessions` (DELETE),
//!   `/v1/client/sessions/{id}` and its `touch`, `end`, `remove` and
//!   `tokens`, `/v1/dev_browser`, plus `/.well-known/jwks.json`.
//! - An offline Account Portal: hosted sign-in and sign-up pages at
//!   `/sign-in` and `/sign-up` (plain HTML forms), which send the browser
//!   back to an allowed `redirect_url`.
//! - Test hooks under `/__emulator/`: the sessions (closed ones for a
//!   while, and marking one pending), fault injection, the request log,
//!   the codes sent (`emails`), the emulator's clock and a reset.
//!
//! Client Trust is on by default ([`Config::client_trust`]), as on Clerk
//! applications created since November 2025: a password sign-in from a
//! browser that has not signed the user in before answers
//! `needs_client_trust` and completes with an e-mail code.
//!
//! The client is identified either by an HttpOnly `__client` cookie (the
//! default, like a production instance) or, with [`Config::dev_browser`], by a
//! `__clerk_db_jwt` query parameter obtained from `POST /v1/dev_browser` (like
//! a development instance). Requests may use `POST ?_method=DELETE` (or PATCH,
//! PUT) as clerk-js does, and form-urlencoded or JSON bodies (at most
//! [`BODY_LIMIT`] bytes).
//!
//! ```no_run
//! # async fn demo() -> Result<(), clerk_emulator::Error> {
//! let config = clerk_emulator::Config::default()
//!     .with_addr(([127, 0, 0, 1], 0).into()) // any free port
//!     .with_multi_session(true);
//! let running = clerk_emulator::start(config).await?;
//! println!("FAPI at {} with key {}", running.url(), running.publishable_key());
//! running.shutdown().await;
//! # Ok(())
//! # }
//! ```

// serde_json's json! macro recurses once per field; the environment is big.
#![recursion_limit = "256"]
#![warn(missing_docs)]

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::Deserialize;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

mod api_error;
mod error;
mod factors;
mod fapi;
mod hooks;
mod hosted;
mod ids;
mod json;
mod keys;
mod middleware;
mod request_log;
mod server;
mod store;

pub use error::Error;

/// Largest request body accepted, in bytes; bigger ones get a Clerk-shaped 413.
pub const BODY_LIMIT: usize = 64 * 1024;

/// Longest session token lifetime [`Config::token_lifetime`] accepts (a day).
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// How long [`Running::shutdown`] waits for in-flight requests before
/// dropping them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A user who can sign in with a password.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct User {
    /// The e-mail address, used as the sign-in identifier (matched without
    /// regard to ASCII case).
    pub email: String,
    /// The password, compared exactly.
    pub password: String,
    /// Optional first name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Optional last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// The base32 secret of an authenticator app (RFC 6238: SHA-1, 30 s,
    /// 6 digits). Such a user signs in with a TOTP code as second factor
    /// (`needs_second_factor`) and is never asked for Client Trust's code.
    #[serde(default)]
    pub totp_secret: Option<String>,
}

impl User {
    /// A user with no name.
    pub fn new(email: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            email: email.into(),
            password: password.into(),
            first_name: None,
            last_name: None,
            totp_secret: None,
        }
    }

    /// Sets the first and last names.
    pub fn with_name(mut self, first: Option<&str>, last: Option<&str>) -> Self {
        self.first_name = first.map(str::to_owned);
        self.last_name = last.map(str::to_owned);
        self
    }

    /// Gives the user an authenticator app with this base32 secret.
    pub fn with_totp_secret(mut self, secret: impl Into<String>) -> Self {
        self.totp_secret = Some(secret.into());
        self
    }
}

/// The TOTP secret of the seeded MFA user `grace@example.com` (base32).
/// Fixed, so it can be added to an authenticator app once: see the README.
pub const DEMO_TOTP_SECRET: &str = "TERJ4N7I5LF534K22364CH7WE3SN45TB";

/// The seeded users: `demo@example.com` / `demo-password-1` (Demo),
/// `ada@example.com` / `ada-password-1` (Ada Lovelace), and
/// `grace@example.com` / `grace-password-1` (Grace Hopper), who has an
/// authenticator app with [`DEMO_TOTP_SECRET`].
pub fn default_users() -> Vec<User> {
    vec![
        User::new("demo@example.com", "demo-password-1").with_name(Some("Demo"), None),
        User::new("ada@example.com", "ada-password-1").with_name(Some("Ada"), Some("Lovelace")),
        User::new("grace@example.com", "grace-password-1")
            .with_name(Some("Grace"), Some("Hopper"))
            .with_totp_secret(DEMO_TOTP_SECRET),
    ]
}

/// The code an authenticator app shows at `unix_secs` for a base32
/// `secret` (RFC 6238: HMAC-SHA-1, 30-second steps, six digits), or `None`
/// when the secret is not base32. For tests that sign a TOTP user in.
///
/// ```
/// // RFC 6238's SHA-1 test secret, at its first test time (T = 59 s).
/// let code = clerk_emulator::totp_code("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 59);
/// assert_eq!(code.as_deref(), Some("287082"));
/// ```
pub fn totp_code(secret: &str, unix_secs: i64) -> Option<String> {
    let key = factors::totp::decode_base32(secret)?;
    Some(factors::totp::code_at(&key, unix_secs))
}

/// Reads users from a JSON file: an array of
/// `{"email", "password", "first_name"?, "last_name"?, "totp_secret"?}`.
pub fn load_users(path: &Path) -> Result<Vec<User>, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::UsersRead {
        path: path.to_owned(),
        source,
    })?;
    let users: Vec<User> = serde_json::from_str(&text).map_err(|source| Error::UsersParse {
        path: path.to_owned(),
        source,
    })?;
    validate_users(&users)?;
    Ok(users)
}

fn validate_users(users: &[User]) -> Result<(), Error> {
    if users.is_empty() {
        return Err(Error::UsersInvalid("the user list is empty".into()));
    }
    for (i, user) in users.iter().enumerate() {
        let email = user.email.trim();
        if email.is_empty() || !email.contains('@') {
            return Err(Error::UsersInvalid(format!(
                "user {i}: {:?} is not an e-mail address",
                user.email
            )));
        }
        if user.password.is_empty() {
            return Err(Error::UsersInvalid(format!(
                "user {i} ({email}): empty password"
            )));
        }
        if let Some(secret) = &user.totp_secret {
            // Authenticator apps want at least 80 bits (RFC 4226 §4).
            if factors::totp::decode_base32(secret).is_none_or(|key| key.len() < 10) {
                return Err(Error::UsersInvalid(format!(
                    "user {i} ({email}): totp_secret is not a base32 secret of at least 16 characters"
                )));
            }
        }
        if users[..i]
            .iter()
            .any(|other| other.email.trim().eq_ignore_ascii_case(email))
        {
            return Err(Error::UsersInvalid(format!(
                "user {i}: {email} appears twice"
            )));
        }
    }
    Ok(())
}

/// Bounds on what the emulator keeps, so that a long-running emulator (or
/// a flood of anonymous requests) never grows without bound. The defaults
/// suit any test suite; tests of the bounds themselves set small ones.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Request log entries kept (oldest dropped first). Default 100 000.
    pub request_log_entries: usize,
    /// Bytes the request log may hold (oldest dropped first); each entry
    /// counts its text fields plus a fixed overhead. Default 16 MiB.
    pub request_log_bytes: usize,
    /// Clients kept. Beyond, the least recently used clients without an
    /// active session go first (then the least recently used ones); their
    /// cookies and dev browsers then name no client. Default 10 000.
    pub clients: usize,
    /// Ended and removed sessions kept for `/__emulator/sessions` (and, for
    /// ended ones, on their client). Default 10 000.
    pub closed_sessions: usize,
    /// How long ended and removed sessions are kept. Default 10 minutes.
    pub closed_session_retention: Duration,
    /// How long a connection may take to send a request's head, and may
    /// stay idle between requests, before it is closed. Default 10 s.
    pub header_read_timeout: Duration,
    /// How long a request's body may take to arrive; a slower one gets 408
    /// `request_timeout` and the connection is closed. Default 30 s.
    pub body_read_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            request_log_entries: 100_000,
            request_log_bytes: 16 * 1024 * 1024,
            clients: 10_000,
            closed_sessions: 10_000,
            closed_session_retention: Duration::from_secs(600),
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
        }
    }
}

impl Limits {
    /// Sets [`Limits::request_log_entries`] and [`Limits::request_log_bytes`].
    pub fn with_request_log(mut self, entries: usize, bytes: usize) -> Self {
        self.request_log_entries = entries;
        self.request_log_bytes = bytes;
        self
    }

    /// Sets [`Limits::clients`].
    pub fn with_clients(mut self, clients: usize) -> Self {
        self.clients = clients;
        self
    }

    /// Sets [`Limits::header_read_timeout`] and [`Limits::body_read_timeout`].
    pub fn with_read_timeouts(mut self, header: Duration, body: Duration) -> Self {
        self.header_read_timeout = header;
        self.body_read_timeout = body;
        self
    }

    /// Sets [`Limits::closed_sessions`] and [`Limits::closed_session_retention`].
    pub fn with_closed_sessions(mut self, count: usize, retention: Duration) -> Self {
        self.closed_sessions = count;
        self.closed_session_retention = retention;
        self
    }
}

/// How to run the emulator. Start from [`Config::default`] and change fields
/// or use the `with_*` methods.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// Where to listen; port 0 picks a free port. Default `127.0.0.1:8787`.
    /// A non-loopback address needs [`Config::public`].
    pub addr: SocketAddr,
    /// Allow a non-loopback [`Config::addr`] (such as `0.0.0.0`). Anyone who
    /// can reach the address can then drive the test hooks (reset, faults,
    /// the request log) and sign in as the seeded users. Default off.
    pub public: bool,
    /// Origins (`scheme://host[:port]`) that get CORS headers with
    /// credentials, and that the hosted pages may send the browser back to
    /// (`redirect_url`). Default `http://127.0.0.1:8080` and
    /// `http://localhost:8080`.
    pub allowed_origins: Vec<String>,
    /// Allow several sessions per client (a second sign-in adds a session)
    /// instead of answering `session_exists`. Default off.
    pub multi_session: bool,
    /// Development-instance mode: identify the client by a dev-browser token
    /// in the `__clerk_db_jwt` query parameter instead of a cookie. Default off.
    pub dev_browser: bool,
    /// Client Trust, on by default as on Clerk applications created since
    /// November 2025: a password sign-in from a client (a dev browser, in
    /// dev-browser mode) that has not signed the user in before answers
    /// `needs_client_trust`, and completes with an e-mail code. Off, every
    /// password sign-in of a user without TOTP completes in one request.
    pub client_trust: bool,
    /// Print every code the emulator "sends" on stdout (they are also
    /// listed at `GET /__emulator/emails`). Default on.
    pub print_codes: bool,
    /// How long session tokens live (`exp` − `iat`), whole seconds from 1
    /// to [`MAX_TOKEN_LIFETIME`]. Default 60 s, as Clerk's; tests of token
    /// refresh use a few seconds.
    pub token_lifetime: Duration,
    /// Who can sign in. Default [`default_users`].
    pub users: Vec<User>,
    /// Bounds on what it keeps. Default [`Limits::default`].
    pub limits: Limits,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            addr: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 8787),
            public: false,
            allowed_origins: vec![
                "http://127.0.0.1:8080".to_owned(),
                "http://localhost:8080".to_owned(),
            ],
            multi_session: false,
            dev_browser: false,
            client_trust: true,
            print_codes: true,
            token_lifetime: Duration::from_secs(60),
            users: default_users(),
            limits: Limits::default(),
        }
    }
}

impl Config {
    /// Sets [`Config::addr`].
    pub fn with_addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Sets [`Config::public`].
    pub fn with_public(mut self, on: bool) -> Self {
        self.public = on;
        self
    }

    /// Sets [`Config::allowed_origins`].
    pub fn with_allowed_origins<I, S>(mut self, origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.allowed_origins = origins.into_iter().map(Into::into).collect();
        self
    }

    /// Sets [`Config::multi_session`].
    pub fn with_multi_session(mut self, on: bool) -> Self {
        self.multi_session = on;
        self
    }

    /// Sets [`Config::dev_browser`].
    pub fn with_dev_browser(mut self, on: bool) -> Self {
        self.dev_browser = on;
        self
    }

    /// Sets [`Config::client_trust`].
    pub fn with_client_trust(mut self, on: bool) -> Self {
        self.client_trust = on;
        self
    }

    /// Sets [`Config::print_codes`].
    pub fn with_print_codes(mut self, on: bool) -> Self {
        self.print_codes = on;
        self
    }

    /// Sets [`Config::token_lifetime`].
    pub fn with_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = lifetime;
        self
    }

    /// Sets [`Config::users`].
    pub fn with_users(mut self, users: Vec<User>) -> Self {
        self.users = users;
        self
    }

    /// Sets [`Config::limits`].
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }
}

/// The publishable key clerk-js derives the FAPI URL from:
/// `pk_test_` + base64 (standard alphabet, padded) of `host:port$`.
///
/// ```
/// assert_eq!(
///     clerk_emulator::publishable_key_for("127.0.0.1:8787"),
///     "pk_test_MTI3LjAuMC4xOjg3ODck"
/// );
/// ```
pub fn publishable_key_for(host_port: &str) -> String {
    format!("pk_test_{}", STANDARD.encode(format!("{host_port}$")))
}

/// Shared state behind every handler.
pub(crate) struct Inner {
    pub multi_session: bool,
    pub dev_browser: bool,
    pub allowed_origins: Vec<String>,
    /// The bound address: requests must name it (or loopback) as `Host`.
    pub addr: SocketAddr,
    /// Listening beyond loopback: any IP address may be the `Host`.
    pub public: bool,
    /// How long a request body may take to arrive.
    pub body_read_timeout: Duration,
    /// Session tokens' lifetime (`exp` − `iat`), in seconds.
    pub token_lifetime_secs: i64,
    /// `http://host:port`, also the `iss` of session tokens.
    pub base_url: String,
    pub keys: keys::Keys,
    store: Mutex<store::Store>,
    hooks: Mutex<hooks::HookState>,
}

impl Inner {
    /// The store; a panic elsewhere never makes it unusable.
    pub fn store(&self) -> MutexGuard<'_, store::Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn hooks(&self) -> MutexGuard<'_, hooks::HookState> {
        self.hooks.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

pub(crate) type AppState = Arc<Inner>;

fn validate_origin(origin: &str) -> Result<String, Error> {
    let trimmed = origin.trim().trim_end_matches('/');
    let rest = trimmed
        .strip_prefix("http://")
        .or_else(|| trimmed.strip_prefix("https://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains(['/', '?', '#', ' ']) => {
            Ok(trimmed.to_owned())
        }
        _ => Err(Error::InvalidOrigin(origin.to_owned())),
    }
}

/// The URL clients use for a listening address: an unspecified address
/// (0.0.0.0, ::) is reached through loopback.
fn base_url_for(addr: SocketAddr) -> String {
    let ip = if addr.ip().is_unspecified() {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    } else {
        addr.ip()
    };
    format!("http://{}", SocketAddr::new(ip, addr.port()))
}

/// Checks the users, the token lifetime and the origins; returns the
/// normalised origins.
fn check_config(config: &Config) -> Result<Vec<String>, Error> {
    validate_users(&config.users)?;
    let lifetime = config.token_lifetime;
    if lifetime < Duration::from_secs(1)
        || lifetime > MAX_TOKEN_LIFETIME
        || lifetime.subsec_nanos() != 0
    {
        return Err(Error::InvalidTokenLifetime(lifetime));
    }
    config
        .allowed_origins
        .iter()
        .map(|o| validate_origin(o))
        .collect()
}

/// The whole application: the FAPI and hook routes, every error (unknown
/// route, wrong method) Clerk-shaped, behind the front layer.
fn app(state: AppState) -> axum::Router {
    let routes = fapi::router()
        .merge(hooks::router())
        .merge(hosted::router())
        .method_not_allowed_fallback(fapi::method_not_allowed)
        .fallback(fapi::not_found)
        .with_state(state.clone());
    middleware::wrap(state, routes)
}

fn build_state(config: Config, addr: SocketAddr, keys: keys::Keys) -> Result<AppState, Error> {
    let base_url = base_url_for(addr);
    let allowed_origins = check_config(&config)?;
    Ok(Arc::new(Inner {
        multi_session: config.multi_session,
        dev_browser: config.dev_browser,
        allowed_origins,
        addr,
        public: config.public,
        body_read_timeout: config.limits.body_read_timeout,
        token_lifetime_secs: i64::try_from(config.token_lifetime.as_secs()).unwrap_or(i64::MAX),
        base_url,
        keys,
        store: Mutex::new(store::Store::new(&config)),
        hooks: Mutex::new(hooks::HookState::new(&config.limits)),
    }))
}

/// The emulator as an [`axum::Router`], without binding a socket (for
/// driving it with `tower::ServiceExt::oneshot`). Tokens name
/// `http://{config.addr}` as their issuer. Generates an RSA key, which takes
/// a moment: call it from a blocking context or once per test.
pub fn router(config: Config) -> Result<axum::Router, Error> {
    let addr = config.addr;
    let keys = keys::Keys::with_signer(keys::Signer::generate()?)?;
    let state = build_state(config, addr, keys)?;
    Ok(app(state))
}

/// A running emulator. Dropping it stops the server too (without waiting);
/// [`Running::shutdown`] stops it and waits.
#[derive(Debug)]
pub struct Running {
    addr: SocketAddr,
    base_url: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Running {
    /// The bound address (with the real port when port 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL, e.g. `http://127.0.0.1:8787` (FAPI lives under `/v1`).
    pub fn url(&self) -> String {
        self.base_url.clone()
    }

    /// The publishable key that points clerk-js at this emulator.
    pub fn publishable_key(&self) -> String {
        let host_port = self
            .base_url
            .strip_prefix("http://")
            .unwrap_or(&self.base_url);
        publishable_key_for(host_port)
    }

    /// Stops accepting connections, lets in-flight requests finish (for at
    /// most a few seconds) and returns once the server task has ended.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            // The server may already be gone; nothing to do then.
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take() {
            if tokio::time::timeout(SHUTDOWN_GRACE, &mut task)
                .await
                .is_err()
            {
                task.abort();
            }
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Binds `config.addr` and spawns the server on the current Tokio runtime.
///
/// Returns as soon as the socket is bound: the RSA signing key is generated
/// in the background, and the first request that needs it (a sign-in, a
/// token, the JWKS) waits for it. Fails on an unusable configuration (bad
/// origin, bad user list) or when the address cannot be bound.
pub async fn start(config: Config) -> Result<Running, Error> {
    check_config(&config)?;
    let requested = config.addr;
    let header_read_timeout = config.limits.header_read_timeout;
    if !config.public && !requested.ip().to_canonical().is_loopback() {
        return Err(Error::NotLoopback(requested));
    }
    let listener = tokio::net::TcpListener::bind(requested)
        .await
        .map_err(|source| Error::Bind {
            addr: requested,
            source,
        })?;
    let addr = listener.local_addr()?;
    let state = build_state(config, addr, keys::Keys::new()?)?;
    let base_url = state.base_url.clone();
    // Generate the RSA key in the background so startup stays fast; the
    // first token or JWKS request waits for it if it is not ready yet.
    let warm = Arc::clone(&state);
    tokio::spawn(async move {
        if let Err(e) = warm.keys.signer().await {
            eprintln!("clerk-emulator: {e}");
        }
    });
    let app = app(state);
    let (stop, stopped) = oneshot::channel::<()>();
    // A dropped sender (Running dropped) also means stop.
    let task = tokio::spawn(server::serve(listener, app, header_read_timeout, stopped));
    Ok(Running {
        addr,
        base_url,
        stop: Some(stop),
        task: Some(task),
    })
}

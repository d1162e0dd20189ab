//! Session tokens: the cache (by session and template), when a token is
//! reused and when it is refreshed, the retry policy, and
//! [`Clerk::get_token`]. The rules are plain functions of a token's claims
//! and the time, tested natively; the browser side (the refresh timer, focus
//! and visibility, cookies) is in `background.rs`.
//!
//! The rules follow clerk-js (`core/tokenCache.ts`,
//! `core/resources/Session.ts`): the cache is seeded from each session's
//! `last_active_token`, so a page load sends no token request; a token is
//! reused until 15 s before its `exp` and refreshed in the background 2 s
//! before that; concurrent calls share one request; network errors, 429 and
//! 5xx are retried, other 4xx are not. Tokens live here, outside the render
//! state: a refresh re-renders nothing.

use std::cell::RefCell;
use std::rc::Rc;

use futures_channel::oneshot;
#[cfg(not(target_arch = "wasm32"))]
use serde::Deserialize;

use crate::background::{self, Background};
use crate::clerk::{Boxed, Clerk, Inner};
use crate::error::ClerkError;
use crate::state::Action;

/// Options of [`Clerk::get_token`], as Clerk React's
/// `getToken({ template, skipCache })`.
///
/// ```
/// use yew_clerk::GetTokenOptions;
/// let cached = GetTokenOptions::new();
/// let fresh = GetTokenOptions::new().skip_cache(true);
/// let hasura = GetTokenOptions::new().template("hasura");
/// # let _ = (cached, fresh, hasura);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetTokenOptions {
    /// A JWT template's name: its token instead of the session token.
    pub template: Option<String>,
    /// Fetch a new token even if the cached one is still good.
    pub skip_cache: bool,
}

impl GetTokenOptions {
    /// The session token, from the cache while it is good.
    pub fn new() -> Self {
        Self::default()
    }

    /// The token of a JWT template instead.
    pub fn template(mut self, name: impl Into<String>) -> Self {
        self.template = Some(name.into());
        self
    }

    /// Fetch a new token even if the cached one is still good.
    pub fn skip_cache(mut self, skip: bool) -> Self {
        self.skip_cache = skip;
        self
    }
}

/// A token is reused until this long before its `exp` (clerk-js's
/// `BACKGROUND_REFRESH_THRESHOLD_IN_SECONDS`), so that it still verifies
/// when it reaches the backend; a quarter of the lifetime for tokens shorter
/// than a minute.
const LEEWAY_SECS: f64 = 15.0;
/// The background refresh starts this long before the leeway, so a new token
/// is there before the old one stops being handed out (clerk-js's lead).
const LEAD_SECS: f64 = 2.0;
/// Never sooner than this after arming: a token that is already due (an old
/// seed) is refreshed at once, but nothing can make the timer spin.
const MIN_REFRESH_DELAY_SECS: f64 = 1.0;
/// Retries after the first attempt, on network errors, 429 and 5xx.
pub(crate) const MAX_RETRIES: u32 = 3;
/// The first retry waits about this long; each next one twice as long.
const RETRY_BASE_MS: f64 = 500.0;
/// A focus touches the session at most this often (clerk-js: 5 s), and not
/// within this long of any answer from Clerk.
const TOUCH_QUIET_SECS: f64 = 5.0;
/// At most this many tokens are kept (sessions × templates).
const MAX_ENTRIES: usize = 32;

/// Which token: a session's, or one of its JWT templates'.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Key {
    pub session: String,
    pub template: Option<String>,
}

impl Key {
    /// The session token of `session`.
    pub(crate) fn session(session: &str) -> Self {
        Self {
            session: session.to_owned(),
            template: None,
        }
    }
}

/// The claims the cache reads, decoded without verifying: the server
/// verifies; the browser only needs to know when to ask again.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(not(target_arch = "wasm32"), derive(Deserialize))]
pub(crate) struct Claims {
    pub iat: i64,
    pub exp: i64,
    pub sid: Option<String>,
}

/// The payload part of a JWT (`header.payload.signature`).
fn payload(jwt: &str) -> Option<&str> {
    let mut parts = jwt.split('.');
    let (_, payload, _, None) = (parts.next()?, parts.next()?, parts.next()?, parts.next()) else {
        return None;
    };
    Some(payload)
}

/// A JWT's claims, or `None` when it is not a JWT with numeric `iat` and
/// `exp`. In the browser: its own `atob` and `JSON.parse`, which cost the
/// bundle nothing (a serde decoder for the claims measured 1 KB gzip);
/// natively, a base64url decoder and serde_json, against the same tests.
#[cfg(target_arch = "wasm32")]
pub(crate) fn claims(jwt: &str) -> Option<Claims> {
    let base64 = payload(jwt)?.replace('-', "+").replace('_', "/");
    let text = web_sys::window()?.atob(&base64).ok()?;
    let value = js_sys::JSON::parse(&text).ok()?;
    let get = |name: &str| js_sys::Reflect::get(&value, &name.into()).ok();
    let number = |name: &str| get(name)?.as_f64().filter(|n| n.fract() == 0.0);
    Some(Claims {
        iat: number("iat")? as i64,
        exp: number("exp")? as i64,
        sid: get("sid")?.as_string(),
    })
}

/// A JWT's claims (natively: tests), through the key's base64 decoder as
/// the browser's `atob` would read them.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn claims(jwt: &str) -> Option<Claims> {
    let base64 = payload(jwt)?.replace('-', "+").replace('_', "/");
    let text = String::from_utf8(crate::key::base64_decode(&base64)?).ok()?;
    serde_json::from_str(&text).ok()
}

/// How long before `exp` a token stops being handed out.
fn leeway(lifetime: f64) -> f64 {
    (lifetime / 4.0).min(LEEWAY_SECS)
}

/// How long before that the background refresh starts.
fn lead(lifetime: f64) -> f64 {
    (lifetime / 4.0).min(LEAD_SECS)
}

/// Milliseconds to wait before retry number `retry` (1, 2, 3): 500 ms,
/// 1 s, 2 s, each with ±50 % jitter from `random` (0 to 1), so tabs that
/// failed together do not retry together. The three waits add up to at most
/// 5.25 s.
pub(crate) fn retry_delay_ms(retry: u32, random: f64) -> u32 {
    let base = RETRY_BASE_MS * f64::from(1u32 << retry.clamp(1, MAX_RETRIES).saturating_sub(1));
    (base * (0.5 + random.clamp(0.0, 1.0))) as u32
}

struct Entry {
    key: Key,
    jwt: String,
    iat: i64,
    exp: i64,
    /// A background refresh of this token was started: one per token, so a
    /// failing server is not asked again and again.
    refresh_started: bool,
}

impl Entry {
    fn lifetime(&self) -> f64 {
        (self.exp - self.iat) as f64
    }
}

/// The tokens, with what the cache needs to judge them. Times are seconds;
/// `now` is the browser's clock.
#[derive(Default)]
pub(crate) struct TokenCache {
    entries: Vec<Entry>,
    /// The browser's clock minus the issuer's, learnt from the `iat` of a
    /// token this browser has just fetched (0 until then): a wrong clock in
    /// the browser neither hands out expired tokens nor refreshes in a loop.
    skew: f64,
}

impl TokenCache {
    fn find(&self, key: &Key) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == *key)
    }

    /// The token for `key`, if it is good for longer than the leeway.
    pub(crate) fn fresh(&self, key: &Key, now: f64) -> Option<&str> {
        let entry = self.find(key)?;
        let remaining = entry.exp as f64 - (now - self.skew);
        (remaining > leeway(entry.lifetime())).then_some(entry.jwt.as_str())
    }

    /// The newest token for `key`, fresh or not.
    pub(crate) fn latest(&self, key: &Key) -> Option<&str> {
        self.find(key).map(|e| e.jwt.as_str())
    }

    /// Keeps `jwt` for `key`. `fetched_at` is when this browser received it
    /// from the token endpoint (its `iat` then tells the issuer's clock);
    /// `None` for a token that came with a client. Refused, keeping what was
    /// there: a token whose claims cannot be read, that names another
    /// session, or that is older than the one kept.
    pub(crate) fn put(&mut self, key: Key, jwt: String, fetched_at: Option<f64>) -> bool {
        let Some(claims) = claims(&jwt) else {
            return false;
        };
        let other_session = claims.sid.as_deref().is_some_and(|sid| sid != key.session);
        if claims.exp <= claims.iat || other_session {
            return false;
        }
        if let Some(at) = fetched_at {
            self.skew = at - claims.iat as f64;
        }
        let entry = Entry {
            key,
            jwt,
            iat: claims.iat,
            exp: claims.exp,
            refresh_started: false,
        };
        match self.entries.iter_mut().find(|e| e.key == entry.key) {
            Some(old) if old.iat > entry.iat => return false,
            Some(old) => *old = entry,
            None => {
                if self.entries.len() >= MAX_ENTRIES {
                    self.entries.remove(0);
                }
                self.entries.push(entry);
            }
        }
        true
    }

    /// Forgets the tokens of sessions `keep` refuses.
    pub(crate) fn retain_sessions(&mut self, keep: impl Fn(&str) -> bool) {
        self.entries.retain(|e| keep(&e.key.session));
    }

    /// Milliseconds from `now` until `key`'s token should be refreshed in
    /// the background; `None` without a token, or once its refresh started.
    pub(crate) fn refresh_in_ms(&self, key: &Key, now: f64) -> Option<u32> {
        let entry = self.find(key).filter(|e| !e.refresh_started)?;
        let lifetime = entry.lifetime();
        let at = entry.exp as f64 - leeway(lifetime) - lead(lifetime);
        let secs = (at - (now - self.skew)).clamp(MIN_REFRESH_DELAY_SECS, lifetime);
        Some((secs * 1000.0) as u32)
    }

    /// Records that `key`'s background refresh started.
    pub(crate) fn refresh_started(&mut self, key: &Key) {
        if let Some(entry) = self.entries.iter_mut().find(|e| e.key == *key) {
            entry.refresh_started = true;
        }
    }
}

/// Told when the request in flight ends: `Ok` once its token is in the
/// cache. The sign-out's waiter type, so no second channel type ships.
type Waiter = oneshot::Sender<Result<(), ClerkError>>;

/// A token request on the wire, and the callers waiting for it.
struct InFlight {
    key: Key,
    ticket: u64,
    waiters: Vec<Waiter>,
}

/// Whether a caller sends the request or waits for one in flight.
pub(crate) enum Turn {
    /// Send it; hand [`TokenState::finish`] this ticket.
    Lead(u64),
    /// Wait for the request in flight, then read the cache.
    Join(oneshot::Receiver<Result<(), ClerkError>>),
}

/// Everything about tokens that is not the browser's: the cache, which
/// session is current, the requests in flight. Plain Rust, tested natively.
#[derive(Default)]
pub(crate) struct TokenState {
    pub(crate) cache: TokenCache,
    /// The current session, as the state has it: `None` while (re-)loading,
    /// after a failed load, and when signed out.
    current: Option<String>,
    /// A sign-out is in flight: no token is handed out or fetched until it
    /// fails (the session lives on) or the new client says who is left.
    signing_out: bool,
    /// The client's `updated_at` (milliseconds), for `__client_uat`.
    updated_at: Option<i64>,
    inflight: Vec<InFlight>,
    next_ticket: u64,
    /// Bumped when everything is revoked (a sign-out starts): an answer to
    /// a request sent before is not believed.
    generation: u64,
    /// The last answer from Clerk or touch, for the focus touch's throttle.
    last_answer: f64,
}

impl TokenState {
    /// The current session's id; `None` while a sign-out is in flight.
    pub(crate) fn current(&self) -> Option<&str> {
        self.current.as_deref().filter(|_| !self.signing_out)
    }

    /// The current session's newest token, for the `__session` cookie.
    pub(crate) fn current_token(&self) -> Option<&str> {
        self.cache.latest(&Key::session(self.current.as_deref()?))
    }

    /// `__client_uat`: the client's `updated_at` in seconds while signed in,
    /// `0` otherwise, as clerk-js writes it.
    pub(crate) fn client_uat(&self) -> i64 {
        match (&self.current, self.updated_at) {
            (Some(_), Some(ms)) => ms / 1000,
            _ => 0,
        }
    }

    /// Milliseconds until the current session token's background refresh.
    pub(crate) fn refresh_in_ms(&self, now: f64) -> Option<u32> {
        let key = Key::session(self.current.as_deref()?);
        self.cache.refresh_in_ms(&key, now)
    }

    /// Counts for a touch's answer: changes when everything was revoked.
    pub(crate) fn generation(&self) -> u64 {
        self.generation
    }

    /// Follows a state change before the reducer sees it: the current
    /// session. Each signed-in session's `last_active_token` is taken out
    /// of the client into the cache, so no token reaches the render state;
    /// the tokens of sessions no longer signed in are forgotten, and
    /// requests for them answer nothing.
    pub(crate) fn observe(&mut self, action: &mut Action, now: f64) {
        let client = match action {
            Action::LoadStarted | Action::LoadFailed(_) => {
                self.current = None;
                return;
            }
            Action::Loaded(client)
            | Action::ClientChanged(client)
            | Action::SignOutSucceeded { client, .. } => client,
            Action::SignOutStarted => {
                self.signing_out = true;
                return;
            }
            Action::SignOutFailed(_) => {
                self.signing_out = false;
                return;
            }
            // Who counts as signed in for rendering; the client is the same.
            Action::TreatPendingAsSignedOut(_) => return,
        };
        self.signing_out = false;
        self.last_answer = now;
        let Some(client) = client else {
            self.current = None;
            self.revoke();
            return;
        };
        let signed_in = |id: &str| client.signed_in_sessions().any(|s| s.id == id);
        self.revoke_where(|session| !signed_in(session));
        self.current = client.current_session().map(|s| s.id.clone());
        self.updated_at = client.updated_at;
        for session in &mut client.sessions {
            let token = session.last_active_token.take();
            if let (Some(token), true) = (token, session.is_signed_in()) {
                self.cache.put(Key::session(&session.id), token.jwt, None);
            }
        }
    }

    /// Forgets every token; requests in flight answer
    /// [`ClerkError::NoActiveSession`] to every caller.
    pub(crate) fn revoke(&mut self) {
        self.generation += 1;
        self.revoke_where(|_| true);
    }

    /// Forgets the tokens of the sessions `gone` picks, failing their
    /// requests in flight.
    fn revoke_where(&mut self, gone: impl Fn(&str) -> bool) {
        self.cache.retain_sessions(|session| !gone(session));
        let mut i = 0;
        while i < self.inflight.len() {
            if gone(&self.inflight[i].key.session) {
                for waiter in self.inflight.swap_remove(i).waiters {
                    let _ = waiter.send(Err(ClerkError::NoActiveSession));
                }
            } else {
                i += 1;
            }
        }
    }

    /// Joins the request in flight for `key`, or leads a new one.
    pub(crate) fn begin(&mut self, key: &Key) -> Turn {
        if let Some(flight) = self.inflight.iter_mut().find(|f| f.key == *key) {
            let (tx, rx) = oneshot::channel();
            flight.waiters.push(tx);
            return Turn::Join(rx);
        }
        self.next_ticket += 1;
        self.inflight.push(InFlight {
            key: key.clone(),
            ticket: self.next_ticket,
            waiters: Vec::new(),
        });
        Turn::Lead(self.next_ticket)
    }

    /// False once the request was revoked (its session ended, a sign-out
    /// started): stop retrying.
    pub(crate) fn is_live(&self, ticket: u64) -> bool {
        self.inflight.iter().any(|f| f.ticket == ticket)
    }

    /// Ends a request: its token goes into the cache and the waiters are
    /// told. A revoked request's token is dropped, and the caller gets
    /// [`ClerkError::NoActiveSession`] as the waiters did; a token whose
    /// claims cannot be read is an error for all.
    pub(crate) fn finish(
        &mut self,
        ticket: u64,
        result: Result<String, ClerkError>,
        now: f64,
    ) -> Result<String, ClerkError> {
        let Some(index) = self.inflight.iter().position(|f| f.ticket == ticket) else {
            return Err(ClerkError::NoActiveSession);
        };
        let flight = self.inflight.swap_remove(index);
        let result = result.and_then(|jwt| {
            if self.cache.put(flight.key, jwt.clone(), Some(now)) {
                Ok(jwt)
            } else {
                Err(ClerkError::Decode(
                    "a token without readable iat and exp".into(),
                ))
            }
        });
        for waiter in flight.waiters {
            let _ = waiter.send(result.clone().map(drop));
        }
        result
    }

    /// The session to touch when the tab regains focus: the current one,
    /// unless Clerk answered or a touch went out within the last 5 s.
    pub(crate) fn touch_due(&mut self, now: f64) -> Option<String> {
        if now - self.last_answer < TOUCH_QUIET_SECS {
            return None;
        }
        self.last_answer = now;
        self.current().map(str::to_owned)
    }
}

/// The provider's token side: the state, and its browser half.
#[derive(Default)]
pub(crate) struct Tokens {
    pub(crate) state: RefCell<TokenState>,
    pub(crate) background: RefCell<Background>,
}

impl Inner {
    /// [`Clerk::get_token`]'s work. Boxed here, so the request, retry and
    /// cache code ships once for every caller (the app, the refresh timer).
    #[inline(never)]
    pub(crate) fn token(&self, options: GetTokenOptions) -> Boxed<'_, Result<String, ClerkError>> {
        Box::pin(async move {
            let (key, turn) = {
                let mut state = self.tokens.state.borrow_mut();
                let session = state.current().ok_or(ClerkError::NoActiveSession)?;
                let key = Key {
                    session: session.to_owned(),
                    template: options.template,
                };
                if !options.skip_cache {
                    if let Some(jwt) = state.cache.fresh(&key, background::now()) {
                        return Ok(jwt.to_owned());
                    }
                }
                let turn = state.begin(&key);
                (key, turn)
            };
            let ticket = match turn {
                Turn::Join(rx) => {
                    rx.await.unwrap_or(Err(ClerkError::NoActiveSession))?;
                    let state = self.tokens.state.borrow();
                    let jwt = state.cache.latest(&key).ok_or(ClerkError::NoActiveSession);
                    return jwt.map(str::to_owned);
                }
                Turn::Lead(ticket) => ticket,
            };
            let fetched = self.fetch_token(&key, ticket).await;
            let result =
                (self.tokens.state.borrow_mut()).finish(ticket, fetched, background::now());
            self.sync_tokens();
            match &result {
                // Not retried: Clerk says the session is gone. A fresh
                // client decides, as clerk-js's `handleUnauthenticated` does.
                Err(e) if e.is_session_gone() => self.recheck_client().await,
                _ => {}
            }
            result
        })
    }

    /// The token request, retried on network errors, 429 and 5xx.
    async fn fetch_token(&self, key: &Key, ticket: u64) -> Result<String, ClerkError> {
        let api = self.api()?;
        let mut retries = 0;
        loop {
            let result = api
                .session_token(&key.session, key.template.as_deref())
                .await;
            match result {
                Err(e)
                    if e.is_retryable()
                        && retries < MAX_RETRIES
                        && self.tokens.state.borrow().is_live(ticket) =>
                {
                    retries += 1;
                    background::sleep(retry_delay_ms(retries, background::random())).await;
                }
                result => return result,
            }
        }
    }

    /// Believes a fresh client after Clerk said a session is gone.
    async fn recheck_client(&self) {
        let Ok(api) = self.api() else { return };
        match api.client().await {
            Ok(client) => self.dispatch(Action::ClientChanged(client)),
            Err(e) if e.is_session_gone() => self.dispatch(Action::ClientChanged(None)),
            Err(_) => {}
        }
    }

    /// Forgets every token as a sign-out starts (clerk-js clears its whole
    /// cache), with the `__session` cookie and the refresh timer.
    pub(crate) fn revoke_tokens(&self) {
        self.tokens.state.borrow_mut().revoke();
        self.sync_tokens();
    }

    /// The background refresh, when its timer fires in a visible tab: once
    /// per token, so a failing server is not asked again and again.
    pub(crate) fn refresh_token(&self) -> Option<Boxed<'_, Result<String, ClerkError>>> {
        {
            let mut state = self.tokens.state.borrow_mut();
            let key = Key::session(state.current()?);
            state.cache.refresh_started(&key);
        }
        Some(self.token(GetTokenOptions::new().skip_cache(true)))
    }

    /// Touches the current session when the tab regains focus (clerk-js
    /// does, at most every 5 s): its answer carries a fresh client, and with
    /// it a fresh token.
    #[inline(never)]
    pub(crate) fn touch(&self) -> Boxed<'_, ()> {
        Box::pin(async move {
            let (session, generation) = {
                let mut state = self.tokens.state.borrow_mut();
                let Some(session) = state.touch_due(background::now()) else {
                    return;
                };
                (session, state.generation())
            };
            let Ok(api) = self.api() else { return };
            match api.session_action(&session, "touch").await {
                // An answer sent before a sign-out started must not bring
                // the session back.
                Ok(client) if self.tokens.state.borrow().generation() == generation => {
                    self.dispatch(Action::ClientChanged(client))
                }
                Err(e) if e.is_session_gone() => self.recheck_client().await,
                _ => {}
            }
        })
    }

    /// Brings the browser in line with the token state: the cookies (with
    /// `session_cookie`) and the refresh timer.
    pub(crate) fn sync_tokens(&self) {
        let state = self.tokens.state.borrow();
        let mut background = self.tokens.background.borrow_mut();
        if self.settings.session_cookie {
            background::write_cookies(state.current_token(), state.client_uat());
        }
        background.arm(state.refresh_in_ms(background::now()));
    }

    /// Starts the token side's listeners; they and the timer hold the
    /// provider's `Inner` weakly.
    pub(crate) fn listen_for_tokens(self: &Rc<Self>) {
        let mut background = self.tokens.background.borrow_mut();
        background.owner = Rc::downgrade(self);
        background.listen();
    }
}

impl Clerk {
    /// A session token (JWT) for the current session, to send to your
    /// backend as `Authorization: Bearer <token>`, as Clerk React's
    /// `getToken()`.
    ///
    /// The token comes from the cache while it has more than 15 s left (a
    /// page load seeds it from the client, so usually no request is sent),
    /// else from `POST /v1/client/sessions/{id}/tokens` (`/tokens/{template}`
    /// for a template). Concurrent calls share one request. Network errors,
    /// 429 and 5xx are retried three times, after about 0.5, 1 and 2 s (with
    /// jitter: at most 5.25 s of waiting, plus each attempt's
    /// `request_timeout_ms`). A 401 or 404 is not retried; when Clerk says
    /// the session is gone and a fresh client agrees, the state becomes
    /// signed out.
    ///
    /// Without a current session (signed out, loading, or after a sign-out,
    /// even through a handle from before it) it returns
    /// [`ClerkError::NoActiveSession`] and sends nothing.
    ///
    /// ```no_run
    /// use yew_clerk::{Clerk, ClerkError, GetTokenOptions};
    ///
    /// async fn call_api(clerk: &Clerk) -> Result<(), ClerkError> {
    ///     let token = clerk.get_token(GetTokenOptions::new()).await?;
    ///     let _header = format!("Bearer {token}");
    ///     Ok(())
    /// }
    /// ```
    pub async fn get_token(&self, options: GetTokenOptions) -> Result<String, ClerkError> {
        self.inner.token(options).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Client;

    /// A JWT with these claims; header and signature are not read.
    fn jwt(claims: &str) -> String {
        format!("eyJhbGciOiJSUzI1NiJ9.{}.c2ln", encode(claims.as_bytes()))
    }

    fn encode(bytes: &[u8]) -> String {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk.iter().fold(0u32, |acc, b| acc << 8 | u32::from(*b))
                << (8 * (3 - chunk.len()));
            for i in 0..=chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            }
        }
        out
    }

    fn token(sid: &str, iat: i64, exp: i64) -> String {
        jwt(&format!(
            r#"{{"sid":"{sid}","iat":{iat},"exp":{exp},"sub":"user_1"}}"#
        ))
    }

    #[test]
    fn reads_claims_without_verifying() {
        let claims = claims(&token("sess_1", 100, 160)).unwrap();
        assert_eq!(
            claims,
            Claims {
                iat: 100,
                exp: 160,
                sid: Some("sess_1".into())
            }
        );
        for bad in [
            "",
            "a.b",
            "a.b.c.d",
            "x.@@@.y",
            "x.e30=.y",                                      // {} : no claims
            &jwt("[]"),                                      // not an object
            &jwt(r#"{"iat": 1}"#),                           // no exp
            &jwt(r#"{"iat": "1", "exp": 2}"#),               // wrong type
            &format!("x.{}.y", encode(&[0xff, 0xfe, 0x7b])), // not UTF-8
        ] {
            assert_eq!(super::claims(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_token_is_reused_until_15_s_before_exp() {
        let mut cache = TokenCache::default();
        let key = Key::session("sess_1");
        assert!(cache.put(key.clone(), token("sess_1", 1000, 1060), None));
        assert!(cache.fresh(&key, 1000.0).is_some());
        assert!(cache.fresh(&key, 1044.9).is_some());
        assert_eq!(cache.fresh(&key, 1045.0), None);
        assert_eq!(cache.fresh(&Key::session("sess_2"), 1000.0), None);
        assert_eq!(
            cache.latest(&key),
            Some(token("sess_1", 1000, 1060).as_str())
        );
        // A short-lived token (tests use 5 s): a quarter of its life.
        let short = Key::session("sess_2");
        assert!(cache.put(short.clone(), token("sess_2", 1000, 1005), None));
        assert!(cache.fresh(&short, 1003.7).is_some());
        assert_eq!(cache.fresh(&short, 1003.75), None);
    }

    #[test]
    fn refresh_comes_2_s_before_the_leeway_once_per_token() {
        let mut cache = TokenCache::default();
        let key = Key::session("sess_1");
        cache.put(key.clone(), token("sess_1", 1000, 1060), None);
        assert_eq!(cache.refresh_in_ms(&key, 1000.0), Some(43_000));
        assert_eq!(cache.refresh_in_ms(&key, 1040.0), Some(3_000));
        // Overdue (an old seed, a sleeping laptop): soon, never at once.
        assert_eq!(cache.refresh_in_ms(&key, 1100.0), Some(1_000));
        cache.refresh_started(&key);
        assert_eq!(cache.refresh_in_ms(&key, 1000.0), None);
        // A new token, a new refresh.
        cache.put(key.clone(), token("sess_1", 1050, 1110), Some(1050.0));
        assert_eq!(cache.refresh_in_ms(&key, 1050.0), Some(43_000));
        let short = Key::session("sess_2");
        cache.put(short.clone(), token("sess_2", 1000, 1005), None);
        assert_eq!(cache.refresh_in_ms(&short, 1000.0), Some(2_500));
    }

    #[test]
    fn a_wrong_browser_clock_is_corrected_by_fetched_tokens() {
        let mut cache = TokenCache::default();
        let key = Key::session("sess_1");
        // The browser is 10 minutes ahead: the seed looks expired ...
        cache.put(key.clone(), token("sess_1", 1000, 1060), None);
        assert_eq!(cache.fresh(&key, 1600.0), None);
        // ... until a fetched token tells the issuer's time.
        cache.put(key.clone(), token("sess_1", 1001, 1061), Some(1601.0));
        assert!(cache.fresh(&key, 1601.0).is_some());
        assert_eq!(cache.refresh_in_ms(&key, 1601.0), Some(43_000));
        assert_eq!(cache.fresh(&key, 1646.0), None);
    }

    #[test]
    fn refuses_unreadable_foreign_and_older_tokens() {
        let mut cache = TokenCache::default();
        let key = Key::session("sess_1");
        assert!(!cache.put(key.clone(), "not-a-jwt".into(), None));
        assert!(!cache.put(key.clone(), token("sess_2", 1000, 1060), None));
        assert!(!cache.put(key.clone(), token("sess_1", 1000, 1000), None));
        assert!(cache.put(key.clone(), token("sess_1", 1010, 1070), None));
        assert!(!cache.put(key.clone(), token("sess_1", 1000, 1060), None));
        assert_eq!(
            cache.latest(&key),
            Some(token("sess_1", 1010, 1070).as_str())
        );
        // Template tokens need not name the session.
        let template = Key {
            session: "sess_1".into(),
            template: Some("hasura".into()),
        };
        assert!(cache.put(template.clone(), jwt(r#"{"iat":1000,"exp":1060}"#), None));
        assert!(cache.fresh(&template, 1000.0).is_some());
        assert!(cache.fresh(&key, 1000.0).is_some(), "kept apart");
    }

    #[test]
    fn the_cache_is_bounded() {
        let mut cache = TokenCache::default();
        for i in 0..100 {
            let key = Key {
                session: "sess_1".into(),
                template: Some(format!("t{i}")),
            };
            cache.put(key, jwt(r#"{"iat":1000,"exp":1060}"#), None);
        }
        assert_eq!(cache.entries.len(), MAX_ENTRIES);
    }

    #[test]
    fn retries_back_off_with_jitter_within_the_bound() {
        assert_eq!(retry_delay_ms(1, 0.5), 500);
        assert_eq!(retry_delay_ms(2, 0.5), 1000);
        assert_eq!(retry_delay_ms(3, 0.5), 2000);
        assert_eq!(retry_delay_ms(1, 0.0), 250);
        assert_eq!(retry_delay_ms(3, 1.0), 3000);
        let worst: u32 = (1..=MAX_RETRIES).map(|r| retry_delay_ms(r, 1.0)).sum();
        assert_eq!(worst, 5250);
        assert_eq!(retry_delay_ms(99, 2.0), 3000, "clamped");
    }

    fn client(json: &str) -> Client {
        crate::api::client_from_json(json)
    }

    /// A client with the given signed-in sessions, the last one current,
    /// each with a token.
    fn signed_in(sessions: &[&str], iat: i64) -> Client {
        let list: Vec<String> = sessions
            .iter()
            .map(|id| {
                format!(
                    r#"{{"id":"{id}","status":"active","last_active_token":{{"object":"token","jwt":"{}"}}}}"#,
                    token(id, iat, iat + 60)
                )
            })
            .collect();
        client(&format!(
            r#"{{"id":"client_1","updated_at":1700000000123,"last_active_session_id":{},"sessions":[{}]}}"#,
            sessions
                .last()
                .map_or("null".into(), |s| format!("\"{s}\"")),
            list.join(",")
        ))
    }

    #[test]
    fn a_client_seeds_the_cache_and_keeps_tokens_out_of_the_state() {
        let mut state = TokenState::default();
        let mut action = Action::Loaded(Some(signed_in(&["sess_1"], 1000)));
        state.observe(&mut action, 1000.0);
        let Action::Loaded(Some(client)) = &action else {
            unreachable!()
        };
        assert!(client.sessions[0].last_active_token.is_none(), "taken out");
        assert_eq!(state.current(), Some("sess_1"));
        assert_eq!(
            state.current_token(),
            Some(token("sess_1", 1000, 1060).as_str())
        );
        assert_eq!(state.client_uat(), 1_700_000_000);
        assert!(state.cache.fresh(&Key::session("sess_1"), 1001.0).is_some());

        // Re-validating: nothing is current, the cache stays.
        state.observe(&mut Action::LoadStarted, 1002.0);
        assert_eq!(state.current(), None);
        assert_eq!(state.client_uat(), 0);
        assert!(state.cache.latest(&Key::session("sess_1")).is_some());
    }

    #[test]
    fn sessions_that_end_lose_their_tokens_and_requests() {
        let mut state = TokenState::default();
        state.observe(
            &mut Action::Loaded(Some(signed_in(&["sess_1", "sess_2"], 1000))),
            1000.0,
        );
        let one = Key::session("sess_1");
        let Turn::Lead(ticket) = state.begin(&one) else {
            panic!("leads")
        };
        let Turn::Join(mut waiter) = state.begin(&one) else {
            panic!("joins")
        };
        assert!(matches!(
            state.begin(&Key::session("sess_2")),
            Turn::Lead(_)
        ));

        // sess_1 ends elsewhere; sess_2 stays.
        state.observe(
            &mut Action::ClientChanged(Some(signed_in(&["sess_2"], 1001))),
            1001.0,
        );
        assert_eq!(state.cache.latest(&one), None);
        assert!(state.cache.latest(&Key::session("sess_2")).is_some());
        assert!(!state.is_live(ticket));
        assert_eq!(
            waiter.try_recv().unwrap(),
            Some(Err(ClerkError::NoActiveSession))
        );
        // The answer that comes back anyway is not handed out nor kept.
        let late = state.finish(ticket, Ok(token("sess_1", 1001, 1061)), 1001.0);
        assert_eq!(late, Err(ClerkError::NoActiveSession));
        assert_eq!(state.cache.latest(&one), None);

        // Signed out: nothing current, nothing kept, `__client_uat` 0.
        let mut out = Action::SignOutSucceeded {
            client: Some(client(
                r#"{"id":"client_1","last_active_session_id":null,"sessions":[]}"#,
            )),
            navigating: false,
        };
        state.observe(&mut out, 1002.0);
        assert_eq!((state.current(), state.current_token()), (None, None));
        assert_eq!(state.client_uat(), 0);
        assert_eq!(state.cache.entries.len(), 0);
    }

    #[test]
    fn one_request_is_shared_and_its_token_kept() {
        let mut state = TokenState::default();
        state.observe(
            &mut Action::Loaded(Some(signed_in(&["sess_1"], 1000))),
            1000.0,
        );
        let key = Key::session("sess_1");
        let Turn::Lead(ticket) = state.begin(&key) else {
            panic!()
        };
        let Turn::Join(mut a) = state.begin(&key) else {
            panic!()
        };
        let Turn::Join(mut b) = state.begin(&key) else {
            panic!()
        };
        let fresh = token("sess_1", 1030, 1090);
        assert_eq!(
            state.finish(ticket, Ok(fresh.clone()), 1030.0),
            Ok(fresh.clone())
        );
        assert_eq!(a.try_recv().unwrap(), Some(Ok(())), "then reads the cache");
        assert_eq!(b.try_recv().unwrap(), Some(Ok(())));
        assert_eq!(state.current_token(), Some(fresh.as_str()));
        // Errors are shared too, and nothing is kept.
        let Turn::Lead(ticket) = state.begin(&key) else {
            panic!()
        };
        let Turn::Join(mut c) = state.begin(&key) else {
            panic!()
        };
        let error = ClerkError::Network("offline".into());
        assert_eq!(
            state.finish(ticket, Err(error.clone()), 1031.0),
            Err(error.clone())
        );
        assert_eq!(c.try_recv().unwrap(), Some(Err(error)));
        assert_eq!(state.current_token(), Some(fresh.as_str()));
        // A token whose claims cannot be read is an error for everyone.
        let Turn::Lead(ticket) = state.begin(&key) else {
            panic!()
        };
        let Turn::Join(mut d) = state.begin(&key) else {
            panic!()
        };
        let unreadable = state.finish(ticket, Ok("not.a.jwt".into()), 1032.0);
        assert!(
            matches!(unreadable, Err(ClerkError::Decode(_))),
            "{unreadable:?}"
        );
        assert!(matches!(
            d.try_recv().unwrap(),
            Some(Err(ClerkError::Decode(_)))
        ));
        assert_eq!(state.current_token(), Some(fresh.as_str()));
    }

    #[test]
    fn revoking_everything_fails_requests_and_bumps_the_generation() {
        let mut state = TokenState::default();
        state.observe(
            &mut Action::Loaded(Some(signed_in(&["sess_1"], 1000))),
            1000.0,
        );
        let generation = state.generation();
        let Turn::Lead(ticket) = state.begin(&Key::session("sess_1")) else {
            panic!()
        };
        state.revoke();
        assert_ne!(state.generation(), generation);
        assert_eq!(state.current_token(), None);
        assert_eq!(
            state.finish(ticket, Ok(token("sess_1", 1001, 1061)), 1001.0),
            Err(ClerkError::NoActiveSession)
        );
        // Still signed in (the sign-out may fail): a new request is kept.
        assert_eq!(state.current(), Some("sess_1"));
        let Turn::Lead(ticket) = state.begin(&Key::session("sess_1")) else {
            panic!()
        };
        assert!(state
            .finish(ticket, Ok(token("sess_1", 1002, 1062)), 1002.0)
            .is_ok());
        assert!(state.current_token().is_some());
    }

    #[test]
    fn nothing_is_handed_out_while_a_sign_out_is_in_flight() {
        let mut state = TokenState::default();
        state.observe(
            &mut Action::Loaded(Some(signed_in(&["sess_1"], 1000))),
            1000.0,
        );
        state.observe(&mut Action::SignOutStarted, 1001.0);
        state.revoke();
        assert_eq!(state.current(), None, "get_token answers NoActiveSession");
        assert_eq!(state.touch_due(1010.0), None, "and no focus touch");
        // It failed: the session lives on, and tokens may be fetched again.
        let error = ClerkError::Network("offline".into());
        state.observe(&mut Action::SignOutFailed(error), 1002.0);
        assert_eq!(state.current(), Some("sess_1"));
        // It succeeded: the new client has nobody signed in.
        state.observe(&mut Action::SignOutStarted, 1003.0);
        let mut done = Action::SignOutSucceeded {
            client: Some(signed_in(&[], 1004)),
            navigating: false,
        };
        state.observe(&mut done, 1004.0);
        assert_eq!(state.current(), None);
        assert_eq!(state.client_uat(), 0);
    }

    #[test]
    fn focus_touches_at_most_every_5_s() {
        let mut state = TokenState::default();
        assert_eq!(state.touch_due(1000.0), None, "signed out");
        state.observe(
            &mut Action::Loaded(Some(signed_in(&["sess_1"], 1000))),
            1000.0,
        );
        assert_eq!(state.touch_due(1004.0), None, "just loaded");
        assert_eq!(state.touch_due(1005.0).as_deref(), Some("sess_1"));
        assert_eq!(state.touch_due(1009.0), None);
        assert_eq!(state.touch_due(1010.0).as_deref(), Some("sess_1"));
    }
}

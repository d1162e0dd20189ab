//! In-memory state: users, clients, sessions, sign-ins and dev browsers,
//! and every rule that changes them (what a sign-in needs, which status a
//! session may move to), so that each FAPI handler and hosted page is one
//! call here. Sign-in attempts and their factors live in [`sign_ins`].

use std::collections::{HashMap, VecDeque};

use crate::api_error::ApiError;
use crate::factors::outbox::Outbox;
use crate::factors::totp;
use crate::ids::{new_id, now_ms};
use crate::Config;

mod sign_ins;
mod sign_ups;

pub(crate) use sign_ins::{
    AttemptParams, Device, PasswordAttempt, PrepareParams, SignInRec, SignInStatus, SignInStep,
};
pub(crate) use sign_ups::{SignUpParams, SignUpRec, MIN_PASSWORD_LENGTH};

/// How long a session lives, as Clerk's defaults (7 days / 30 days).
const SESSION_EXPIRE_MS: i64 = 7 * 24 * 3600 * 1000;
const SESSION_ABANDON_MS: i64 = 30 * 24 * 3600 * 1000;

#[derive(Debug, Clone)]
pub(crate) struct UserRec {
    pub id: String,
    pub email_id: String,
    pub email: String,
    pub password: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub created_at: i64,
    pub last_sign_in_at: Option<i64>,
    /// The decoded TOTP secret of a user with an authenticator app.
    pub totp_secret: Option<Vec<u8>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SessionStatus {
    Active,
    /// Signed in, with tasks left (such as choosing an organization):
    /// clerk-js counts it as signed out unless the app opts in.
    Pending,
    Ended,
    Removed,
}

impl SessionStatus {
    /// Active or pending: the session stands, gets tokens and may be
    /// touched, ended or removed.
    pub fn is_live(self) -> bool {
        matches!(self, SessionStatus::Active | SessionStatus::Pending)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SessionStatus::Active => "active",
            SessionStatus::Pending => "pending",
            SessionStatus::Ended => "ended",
            SessionStatus::Removed => "removed",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct SessionRec {
    pub id: String,
    pub client_id: String,
    pub user_id: String,
    pub status: SessionStatus,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_active_at: i64,
    pub expire_at: i64,
    pub abandon_at: i64,
    /// When the first factor was verified, for `factor_verification_age`
    /// and the `fva` claim.
    pub first_factor_at: i64,
    /// When a second factor was verified (a TOTP or Client Trust code).
    pub second_factor_at: Option<i64>,
    pub last_active_token: Option<RecordedToken>,
    /// The keys of a pending session's tasks (`choose-organization`...).
    pub tasks: Vec<String>,
    /// Creation order, for `/__emulator/sessions`.
    seq: u64,
    /// When it stopped being active (then it is pruned in time).
    closed_at: Option<i64>,
}

/// The last session token minted for a session.
#[derive(Debug, Clone)]
pub(crate) struct RecordedToken {
    pub jwt: String,
    /// Its `exp` claim (seconds since the epoch, real time).
    pub exp: i64,
}

/// Whom a session token is for, and the session's claims.
#[derive(Debug, Clone)]
pub(crate) struct TokenSubject {
    pub session_id: String,
    pub user_id: String,
    /// Minutes since the first and the second factor were verified (-1:
    /// never), for the `fva` claim.
    pub fva: [i64; 2],
    /// The session's status, for the `sts` claim.
    pub status: &'static str,
}

#[derive(Debug, Clone)]
pub(crate) struct ClientRec {
    pub id: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_active_session_id: Option<String>,
    /// Its sessions in creation order (pruned ones may linger until the
    /// next sign-in; lookups skip them).
    session_ids: Vec<String>,
    /// The dev browser bound to it, if any.
    dev_browser: Option<String>,
    /// When it was last used, on the store's clock, for eviction.
    last_used: u64,
    /// The secret half of its `__client` cookie. It changes whenever a
    /// session of the client starts or ends, so a cookie planted before a
    /// sign-in (session fixation) or kept after a sign-out names nothing.
    rotating_token: String,
    /// The sign-in in progress (`client.sign_in`), until it completes or a
    /// newer one replaces it.
    pub sign_in_id: Option<String>,
    /// The sign-up in progress (`client.sign_up`), until it completes.
    pub sign_up_id: Option<String>,
}

/// What a `__client` cookie's client id and token name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CookieClient {
    /// The client, and the cookie is its current one.
    Current,
    /// The client, but an older cookie: since rotated away.
    Superseded,
    /// No such client (deleted, evicted or reset).
    Gone,
}

#[derive(Debug)]
pub(crate) struct Store {
    users: Vec<UserRec>,
    clients: HashMap<String, ClientRec>,
    /// Every active session, and the closed (ended or removed) ones until
    /// they are pruned: they stay a while for `/__emulator/sessions`.
    sessions: HashMap<String, SessionRec>,
    /// Closed sessions, oldest closing first, with when they closed.
    closed: VecDeque<(i64, String)>,
    /// Dev browser id -> the client bound to it.
    dev_browsers: HashMap<String, String>,
    /// Sign-in attempts by id, and their ids oldest first (for the cap).
    sign_ins: HashMap<String, SignInRec>,
    sign_in_order: VecDeque<String>,
    /// Sign-up attempts by id, and their ids oldest first (for the cap).
    sign_ups: HashMap<String, SignUpRec>,
    sign_up_order: VecDeque<String>,
    /// Devices (a client, or a dev browser) and users that completed Client
    /// Trust's code step together, oldest first.
    trusted: VecDeque<(String, String)>,
    /// Codes sent.
    pub outbox: Outbox,
    /// New browsers confirm a password sign-in with an e-mail code.
    client_trust: bool,
    /// A counter: creation order of sessions, last use of clients.
    clock: u64,
    /// Added to the system time: tests move the emulator's clock forward
    /// (code expiry, abandoned sign-ins) without waiting.
    clock_offset_ms: i64,
    max_clients: usize,
    max_closed_sessions: usize,
    closed_retention_ms: i64,
}

impl Store {
    pub fn new(config: &Config) -> Self {
        let limits = &config.limits;
        let now = now_ms();
        Self {
            clients: HashMap::new(),
            sessions: HashMap::new(),
            closed: VecDeque::new(),
            dev_browsers: HashMap::new(),
            sign_ins: HashMap::new(),
            sign_in_order: VecDeque::new(),
            sign_ups: HashMap::new(),
            sign_up_order: VecDeque::new(),
            trusted: VecDeque::new(),
            outbox: Outbox::new(config.print_codes),
            client_trust: config.client_trust,
            clock: 0,
            clock_offset_ms: 0,
            max_clients: limits.clients.max(1),
            max_closed_sessions: limits.closed_sessions,
            closed_retention_ms: i64::try_from(limits.closed_session_retention.as_millis())
                .unwrap_or(i64::MAX),
            users: config
                .users
                .iter()
                .map(|u| UserRec {
                    id: new_id("user"),
                    email_id: new_id("idn"),
                    email: u.email.trim().to_owned(),
                    password: u.password.clone(),
                    first_name: u.first_name.clone(),
                    last_name: u.last_name.clone(),
                    created_at: now,
                    last_sign_in_at: None,
                    totp_secret: u.totp_secret.as_deref().and_then(totp::decode_base32),
                })
                .collect(),
        }
    }

    /// Drops clients, sessions, sign-ins, trusted devices, dev-browser
    /// bindings and sent codes, and puts the clock back; keeps users.
    pub fn reset(&mut self) {
        self.clients.clear();
        self.sessions.clear();
        self.closed.clear();
        self.dev_browsers.clear();
        self.sign_ins.clear();
        self.sign_in_order.clear();
        self.sign_ups.clear();
        self.sign_up_order.clear();
        self.trusted.clear();
        self.outbox.clear();
        self.clock_offset_ms = 0;
    }

    /// The emulator's time in milliseconds: the system's, plus what tests
    /// moved the clock by.
    pub fn now(&self) -> i64 {
        now_ms().saturating_add(self.clock_offset_ms)
    }

    /// Moves the emulator's clock by `ms` (either way); returns the offset.
    pub fn advance_clock(&mut self, ms: i64) -> i64 {
        self.clock_offset_ms = self.clock_offset_ms.saturating_add(ms);
        self.clock_offset_ms
    }

    pub fn clock_offset(&self) -> i64 {
        self.clock_offset_ms
    }

    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    pub fn client(&self, id: &str) -> Option<&ClientRec> {
        self.clients.get(id)
    }

    /// Whether the client exists; marks it used (for eviction) and prunes
    /// closed sessions past their time.
    pub fn use_client(&mut self, id: &str) -> bool {
        self.prune_closed(self.now());
        let now = self.tick();
        match self.clients.get_mut(id) {
            Some(client) => {
                client.last_used = now;
                true
            }
            None => false,
        }
    }

    /// Like [`Store::use_client`], for a cookie naming the client and one
    /// of its rotating tokens.
    pub fn use_client_cookie(&mut self, id: &str, token: &str) -> CookieClient {
        match self.clients.get(id) {
            None => CookieClient::Gone,
            Some(client) if client.rotating_token != token => CookieClient::Superseded,
            Some(_) => {
                self.use_client(id);
                CookieClient::Current
            }
        }
    }

    /// The client's current cookie token.
    pub fn client_token(&self, id: &str) -> Option<&str> {
        self.clients.get(id).map(|c| c.rotating_token.as_str())
    }

    fn rotate_token(&mut self, client_id: &str) {
        if let Some(client) = self.clients.get_mut(client_id) {
            client.rotating_token = new_id("rot");
        }
    }

    pub fn user(&self, id: &str) -> Option<&UserRec> {
        self.users.iter().find(|u| u.id == id)
    }

    pub fn user_by_email(&self, email: &str) -> Option<&UserRec> {
        let email = email.trim();
        self.users
            .iter()
            .find(|u| u.email.eq_ignore_ascii_case(email))
    }

    pub fn create_client(&mut self) -> String {
        self.make_room_for_a_client();
        let now = self.now();
        let id = new_id("client");
        let last_used = self.tick();
        self.clients.insert(
            id.clone(),
            ClientRec {
                id: id.clone(),
                created_at: now,
                updated_at: now,
                last_active_session_id: None,
                session_ids: Vec::new(),
                dev_browser: None,
                last_used,
                rotating_token: new_id("rot"),
                sign_in_id: None,
                sign_up_id: None,
            },
        );
        id
    }

    /// At the cap, forgets a tenth of the clients: those without an active
    /// session first, least recently used first. Anonymous clients (every
    /// `POST /v1/client` makes one) go long before a signed-in browser's.
    fn make_room_for_a_client(&mut self) {
        if self.clients.len() < self.max_clients {
            return;
        }
        let mut candidates: Vec<(bool, u64, String)> = self
            .clients
            .values()
            .map(|c| (self.has_active_session(&c.id), c.last_used, c.id.clone()))
            .collect();
        candidates.sort_unstable();
        let batch = (self.max_clients / 10).max(1) + self.clients.len() - self.max_clients;
        for (_, _, id) in candidates.into_iter().take(batch) {
            self.destroy_client(&id);
        }
    }

    /// Sessions shown on a client: every one of its sessions but removed
    /// (and pruned) ones, in creation order.
    pub fn sessions_of<'a>(
        &'a self,
        client: &'a ClientRec,
    ) -> impl Iterator<Item = &'a SessionRec> {
        client
            .session_ids
            .iter()
            .filter_map(|id| self.sessions.get(id))
            .filter(|s| s.status != SessionStatus::Removed)
    }

    fn client_sessions<'a>(&'a self, client_id: &str) -> impl Iterator<Item = &'a SessionRec> {
        self.clients
            .get(client_id)
            .into_iter()
            .flat_map(|c| self.sessions_of(c))
    }

    pub fn has_active_session(&self, client_id: &str) -> bool {
        self.client_sessions(client_id).any(|s| s.status.is_live())
    }

    pub fn session(&self, id: &str) -> Option<&SessionRec> {
        self.sessions.get(id)
    }

    fn session_mut(&mut self, id: &str) -> Option<&mut SessionRec> {
        self.sessions.get_mut(id)
    }

    /// Creates an active session for `user_id` and makes it the client's last
    /// active one.
    /// Creates an active session for `user_id` (who also verified a second
    /// factor, when `second_factor` says so) and makes it the client's last
    /// active one.
    fn create_session(&mut self, client_id: &str, user_id: &str, second_factor: bool) -> String {
        let now = self.now();
        self.prune_closed(now);
        let id = new_id("sess");
        let seq = self.tick();
        self.sessions.insert(
            id.clone(),
            SessionRec {
                id: id.clone(),
                client_id: client_id.to_owned(),
                user_id: user_id.to_owned(),
                status: SessionStatus::Active,
                created_at: now,
                updated_at: now,
                last_active_at: now,
                expire_at: now + SESSION_EXPIRE_MS,
                abandon_at: now + SESSION_ABANDON_MS,
                first_factor_at: now,
                second_factor_at: second_factor.then_some(now),
                last_active_token: None,
                tasks: Vec::new(),
                seq,
                closed_at: None,
            },
        );
        if let Some(user) = self.users.iter_mut().find(|u| u.id == user_id) {
            user.last_sign_in_at = Some(now);
        }
        let sessions = &self.sessions;
        if let Some(client) = self.clients.get_mut(client_id) {
            client.session_ids.retain(|s| sessions.contains_key(s));
            client.session_ids.push(id.clone());
            client.last_active_session_id = Some(id.clone());
            client.updated_at = now;
        }
        self.rotate_token(client_id);
        id
    }

    /// Forgets closed sessions past their retention, and the oldest ones
    /// beyond the cap.
    fn prune_closed(&mut self, now: i64) {
        while let Some((closed_at, _)) = self.closed.front() {
            let expired = now.saturating_sub(*closed_at) >= self.closed_retention_ms;
            if !expired && self.closed.len() <= self.max_closed_sessions {
                break;
            }
            if let Some((_, id)) = self.closed.pop_front() {
                self.sessions.remove(&id);
            }
        }
    }

    /// Moves a session to `status`; when it was the client's last active
    /// session, another active one (the most recently active) takes its
    /// place, or none.
    fn set_status(&mut self, session_id: &str, status: SessionStatus) {
        let now = self.now();
        let Some(session) = self.session_mut(session_id) else {
            return;
        };
        session.status = status;
        session.updated_at = now;
        let newly_closed = !status.is_live() && session.closed_at.is_none();
        if !status.is_live() {
            session.last_active_token = None;
        }
        if newly_closed {
            session.closed_at = Some(now);
        }
        let client_id = session.client_id.clone();
        if newly_closed {
            self.closed.push_back((now, session_id.to_owned()));
        }
        self.rotate_token(&client_id);
        self.repoint_last_active(&client_id);
    }

    fn repoint_last_active(&mut self, client_id: &str) {
        let now = self.now();
        let current_ok = self
            .clients
            .get(client_id)
            .and_then(|c| c.last_active_session_id.as_deref())
            .and_then(|id| self.session(id))
            .is_some_and(|s| s.status.is_live());
        if current_ok {
            return;
        }
        let next = self
            .client_sessions(client_id)
            .filter(|s| s.status.is_live())
            .max_by_key(|s| s.last_active_at)
            .map(|s| s.id.clone());
        if let Some(client) = self.clients.get_mut(client_id) {
            client.last_active_session_id = next;
            client.updated_at = now;
        }
    }

    /// Applies `status` to every non-removed session of a client.
    fn close_all(&mut self, client_id: &str, status: SessionStatus) {
        let ids: Vec<String> = self
            .client_sessions(client_id)
            .filter(|s| s.status != status)
            .map(|s| s.id.clone())
            .collect();
        for id in ids {
            self.set_status(&id, status);
        }
    }

    /// The client bound to a dev browser, if it still exists.
    pub fn dev_browser_client(&mut self, dev_browser_id: &str) -> Option<String> {
        let client_id = self.dev_browsers.get(dev_browser_id)?.clone();
        self.use_client(&client_id).then_some(client_id)
    }

    /// Binds a dev browser to a client (replacing an earlier binding).
    pub fn bind_dev_browser(&mut self, dev_browser_id: &str, client_id: &str) {
        let previous = self
            .dev_browsers
            .insert(dev_browser_id.to_owned(), client_id.to_owned());
        if let Some(old) = previous.and_then(|id| self.clients.get_mut(&id)) {
            old.dev_browser = None;
        }
        if let Some(client) = self.clients.get_mut(client_id) {
            client.dev_browser = Some(dev_browser_id.to_owned());
        }
    }

    /// `DELETE /v1/client` (or eviction): ends every session, forgets the
    /// client and its dev-browser binding, and returns the client as it was.
    pub fn destroy_client(&mut self, client_id: &str) -> Option<ClientRec> {
        self.close_all(client_id, SessionStatus::Ended);
        let client = self.clients.remove(client_id)?;
        self.forget_device(&Device::Client.key(client_id));
        if let Some(dvb) = &client.dev_browser {
            if self.dev_browsers.get(dvb).is_some_and(|c| c == client_id) {
                self.dev_browsers.remove(dvb);
            }
        }
        Some(client)
    }

    /// Remembers a freshly minted token as the session's
    /// `last_active_token`, if the session is still active.
    pub fn record_token(&mut self, session_id: &str, jwt: &str, exp: i64) {
        if let Some(session) = self.session_mut(session_id).filter(|s| s.status.is_live()) {
            session.last_active_token = Some(RecordedToken {
                jwt: jwt.to_owned(),
                exp,
            });
        }
    }

    /// `factor_verification_age`: minutes since the first and the second
    /// factor were verified, -1 for a second factor never verified.
    pub fn factor_age(&self, session: &SessionRec) -> [i64; 2] {
        let minutes = |at: i64| (self.now() - at).max(0) / 60_000;
        [
            minutes(session.first_factor_at),
            session.second_factor_at.map_or(-1, minutes),
        ]
    }

    fn token_subject(&self, session: &SessionRec) -> TokenSubject {
        TokenSubject {
            session_id: session.id.clone(),
            user_id: session.user_id.clone(),
            fva: self.factor_age(session),
            status: session.status.as_str(),
        }
    }

    /// The client's active sessions whose last token is missing or has
    /// less than half of `lifetime_secs` left at `now_secs`: client answers
    /// carry a fresh one for each (clerk-js seeds its token cache from it).
    pub fn sessions_needing_token(
        &self,
        client_id: &str,
        now_secs: i64,
        lifetime_secs: i64,
    ) -> Vec<TokenSubject> {
        self.client_sessions(client_id)
            .filter(|s| s.status.is_live())
            .filter(|s| {
                s.last_active_token
                    .as_ref()
                    .is_none_or(|t| (t.exp - now_secs) * 2 < lifetime_secs)
            })
            .map(|s| self.token_subject(s))
            .collect()
    }

    /// One of the client's visible sessions (removed ones are gone), or 404.
    pub fn client_session(&self, client_id: &str, session_id: &str) -> Result<(), ApiError> {
        self.session(session_id)
            .filter(|s| s.client_id == client_id && s.status != SessionStatus::Removed)
            .map(|_| ())
            .ok_or_else(|| ApiError::session_not_found(session_id))
    }

    /// A session of the client that may get a token: 404 when it is not the
    /// client's, 401 when it is no longer active.
    pub fn session_for_token(
        &self,
        client_id: &str,
        session_id: &str,
    ) -> Result<TokenSubject, ApiError> {
        let session = self
            .session(session_id)
            .filter(|s| s.client_id == client_id)
            .ok_or_else(|| ApiError::session_not_found(session_id))?;
        if !session.status.is_live() {
            return Err(ApiError::authentication_invalid(format!(
                "Session {session_id} is {}; tokens are only issued for active sessions.",
                session.status.as_str()
            )));
        }
        Ok(self.token_subject(session))
    }

    /// Makes an active session its client's last active one and bumps its
    /// `last_active_at`; 401 for an ended session.
    pub fn touch_session(&mut self, session_id: &str) -> Result<(), ApiError> {
        let now = self.now();
        let session = self
            .session_mut(session_id)
            .ok_or_else(|| ApiError::session_not_found(session_id))?;
        if !session.status.is_live() {
            return Err(ApiError::authentication_invalid(format!(
                "Session {session_id} is {}; only an active session can be touched.",
                session.status.as_str()
            )));
        }
        session.last_active_at = now;
        session.updated_at = now;
        let client_id = session.client_id.clone();
        if let Some(c) = self.clients.get_mut(&client_id) {
            c.last_active_session_id = Some(session_id.to_owned());
            c.updated_at = now;
        }
        Ok(())
    }

    /// The test hook's status change: a live session becomes pending with
    /// `tasks` (at least one), or active again (no tasks).
    pub fn set_session_tasks(
        &mut self,
        session_id: &str,
        status: SessionStatus,
        tasks: Vec<String>,
    ) -> Result<&SessionRec, ApiError> {
        let now = self.now();
        let session = self
            .session_mut(session_id)
            .ok_or_else(|| ApiError::session_not_found(session_id))?;
        if !session.status.is_live() {
            return Err(ApiError::invalid_action_for_session(
                session_id,
                &format!("mark {} as {}", session.status.as_str(), status.as_str()),
            ));
        }
        session.status = status;
        session.tasks = tasks;
        session.updated_at = now;
        // Its next token says so (`sts`).
        session.last_active_token = None;
        let client_id = session.client_id.clone();
        if let Some(client) = self.clients.get_mut(&client_id) {
            client.updated_at = now;
        }
        self.session(session_id)
            .ok_or_else(|| ApiError::session_not_found(session_id))
    }

    /// Ends an active session; an ended one stays as it is.
    pub fn end_session(&mut self, session_id: &str) -> Result<(), ApiError> {
        if self.session(session_id).is_some_and(|s| s.status.is_live()) {
            self.set_status(session_id, SessionStatus::Ended);
        }
        Ok(())
    }

    /// Removes a session: it leaves its client.
    pub fn remove_session(&mut self, session_id: &str) -> Result<(), ApiError> {
        self.set_status(session_id, SessionStatus::Removed);
        Ok(())
    }

    /// `DELETE /v1/client/sessions`: removes every session of the client.
    pub fn remove_all_sessions(&mut self, client_id: &str) {
        self.close_all(client_id, SessionStatus::Removed);
    }

    /// Every session ever created, in creation order.
    /// (Closed ones are kept a while; this prunes those past their time.)
    pub fn sessions_in_creation_order(&mut self) -> Vec<&SessionRec> {
        self.prune_closed(self.now());
        let mut list: Vec<&SessionRec> = self.sessions.values().collect();
        list.sort_unstable_by_key(|s| s.seq);
        list
    }
}

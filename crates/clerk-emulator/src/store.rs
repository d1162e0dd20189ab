//! In-memory state: users, clients, sessions and dev browsers.

use std::collections::HashMap;

use crate::ids::{new_id, now_ms};
use crate::User;

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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SessionStatus {
    Active,
    Ended,
    Removed,
}

impl SessionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStatus::Active => "active",
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
    /// When the first factor was verified, for `factor_verification_age`.
    pub first_factor_at: i64,
    pub last_active_token: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct ClientRec {
    pub id: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_active_session_id: Option<String>,
}

#[derive(Debug, Default)]
pub(crate) struct Store {
    pub users: Vec<UserRec>,
    pub clients: HashMap<String, ClientRec>,
    /// Every session ever created, in creation order (ended and removed
    /// ones stay, for `/__emulator/sessions`).
    pub sessions: Vec<SessionRec>,
    /// Dev browser id -> the client bound to it.
    pub dev_browsers: HashMap<String, String>,
}

impl Store {
    pub fn new(users: &[User]) -> Self {
        let now = now_ms();
        Self {
            users: users
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
                })
                .collect(),
            ..Self::default()
        }
    }

    /// Drops clients, sessions and dev-browser bindings; keeps users.
    pub fn reset(&mut self) {
        self.clients.clear();
        self.sessions.clear();
        self.dev_browsers.clear();
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
        let now = now_ms();
        let id = new_id("client");
        self.clients.insert(
            id.clone(),
            ClientRec {
                id: id.clone(),
                created_at: now,
                updated_at: now,
                last_active_session_id: None,
            },
        );
        id
    }

    /// Sessions shown on a client: every one of its sessions but removed ones.
    pub fn client_sessions<'a>(
        &'a self,
        client_id: &'a str,
    ) -> impl Iterator<Item = &'a SessionRec> {
        self.sessions
            .iter()
            .filter(move |s| s.client_id == client_id && s.status != SessionStatus::Removed)
    }

    pub fn has_active_session(&self, client_id: &str) -> bool {
        self.client_sessions(client_id)
            .any(|s| s.status == SessionStatus::Active)
    }

    pub fn session(&self, id: &str) -> Option<&SessionRec> {
        self.sessions.iter().find(|s| s.id == id)
    }

    pub fn session_mut(&mut self, id: &str) -> Option<&mut SessionRec> {
        self.sessions.iter_mut().find(|s| s.id == id)
    }

    /// Creates an active session for `user_id` and makes it the client's last
    /// active one.
    pub fn create_session(&mut self, client_id: &str, user_id: &str) -> String {
        let now = now_ms();
        let id = new_id("sess");
        self.sessions.push(SessionRec {
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
            last_active_token: None,
        });
        if let Some(user) = self.users.iter_mut().find(|u| u.id == user_id) {
            user.last_sign_in_at = Some(now);
        }
        if let Some(client) = self.clients.get_mut(client_id) {
            client.last_active_session_id = Some(id.clone());
            client.updated_at = now;
        }
        id
    }

    /// Moves a session to `status`; when it was the client's last active
    /// session, another active one (the most recently active) takes its
    /// place, or none.
    pub fn set_status(&mut self, session_id: &str, status: SessionStatus) {
        let now = now_ms();
        let Some(session) = self.session_mut(session_id) else {
            return;
        };
        session.status = status;
        session.updated_at = now;
        if status != SessionStatus::Active {
            session.last_active_token = None;
        }
        let client_id = session.client_id.clone();
        self.repoint_last_active(&client_id);
    }

    fn repoint_last_active(&mut self, client_id: &str) {
        let current_ok = self
            .clients
            .get(client_id)
            .and_then(|c| c.last_active_session_id.as_deref())
            .and_then(|id| self.session(id))
            .is_some_and(|s| s.status == SessionStatus::Active);
        if current_ok {
            return;
        }
        let next = self
            .client_sessions(client_id)
            .filter(|s| s.status == SessionStatus::Active)
            .max_by_key(|s| s.last_active_at)
            .map(|s| s.id.clone());
        if let Some(client) = self.clients.get_mut(client_id) {
            client.last_active_session_id = next;
            client.updated_at = now_ms();
        }
    }

    /// Applies `status` to every non-removed session of a client.
    pub fn close_all(&mut self, client_id: &str, status: SessionStatus) {
        let ids: Vec<String> = self
            .client_sessions(client_id)
            .filter(|s| s.status != status)
            .map(|s| s.id.clone())
            .collect();
        for id in ids {
            self.set_status(&id, status);
        }
    }

    /// Drops a client and every dev-browser binding to it.
    pub fn drop_client(&mut self, client_id: &str) {
        self.clients.remove(client_id);
        self.dev_browsers.retain(|_, c| c != client_id);
    }
}

//! The state the provider holds, and its reducer. Plain Rust, tested natively.

use std::rc::Rc;

use yew::Reducible;

use crate::api::{Client, Session, User};
use crate::error::ClerkError;

/// Whether the client has been loaded from Clerk.
#[derive(Debug, Clone, PartialEq)]
pub enum LoadState {
    /// Loading, or re-validating (after a restore from the back-forward cache).
    Loading,
    /// The client (or its absence) is known.
    Loaded,
    /// Loading failed: bad key, unreachable server, malformed answer.
    Failed(ClerkError),
}

/// Where a sign-out is.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum SignOutPhase {
    /// No sign-out running.
    #[default]
    Idle,
    /// The request is in flight; buttons should disable themselves.
    InFlight,
    /// The sign-out succeeded and the page is reloading or being replaced.
    /// [`Protect`](crate::Protect) does not redirect to sign-in meanwhile, so
    /// the sign-out's own destination wins.
    Navigating,
    /// The last sign-out failed; the session is still alive on the server.
    Failed(ClerkError),
}

/// Everything the provider knows.
#[derive(Debug, Clone, PartialEq)]
pub struct ClerkState {
    /// Load state.
    pub load: LoadState,
    /// The browser's Clerk client, once loaded; `None` for a browser Clerk has
    /// not seen, or after the client was deleted.
    pub client: Option<Rc<Client>>,
    /// Sign-out phase.
    pub sign_out: SignOutPhase,
    /// A pending session (one with tasks left) counts as signed out: true by
    /// default, as clerk-js's `treatPendingAsSignedOut`.
    pub treat_pending_as_signed_out: bool,
}

impl Default for ClerkState {
    fn default() -> Self {
        Self {
            load: LoadState::Loading,
            client: None,
            sign_out: SignOutPhase::Idle,
            treat_pending_as_signed_out: true,
        }
    }
}

impl ClerkState {
    /// True once the client is known.
    pub fn is_loaded(&self) -> bool {
        self.load == LoadState::Loaded
    }

    /// The current session, only once loaded: while (re-)loading nothing counts
    /// as signed in, so stale signed-in content never shows. A pending
    /// session is not one unless `treat_pending_as_signed_out` is off; see
    /// [`pending_session`](Self::pending_session).
    pub fn session(&self) -> Option<&Session> {
        self.loaded_session()
            .filter(|s| !(s.is_pending() && self.treat_pending_as_signed_out))
    }

    /// The current session when it is pending: signed in, with tasks left
    /// (such as choosing an organization). Apps show "Finish setting up your
    /// account" for it.
    pub fn pending_session(&self) -> Option<&Session> {
        self.loaded_session().filter(|s| s.is_pending())
    }

    fn loaded_session(&self) -> Option<&Session> {
        if !self.is_loaded() {
            return None;
        }
        self.client.as_deref()?.current_session()
    }

    /// The current session's user.
    pub fn user(&self) -> Option<&User> {
        self.session()?.user.as_ref()
    }

    /// Loaded and with a current session.
    pub fn is_signed_in(&self) -> bool {
        self.session().is_some()
    }

    /// Loaded and without a current session.
    pub fn is_signed_out(&self) -> bool {
        self.is_loaded() && self.session().is_none()
    }

    /// Signed-in sessions of this client (several in multi-session mode).
    pub fn signed_in_sessions(&self) -> Vec<&Session> {
        match (&self.client, self.is_loaded()) {
            (Some(client), true) => client.signed_in_sessions().collect(),
            _ => Vec::new(),
        }
    }
}

/// State transitions.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// A (re-)load began.
    LoadStarted,
    /// The client was fetched (`None`: Clerk has no client for this browser).
    Loaded(Option<Client>),
    /// Loading failed.
    LoadFailed(ClerkError),
    /// An answer carried a new client: sign-in, touch, another tab's change.
    ClientChanged(Option<Client>),
    /// A sign-out request is in flight.
    SignOutStarted,
    /// The sign-out succeeded; the client as Clerk now has it, and whether the
    /// page is now navigating away.
    SignOutSucceeded {
        /// The client after the sign-out.
        client: Option<Client>,
        /// True while a reload or `location.replace` is under way.
        navigating: bool,
    },
    /// The sign-out failed; the client is unchanged.
    SignOutFailed(ClerkError),
    /// The provider's `treat_pending_as_signed_out`.
    TreatPendingAsSignedOut(bool),
}

impl ClerkState {
    /// Applies one action.
    pub fn apply(mut self, action: Action) -> Self {
        match action {
            Action::LoadStarted => self.load = LoadState::Loading,
            Action::Loaded(client) | Action::ClientChanged(client) => {
                self.load = LoadState::Loaded;
                self.client = client.map(Rc::new);
            }
            Action::LoadFailed(error) => self.load = LoadState::Failed(error),
            Action::SignOutStarted => self.sign_out = SignOutPhase::InFlight,
            Action::SignOutSucceeded { client, navigating } => {
                self.load = LoadState::Loaded;
                self.client = client.map(Rc::new);
                self.sign_out = if navigating {
                    SignOutPhase::Navigating
                } else {
                    SignOutPhase::Idle
                };
            }
            // The client stays as it was: the UI must not claim "signed out"
            // while the server may still hold the session.
            Action::SignOutFailed(error) => self.sign_out = SignOutPhase::Failed(error),
            Action::TreatPendingAsSignedOut(on) => self.treat_pending_as_signed_out = on,
        }
        self
    }
}

impl Reducible for ClerkState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        Rc::new(Rc::unwrap_or_clone(self).apply(action))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(json: &str) -> Client {
        crate::api::client_from_json(json)
    }

    fn signed_in() -> Client {
        client(
            r#"{"id": "client_1", "last_active_session_id": "sess_1",
                "sessions": [{"id": "sess_1", "status": "active",
                  "user": {"id": "user_1", "email_addresses": []}}]}"#,
        )
    }

    fn signed_out() -> Client {
        client(r#"{"id": "client_1", "last_active_session_id": null, "sessions": []}"#)
    }

    #[test]
    fn nothing_is_signed_in_until_loaded() {
        let state = ClerkState::default();
        assert!(!state.is_signed_in() && !state.is_signed_out());
        let state = state.apply(Action::Loaded(Some(signed_in())));
        assert!(state.is_signed_in());
        assert_eq!(state.user().map(|u| u.id.as_str()), Some("user_1"));
        assert_eq!(state.signed_in_sessions().len(), 1);
    }

    // As Clerk answers a session that must still choose an organization.
    fn pending() -> Client {
        client(
            r#"{"id": "client_1", "last_active_session_id": "sess_1",
                "sessions": [{"id": "sess_1", "status": "pending",
                  "tasks": [{"key": "choose-organization"}],
                  "user": {"id": "user_1", "email_addresses": []}}]}"#,
        )
    }

    #[test]
    fn a_pending_session_is_signed_out_unless_the_app_opts_in() {
        let state = ClerkState::default().apply(Action::Loaded(Some(pending())));
        assert!(!state.is_signed_in() && state.is_signed_out());
        assert!(state.user().is_none());
        let task = &state.pending_session().unwrap().tasks[0];
        assert_eq!(task.key, "choose-organization");
        // Still a sign-in for sign-out's scope.
        assert_eq!(state.signed_in_sessions().len(), 1);

        let opted_in = state.apply(Action::TreatPendingAsSignedOut(false));
        assert!(opted_in.is_signed_in());
        assert_eq!(opted_in.user().map(|u| u.id.as_str()), Some("user_1"));
        assert!(opted_in.pending_session().is_some());
        assert!(ClerkState::default()
            .apply(Action::Loaded(Some(signed_in())))
            .pending_session()
            .is_none());
    }

    #[test]
    fn revalidation_hides_signed_in_content() {
        let state = ClerkState::default()
            .apply(Action::Loaded(Some(signed_in())))
            .apply(Action::LoadStarted);
        assert!(!state.is_signed_in() && state.signed_in_sessions().is_empty());
        assert!(
            state.client.is_some(),
            "the client is kept for after the reload"
        );
    }

    #[test]
    fn sign_out_phases() {
        let state = ClerkState::default().apply(Action::Loaded(Some(signed_in())));
        let flying = state.apply(Action::SignOutStarted);
        assert_eq!(flying.sign_out, SignOutPhase::InFlight);
        assert!(
            flying.is_signed_in(),
            "still signed in while the request is in flight"
        );

        let error = ClerkError::Network("offline".into());
        let failed = flying.clone().apply(Action::SignOutFailed(error.clone()));
        assert_eq!(failed.sign_out, SignOutPhase::Failed(error));
        assert!(
            failed.is_signed_in(),
            "a failed sign-out never claims signed out"
        );

        let done = flying.clone().apply(Action::SignOutSucceeded {
            client: Some(signed_out()),
            navigating: false,
        });
        assert_eq!(done.sign_out, SignOutPhase::Idle);
        assert!(done.is_signed_out());
        let leaving = flying.apply(Action::SignOutSucceeded {
            client: Some(signed_out()),
            navigating: true,
        });
        assert_eq!(leaving.sign_out, SignOutPhase::Navigating);
        assert!(leaving.is_signed_out());
    }

    #[test]
    fn load_failure_and_null_client() {
        let failed =
            ClerkState::default().apply(Action::LoadFailed(ClerkError::Network("x".into())));
        assert!(matches!(failed.load, LoadState::Failed(_)));
        assert!(!failed.is_signed_out());
        let fresh = failed.apply(Action::Loaded(None));
        assert!(fresh.is_signed_out() && fresh.client.is_none());
    }
}

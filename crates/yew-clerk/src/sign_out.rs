//! Sign-out options and the pure decisions behind a sign-out: which sessions
//! end, and where the page goes afterwards. The browser steps run in
//! [`Clerk::sign_out`](crate::Clerk::sign_out).

use yew::Callback;

use crate::api::Client;
use crate::error::ClerkError;
use crate::redirect::validate_redirect;

/// Options of one sign-out, as clerk-js's `signOut(callback?, { sessionId, redirectUrl })`.
///
/// ```
/// use yew_clerk::SignOutOptions;
/// let everything = SignOutOptions::new();
/// let to_home = SignOutOptions::new().redirect_url("/");
/// let one = SignOutOptions::new().session_id("sess_123");
/// # let _ = (everything, to_home, one);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct SignOutOptions {
    /// End only this session. With none, or with a single signed-in session,
    /// every session of the client ends.
    pub session_id: Option<String>,
    /// Where to go afterwards (a push: the app's router for this origin,
    /// `location` otherwise); wins over the provider's `after_sign_out_url`.
    /// Must be same-origin or in the allow-list.
    pub redirect_url: Option<String>,
    /// Run this instead of navigating, as `signOut(callback)` does.
    pub callback: Option<Callback<()>>,
    /// Also forget the development instance's dev browser. Off by default:
    /// clerk-js keeps it across sign-outs, and Client Trust counts it as
    /// the device, so a new one would ask for an e-mail code again.
    pub clear_dev_browser: bool,
}

impl SignOutOptions {
    /// Sign out of every session and reload (or go to `after_sign_out_url`).
    pub fn new() -> Self {
        Self::default()
    }

    /// End only this session.
    pub fn session_id(mut self, session_id: impl Into<String>) -> Self {
        self.session_id = Some(session_id.into());
        self
    }

    /// Go here afterwards.
    pub fn redirect_url(mut self, redirect_url: impl Into<String>) -> Self {
        self.redirect_url = Some(redirect_url.into());
        self
    }

    /// Run this instead of navigating.
    pub fn callback(mut self, callback: Callback<()>) -> Self {
        self.callback = Some(callback);
        self
    }

    /// Forget the dev browser too (a development instance's device): the
    /// next load starts a new one.
    pub fn clear_dev_browser(mut self, clear: bool) -> Self {
        self.clear_dev_browser = clear;
        self
    }
}

/// The localStorage keys a full sign-out keeps: the app's, and the dev
/// browser unless the app asked to clear it.
pub(crate) fn kept_storage_keys(app_keys: &[String], clear_dev_browser: bool) -> Vec<String> {
    let mut keep = app_keys.to_vec();
    if !clear_dev_browser {
        keep.push(crate::api::DEV_BROWSER_STORAGE_KEY.to_owned());
    }
    keep
}

/// Which sessions a sign-out ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Scope {
    /// `DELETE /v1/client/sessions`, then a full sign-out.
    All,
    /// `POST /v1/client/sessions/{id}/remove`. For the current session, finish
    /// like a full sign-out; for another one, stay on the page.
    One { id: String, current: bool },
}

impl Scope {
    /// Clear storage, tell other tabs, navigate.
    pub(crate) fn is_full(&self) -> bool {
        matches!(self, Scope::All | Scope::One { current: true, .. })
    }
}

/// clerk-js's rule: no id, or a single signed-in session, ends them all.
pub(crate) fn scope(client: Option<&Client>, session_id: Option<&str>) -> Scope {
    let signed_in = client.map_or(0, |c| c.signed_in_sessions().count());
    match session_id {
        Some(id) if signed_in > 1 => Scope::One {
            id: id.to_owned(),
            current: client
                .and_then(Client::current_session)
                .is_some_and(|s| s.id == id),
        },
        _ => Scope::All,
    }
}

/// Whether `fresh`, the client as Clerk has it now, no longer has what a
/// sign-out of `scope` ends: any signed-in session, or the one session.
pub(crate) fn is_gone(scope: &Scope, fresh: Option<&Client>) -> bool {
    let Some(fresh) = fresh else { return true };
    let mut signed_in = fresh.signed_in_sessions();
    match scope {
        Scope::All => signed_in.next().is_none(),
        Scope::One { id, .. } => !signed_in.any(|s| s.id == *id),
    }
}

/// What happens after a full sign-out.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Navigation {
    /// `location.reload()`, as the vanilla example does.
    Reload,
    /// To a validated absolute URL: the app's router or `location`.
    Redirect(String),
    /// The caller's callback instead of navigating.
    Callback(Callback<()>),
}

/// The callback wins, then the per-call URL, then the provider's; with neither,
/// reload. A URL is validated here, before any request is made.
pub(crate) fn navigation(
    options: &SignOutOptions,
    after_sign_out_url: Option<&str>,
    page_origin: &str,
    allowed_origins: &[String],
) -> Result<Navigation, ClerkError> {
    if let Some(callback) = &options.callback {
        return Ok(Navigation::Callback(callback.clone()));
    }
    match options.redirect_url.as_deref().or(after_sign_out_url) {
        Some(url) => validate_redirect(url, page_origin, allowed_origins).map(Navigation::Redirect),
        None => Ok(Navigation::Reload),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dev_browser_survives_a_sign_out_unless_cleared() {
        let app = ["theme".to_owned()];
        assert_eq!(kept_storage_keys(&app, false), ["theme", "__clerk_db_jwt"]);
        assert_eq!(kept_storage_keys(&app, true), ["theme"]);
        assert!(!SignOutOptions::new().clear_dev_browser);
        assert!(
            SignOutOptions::new()
                .clear_dev_browser(true)
                .clear_dev_browser
        );
    }

    const PAGE: &str = "http://127.0.0.1:8080";

    fn client(current: &str, active: &[&str]) -> Client {
        let sessions: Vec<String> = active
            .iter()
            .map(|id| format!(r#"{{"id": "{id}", "status": "active"}}"#))
            .chain([r#"{"id": "sess_old", "status": "ended"}"#.to_owned()])
            .collect();
        crate::api::client_from_json(&format!(
            r#"{{"id": "client_1", "last_active_session_id": "{current}", "sessions": [{}]}}"#,
            sessions.join(",")
        ))
    }

    #[test]
    fn which_sessions_end() {
        let one = client("sess_a", &["sess_a"]);
        let two = client("sess_a", &["sess_a", "sess_b"]);
        assert_eq!(scope(Some(&two), None), Scope::All);
        assert_eq!(scope(None, Some("sess_a")), Scope::All);
        assert_eq!(
            scope(Some(&one), Some("sess_a")),
            Scope::All,
            "single session: all"
        );
        assert_eq!(
            scope(Some(&one), Some("sess_x")),
            Scope::All,
            "clerk-js ignores the id then"
        );
        let other = scope(Some(&two), Some("sess_b"));
        assert_eq!(
            other,
            Scope::One {
                id: "sess_b".into(),
                current: false
            }
        );
        assert!(!other.is_full());
        let current = scope(Some(&two), Some("sess_a"));
        assert_eq!(
            current,
            Scope::One {
                id: "sess_a".into(),
                current: true
            }
        );
        assert!(current.is_full() && Scope::All.is_full());
    }

    #[test]
    fn gone_only_when_the_fresh_client_agrees() {
        let none_left = client("", &[]);
        let two = client("sess_a", &["sess_a", "sess_b"]);
        let b_only = client("sess_b", &["sess_b"]);
        assert!(is_gone(&Scope::All, None), "no client at all");
        assert!(
            is_gone(&Scope::All, Some(&none_left)),
            "only ended sessions"
        );
        assert!(!is_gone(&Scope::All, Some(&two)));
        assert!(!is_gone(&Scope::All, Some(&b_only)));
        let a = Scope::One {
            id: "sess_a".into(),
            current: true,
        };
        assert!(is_gone(&a, Some(&b_only)));
        assert!(is_gone(&a, None));
        assert!(!is_gone(&a, Some(&two)));
    }

    #[test]
    fn navigation_precedence() {
        let nav = |opts: SignOutOptions, after: Option<&str>| navigation(&opts, after, PAGE, &[]);
        assert_eq!(
            nav(SignOutOptions::new(), None).unwrap(),
            Navigation::Reload
        );
        assert_eq!(
            nav(SignOutOptions::new(), Some("/bye")).unwrap(),
            Navigation::Redirect("http://127.0.0.1:8080/bye".into())
        );
        assert_eq!(
            nav(SignOutOptions::new().redirect_url("/"), Some("/bye")).unwrap(),
            Navigation::Redirect("http://127.0.0.1:8080/".into()),
            "the per-call URL wins"
        );
        let cb = Callback::from(|_| ());
        assert_eq!(
            nav(
                SignOutOptions::new().redirect_url("/").callback(cb.clone()),
                Some("/bye")
            )
            .unwrap(),
            Navigation::Callback(cb)
        );
    }

    #[test]
    fn hostile_urls_fail_before_any_request() {
        let opts = SignOutOptions::new().redirect_url("javascript:alert(1)");
        assert!(matches!(
            navigation(&opts, None, PAGE, &[]),
            Err(ClerkError::RedirectRefused { .. })
        ));
        // A hostile provider default is refused too.
        assert!(navigation(
            &SignOutOptions::new(),
            Some("https://evil.example"),
            PAGE,
            &[]
        )
        .is_err());
    }
}

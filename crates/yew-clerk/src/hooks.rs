//! Hooks over the provider's context.

use yew::prelude::*;

use crate::api::{Session, User};
use crate::clerk::Clerk;

/// The [`Clerk`] handle: state and actions.
///
/// Outside a [`ClerkProvider`](crate::ClerkProvider) it returns `None`.
///
/// ```no_run
/// use yew::prelude::*;
/// use yew_clerk::{use_clerk, SignOutOptions};
///
/// #[component]
/// fn SignOut() -> Html {
///     let Some(clerk) = use_clerk() else { return html! {} };
///     let onclick = {
///         let clerk = clerk.clone();
///         Callback::from(move |_| clerk.spawn_sign_out(SignOutOptions::new().redirect_url("/")))
///     };
///     html! { <button id="sign-out" {onclick}>{ "Sign out" }</button> }
/// }
/// ```
#[hook]
pub fn use_clerk() -> Option<Clerk> {
    use_context::<Clerk>()
}

/// The current session, once loaded.
///
/// ```no_run
/// use yew::prelude::*;
/// use yew_clerk::use_session;
///
/// #[component]
/// fn ActiveSession() -> Html {
///     match use_session() {
///         Some(session) => html! { <p>{ format!("Active session: {}", session.id) }</p> },
///         None => html! { <p>{ "You are signed out" }</p> },
///     }
/// }
/// ```
#[hook]
pub fn use_session() -> Option<Session> {
    use_clerk().and_then(|clerk| clerk.session().cloned())
}

/// The current user, once loaded.
///
/// ```no_run
/// use yew::prelude::*;
/// use yew_clerk::use_user;
///
/// #[component]
/// fn Greeting() -> Html {
///     let email = use_user().and_then(|u| u.primary_email_address().map(str::to_owned));
///     html! { <p>{ email.unwrap_or_default() }</p> }
/// }
/// ```
#[hook]
pub fn use_user() -> Option<User> {
    use_clerk().and_then(|clerk| clerk.user().cloned())
}

/// The auth summary, as Clerk React's `useAuth()`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Auth {
    /// True once the client is known.
    pub is_loaded: bool,
    /// True when loaded with a current session.
    pub is_signed_in: bool,
    /// The current session's id.
    pub session_id: Option<String>,
    /// The current user's id.
    pub user_id: Option<String>,
}

/// Whether the user is signed in, and as whom.
///
/// ```no_run
/// use yew::prelude::*;
/// use yew_clerk::use_auth;
///
/// #[component]
/// fn Status() -> Html {
///     let auth = use_auth();
///     if !auth.is_loaded {
///         return html! { <p>{ "Loading…" }</p> };
///     }
///     html! { <p>{ if auth.is_signed_in { "Signed in" } else { "Signed out" } }</p> }
/// }
/// ```
#[hook]
pub fn use_auth() -> Auth {
    let Some(clerk) = use_clerk() else {
        return Auth::default();
    };
    let session = clerk.session();
    Auth {
        is_loaded: clerk.is_loaded(),
        is_signed_in: session.is_some(),
        session_id: session.map(|s| s.id.clone()),
        user_id: clerk.user().map(|u| u.id.clone()),
    }
}

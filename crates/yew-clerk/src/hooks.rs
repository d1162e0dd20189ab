//! Hooks over the provider's context.

use yew::prelude::*;

use crate::api::{Session, User};
use crate::clerk::Clerk;
use crate::error::ClerkError;
use crate::sign_out::SignOutOptions;
use crate::tokens::GetTokenOptions;

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

/// The auth summary and actions, as Clerk React's `useAuth()`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Auth {
    /// True once the client is known.
    pub is_loaded: bool,
    /// True when loaded with a current session.
    pub is_signed_in: bool,
    /// The current session's id.
    pub session_id: Option<String>,
    /// The current user's id.
    pub user_id: Option<String>,
    clerk: Option<Clerk>,
}

impl Auth {
    /// A session token for your backend: [`Clerk::get_token`]. Outside a
    /// [`ClerkProvider`](crate::ClerkProvider), or signed out:
    /// [`ClerkError::NoActiveSession`], and no request.
    ///
    /// ```no_run
    /// use yew::prelude::*;
    /// use yew_clerk::{use_auth, GetTokenOptions};
    ///
    /// #[component]
    /// fn CallApi() -> Html {
    ///     let auth = use_auth();
    ///     let onclick = Callback::from(move |_| {
    ///         let auth = auth.clone();
    ///         wasm_bindgen_futures::spawn_local(async move {
    ///             if let Ok(token) = auth.get_token(GetTokenOptions::new()).await {
    ///                 // fetch("/api", { headers: { Authorization: `Bearer ${token}` } })
    ///                 let _ = token;
    ///             }
    ///         });
    ///     });
    ///     html! { <button {onclick}>{ "Call the API" }</button> }
    /// }
    /// ```
    pub async fn get_token(&self, options: GetTokenOptions) -> Result<String, ClerkError> {
        match &self.clerk {
            Some(clerk) => clerk.get_token(options).await,
            None => Err(ClerkError::NoActiveSession),
        }
    }

    /// Signs out: [`Clerk::sign_out`], with the same semantics.
    ///
    /// ```no_run
    /// use yew::prelude::*;
    /// use yew_clerk::{use_auth, SignOutOptions};
    ///
    /// #[component]
    /// fn SignOut() -> Html {
    ///     let auth = use_auth();
    ///     let onclick = Callback::from(move |_| {
    ///         let auth = auth.clone();
    ///         wasm_bindgen_futures::spawn_local(async move {
    ///             // The error also shows in `Clerk::sign_out_phase`.
    ///             let _ = auth.sign_out(SignOutOptions::new().redirect_url("/")).await;
    ///         });
    ///     });
    ///     html! { <button {onclick}>{ "Sign out" }</button> }
    /// }
    /// ```
    pub async fn sign_out(&self, options: SignOutOptions) -> Result<(), ClerkError> {
        match &self.clerk {
            Some(clerk) => clerk.sign_out(options).await,
            None => Err(ClerkError::InvalidConfig(
                "use_auth() is outside a ClerkProvider".into(),
            )),
        }
    }
}

/// Whether the user is signed in, as whom, and the actions
/// [`Auth::get_token`] and [`Auth::sign_out`].
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
    let session_id = clerk.session().map(|s| s.id.clone());
    Auth {
        is_loaded: clerk.is_loaded(),
        is_signed_in: session_id.is_some(),
        session_id,
        user_id: clerk.user().map(|u| u.id.clone()),
        clerk: Some(clerk),
    }
}

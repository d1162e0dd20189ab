//! [`RedirectToSignIn`]: sends the user to a typed sign-in route.

use yew::prelude::*;
use yew_router::prelude::*;

use super::replace_with_sign_in;
use crate::browser;

/// Props of [`RedirectToSignIn`].
#[derive(Properties, PartialEq, Clone)]
pub struct RedirectToSignInProps<R: Routable> {
    /// The sign-in route.
    pub sign_in: R,
}

/// Once rendered, replaces the current history entry with the `sign_in`
/// route, with `redirect_url` (a [`SignInQuery`](super::SignInQuery)) set to
/// the current page, as Clerk React's `<RedirectToSignIn />`. Render it only
/// for signed-out users, e.g. inside [`SignedOut`](crate::SignedOut). It
/// renders nothing, and does nothing outside a router.
///
/// ```no_run
/// use yew::prelude::*;
/// use yew_clerk::router::RedirectToSignIn;
/// use yew_clerk::{SignedIn, SignedOut};
/// use yew_router::prelude::*;
///
/// #[derive(Routable, Clone, PartialEq)]
/// enum Route {
///     #[at("/sign-in")]
///     SignIn,
/// }
///
/// #[component]
/// fn Dashboard() -> Html {
///     html! {
///         <>
///             <SignedIn><p>{ "Your dashboard" }</p></SignedIn>
///             <SignedOut><RedirectToSignIn<Route> sign_in={Route::SignIn} /></SignedOut>
///         </>
///     }
/// }
/// ```
#[component]
pub fn RedirectToSignIn<R: Routable + 'static>(props: &RedirectToSignInProps<R>) -> Html {
    let navigator = use_navigator();
    use_effect_with(props.sign_in.clone(), move |sign_in| {
        if let Some(navigator) = navigator {
            replace_with_sign_in(&navigator, sign_in, &browser::current_path());
        }
    });
    Html::default()
}

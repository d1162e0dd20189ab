//! [`RouterProtect`]: [`Protect`](crate::Protect) with a typed sign-in route.

use yew::prelude::*;
use yew_router::prelude::*;

use super::replace_with_sign_in;
use crate::browser;
use crate::clerk::Resolved;
use crate::hooks::use_clerk;
use crate::navigation::{gate, sign_in_url_with_return, Gate, Kind};

/// Props of [`RouterProtect`].
#[derive(Properties, PartialEq, Clone)]
pub struct RouterProtectProps<R: Routable> {
    /// The sign-in route signed-out users are sent to, with `redirect_url`
    /// (a [`SignInQuery`](super::SignInQuery)) set to the current page.
    pub sign_in: R,
    /// Shown to signed-out users instead of redirecting.
    #[prop_or_default]
    pub fallback: Option<Html>,
    /// The protected content.
    #[prop_or_default]
    pub children: Html,
}

/// Shows its children only to signed-in users; signed-out users see the
/// `fallback`, or are sent to the `sign_in` route. The redirect replaces the
/// history entry through yew-router's navigator (outside a router, it goes
/// to the provider's `sign_in_url` as [`Protect`](crate::Protect) does).
///
/// ```no_run
/// use yew::prelude::*;
/// use yew_clerk::router::RouterProtect;
/// use yew_router::prelude::*;
///
/// #[derive(Routable, Clone, PartialEq)]
/// enum Route {
///     #[at("/sign-in")]
///     SignIn,
///     #[at("/account")]
///     Account,
/// }
///
/// #[component]
/// fn Account() -> Html {
///     html! {
///         <RouterProtect<Route> sign_in={Route::SignIn}>
///             <p>{ "Only for signed-in users" }</p>
///         </RouterProtect<Route>>
///     }
/// }
/// ```
#[component]
pub fn RouterProtect<R: Routable + 'static>(props: &RouterProtectProps<R>) -> Html {
    let clerk = use_clerk();
    let navigator = use_navigator();
    let gate = clerk
        .as_ref()
        .map_or(Gate::Nothing, |c| gate(c.state(), props.fallback.is_some()));
    let redirect =
        (gate == Gate::Redirect).then(|| (props.sign_in.clone(), browser::current_path()));
    use_effect_with(redirect, move |redirect| {
        let Some((sign_in, current)) = redirect else {
            return;
        };
        match (navigator, clerk) {
            (Some(navigator), _) => replace_with_sign_in(&navigator, sign_in, current),
            (None, Some(clerk)) => {
                let url = sign_in_url_with_return(clerk.sign_in_url(), current);
                let _ = clerk
                    .inner
                    .resolve(&url, Kind::Replace)
                    .and_then(Resolved::go);
            }
            (None, None) => {}
        }
    });
    match (gate, &props.fallback) {
        (Gate::Children, _) => props.children.clone(),
        (Gate::Fallback, Some(fallback)) => fallback.clone(),
        _ => Html::default(),
    }
}

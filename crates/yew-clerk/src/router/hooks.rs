//! [`use_router_navigation`]: yew-router's navigator as the provider's
//! `router_push` and `router_replace`.

use yew::prelude::*;
use yew_router::prelude::*;
use yew_router::AnyRoute;

use crate::browser;
use crate::navigation::within_basename;

/// Navigation callbacks, as [`ClerkProvider`](crate::ClerkProvider)'s
/// `router_push` and `router_replace` take them: each gets a path on this
/// origin, with its query and fragment (`/account?tab=1`).
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct RouterNavigation {
    /// Adds a history entry.
    pub push: Callback<String>,
    /// Replaces the current history entry.
    pub replace: Callback<String>,
}

/// yew-router's navigator as callbacks that take a path with its query;
/// `None` outside a router. They stay the same across renders.
///
/// The provider uses it by itself; apps can too, e.g. to follow a
/// `redirect_url` after signing in:
///
/// ```no_run
/// use yew::prelude::*;
/// use yew_clerk::router::use_router_navigation;
///
/// #[component]
/// fn Done() -> Html {
///     let Some(navigation) = use_router_navigation() else { return html! {} };
///     let onclick = navigation.push.reform(|_| "/account?tab=security".to_owned());
///     html! { <button {onclick}>{ "Continue" }</button> }
/// }
/// ```
#[hook]
pub fn use_router_navigation() -> Option<RouterNavigation> {
    let navigator = use_navigator();
    let navigation = use_memo(navigator, |navigator| {
        let navigator = navigator.clone()?;
        let to = |replace: bool| {
            let navigator = navigator.clone();
            Callback::from(move |path: String| go(&navigator, &path, replace))
        };
        Some(RouterNavigation {
            push: to(false),
            replace: to(true),
        })
    });
    (*navigation).clone()
}

fn go(navigator: &Navigator, path: &str, replace: bool) {
    // The navigator adds its basename; a path outside it is for `location`.
    let Some(route) = within_basename(path, navigator.basename()) else {
        let _ = if replace {
            browser::replace(path)
        } else {
            browser::assign(path)
        };
        return;
    };
    let route = AnyRoute::new(route);
    if replace {
        navigator.replace(&route);
    } else {
        navigator.push(&route);
    }
}

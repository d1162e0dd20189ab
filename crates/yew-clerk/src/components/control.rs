//! Control components, as Clerk React has them: they render their children
//! only in one auth state.

use yew::prelude::*;

use crate::browser;
use crate::clerk::Resolved;
use crate::hooks::use_clerk;
use crate::navigation::{gate, sign_in_url_with_return, Gate, Kind};

/// Props of components that only wrap children.
#[derive(Properties, PartialEq, Clone)]
pub struct ChildrenProps {
    /// What to render.
    #[prop_or_default]
    pub children: Html,
}

fn shown_if(show: bool, props: &ChildrenProps) -> Html {
    if show {
        props.children.clone()
    } else {
        Html::default()
    }
}

/// Renders its children only when loaded and signed in.
#[component]
pub fn SignedIn(props: &ChildrenProps) -> Html {
    shown_if(use_clerk().is_some_and(|c| c.is_signed_in()), props)
}

/// Renders its children only when loaded and signed out.
#[component]
pub fn SignedOut(props: &ChildrenProps) -> Html {
    shown_if(
        use_clerk().is_some_and(|c| c.state().is_signed_out()),
        props,
    )
}

/// Renders its children while the client is loading (or re-validating).
#[component]
pub fn ClerkLoading(props: &ChildrenProps) -> Html {
    shown_if(
        use_clerk().is_some_and(|c| *c.load_state() == crate::LoadState::Loading),
        props,
    )
}

/// Renders its children once the client is loaded, signed in or not.
#[component]
pub fn ClerkLoaded(props: &ChildrenProps) -> Html {
    shown_if(use_clerk().is_some_and(|c| c.is_loaded()), props)
}

/// Props of [`Protect`].
#[derive(Properties, PartialEq, Clone)]
pub struct ProtectProps {
    /// Shown to signed-out users. Without it they are sent to the provider's
    /// `sign_in_url`, with `redirect_url` set to the current page.
    #[prop_or_default]
    pub fallback: Option<Html>,
    /// The protected content.
    #[prop_or_default]
    pub children: Html,
}

/// Shows its children only to signed-in users.
///
/// Signed-out users see the `fallback`, or without one are sent to the
/// provider's `sign_in_url` with `redirect_url` set to this page. The
/// redirect replaces the history entry, through the app's router when the
/// provider has one (`router_replace`, or the `yew-router` feature), else
/// `location.replace`.
///
/// ```no_run
/// use yew::prelude::*;
/// use yew_clerk::Protect;
///
/// #[component]
/// fn Account() -> Html {
///     html! { <Protect><p>{ "Only for signed-in users" }</p></Protect> }
/// }
/// ```
#[component]
pub fn Protect(props: &ProtectProps) -> Html {
    let clerk = use_clerk();
    let gate = clerk
        .as_ref()
        .map_or(Gate::Nothing, |c| gate(c.state(), props.fallback.is_some()));
    let target = clerk
        .as_ref()
        .filter(|_| gate == Gate::Redirect)
        .map(|c| sign_in_url_with_return(c.sign_in_url(), &browser::current_path()));
    use_effect_with(target, move |target| {
        if let (Some(target), Some(clerk)) = (target, clerk) {
            let _ = clerk
                .inner
                .resolve(target, Kind::Replace)
                .and_then(Resolved::go);
        }
    });
    match (gate, &props.fallback) {
        (Gate::Children, _) => props.children.clone(),
        (Gate::Fallback, Some(fallback)) => fallback.clone(),
        _ => Html::default(),
    }
}

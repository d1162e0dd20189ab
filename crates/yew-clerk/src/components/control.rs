//! Control components, as Clerk React has them: they render their children
//! only in one auth state.

use yew::prelude::*;

use crate::browser;
use crate::clerk::sign_in_redirect;
use crate::hooks::use_clerk;

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
#[function_component]
pub fn SignedIn(props: &ChildrenProps) -> Html {
    shown_if(use_clerk().is_some_and(|c| c.is_signed_in()), props)
}

/// Renders its children only when loaded and signed out.
#[function_component]
pub fn SignedOut(props: &ChildrenProps) -> Html {
    shown_if(
        use_clerk().is_some_and(|c| c.state().is_signed_out()),
        props,
    )
}

/// Renders its children while the client is loading (or re-validating).
#[function_component]
pub fn ClerkLoading(props: &ChildrenProps) -> Html {
    shown_if(
        use_clerk().is_some_and(|c| *c.load_state() == crate::LoadState::Loading),
        props,
    )
}

/// Renders its children once the client is loaded, signed in or not.
#[function_component]
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
#[function_component]
pub fn Protect(props: &ProtectProps) -> Html {
    let clerk = use_clerk();
    let signed_in = clerk.as_ref().is_some_and(|c| c.is_signed_in());
    let signed_out = clerk.as_ref().is_some_and(|c| c.state().is_signed_out());
    // A sign-out that is navigating somewhere must not be overtaken by the
    // sign-in redirect.
    let leaving = clerk
        .as_ref()
        .is_some_and(|c| *c.sign_out_phase() == crate::SignOutPhase::Navigating);
    let redirect_to = (signed_out && !leaving && props.fallback.is_none())
        .then(|| clerk.as_ref().map(|c| sign_in_redirect(c.sign_in_url())))
        .flatten();
    use_effect_with(redirect_to, |target| {
        if let Some(target) = target {
            // replace: the protected URL should not stay in history as a page
            // that bounces back here.
            let _ = browser::replace(target);
        }
    });
    match (&props.fallback, signed_in, signed_out) {
        (_, true, _) => props.children.clone(),
        (Some(fallback), _, true) => fallback.clone(),
        _ => Html::default(),
    }
}

//! A ready sign-out button.

use yew::prelude::*;

use crate::hooks::use_clerk;
use crate::sign_out::SignOutOptions;
use crate::state::SignOutPhase;

/// Props of [`SignOutButton`].
#[derive(Properties, PartialEq, Clone)]
pub struct SignOutButtonProps {
    /// Where to go afterwards; defaults to the provider's `after_sign_out_url`,
    /// else the page reloads.
    #[prop_or_default]
    pub redirect_url: Option<AttrValue>,
    /// End only this session.
    #[prop_or_default]
    pub session_id: Option<AttrValue>,
    /// The button's `id`.
    #[prop_or_default]
    pub id: Option<AttrValue>,
    /// The button's `class`.
    #[prop_or_default]
    pub class: Classes,
    /// The label while a sign-out is in flight.
    #[prop_or(AttrValue::Static("Signing out…"))]
    pub pending_label: AttrValue,
    /// The label; "Sign out" when empty.
    #[prop_or_default]
    pub children: Html,
}

/// A button that signs out. It disables itself and says so while the request
/// is in flight; the outcome shows in [`Clerk::sign_out_phase`](crate::Clerk::sign_out_phase).
///
/// ```no_run
/// use yew::prelude::*;
/// use yew_clerk::SignOutButton;
///
/// #[component]
/// fn Header() -> Html {
///     html! { <SignOutButton id="sign-out" redirect_url="/">{ "Sign out" }</SignOutButton> }
/// }
/// ```
#[component]
pub fn SignOutButton(props: &SignOutButtonProps) -> Html {
    let clerk = use_clerk();
    let in_flight = clerk
        .as_ref()
        .is_some_and(|c| *c.sign_out_phase() == SignOutPhase::InFlight);
    let onclick = {
        let (redirect_url, session_id) = (props.redirect_url.clone(), props.session_id.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(clerk) = &clerk else { return };
            let mut options = SignOutOptions::new();
            options.redirect_url = redirect_url.as_ref().map(|s| s.to_string());
            options.session_id = session_id.as_ref().map(|s| s.to_string());
            clerk.spawn_sign_out(options);
        })
    };
    let label = if in_flight {
        html! { {props.pending_label.clone()} }
    } else if props.children == Html::default() {
        html! { "Sign out" }
    } else {
        props.children.clone()
    };
    html! {
        <button
            type="button"
            id={props.id.clone()}
            class={props.class.clone()}
            disabled={in_flight}
            aria-busy={in_flight.then_some("true")}
            {onclick}
        >
            { label }
        </button>
    }
}

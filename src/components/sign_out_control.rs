//! A sign-out button with its failure message and Retry.

use yew::prelude::*;
use yew_clerk::{use_clerk, SignOutButton, SignOutPhase};

/// Props of [`SignOutControl`].
#[derive(Properties, PartialEq)]
pub struct SignOutControlProps {
    /// The button's id.
    pub id: AttrValue,
    /// Where to go afterwards; without it the page reloads.
    #[prop_or_default]
    pub redirect_url: Option<AttrValue>,
    /// End only this session.
    #[prop_or_default]
    pub session_id: Option<AttrValue>,
    /// The label.
    #[prop_or(AttrValue::Static("Sign out"))]
    pub label: AttrValue,
    /// Show failures here (one control per page should).
    #[prop_or(true)]
    pub report: bool,
}

/// The SDK's button, plus what went wrong: a failed sign-out leaves the user
/// signed in, and says so.
#[component]
pub fn SignOutControl(props: &SignOutControlProps) -> Html {
    let failure = use_clerk().and_then(|c| match c.sign_out_phase() {
        SignOutPhase::Failed(e) => Some(e.to_string()),
        _ => None,
    });
    html! {
        <div class="sign-out">
            <SignOutButton id={props.id.clone()} class="button"
                redirect_url={props.redirect_url.clone()} session_id={props.session_id.clone()}>
                { props.label.clone() }
            </SignOutButton>
            if let (true, Some(message)) = (props.report, failure) {
                <div class="notice error" role="alert" id="sign-out-error">
                    <p>{ format!("Sign-out failed: {message}") }</p>
                    <p>{ "You are still signed in." }</p>
                    <SignOutButton id="sign-out-retry" class="button secondary"
                        redirect_url={props.redirect_url.clone()} session_id={props.session_id.clone()}>
                        { "Retry" }
                    </SignOutButton>
                </div>
            }
        </div>
    }
}

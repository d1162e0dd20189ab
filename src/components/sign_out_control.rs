//! A sign-out button with its failure message and Retry.
//!
//! A function, not a component: it uses no hooks of its own (the page passes
//! the failure), and every component costs the bundle its own copy of Yew's
//! lifecycle code (README, "Size, decided by measurement").

use yew::prelude::*;
use yew_clerk::{Clerk, ClerkError, SignOutButton, SignOutPhase};

/// The failure of the last sign-out, for [`sign_out_control`] to report.
pub fn sign_out_failure(clerk: &Clerk) -> Option<&ClerkError> {
    match clerk.sign_out_phase() {
        SignOutPhase::Failed(e) => Some(e),
        _ => None,
    }
}

/// The SDK's button with `id` and `label`, plus what went wrong when
/// `failure` is given: a failed sign-out leaves the user signed in, and says
/// so, with Retry. One control per page should report failures.
pub fn sign_out_control(
    id: AttrValue,
    label: &'static str,
    redirect_url: Option<AttrValue>,
    session_id: Option<AttrValue>,
    failure: Option<&ClerkError>,
) -> Html {
    html! {
        <div class="sign-out">
            <SignOutButton {id} class="button"
                redirect_url={redirect_url.clone()} session_id={session_id.clone()}>
                { label }
            </SignOutButton>
            if let Some(error) = failure {
                <div class="notice error" role="alert" id="sign-out-error">
                    <p>{ "Sign-out failed: " }{ error.to_string() }</p>
                    <p>{ "You are still signed in." }</p>
                    <SignOutButton id="sign-out-retry" class="button secondary"
                        {redirect_url} {session_id}>
                        { "Retry" }
                    </SignOutButton>
                </div>
            }
        </div>
    }
}

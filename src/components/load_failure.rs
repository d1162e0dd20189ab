//! The panel shown when Clerk cannot be loaded: says why, offers Retry.

use yew::prelude::*;
use yew_clerk::{Clerk, ClerkError};

/// Why loading failed, and a Retry where retrying can help. A function, not
/// a component (see `sign_out_control`): while a retry runs the state is
/// loading again, so the page shows that instead of this panel.
pub fn load_failure(clerk: &Clerk, error: &ClerkError) -> Html {
    let (title, hint, can_retry) = match error {
        ClerkError::InvalidPublishableKey { .. } => (
            "This app's publishable key is invalid",
            "Rebuild with a valid CLERK_PUBLISHABLE_KEY (pk_test_… or pk_live_…).",
            false,
        ),
        ClerkError::InvalidConfig(_) => (
            "This app is misconfigured",
            "Check the ClerkProvider settings.",
            false,
        ),
        // Bot protection: clerk-js would show Clerk's CAPTCHA here; the
        // hosted pages do.
        e if e.code() == Some("requires_captcha") => (
            "Clerk's bot protection stopped this browser",
            "Try again in a moment, or sign in on Clerk's sign-in page.",
            true,
        ),
        ClerkError::Network(_) => (
            "Can't reach the authentication server",
            "Check your connection; with the emulator, check that scripts/dev is running.",
            true,
        ),
        _ => (
            "Authentication could not be loaded",
            "Try again in a moment.",
            true,
        ),
    };
    let onclick = {
        let clerk = clerk.clone();
        Callback::from(move |_| {
            let clerk = clerk.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let _ = clerk.reload().await;
            });
        })
    };
    html! {
        <section class="panel error" role="alert" id="load-failure">
            <h1>{ title }</h1>
            <p class="detail">{ error.to_string() }</p>
            <p>{ hint }</p>
            if can_retry {
                <button id="retry" type="button" {onclick}>{ "Retry" }</button>
            }
        </section>
    }
}

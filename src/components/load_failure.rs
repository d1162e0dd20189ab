//! The panel shown when Clerk cannot be loaded: says why, offers Retry.

use yew::prelude::*;
use yew_clerk::{use_clerk, ClerkError};

/// Props of [`LoadFailure`].
#[derive(Properties, PartialEq)]
pub struct LoadFailureProps {
    /// Why loading failed.
    pub error: ClerkError,
}

/// Why loading failed, and a Retry where retrying can help.
#[component]
pub fn LoadFailure(props: &LoadFailureProps) -> Html {
    let clerk = use_clerk();
    let retrying = use_state(|| false);
    let (title, hint, can_retry) = match &props.error {
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
        let retrying = retrying.clone();
        Callback::from(move |_| {
            let Some(clerk) = clerk.clone() else { return };
            let retrying = retrying.clone();
            retrying.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let _ = clerk.reload().await;
                retrying.set(false);
            });
        })
    };
    html! {
        <section class="panel error" role="alert" id="load-failure">
            <h1>{ title }</h1>
            <p class="detail">{ props.error.to_string() }</p>
            <p>{ hint }</p>
            if can_retry {
                <button id="retry" type="button" {onclick} disabled={*retrying}>
                    { if *retrying { "Retrying…" } else { "Retry" } }
                </button>
            }
        </section>
    }
}

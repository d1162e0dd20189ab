//! `/`: the vanilla example's view: "Active session: <id>" and Sign out, or
//! "You are signed out".

use yew::prelude::*;
use yew_clerk::{use_clerk, ClerkLoading, LoadState, SignedIn, SignedOut};

use crate::components::{sign_out_control, sign_out_failure, LoadFailure};
use yew_router::prelude::Link;

use crate::Route;

/// The home page.
#[component]
pub fn Home() -> Html {
    let Some(clerk) = use_clerk() else {
        return html! {};
    };
    if let LoadState::Failed(error) = clerk.load_state() {
        return html! { <LoadFailure error={error.clone()} /> };
    }
    let session_id = clerk.session().map(|s| s.id.clone()).unwrap_or_default();
    let email = clerk
        .user()
        .and_then(|u| u.primary_email_address())
        .unwrap_or_default()
        .to_owned();
    html! {
        <section class="panel">
            <ClerkLoading>
                <p class="loading" role="status" aria-live="polite" aria-busy="true">{ "Loading…" }</p>
            </ClerkLoading>
            <SignedIn>
                <h1>{ "Welcome back" }</h1>
                <p id="status" role="status" aria-live="polite">
                    { "Active session: " }<code id="session-id">{ session_id }</code>
                </p>
                <p>{ "Signed in as " }<strong id="user-email">{ email }</strong></p>
                { sign_out_control("sign-out".into(), "Sign out", None, None, sign_out_failure(&clerk)) }
                <p class="links">
                    <Link<Route> to={Route::Sessions}>{ "Manage sessions" }</Link<Route>>
                    <Link<Route> to={Route::Account}>{ "Your account" }</Link<Route>>
                </p>
            </SignedIn>
            <SignedOut>
                <h1>{ "Hello" }</h1>
                <p id="status" role="status" aria-live="polite">{ "You are signed out" }</p>
                <p><Link<Route> to={Route::SignIn} classes="button">{ "Sign in" }</Link<Route>></p>
            </SignedOut>
        </section>
    }
}

//! `/`: the vanilla example's view: "Active session: <id>" and Sign out, or
//! "You are signed out".

use yew::prelude::*;
use yew_clerk::{use_clerk, LoadState};

use crate::components::{load_failure, sign_out_control, sign_out_failure};
use yew_router::prelude::Link;

use crate::Route;

/// The home page.
#[component]
pub fn Home() -> Html {
    let Some(clerk) = use_clerk() else {
        return html! {};
    };
    if let LoadState::Failed(error) = clerk.load_state() {
        return load_failure(&clerk, error);
    }
    // Branches on the state rather than <ClerkLoading>, <SignedIn> and
    // <SignedOut>: the same, without three components in the bundle.
    let body = if let Some(session) = clerk.session() {
        let email = clerk
            .user()
            .and_then(|u| u.primary_email_address())
            .unwrap_or_default()
            .to_owned();
        html! {
            <>
                <h1>{ "Welcome back" }</h1>
                <p id="status" role="status" aria-live="polite">
                    { "Active session: " }<code id="session-id">{ session.id.clone() }</code>
                </p>
                <p>{ "Signed in as " }<strong id="user-email">{ email }</strong></p>
                { sign_out_control("sign-out".into(), "Sign out", None, None, sign_out_failure(&clerk)) }
                <p class="links">
                    <Link<Route> to={Route::Sessions}>{ "Manage sessions" }</Link<Route>>
                    <Link<Route> to={Route::Account}>{ "Your account" }</Link<Route>>
                </p>
            </>
        }
    } else if clerk.is_loaded() {
        html! {
            <>
                <h1>{ "Hello" }</h1>
                <p id="status" role="status" aria-live="polite">{ "You are signed out" }</p>
                <p><Link<Route> to={Route::SignIn} classes="button">{ "Sign in" }</Link<Route>></p>
            </>
        }
    } else {
        html! { <p class="loading" role="status" aria-live="polite" aria-busy="true">{ "Loading…" }</p> }
    };
    html! { <section class="panel">{ body }</section> }
}

//! `/`: the vanilla example's view: "Active session: <id>" and Sign out, or
//! "You are signed out" with both ways to sign in: the app's own form, or
//! Clerk's hosted page (the Account Portal). A pending session (tasks left)
//! is not signed in: it gets "Finish setting up your account".

use yew::prelude::*;
use yew_clerk::{use_clerk, LoadState};

use crate::components::{load_failure, sign_out_control, sign_out_failure};
use yew_router::prelude::Link;

use crate::Route;

/// The home page.
#[component]
pub fn Home() -> Html {
    let portal_error = use_state(|| None::<String>);
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
    } else if let Some(pending) = clerk.pending_session() {
        let tasks: Vec<String> = pending.tasks.iter().map(|t| t.key.clone()).collect();
        html! {
            <>
                <h1>{ "Finish setting up your account" }</h1>
                <p id="status" role="status" aria-live="polite">
                    { "Your sign-in has steps left: " }<code id="tasks">{ tasks.join(", ") }</code>
                </p>
                { sign_out_control("sign-out".into(), "Sign out", None, None, sign_out_failure(&clerk)) }
            </>
        }
    } else if clerk.is_loaded() {
        let to_portal = {
            let clerk = clerk.clone();
            let portal_error = portal_error.clone();
            Callback::from(move |_| {
                let clerk = clerk.clone();
                let portal_error = portal_error.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    // Back here afterwards: the current page.
                    if let Err(e) = clerk.redirect_to_sign_in(None).await {
                        portal_error.set(Some(e.to_string()));
                    }
                });
            })
        };
        html! {
            <>
                <h1>{ "Hello" }</h1>
                <p id="status" role="status" aria-live="polite">{ "You are signed out" }</p>
                <p class="links">
                    <Link<Route> to={Route::SignIn} classes="button">{ "Sign in here" }</Link<Route>>
                    <button id="portal-sign-in" type="button" onclick={to_portal}>
                        { "Use Clerk's sign-in page" }
                    </button>
                </p>
                if let Some(error) = (*portal_error).clone() {
                    <p id="portal-error" class="error" role="alert">{ error }</p>
                }
            </>
        }
    } else {
        html! { <p class="loading" role="status" aria-live="polite" aria-busy="true">{ "Loading…" }</p> }
    };
    html! { <section class="panel">{ body }</section> }
}

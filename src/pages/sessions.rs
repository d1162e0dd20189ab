//! `/sessions`: this client's signed-in sessions, the current one marked, each
//! with its own Sign out (clerk-js's `signOut({ sessionId })`).

use yew::prelude::*;
use yew_clerk::router::RouterProtect;
use yew_clerk::{use_clerk, Session};

use crate::components::SignOutControl;
use yew_router::prelude::Link;

use crate::Route;

/// The sessions page.
#[component]
pub fn Sessions() -> Html {
    let fallback = html! {
        <section class="panel">
            <h1>{ "Sessions" }</h1>
            <p>{ "You are signed out" }</p>
            <p><Link<Route> to={Route::SignIn}>{ "Sign in" }</Link<Route>></p>
        </section>
    };
    html! {
        <RouterProtect<Route> sign_in={Route::SignIn} fallback={fallback}>
            <SessionList />
        </RouterProtect<Route>>
    }
}

#[component]
fn SessionList() -> Html {
    let Some(clerk) = use_clerk() else {
        return html! {};
    };
    let switch_error = use_state(|| None::<String>);
    let current = clerk.session().map(|s| s.id.clone());
    let sessions: Vec<Session> = clerk
        .state()
        .signed_in_sessions()
        .into_iter()
        .cloned()
        .collect();
    let item = |session: &Session| {
        let is_current = current.as_deref() == Some(session.id.as_str());
        let email = session
            .user
            .as_ref()
            .and_then(|u| u.primary_email_address())
            .unwrap_or("unknown user")
            .to_owned();
        let switch = {
            let (clerk, id, switch_error) =
                (clerk.clone(), session.id.clone(), switch_error.clone());
            Callback::from(move |_| {
                let (clerk, id, switch_error) = (clerk.clone(), id.clone(), switch_error.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    let result = clerk.set_active(&id).await;
                    switch_error.set(result.err().map(|e| e.to_string()));
                });
            })
        };
        html! {
            <li class={classes!("session", is_current.then_some("current"))} data-session-id={session.id.clone()}>
                <div>
                    <strong>{ email }</strong>
                    if is_current { <span class="badge" aria-label="current session">{ "Current" }</span> }
                    <br /><code>{ session.id.clone() }</code>
                </div>
                <div class="actions">
                    if !is_current {
                        <button type="button" class="button secondary" onclick={switch}>{ "Switch to" }</button>
                    }
                    <SignOutControl id={format!("sign-out-{}", session.id)}
                        session_id={session.id.clone()} report={false} />
                </div>
            </li>
        }
    };
    html! {
        <section class="panel">
            <h1>{ "Sessions" }</h1>
            <p class="muted" role="status" aria-live="polite">
                { format!("{} signed-in session{} on this browser", sessions.len(), if sessions.len() == 1 { "" } else { "s" }) }
            </p>
            if let Some(error) = &*switch_error {
                <p class="notice error" role="alert">{ error.clone() }</p>
            }
            <ul class="sessions">{ for sessions.iter().map(item) }</ul>
            <SignOutControl id="sign-out-all" label="Sign out of all sessions" />
            <p><Link<Route> to={Route::SignIn}>{ "Add another account" }</Link<Route>></p>
        </section>
    }
}

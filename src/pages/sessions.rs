//! `/sessions`: this client's signed-in sessions, the current one marked, each
//! with its own Sign out (clerk-js's `signOut({ sessionId })`).

use yew::prelude::*;
use yew_clerk::router::RouterProtect;
use yew_clerk::{use_clerk, Clerk, Session};
use yew_router::prelude::Link;

use crate::components::{sign_out_control, sign_out_failure};
use crate::Route;

/// The sessions page.
#[component]
pub fn Sessions() -> Html {
    let clerk = use_clerk();
    let switch_error = use_state(|| None::<String>);
    let fallback = html! {
        <section class="panel">
            <h1>{ "Sessions" }</h1>
            <p>{ "You are signed out" }</p>
            <p><Link<Route> to={Route::SignIn}>{ "Sign in" }</Link<Route>></p>
        </section>
    };
    let list = clerk
        .as_ref()
        .map(|clerk| session_list(clerk, &switch_error))
        .unwrap_or_default();
    html! {
        <RouterProtect<Route> sign_in={Route::SignIn} fallback={fallback}>
            { list }
        </RouterProtect<Route>>
    }
}

/// The list (`RouterProtect` shows it to signed-in users only).
fn session_list(clerk: &Clerk, switch_error: &UseStateHandle<Option<String>>) -> Html {
    let current = clerk.session().map(|s| s.id.as_str());
    let sessions = clerk.state().signed_in_sessions();
    let item = |session: &&Session| {
        let is_current = current == Some(session.id.as_str());
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
        let id = AttrValue::from(session.id.clone());
        html! {
            <li class={classes!("session", is_current.then_some("current"))} data-session-id={id.clone()}>
                <div>
                    <strong>{ email }</strong>
                    if is_current { <span class="badge" aria-label="current session">{ "Current" }</span> }
                    <br /><code>{ id.clone() }</code>
                </div>
                <div class="actions">
                    if !is_current {
                        <button type="button" class="button secondary" onclick={switch}>{ "Switch to" }</button>
                    }
                    { sign_out_control(format!("sign-out-{id}").into(), "Sign out", None, Some(id), None) }
                </div>
            </li>
        }
    };
    let count = sessions.len();
    html! {
        <section class="panel">
            <h1>{ "Sessions" }</h1>
            <p class="muted" role="status" aria-live="polite">
                { count }{ if count == 1 { " signed-in session on this browser" } else { " signed-in sessions on this browser" } }
            </p>
            if let Some(error) = &**switch_error {
                <p class="notice error" role="alert">{ error.clone() }</p>
            }
            <ul class="sessions">{ for sessions.iter().map(item) }</ul>
            { sign_out_control("sign-out-all".into(), "Sign out of all sessions", None, None,
                sign_out_failure(clerk)) }
            <p><Link<Route> to={Route::SignIn}>{ "Add another account" }</Link<Route>></p>
        </section>
    }
}

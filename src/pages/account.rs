//! `/account`: protected. Signed-out visitors go to
//! `/sign-in?redirect_url=%2Faccount`. It shows what the demo API
//! (`crates/demo-api`) answers for the page's session token: the call a
//! real app makes to its own backend.

use gloo_net::http::Request;
use yew::prelude::*;
use yew_clerk::router::RouterProtect;
use yew_clerk::{use_clerk, Clerk, GetTokenOptions};

use crate::components::{sign_out_control, sign_out_failure};
use crate::{config, Route};

/// The API's last answer, numbered, so a new one shows as new.
type Answer = Option<(u32, String)>;

/// The account page.
#[component]
pub fn Account() -> Html {
    let clerk = use_clerk();
    let answer = use_state(|| None);
    // `true`: with a new token (`skip_cache`).
    let call = {
        let (clerk, answer) = (clerk.clone(), answer.clone());
        Callback::from(move |skip_cache: bool| {
            let (Some(clerk), answer) = (clerk.clone(), answer.clone()) else {
                return;
            };
            let number = answer.as_ref().map_or(1, |(n, _)| n + 1);
            wasm_bindgen_futures::spawn_local(async move {
                let text = call_api(&clerk, skip_cache).await;
                answer.set(Some((number, text)));
            });
        })
    };
    let session = clerk
        .as_ref()
        .and_then(|c| c.session())
        .map(|s| s.id.clone());
    use_effect_with(session, {
        let call = call.clone();
        move |session: &Option<String>| {
            if session.is_some() {
                call.emit(false);
            }
        }
    });
    html! {
        <RouterProtect<Route> sign_in={Route::SignIn}>
            { clerk.as_ref().map(|c| details(c, &answer, &call)).unwrap_or_default() }
        </RouterProtect<Route>>
    }
}

/// `GET /api/me` with `Authorization: Bearer <token>`: the status and body
/// as the API answered them, or why there was no answer.
async fn call_api(clerk: &Clerk, skip_cache: bool) -> String {
    let options = GetTokenOptions::new().skip_cache(skip_cache);
    let token = match clerk.get_token(options).await {
        Ok(token) => token,
        Err(e) => return format!("No session token: {e}"),
    };
    let url = format!("{}/api/me", config::demo_api_url());
    let sent = Request::get(&url)
        .header("Authorization", &format!("Bearer {token}"))
        .send()
        .await;
    match sent {
        Ok(response) => {
            let body = response.text().await.unwrap_or_default();
            format!("HTTP {} {body}", response.status())
        }
        Err(e) => format!("Cannot reach the demo API at {url}: {e}"),
    }
}

/// The signed-in user's details and the API's answer (`RouterProtect`
/// shows them to signed-in users only).
fn details(clerk: &Clerk, answer: &Answer, call: &Callback<bool>) -> Html {
    let (Some(user), Some(session)) = (clerk.user(), clerk.session()) else {
        return html! {};
    };
    let row = |label: &'static str, value: String, id: &'static str| {
        html! { <><dt>{ label }</dt><dd {id}>{ value }</dd></> }
    };
    let answer = match answer {
        Some((number, text)) => format!("Answer {number}: {text}"),
        None => "Calling…".into(),
    };
    html! {
        <>
        <section class="panel">
            <h1>{ "Your account" }</h1>
            <dl class="details">
                { row("Name", user.full_name().unwrap_or_else(|| "—".into()), "account-name") }
                { row("Email", user.primary_email_address().unwrap_or("—").to_owned(), "account-email") }
                { row("User ID", user.id.clone(), "account-user-id") }
                { row("Session ID", session.id.clone(), "account-session-id") }
            </dl>
            // Next.js's form: signOut({ redirectUrl: '/' }).
            { sign_out_control("sign-out".into(), "Sign out and go home", Some("/".into()), None,
                sign_out_failure(clerk)) }
        </section>
        <section class="panel">
            <h2>{ "What your API says" }</h2>
            <p class="muted">{ "GET /api/me on the demo API, with this page's session token" }</p>
            <p id="api-answer" role="status"><code>{ answer }</code></p>
            <p class="links">
                <button type="button" class="button secondary" id="api-call"
                    onclick={call.reform(|_| false)}>{ "Call again" }</button>
                <button type="button" class="button secondary" id="api-call-new-token"
                    onclick={call.reform(|_| true)}>{ "Call with a new token" }</button>
            </p>
        </section>
        </>
    }
}

//! `/account`: protected. Signed-out visitors go to
//! `/sign-in?redirect_url=%2Faccount`.

use yew::prelude::*;
use yew_clerk::router::RouterProtect;
use yew_clerk::{use_clerk, Clerk};

use crate::components::{sign_out_control, sign_out_failure};
use crate::Route;

/// The account page.
#[component]
pub fn Account() -> Html {
    let clerk = use_clerk();
    html! {
        <RouterProtect<Route> sign_in={Route::SignIn}>
            { clerk.as_ref().map(details).unwrap_or_default() }
        </RouterProtect<Route>>
    }
}

/// The signed-in user's details (`RouterProtect` shows them to signed-in
/// users only).
fn details(clerk: &Clerk) -> Html {
    let (Some(user), Some(session)) = (clerk.user(), clerk.session()) else {
        return html! {};
    };
    let row = |label: &'static str, value: String, id: &'static str| {
        html! { <><dt>{ label }</dt><dd {id}>{ value }</dd></> }
    };
    html! {
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
    }
}

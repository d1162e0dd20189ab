//! `/account`: protected. Signed-out visitors go to
//! `/sign-in?redirect_url=/account`.

use yew::prelude::*;
use yew_clerk::router::RouterProtect;
use yew_clerk::use_clerk;

use crate::components::SignOutControl;
use crate::Route;

/// The account page.
#[component]
pub fn Account() -> Html {
    html! {
        <RouterProtect<Route> sign_in={Route::SignIn}>
            <AccountDetails />
        </RouterProtect<Route>>
    }
}

#[component]
fn AccountDetails() -> Html {
    let Some(clerk) = use_clerk() else {
        return html! {};
    };
    let (Some(user), Some(session)) = (clerk.user(), clerk.session()) else {
        return html! {};
    };
    let row = |label: &str, value: String, id: &str| {
        html! { <><dt>{ label.to_owned() }</dt><dd id={id.to_owned()}>{ value }</dd></> }
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
            <SignOutControl id="sign-out" redirect_url="/" label="Sign out and go home" />
        </section>
    }
}

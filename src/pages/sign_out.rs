//! `/sign-out?redirect_url=…`: a confirmation, then a sign-out that lands on
//! `redirect_url`. The SDK refuses a redirect outside this origin before any
//! request, so a crafted link cannot send users elsewhere or sign them out.

use yew::prelude::*;
use yew_clerk::use_clerk;
use yew_router::prelude::{use_location, Link};

use crate::components::{sign_out_control, sign_out_failure};
use crate::return_to::RedirectQuery;
use crate::Route;

/// The sign-out confirmation page.
#[component]
pub fn SignOutPage() -> Html {
    let redirect_url = use_location()
        .and_then(|l| l.query::<RedirectQuery>().ok())
        .and_then(|q| q.redirect_url)
        .map(AttrValue::from);
    let Some(clerk) = use_clerk() else {
        return html! {};
    };
    let email = clerk.user().and_then(|u| u.primary_email_address());
    html! {
        <section class="panel">
            if clerk.is_signed_in() {
                <h1>{ "Sign out?" }</h1>
                <p>{ "You are signed in as " }{ email.unwrap_or_default().to_owned() }{ "." }</p>
                if let Some(url) = &redirect_url {
                    <p class="muted">{ "Afterwards you will go to " }<code>{ url.clone() }</code></p>
                }
                { sign_out_control("sign-out".into(), "Sign out", redirect_url.clone(), None,
                    sign_out_failure(&clerk)) }
            }
            if clerk.state().is_signed_out() {
                <h1>{ "Signed out" }</h1>
                <p id="status" role="status">{ "You are signed out" }</p>
                <p><Link<Route> to={Route::Home}>{ "Go home" }</Link<Route>></p>
            }
        </section>
    }
}

//! The page frame: header with navigation and who is signed in.

use yew::prelude::*;
use yew_clerk::{use_user, SignedIn, SignedOut};

use super::theme::ThemeSwitch;
use yew_router::prelude::Link;

use crate::Route;

/// Props of [`Layout`].
#[derive(Properties, PartialEq)]
pub struct LayoutProps {
    /// The page.
    pub children: Html,
}

/// Header, navigation, and the page.
#[component]
pub fn Layout(props: &LayoutProps) -> Html {
    let email = use_user().and_then(|u| u.primary_email_address().map(str::to_owned));
    html! {
        <>
            <a class="skip" href="#main">{ "Skip to content" }</a>
            <header class="top">
                <Link<Route> to={Route::Home} classes="brand">{ "yew-clerk" }</Link<Route>>
                <nav aria-label="Main">
                    <Link<Route> to={Route::Home}>{ "Home" }</Link<Route>>
                    <Link<Route> to={Route::Sessions}>{ "Sessions" }</Link<Route>>
                    <Link<Route> to={Route::Account}>{ "Account" }</Link<Route>>
                </nav>
                <div class="who">
                    <SignedIn><span class="email">{ email.unwrap_or_default() }</span></SignedIn>
                    <SignedOut><Link<Route> to={Route::SignIn}>{ "Sign in" }</Link<Route>></SignedOut>
                    <ThemeSwitch />
                </div>
            </header>
            <main id="main" tabindex="-1">{ props.children.clone() }</main>
        </>
    }
}

//! The page frame: header with navigation and who is signed in.

use yew::prelude::*;
use yew_clerk::use_clerk;

use super::theme::{theme_switch, use_theme};
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
    let clerk = use_clerk();
    let theme = use_theme();
    let email = clerk
        .as_ref()
        .and_then(|c| c.user())
        .map(|u| u.primary_email_address().unwrap_or_default().to_owned());
    let signed_out = clerk.is_some_and(|c| c.state().is_signed_out());
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
                    if let Some(email) = email {
                        <span class="email">{ email }</span>
                    }
                    if signed_out {
                        <Link<Route> to={Route::SignIn}>{ "Sign in" }</Link<Route>>
                    }
                    { theme_switch(&theme) }
                </div>
            </header>
            <main id="main" tabindex="-1">{ props.children.clone() }</main>
        </>
    }
}

//! The page frame: header with navigation and who is signed in.

use yew::prelude::*;
use yew_clerk::{use_user, SignedIn, SignedOut};

use super::theme::ThemeSwitch;
use crate::router::{Link, Route};

/// Props of [`Layout`].
#[derive(Properties, PartialEq)]
pub struct LayoutProps {
    /// The page.
    pub children: Html,
}

/// Header, navigation, and the page.
#[function_component]
pub fn Layout(props: &LayoutProps) -> Html {
    let email = use_user().and_then(|u| u.primary_email_address().map(str::to_owned));
    html! {
        <>
            <a class="skip" href="#main">{ "Skip to content" }</a>
            <header class="top">
                <Link to={Route::Home} classes="brand">{ "yew-clerk" }</Link>
                <nav aria-label="Main">
                    <Link to={Route::Home}>{ "Home" }</Link>
                    <Link to={Route::Sessions}>{ "Sessions" }</Link>
                    <Link to={Route::Account}>{ "Account" }</Link>
                </nav>
                <div class="who">
                    <SignedIn><span class="email">{ email.unwrap_or_default() }</span></SignedIn>
                    <SignedOut><Link to={Route::SignIn}>{ "Sign in" }</Link></SignedOut>
                    <ThemeSwitch />
                </div>
            </header>
            <main id="main" tabindex="-1">{ props.children.clone() }</main>
        </>
    }
}

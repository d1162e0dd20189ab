//! The demo app: sign in, see the session, sign out, on Clerk's Frontend API
//! (the local emulator by default). Built on `yew-clerk` with its `yew-router`
//! feature: the provider navigates through the app's router, so a sign-out's
//! redirect and `RouterProtect`'s sign-in redirect never reload the page.

pub mod components;
pub mod config;
mod pages;
pub mod return_to;
pub mod routes;

use yew::prelude::*;
use yew_clerk::ClerkProvider;
use yew_router::prelude::*;

pub use routes::Route;

/// Props of [`App`]; tests pass their own key.
#[derive(Properties, PartialEq)]
pub struct AppProps {
    /// The publishable key; defaults to the build-time one.
    #[prop_or_else(config::publishable_key)]
    pub publishable_key: AttrValue,
}

impl Default for AppProps {
    fn default() -> Self {
        Self {
            publishable_key: config::publishable_key(),
        }
    }
}

/// The whole app. The router is outermost, so that the provider reaches its
/// navigator.
#[component]
pub fn App(props: &AppProps) -> Html {
    let keep: Vec<String> = config::KEPT_STORAGE_KEYS
        .iter()
        .map(|k| k.to_string())
        .collect();
    html! {
        <BrowserRouter>
            // session_cookie: the demo API is on this site (127.0.0.1), where
            // a backend may read `__session` instead of the Bearer header.
            <ClerkProvider publishable_key={props.publishable_key.clone()} sign_in_url="/sign-in"
                keep_storage_keys={keep} session_cookie=true
                dev_browser={config::dev_browser_mode()}>
                <components::Layout>
                    <Switch<Route> render={routes::switch} />
                </components::Layout>
            </ClerkProvider>
        </BrowserRouter>
    }
}

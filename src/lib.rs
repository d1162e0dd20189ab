//! The demo app: sign in, see the session, sign out, on Clerk's Frontend API
//! (the local emulator by default). Built on `yew-clerk`, with a small router of its own (`router.rs`).

pub mod components;
pub mod config;
mod pages;
pub mod return_to;
pub mod router;
pub mod routes;

use yew::prelude::*;
use yew_clerk::ClerkProvider;

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

/// The whole app.
#[function_component]
pub fn App(props: &AppProps) -> Html {
    let keep: Vec<String> = config::KEPT_STORAGE_KEYS
        .iter()
        .map(|k| k.to_string())
        .collect();
    html! {
        <router::Router>
            <ClerkProvider publishable_key={props.publishable_key.clone()} sign_in_url="/sign-in"
                keep_storage_keys={keep}>
                <components::Layout>
                    <routes::Pages />
                </components::Layout>
            </ClerkProvider>
        </router::Router>
    }
}

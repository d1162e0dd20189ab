//! The `yew-router` feature: components that take a typed route, and the
//! navigator wiring that lets the provider navigate without reloading.
//!
//! With the feature on, a [`ClerkProvider`](crate::ClerkProvider) inside a
//! `BrowserRouter` (put the router outermost) sends its same-origin
//! navigations (a sign-out's redirect, [`Protect`](crate::Protect)'s sign-in
//! redirect) through yew-router's navigator. Other origins still go through
//! `location`, as clerk-js does.
//!
//! ```no_run
//! use yew::prelude::*;
//! use yew_clerk::router::RouterProtect;
//! use yew_clerk::ClerkProvider;
//! use yew_router::prelude::*;
//!
//! #[derive(Routable, Clone, PartialEq)]
//! enum Route {
//!     #[at("/")]
//!     Home,
//!     #[at("/sign-in")]
//!     SignIn,
//!     #[at("/account")]
//!     Account,
//! }
//!
//! fn switch(route: Route) -> Html {
//!     match route {
//!         Route::Account => html! {
//!             <RouterProtect<Route> sign_in={Route::SignIn}><p>{ "Secret" }</p></RouterProtect<Route>>
//!         },
//!         _ => html! { <p>{ "Public" }</p> },
//!     }
//! }
//!
//! #[component]
//! fn App() -> Html {
//!     html! {
//!         <BrowserRouter>
//!             <ClerkProvider publishable_key="pk_test_MTI3LjAuMC4xOjg3ODck">
//!                 <Switch<Route> render={switch} />
//!             </ClerkProvider>
//!         </BrowserRouter>
//!     }
//! }
//! ```

mod hooks;
mod protect;
mod redirect;

use serde::{Deserialize, Serialize};
use yew_router::navigator::Navigator;
use yew_router::Routable;

pub use hooks::{use_router_navigation, RouterNavigation};
pub use protect::{RouterProtect, RouterProtectProps};
pub use redirect::{RedirectToSignIn, RedirectToSignInProps};

use crate::navigation::return_target;

/// The query of a sign-in redirect: where to go once signed in. Read it on
/// the sign-in page with yew-router's `use_location()` and
/// `location.query::<SignInQuery>()`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SignInQuery {
    /// The page (path, query and fragment) the user was sent from.
    pub redirect_url: Option<String>,
}

/// Replaces the current entry with the sign-in route, carrying the way back
/// to `current` (unless `current` is the sign-in page).
fn replace_with_sign_in<R: Routable>(navigator: &Navigator, sign_in: &R, current: &str) {
    match return_target(&sign_in.to_path(), current) {
        Some(back) => {
            let query = SignInQuery {
                redirect_url: Some(back.to_owned()),
            };
            // Only a non-string value could fail to encode.
            let _ = navigator.replace_with_query(sign_in, query);
        }
        None => navigator.replace(sign_in),
    }
}

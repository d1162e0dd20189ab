//! The app's routes.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::pages::{Account, Home, NotFound, Sessions, SignIn, SignOutPage};

/// Every page of the app.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Routable)]
pub enum Route {
    /// The session, or "You are signed out".
    #[at("/")]
    Home,
    /// The sign-in form; `?redirect_url=` says where to go after.
    #[at("/sign-in")]
    SignIn,
    /// A sign-out confirmation; `?redirect_url=` says where to go after.
    #[at("/sign-out")]
    SignOut,
    /// This client's sessions (multi-session).
    #[at("/sessions")]
    Sessions,
    /// The user's account; signed-in users only.
    #[at("/account")]
    Account,
    /// Anything else.
    #[not_found]
    #[at("/404")]
    NotFound,
}

/// Renders a route.
pub fn switch(route: Route) -> Html {
    match route {
        Route::Home => html! { <Home /> },
        Route::SignIn => html! { <SignIn /> },
        Route::SignOut => html! { <SignOutPage /> },
        Route::Sessions => html! { <Sessions /> },
        Route::Account => html! { <Account /> },
        Route::NotFound => html! { <NotFound /> },
    }
}

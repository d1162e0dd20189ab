//! The app's routes, and which page each renders.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::pages::{not_found, Account, Home, Sessions, SignIn, SignInStep, SignOutPage};

/// Every page of the app.
#[derive(Routable, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// `/`: the session, or "You are signed out".
    #[at("/")]
    Home,
    /// `/sign-in`: the form; `?redirect_url=` says where to go after.
    #[at("/sign-in")]
    SignIn,
    /// `/sign-in/factor-two`: the code step, when Clerk asks for one; it
    /// keeps the query of `/sign-in`.
    #[at("/sign-in/factor-two")]
    SignInFactorTwo,
    /// `/sign-out`: a confirmation; `?redirect_url=` says where to go after.
    #[at("/sign-out")]
    SignOut,
    /// `/sessions`: this client's sessions (multi-session).
    #[at("/sessions")]
    Sessions,
    /// `/account`: the user's account; signed-in users only.
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
        Route::SignIn => html! { <SignIn step={SignInStep::Password} /> },
        // Keyed: a step of its own, not the password form's state.
        Route::SignInFactorTwo => {
            html! { <SignIn step={SignInStep::FactorTwo} key="factor-two" /> }
        }
        Route::SignOut => html! { <SignOutPage /> },
        Route::Sessions => html! { <Sessions /> },
        Route::Account => html! { <Account /> },
        Route::NotFound => not_found(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognizes_every_route_and_round_trips() {
        for route in [
            Route::Home,
            Route::SignIn,
            Route::SignInFactorTwo,
            Route::SignOut,
            Route::Sessions,
            Route::Account,
        ] {
            assert_eq!(Route::recognize(&route.to_path()), Some(route));
        }
        assert_eq!(Route::recognize("/nope"), Some(Route::NotFound));
        assert_eq!(Route::recognize("/SIGN-IN"), Some(Route::NotFound));
    }
}

//! Which page each route renders.

use yew::prelude::*;

use crate::pages::{Account, Home, NotFound, Sessions, SignIn, SignOutPage};
use crate::router::use_location;
pub use crate::router::Route;

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

/// The page of the current route.
#[function_component]
pub fn Pages() -> Html {
    switch(use_location().route)
}

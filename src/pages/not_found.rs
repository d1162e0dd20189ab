//! Any unknown path.

use yew::prelude::*;
use yew_router::prelude::Link;

use crate::Route;

/// The 404 page: a function, as it uses no hooks (see `sign_out_control`).
pub fn not_found() -> Html {
    html! {
        <section class="panel">
            <h1>{ "Page not found" }</h1>
            <p><Link<Route> to={Route::Home}>{ "Go home" }</Link<Route>></p>
        </section>
    }
}

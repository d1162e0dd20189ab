//! Any unknown path.

use yew::prelude::*;

use crate::router::{Link, Route};

/// The 404 page.
#[function_component]
pub fn NotFound() -> Html {
    html! {
        <section class="panel">
            <h1>{ "Page not found" }</h1>
            <p><Link to={Route::Home}>{ "Go home" }</Link></p>
        </section>
    }
}

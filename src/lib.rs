//! The demo app.
use yew::prelude::*;

/// Root component.
#[function_component]
pub fn App() -> Html {
    html! { <main>{ "yew-clerk" }</main> }
}

//! A light/dark/auto theme switch, kept in localStorage across sign-outs (it
//! is a preference, not user data). A hook and a function, not a component
//! (see `sign_out_control`): the header holds the state.

use gloo_storage::{LocalStorage, Storage};
use yew::prelude::*;

/// The localStorage key; the provider keeps it on sign-out.
pub const STORAGE_KEY: &str = "theme";

const THEMES: [&str; 3] = ["auto", "light", "dark"];

/// gloo-storage's `LocalStorage` throws where the browser blocks storage (a
/// sandboxed iframe, storage disabled); this probe, through web_sys, returns
/// a `Result` instead, so every gloo-storage call goes behind it.
fn storage_available() -> bool {
    web_sys::window().is_some_and(|w| matches!(w.local_storage(), Ok(Some(_))))
}

fn stored() -> Option<String> {
    storage_available()
        .then(|| LocalStorage::get::<String>(STORAGE_KEY).ok())
        .flatten()
        .filter(|t| THEMES.contains(&t.as_str()))
}

fn store(theme: &str) {
    if storage_available() {
        let _ = LocalStorage::set(STORAGE_KEY, theme);
    }
}

fn apply(theme: &str) {
    let root = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element());
    if let Some(root) = root {
        let _ = root.set_attribute("data-theme", theme);
    }
}

/// The chosen theme (stored, else "auto"), applied to the document.
#[hook]
pub fn use_theme() -> UseStateHandle<String> {
    let theme = use_state(|| stored().unwrap_or_else(|| "auto".into()));
    use_effect_with((*theme).clone(), |theme| apply(theme));
    theme
}

/// The switch, in the header.
pub fn theme_switch(theme: &UseStateHandle<String>) -> Html {
    let onchange = {
        let theme = theme.clone();
        Callback::from(move |e: Event| {
            let Some(select) = e.target_dyn_into::<web_sys::HtmlSelectElement>() else {
                return;
            };
            let value = select.value();
            store(&value);
            theme.set(value);
        })
    };
    html! {
        <label class="theme">
            <span class="visually-hidden">{ "Theme" }</span>
            <select {onchange} aria-label="Theme">
                { for THEMES.iter().map(|t| html! {
                    <option value={*t} selected={**theme == *t}>{ *t }</option>
                }) }
            </select>
        </label>
    }
}

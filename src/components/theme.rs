//! A light/dark/auto theme switch, kept in localStorage across sign-outs (it
//! is a preference, not user data).

use yew::prelude::*;

/// The localStorage key; the provider keeps it on sign-out.
pub const STORAGE_KEY: &str = "theme";

const THEMES: [&str; 3] = ["auto", "light", "dark"];

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn apply(theme: &str) {
    let root = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element());
    if let Some(root) = root {
        let _ = root.set_attribute("data-theme", theme);
    }
}

/// The switch, in the header.
#[function_component]
pub fn ThemeSwitch() -> Html {
    let theme = use_state(|| {
        storage()
            .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten())
            .filter(|t| THEMES.contains(&t.as_str()))
            .unwrap_or_else(|| "auto".into())
    });
    use_effect_with((*theme).clone(), |theme| apply(theme));
    let onchange = {
        let theme = theme.clone();
        Callback::from(move |e: Event| {
            let Some(select) = e.target_dyn_into::<web_sys::HtmlSelectElement>() else {
                return;
            };
            let value = select.value();
            if let Some(storage) = storage() {
                let _ = storage.set_item(STORAGE_KEY, &value);
            }
            theme.set(value);
        })
    };
    html! {
        <label class="theme">
            <span class="visually-hidden">{ "Theme" }</span>
            <select {onchange} aria-label="Theme">
                { for THEMES.iter().map(|t| html! {
                    <option value={*t} selected={*theme == *t}>{ *t }</option>
                }) }
            </select>
        </label>
    }
}

//! Configuration the build writes into `index.html`.
//!
//! `CLERK_PUBLISHABLE_KEY` is read at build time, as Vite apps read
//! `VITE_CLERK_PUBLISHABLE_KEY`: Trunk's post-build hook
//! (`scripts/trunk-post-build`) writes it into
//! `<meta name="clerk-publishable-key">`, with the emulator's key when it is
//! unset. The wasm stays the same for every key, so one release build can be
//! deployed against any instance.

use yew::AttrValue;
use yew_clerk::DevBrowserMode;

/// The key of the local emulator on 127.0.0.1:8787 (`scripts/dev`).
pub const EMULATOR_PUBLISHABLE_KEY: &str = "pk_test_MTI3LjAuMC4xOjg3ODck";

/// localStorage keys that survive a sign-out: the theme is not user data.
pub const KEPT_STORAGE_KEYS: &[&str] = &[crate::components::theme::STORAGE_KEY];

/// How the browser identifies itself to Clerk, from
/// `<meta name="clerk-dev-browser" content="always">` (or `never`); without
/// the tag the SDK decides as clerk-js does. `always` runs the app against
/// an emulator started with `--dev-browser`, as on a development instance.
pub fn dev_browser_mode() -> DevBrowserMode {
    match meta_content("clerk-dev-browser").as_deref() {
        Some("always") => DevBrowserMode::Always,
        Some("never") => DevBrowserMode::Never,
        _ => DevBrowserMode::Auto,
    }
}

fn meta_content(name: &str) -> Option<String> {
    web_sys::window()?
        .document()?
        .query_selector(&format!("meta[name={name}]"))
        .ok()
        .flatten()?
        .get_attribute("content")
}

/// The publishable key from the page's meta tag. An absent or unfilled tag
/// gives an empty key, which the provider reports as invalid rather than
/// silently using some other instance.
pub fn publishable_key() -> AttrValue {
    AttrValue::from(meta_content("clerk-publishable-key").unwrap_or_default())
}

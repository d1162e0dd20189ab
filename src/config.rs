//! Configuration the build writes into `index.html`.
//!
//! `CLERK_PUBLISHABLE_KEY` is read at build time, as Vite apps read
//! `VITE_CLERK_PUBLISHABLE_KEY`: Trunk's post-build hook
//! (`scripts/trunk-post-build`) writes it into
//! `<meta name="clerk-publishable-key">`, with the emulator's key when it is
//! unset, and `DEMO_API_URL` into `<meta name="demo-api-url">`. The wasm
//! stays the same for every key, so one release build can be deployed
//! against any instance.

use yew::AttrValue;
use yew_clerk::DevBrowserMode;

/// The key of the local emulator on 127.0.0.1:8787 (`scripts/dev`).
pub const EMULATOR_PUBLISHABLE_KEY: &str = "pk_test_MTI3LjAuMC4xOjg3ODck";

/// localStorage keys that survive a sign-out: the theme is not user data.
pub const KEPT_STORAGE_KEYS: &[&str] = &[crate::components::theme::STORAGE_KEY];

/// The demo API (`crates/demo-api`) that `scripts/dev` starts.
pub const DEFAULT_DEMO_API_URL: &str = "http://127.0.0.1:8788";

/// How the browser identifies itself to Clerk, from
/// `<meta name="clerk-dev-browser" content="always">` (or `never`); without
/// the tag the SDK decides as clerk-js does. `always` runs the app against
/// an emulator started with `--dev-browser`, as on a development instance.
pub fn dev_browser_mode() -> DevBrowserMode {
    match meta("clerk-dev-browser").as_deref() {
        Some("always") => DevBrowserMode::Always,
        Some("never") => DevBrowserMode::Never,
        _ => DevBrowserMode::Auto,
    }
}

/// The publishable key from the page's meta tag. An absent or unfilled tag
/// gives an empty key, which the provider reports as invalid rather than
/// silently using some other instance.
pub fn publishable_key() -> AttrValue {
    AttrValue::from(meta("clerk-publishable-key").unwrap_or_default())
}

/// The demo API's URL from `<meta name="demo-api-url">`, which the build
/// fills from `DEMO_API_URL` like the key; [`DEFAULT_DEMO_API_URL`] without
/// the tag (the app's browser tests mount it without `index.html`).
pub fn demo_api_url() -> String {
    meta("demo-api-url").unwrap_or_else(|| DEFAULT_DEMO_API_URL.into())
}

fn meta(name: &str) -> Option<String> {
    web_sys::window()?
        .document()?
        .query_selector(&format!("meta[name={name}]"))
        .ok()??
        .get_attribute("content")
}

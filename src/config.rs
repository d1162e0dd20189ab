//! Configuration the build writes into `index.html`.
//!
//! `CLERK_PUBLISHABLE_KEY` is read at build time, as Vite apps read
//! `VITE_CLERK_PUBLISHABLE_KEY`: Trunk's post-build hook
//! (`scripts/trunk-post-build`) writes it into
//! `<meta name="clerk-publishable-key">`, with the emulator's key when it is
//! unset. The wasm stays the same for every key, so one release build can be
//! deployed against any instance.

use yew::AttrValue;

/// The key of the local emulator on 127.0.0.1:8787 (`scripts/dev`).
pub const EMULATOR_PUBLISHABLE_KEY: &str = "pk_test_MTI3LjAuMC4xOjg3ODck";

/// localStorage keys that survive a sign-out: the theme is not user data.
pub const KEPT_STORAGE_KEYS: &[&str] = &[crate::components::theme::STORAGE_KEY];

/// The publishable key from the page's meta tag. An absent or unfilled tag
/// gives an empty key, which the provider reports as invalid rather than
/// silently using some other instance.
pub fn publishable_key() -> AttrValue {
    let content = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| {
            d.query_selector("meta[name=clerk-publishable-key]")
                .ok()
                .flatten()
        })
        .and_then(|meta| meta.get_attribute("content"));
    AttrValue::from(content.unwrap_or_default())
}

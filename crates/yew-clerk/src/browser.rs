//! The few browser calls outside the API and storage: the page's origin,
//! navigation, and the back-forward cache.

use gloo_events::EventListener;
use wasm_bindgen::JsCast;
use web_sys::PageTransitionEvent;

use crate::error::ClerkError;

/// The page's origin, e.g. `http://127.0.0.1:8080`.
pub(crate) fn origin() -> Result<String, ClerkError> {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .ok_or_else(|| ClerkError::InvalidConfig("the page has no origin".into()))
}

/// The current path, query and fragment, e.g. `/account?tab=1`.
pub(crate) fn current_path() -> String {
    let Some(location) = web_sys::window().map(|w| w.location()) else {
        return "/".into();
    };
    let part = |r: Result<String, _>| r.unwrap_or_default();
    format!(
        "{}{}{}",
        part(location.pathname()),
        part(location.search()),
        part(location.hash())
    )
}

/// The page's whole URL (`location.href`).
pub(crate) fn href() -> Result<String, ClerkError> {
    location()?
        .href()
        .map_err(|_| ClerkError::InvalidConfig("the page has no URL".into()))
}

/// `location.reload()`.
pub(crate) fn reload() -> Result<(), ClerkError> {
    location()?
        .reload()
        .map_err(|_| ClerkError::InvalidConfig("the page cannot reload".into()))
}

/// `location.assign(url)`: a new history entry, as clerk-js's `navigate`.
pub(crate) fn assign(url: &str) -> Result<(), ClerkError> {
    location()?
        .assign(url)
        .map_err(|_| ClerkError::RedirectRefused {
            url: url.to_owned(),
            reason: "the browser refused it".into(),
        })
}

/// `location.replace(url)`: the current page leaves the history.
pub(crate) fn replace(url: &str) -> Result<(), ClerkError> {
    location()?
        .replace(url)
        .map_err(|_| ClerkError::RedirectRefused {
            url: url.to_owned(),
            reason: "the browser refused it".into(),
        })
}

fn location() -> Result<web_sys::Location, ClerkError> {
    web_sys::window()
        .map(|w| w.location())
        .ok_or_else(|| ClerkError::InvalidConfig("no window".into()))
}

/// Runs `on_restore` when the page comes back from the back-forward cache,
/// where it would otherwise show what it showed when it was left.
pub(crate) fn on_bfcache_restore(on_restore: impl Fn() + 'static) -> Option<EventListener> {
    let window = web_sys::window()?;
    Some(EventListener::new(&window, "pageshow", move |event| {
        if event
            .dyn_ref::<PageTransitionEvent>()
            .is_some_and(PageTransitionEvent::persisted)
        {
            on_restore();
        }
    }))
}

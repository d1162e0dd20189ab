//! The browser side of session tokens: the timer of the next background
//! refresh (held back while the tab is hidden), a touch when the tab regains
//! focus, and the `__session` and `__client_uat` cookies. What to do and
//! when is decided in `tokens.rs`.
//!
//! No Web Lock: a hidden tab never refreshes, so only visible tabs do, each
//! for its own cache. A lock would save requests only if tabs also shared
//! their tokens (clerk-js posts them on a BroadcastChannel), which is more
//! code than this bundle has room for (README, "Session tokens").

use std::rc::Weak;

use gloo_events::EventListener;
use gloo_timers::callback::Timeout;
use wasm_bindgen::JsCast;

use crate::clerk::Inner;

/// A year, as clerk-js's cookies.
const COOKIE_MAX_AGE_SECS: u32 = 31_536_000;

/// The browser's clock, in seconds.
pub(crate) fn now() -> f64 {
    js_sys::Date::now() / 1000.0
}

/// A number from 0 to 1, for jitter.
pub(crate) fn random() -> f64 {
    js_sys::Math::random()
}

/// Waits `ms` milliseconds.
pub(crate) async fn sleep(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}

fn document() -> Option<web_sys::Document> {
    web_sys::window()?.document()
}

/// True while the tab is in the background.
fn hidden() -> bool {
    document().is_some_and(|d| d.hidden())
}

/// The timer and the listeners.
#[derive(Default)]
pub(crate) struct Background {
    /// Whom the timer and the listeners call; set once the provider listens.
    pub(crate) owner: Weak<Inner>,
    timer: Option<Timeout>,
    listeners: Vec<EventListener>,
}

impl Background {
    /// Starts the next background refresh in `delay_ms`, replacing any timer;
    /// none while the tab is hidden (it is armed again when it shows).
    pub(crate) fn arm(&mut self, delay_ms: Option<u32>) {
        self.timer = None;
        let (Some(ms), false) = (delay_ms, hidden()) else {
            return;
        };
        let owner = self.owner.clone();
        self.timer = Some(Timeout::new(ms, move || match owner.upgrade() {
            Some(inner) if !hidden() => {
                wasm_bindgen_futures::spawn_local(async move {
                    if let Some(refresh) = inner.refresh_token() {
                        let _ = refresh.await;
                    }
                });
            }
            _ => {}
        }));
    }

    /// Listens for the tab showing (re-arm the timer) and regaining focus
    /// (touch the session), as clerk-js's `createPageLifecycle` does.
    pub(crate) fn listen(&mut self) {
        let (Some(window), Some(document)) = (web_sys::window(), document()) else {
            return;
        };
        let owner = self.owner.clone();
        let shown = EventListener::new(&document, "visibilitychange", move |_| {
            if let (Some(inner), false) = (owner.upgrade(), hidden()) {
                inner.sync_tokens();
            }
        });
        let owner = self.owner.clone();
        let focused = EventListener::new(&window, "focus", move |_| {
            if let (Some(inner), false) = (owner.upgrade(), hidden()) {
                wasm_bindgen_futures::spawn_local(async move { inner.touch().await });
            }
        });
        self.listeners = vec![shown, focused];
    }

    /// Stops the timer and the listeners (the provider unmounts).
    pub(crate) fn stop(&mut self) {
        self.timer = None;
        self.listeners.clear();
    }
}

/// Writes `__session` (the token; removed without one) and `__client_uat`.
pub(crate) fn write_cookies(session: Option<&str>, client_uat: i64) {
    let secure = web_sys::window()
        .and_then(|w| w.location().protocol().ok())
        .is_some_and(|p| p == "https:");
    let Some(document) = document().and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok()) else {
        return;
    };
    let uat = client_uat.to_string();
    for (name, value, same_site) in [
        ("__session", session, "Lax"),
        ("__client_uat", Some(uat.as_str()), "Strict"),
    ] {
        let _ = document.set_cookie(&cookie(name, value, same_site, secure));
    }
}

/// A `document.cookie` assignment: host-only, path `/`, a year (or removed
/// when `value` is `None`), `Secure` on https, as clerk-js writes
/// `__session` (`SameSite=Lax`) and `__client_uat` (`Strict`).
fn cookie(name: &str, value: Option<&str>, same_site: &str, secure: bool) -> String {
    let max_age = if value.is_some() {
        COOKIE_MAX_AGE_SECS
    } else {
        0
    };
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{name}={}; Path=/; Max-Age={max_age}; SameSite={same_site}{secure}",
        value.unwrap_or_default()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_as_clerk_js_writes_them() {
        assert_eq!(
            cookie("__session", Some("a.b.c"), "Lax", true),
            "__session=a.b.c; Path=/; Max-Age=31536000; SameSite=Lax; Secure"
        );
        assert_eq!(
            cookie("__client_uat", Some("0"), "Strict", false),
            "__client_uat=0; Path=/; Max-Age=31536000; SameSite=Strict"
        );
        assert_eq!(
            cookie("__session", None, "Lax", false),
            "__session=; Path=/; Max-Age=0; SameSite=Lax"
        );
    }
}

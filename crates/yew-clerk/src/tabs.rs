//! Telling other tabs of this origin that the client changed: a
//! BroadcastChannel, with the `storage` event as fallback where it is missing.
//! A sign-out also goes out, and is heard, on clerk-js's channel (`clerk`,
//! `{type: 'signout'}`, `core/clerk.ts` `#broadcastSignOutEvent`), so pages
//! of the same site that run clerk-js sign out with ours, and ours with them.

use gloo_events::EventListener;
use wasm_bindgen::JsCast;
use web_sys::{BroadcastChannel, MessageEvent, StorageEvent};

use crate::storage;

/// The BroadcastChannel name.
pub const CHANNEL_NAME: &str = "yew-clerk";
/// clerk-js's BroadcastChannel name.
pub const CLERK_JS_CHANNEL_NAME: &str = "clerk";
/// The `type` of clerk-js's sign-out message.
pub const CLERK_JS_SIGN_OUT: &str = "signout";
/// The localStorage key of the fallback signal.
pub const STORAGE_SIGNAL_KEY: &str = "__yew_clerk_signal";
/// The message sent after a sign-out.
pub const SIGNED_OUT: &str = "signed-out";
/// The message sent after another change (sign-in, one session removed).
pub const CHANGED: &str = "changed";

/// A message from another tab.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signal {
    SignedOut,
    Changed,
}

/// Parses a message; the storage fallback's values carry a timestamp suffix so
/// that repeated signals still change the value.
pub(crate) fn parse(message: &str) -> Option<Signal> {
    match message.split(':').next()? {
        SIGNED_OUT => Some(Signal::SignedOut),
        CHANGED => Some(Signal::Changed),
        _ => None,
    }
}

/// A clerk-js message, by its `type`: only a sign-out means something here.
pub(crate) fn parse_clerk_js(message_type: Option<&str>) -> Option<Signal> {
    (message_type == Some(CLERK_JS_SIGN_OUT)).then_some(Signal::SignedOut)
}

/// Sends and receives signals for one provider.
pub(crate) struct Tabs {
    // Sending through the receiving object: a BroadcastChannel never delivers a
    // message to the object that posted it, so this tab does not react to itself.
    channel: Option<BroadcastChannel>,
    clerk_js: Option<BroadcastChannel>,
    _listeners: Vec<EventListener>,
}

impl Tabs {
    /// Starts listening; `on_signal` runs for every signal from another tab.
    pub(crate) fn listen(on_signal: impl Fn(Signal) + 'static) -> Self {
        let on_signal = std::rc::Rc::new(on_signal);
        let mut listeners = Vec::new();
        let channel = BroadcastChannel::new(CHANNEL_NAME).ok();
        if let Some(channel) = &channel {
            let on_signal = on_signal.clone();
            listeners.push(EventListener::new(channel, "message", move |event| {
                let text = event
                    .dyn_ref::<MessageEvent>()
                    .and_then(|m| m.data().as_string());
                if let Some(signal) = text.as_deref().and_then(parse) {
                    on_signal(signal);
                }
            }));
        }
        let clerk_js = BroadcastChannel::new(CLERK_JS_CHANNEL_NAME).ok();
        if let Some(clerk_js) = &clerk_js {
            let on_signal = on_signal.clone();
            listeners.push(EventListener::new(clerk_js, "message", move |event| {
                let message_type = event
                    .dyn_ref::<MessageEvent>()
                    .and_then(|m| js_sys::Reflect::get(&m.data(), &"type".into()).ok())
                    .and_then(|t| t.as_string());
                if let Some(signal) = parse_clerk_js(message_type.as_deref()) {
                    on_signal(signal);
                }
            }));
        }
        if let Some(window) = web_sys::window() {
            listeners.push(EventListener::new(&window, "storage", move |event| {
                let Some(event) = event.dyn_ref::<StorageEvent>() else {
                    return;
                };
                if event.key().as_deref() != Some(STORAGE_SIGNAL_KEY) {
                    return;
                }
                // Stored as JSON, like every value the SDK stores.
                let text = event
                    .new_value()
                    .and_then(|v| js_sys::JSON::parse(&v).ok())
                    .and_then(|v| v.as_string());
                if let Some(signal) = text.as_deref().and_then(parse) {
                    on_signal(signal);
                }
            }));
        }
        Self {
            channel,
            clerk_js,
            _listeners: listeners,
        }
    }

    /// Tells the other tabs. A sign-out goes in clerk-js's shape on its
    /// channel, which tabs with this SDK hear too, so they get it once.
    pub(crate) fn send(&self, message: &str) {
        let sent = if message == SIGNED_OUT {
            self.clerk_js.as_ref().is_some_and(|c| {
                let data = js_sys::Object::new();
                js_sys::Reflect::set(&data, &"type".into(), &CLERK_JS_SIGN_OUT.into()).is_ok()
                    && c.post_message(&data).is_ok()
            })
        } else {
            self.channel
                .as_ref()
                .is_some_and(|c| c.post_message(&message.into()).is_ok())
        };
        if !sent {
            send_via_storage(message);
        }
    }
}

impl Drop for Tabs {
    fn drop(&mut self) {
        for channel in [&self.channel, &self.clerk_js].into_iter().flatten() {
            channel.close();
        }
    }
}

/// The fallback: other tabs get a `storage` event whose new value is the
/// message as a JSON string; the key is removed at once so nothing stays
/// behind.
pub(crate) fn send_via_storage(message: &str) {
    // Whole milliseconds: formatting a float would pull float printing into
    // the bundle for nothing.
    let stamp = now_ms() as u64;
    storage::set(STORAGE_SIGNAL_KEY, format!("{message}:{stamp}"));
    storage::remove(STORAGE_SIGNAL_KEY);
}

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_signals() {
        assert_eq!(parse("signed-out"), Some(Signal::SignedOut));
        assert_eq!(parse("signed-out:123.5"), Some(Signal::SignedOut));
        assert_eq!(parse("changed:1"), Some(Signal::Changed));
        assert_eq!(parse("signed-outx"), None);
        assert_eq!(parse(""), None);
    }

    #[test]
    fn hears_clerk_js_sign_outs_only() {
        assert_eq!(parse_clerk_js(Some("signout")), Some(Signal::SignedOut));
        assert_eq!(parse_clerk_js(Some("signin")), None);
        assert_eq!(parse_clerk_js(None), None);
    }
}

//! The app's router: five static paths, `history.pushState` and `popstate`.
//!
//! Not yew-router: its route recognizer, history state serialization (serde,
//! float formatting) and components cost about a third of this app's bundle
//! budget, for what these few lines do (README, "Performance").

use gloo_events::EventListener;
use yew::prelude::*;

/// Every page of the app.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// `/`: the session, or "You are signed out".
    Home,
    /// `/sign-in`: the form; `?redirect_url=` says where to go after.
    SignIn,
    /// `/sign-out`: a confirmation; `?redirect_url=` says where to go after.
    SignOut,
    /// `/sessions`: this client's sessions (multi-session).
    Sessions,
    /// `/account`: the user's account; signed-in users only.
    Account,
    /// Anything else.
    NotFound,
}

impl Route {
    /// The route of a path (without query or fragment).
    pub fn recognize(path: &str) -> Route {
        match path.trim_end_matches('/') {
            "" => Route::Home,
            "/sign-in" => Route::SignIn,
            "/sign-out" => Route::SignOut,
            "/sessions" => Route::Sessions,
            "/account" => Route::Account,
            _ => Route::NotFound,
        }
    }

    /// The route's path.
    pub fn path(self) -> &'static str {
        match self {
            Route::Home => "/",
            Route::SignIn => "/sign-in",
            Route::SignOut => "/sign-out",
            Route::Sessions => "/sessions",
            Route::Account => "/account",
            Route::NotFound => "/404",
        }
    }
}

/// Where the app is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The page.
    pub route: Route,
    /// The query string without `?`.
    pub query: String,
}

impl Location {
    fn current() -> Self {
        let location = web_sys::window().map(|w| w.location());
        let get = |f: fn(&web_sys::Location) -> Result<String, wasm_bindgen::JsValue>| {
            location
                .as_ref()
                .and_then(|l| f(l).ok())
                .unwrap_or_default()
        };
        Location {
            route: Route::recognize(&get(web_sys::Location::pathname)),
            query: get(web_sys::Location::search)
                .trim_start_matches('?')
                .to_owned(),
        }
    }
}

/// The router's context: where the app is, and how to go elsewhere.
#[derive(Clone, PartialEq)]
pub struct RouterContext {
    /// The current location.
    pub location: Location,
    /// Goes to a same-origin path (with query), adding a history entry.
    pub navigate: Callback<String>,
}

/// Props of [`Router`].
#[derive(Properties, PartialEq)]
pub struct RouterProps {
    /// The app.
    pub children: Html,
}

/// Tracks the location and provides [`RouterContext`].
#[function_component]
pub fn Router(props: &RouterProps) -> Html {
    let location = use_state(Location::current);
    {
        let location = location.clone();
        use_effect_with((), move |_| {
            let listener = web_sys::window().map(|window| {
                EventListener::new(&window, "popstate", move |_| {
                    location.set(Location::current())
                })
            });
            move || drop(listener)
        });
    }
    let navigate = {
        let location = location.clone();
        Callback::from(move |path: String| {
            if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
                let _ = history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&path));
            }
            location.set(Location::current());
        })
    };
    let context = RouterContext {
        location: (*location).clone(),
        navigate,
    };
    html! {
        <ContextProvider<RouterContext> {context}>{ props.children.clone() }</ContextProvider<RouterContext>>
    }
}

/// The current location (home outside a [`Router`]).
#[hook]
pub fn use_location() -> Location {
    use_context::<RouterContext>()
        .map(|c| c.location)
        .unwrap_or(Location {
            route: Route::Home,
            query: String::new(),
        })
}

/// A callback that navigates to a same-origin path.
#[hook]
pub fn use_navigate() -> Callback<String> {
    use_context::<RouterContext>()
        .map(|c| c.navigate)
        .unwrap_or_default()
}

/// Props of [`Link`].
#[derive(Properties, PartialEq)]
pub struct LinkProps {
    /// Where to go.
    pub to: Route,
    /// CSS classes.
    #[prop_or_default]
    pub classes: Classes,
    /// The link text.
    pub children: Html,
}

/// A real `<a href>` that navigates without reloading. Clicks with a modifier
/// key or another button (new tab, new window) are left to the browser.
#[function_component]
pub fn Link(props: &LinkProps) -> Html {
    let navigate = use_navigate();
    let to = props.to;
    let onclick = Callback::from(move |e: MouseEvent| {
        if e.button() != 0 || e.ctrl_key() || e.meta_key() || e.shift_key() || e.alt_key() {
            return;
        }
        e.prevent_default();
        navigate.emit(to.path().to_owned());
    });
    html! { <a href={to.path()} class={props.classes.clone()} {onclick}>{ props.children.clone() }</a> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognizes_every_route_and_round_trips() {
        for route in [
            Route::Home,
            Route::SignIn,
            Route::SignOut,
            Route::Sessions,
            Route::Account,
        ] {
            assert_eq!(Route::recognize(route.path()), route);
        }
        assert_eq!(Route::recognize("/account/"), Route::Account);
        assert_eq!(Route::recognize(""), Route::Home);
        assert_eq!(Route::recognize("/nope"), Route::NotFound);
        assert_eq!(Route::recognize("/SIGN-IN"), Route::NotFound);
    }
}

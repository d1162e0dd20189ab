//! The `yew-router` feature: the provider inside a `BrowserRouter` navigates
//! through yew-router, never reloading the page (a reload would end this test
//! run, so every test here also proves the document stayed).

use yew_clerk::router::{
    use_router_navigation, RedirectToSignIn, RouterNavigation, RouterProtect, SignInQuery,
};
use yew_router::prelude::*;

use super::*;

#[derive(Routable, Clone, PartialEq, Debug)]
enum Route {
    #[at("/")]
    Home,
    #[at("/sign-in")]
    SignIn,
    #[at("/account")]
    Account,
    #[at("/dashboard")]
    Dashboard,
    #[not_found]
    #[at("/404")]
    NotFound,
}

fn switch(route: Route) -> Html {
    match route {
        Route::Home => html! { <p id="page">{ "home" }</p> },
        Route::SignIn => html! { <SignInPage /> },
        Route::Account => html! {
            <RouterProtect<Route> sign_in={Route::SignIn}>
                <p id="page">{ "account" }</p>
            </RouterProtect<Route>>
        },
        Route::Dashboard => html! {
            <SignedOut><RedirectToSignIn<Route> sign_in={Route::SignIn} /></SignedOut>
        },
        Route::NotFound => html! { <p id="page">{ "not found" }</p> },
    }
}

#[component]
fn SignInPage() -> Html {
    let query = use_location()
        .and_then(|l| l.query::<SignInQuery>().ok())
        .unwrap_or_default();
    html! { <p id="page">{ format!("sign-in {}", query.redirect_url.unwrap_or_default()) }</p> }
}

/// What `use_router_navigation` gave on each render.
type NavigationProbe = Shared<Vec<Option<RouterNavigation>>>;

#[derive(Properties, PartialEq)]
struct NavigationViewProps {
    probe: NavigationProbe,
}

/// Records what `use_router_navigation` gives on every render; it re-renders
/// on every route change, as it reads the location.
#[component]
fn NavigationView(props: &NavigationViewProps) -> Html {
    let _ = use_location();
    props.probe.0.borrow_mut().push(use_router_navigation());
    Html::default()
}

#[derive(Properties, PartialEq)]
struct RoutedProps {
    key_: AttrValue,
    probe: Probe,
    navigation: NavigationProbe,
}

#[component]
fn Routed(props: &RoutedProps) -> Html {
    html! {
        <BrowserRouter>
            <ClerkProvider publishable_key={props.key_.clone()}>
                <ProbeView probe={props.probe.clone()} />
                <NavigationView probe={props.navigation.clone()} />
                <Switch<Route> render={switch} />
            </ClerkProvider>
        </BrowserRouter>
    }
}

/// The app mounted at `path`; the page's URL is put back when it is
/// unmounted.
struct RoutedApp {
    root: Element,
    probe: Probe,
    navigation: NavigationProbe,
}

impl RoutedApp {
    fn mount(path: &str) -> Self {
        let window = web_sys::window().unwrap();
        let original_url = window.location().href().unwrap();
        let history = window.history().unwrap();
        history
            .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(path))
            .unwrap();
        let probe = Probe::default();
        let navigation = NavigationProbe::default();
        let props = RoutedProps {
            key_: key_for(emulator()).into(),
            probe: probe.clone(),
            navigation: navigation.clone(),
        };
        let root = mount::<Routed>(props, move || {
            let _ = history.replace_state_with_url(
                &wasm_bindgen::JsValue::NULL,
                "",
                Some(&original_url),
            );
        });
        Self {
            root,
            probe,
            navigation,
        }
    }

    fn clerk(&self) -> Clerk {
        self.probe.0.borrow().clone().expect("provider rendered")
    }

    fn text(&self, selector: &str) -> Option<String> {
        self.root
            .query_selector(selector)
            .unwrap()
            .and_then(|e| e.text_content())
    }

    async fn wait_text(&self, selector: &str, expected: &str) {
        wait_until(&format!("{selector} to read {expected:?}"), || {
            self.text(selector).as_deref() == Some(expected)
        })
        .await;
    }
}

impl Drop for RoutedApp {
    fn drop(&mut self) {
        unmount(&self.root);
    }
}

fn location() -> (String, String) {
    let location = web_sys::window().unwrap().location();
    (location.pathname().unwrap(), location.search().unwrap())
}

fn history_length() -> u32 {
    web_sys::window()
        .unwrap()
        .history()
        .unwrap()
        .length()
        .unwrap()
}

#[wasm_bindgen_test]
async fn router_protect_replaces_with_the_typed_sign_in_route() {
    reset(emulator()).await;
    let app = RoutedApp::mount("/account?tab=1");
    let entries = history_length();
    app.wait_text("#page", "sign-in /account?tab=1").await;
    let (path, search) = location();
    assert_eq!(path, "/sign-in");
    assert_eq!(search, "?redirect_url=%2Faccount%3Ftab%3D1");
    assert_eq!(history_length(), entries, "replaced, not pushed");
}

#[wasm_bindgen_test]
async fn plain_protect_and_sign_out_go_through_the_router_without_a_reload() {
    reset(emulator()).await;
    let app = RoutedApp::mount("/");
    app.wait_text("#status", "signed-out").await;
    let clerk = app.clerk();
    let attempt =
        sign_in_through_trust(&clerk, emulator(), "demo@example.com", "demo-password-1").await;
    let session = attempt.created_session_id.unwrap();
    app.wait_text("#status", &format!("signed-in {session}"))
        .await;

    // A sign-out's redirect is a push through yew-router: the route renders
    // with the new state, and the page stays (phase idle, not navigating).
    let entries = history_length();
    app.clerk()
        .sign_out(SignOutOptions::new().redirect_url("/account?from=sign-out"))
        .await
        .unwrap();
    assert_eq!(history_length(), entries + 1, "pushed");
    app.wait_text("#phase", "idle").await;
    assert_eq!(session_status(emulator(), &session).await, "removed");
    // Then RouterProtect on /account sends the signed-out user to sign in.
    app.wait_text("#page", "sign-in /account?from=sign-out")
        .await;
    assert_eq!(location().0, "/sign-in");
}

#[wasm_bindgen_test]
async fn redirect_to_sign_in_carries_the_way_back() {
    reset(emulator()).await;
    let app = RoutedApp::mount("/dashboard#stats");
    app.wait_text("#page", "sign-in /dashboard#stats").await;
    assert_eq!(location().0, "/sign-in");
}

#[wasm_bindgen_test]
async fn router_navigation_is_stable_and_takes_paths_with_queries() {
    reset(emulator()).await;
    let app = RoutedApp::mount("/");
    app.wait_text("#status", "signed-out").await;
    let navigation = app.navigation.0.borrow().last().cloned().flatten();
    let navigation = navigation.expect("inside a router");
    navigation.push.emit("/nowhere?x=1#y".into());
    app.wait_text("#page", "not found").await;
    let location = web_sys::window().unwrap().location();
    assert_eq!(location.search().unwrap(), "?x=1");
    assert_eq!(location.hash().unwrap(), "#y");
    let renders = app.navigation.0.borrow();
    assert!(renders.len() > 1, "re-rendered since");
    assert!(
        renders.iter().all(|n| n.as_ref() == Some(&navigation)),
        "the same callbacks on every render"
    );
}

#[wasm_bindgen_test]
async fn router_navigation_is_none_outside_a_router() {
    let probe = NavigationProbe::default();
    let props = NavigationViewProps {
        probe: probe.clone(),
    };
    let root = mount::<NavigationView>(props, || {});
    wait_until("a render", || !probe.0.borrow().is_empty()).await;
    unmount(&root);
    assert!(probe.0.borrow().iter().all(Option::is_none));
}

//! [`ClerkProvider`]: loads the client and shares the state and actions
//! through a Yew context.

use std::rc::Rc;

use yew::prelude::*;

use crate::browser;
use crate::clerk::{Clerk, Inner, RouterCallbacks, Settings};
use crate::options::{self, DevBrowserMode};
use crate::state::ClerkState;

/// [`ClerkProviderProps::request_timeout_ms`]'s default: 15 seconds.
pub const DEFAULT_REQUEST_TIMEOUT_MS: u32 = 15_000;

/// Props of [`ClerkProvider`].
#[derive(Properties, PartialEq, Clone)]
pub struct ClerkProviderProps {
    /// The instance's publishable key (`pk_test_...` or `pk_live_...`).
    pub publishable_key: AttrValue,
    /// Send Frontend API requests here instead of the key's host: an absolute
    /// URL, or a path on this origin such as `/__clerk`.
    #[prop_or_default]
    pub proxy_url: Option<AttrValue>,
    /// Where a full sign-out goes when the call gives no `redirect_url`.
    /// Without either, the page reloads.
    #[prop_or_default]
    pub after_sign_out_url: Option<AttrValue>,
    /// The app's sign-in page, for [`Protect`](crate::Protect)'s redirect.
    #[prop_or(AttrValue::Static("/sign-in"))]
    pub sign_in_url: AttrValue,
    /// localStorage keys that survive a sign-out (e.g. a theme choice).
    #[prop_or_default]
    pub keep_storage_keys: Vec<String>,
    /// Origins besides this one that sign-out may redirect to, e.g.
    /// `https://www.example.com`.
    #[prop_or_default]
    pub allowed_redirect_origins: Vec<String>,
    /// Navigate with the app's router instead of `location`, as Clerk React's
    /// `routerPush`: a sign-out's redirect. It gets the path on this origin,
    /// with its query and fragment (`/account?tab=1`); other origins still go
    /// through `location`. With the `yew-router` feature, inside a
    /// `BrowserRouter`, the provider wires it from `use_navigator()` itself.
    #[prop_or_default]
    pub router_push: Option<Callback<String>>,
    /// As `router_push`, for navigations that replace the current history
    /// entry (Clerk React's `routerReplace`): [`Protect`](crate::Protect)'s
    /// redirect to sign-in. Without it they use `router_push`.
    #[prop_or_default]
    pub router_replace: Option<Callback<String>>,
    /// How the browser identifies itself to Clerk.
    #[prop_or_default]
    pub dev_browser: DevBrowserMode,
    /// How long each Frontend API request may take, in milliseconds, before
    /// it fails as a network error (and a Retry can try again).
    #[prop_or(DEFAULT_REQUEST_TIMEOUT_MS)]
    pub request_timeout_ms: u32,
    /// Keep the session token in a `__session` cookie (host-only, path `/`,
    /// `SameSite=Lax`, `Secure` on https) and the client's last change in
    /// `__client_uat`, as clerk-js does, for a backend on the same site
    /// that reads them (Clerk's backend SDKs do). Off by default: a
    /// client-only app sends `Authorization: Bearer` with
    /// [`Clerk::get_token`](crate::Clerk::get_token), and the cookie is
    /// readable by any script on the page.
    #[prop_or_default]
    pub session_cookie: bool,
    /// A pending session (signed in, with tasks left such as choosing an
    /// organization) counts as signed out, as clerk-js's
    /// `treatPendingAsSignedOut`: [`SignedIn`](crate::SignedIn) hides its
    /// children and `is_signed_in` is false. `false` counts it as signed in.
    #[prop_or(true)]
    pub treat_pending_as_signed_out: bool,
    /// The app.
    #[prop_or_default]
    pub children: Html,
}

/// Holds Clerk's state for everything inside it.
///
/// On mount it loads the client with one `GET /v1/client`. It re-validates
/// when another tab signs in or out and when the page is restored from the
/// back-forward cache. A bad key does not panic: the state becomes
/// [`LoadState::Failed`](crate::LoadState::Failed) and the app renders it.
///
/// ```no_run
/// use yew::prelude::*;
/// use yew_clerk::ClerkProvider;
///
/// #[component]
/// fn Root() -> Html {
///     html! {
///         <ClerkProvider publishable_key="pk_test_MTI3LjAuMC4xOjg3ODck" after_sign_out_url="/">
///             <p>{ "the app" }</p>
///         </ClerkProvider>
///     }
/// }
/// ```
#[component]
pub fn ClerkProvider(props: &ClerkProviderProps) -> Html {
    let state = use_reducer_eq(ClerkState::default);
    let dispatcher = state.dispatcher();

    let deps = (
        props.publishable_key.clone(),
        props.proxy_url.clone(),
        props.dev_browser,
        Settings {
            after_sign_out_url: props.after_sign_out_url.as_ref().map(|s| s.to_string()),
            sign_in_url: props.sign_in_url.to_string(),
            keep_storage_keys: props.keep_storage_keys.clone(),
            allowed_redirect_origins: props.allowed_redirect_origins.clone(),
            request_timeout_ms: props.request_timeout_ms,
            session_cookie: props.session_cookie,
        },
    );
    let inner = use_memo(deps, move |(key, proxy, mode, settings)| {
        let config = browser::origin()
            .and_then(|origin| options::resolve(key, proxy.as_deref(), *mode, &origin));
        Inner::new(config, settings.clone(), dispatcher)
    });

    use_effect_with(inner.clone(), |inner: &Rc<Inner>| {
        let bfcache = inner.listen();
        let loading = inner.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let _ = loading.load().await;
        });
        let inner = inner.clone();
        move || {
            drop(bfcache);
            inner.stop_listening();
        }
    });

    let pending = state.dispatcher();
    use_effect_with(props.treat_pending_as_signed_out, move |on| {
        pending.dispatch(crate::state::Action::TreatPendingAsSignedOut(*on));
    });

    let sign_out_callback = use_memo(inner.clone(), Inner::sign_out_callback);
    #[cfg(feature = "yew-router")]
    let from_router = crate::router::use_router_navigation()
        .map(|n| RouterCallbacks {
            push: Some(n.push),
            replace: Some(n.replace),
        })
        .unwrap_or_default();
    #[cfg(not(feature = "yew-router"))]
    let from_router = RouterCallbacks::default();
    inner.router.replace(RouterCallbacks {
        push: props.router_push.clone().or(from_router.push),
        replace: props.router_replace.clone().or(from_router.replace),
    });
    inner.client.replace(state.client.clone());
    let clerk = Clerk {
        state,
        inner,
        sign_out_callback: (*sign_out_callback).clone(),
    };
    html! {
        <ContextProvider<Clerk> context={clerk}>
            { props.children.clone() }
        </ContextProvider<Clerk>>
    }
}

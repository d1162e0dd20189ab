//! [`Clerk`]: the handle that [`use_clerk`](crate::use_clerk) returns, with the
//! state and the actions (sign in, sign out, reload, tokens).

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use futures_channel::oneshot;
use yew::{Callback, UseReducerDispatcher, UseReducerHandle};

use crate::api::{Api, Client, Environment, Session, User};
use crate::background;
use crate::browser;
use crate::error::ClerkError;
use crate::navigation::{self, Kind, Target};
use crate::options::ResolvedConfig;
use crate::portal::{self, Page};
use crate::sign_out::{self, Navigation, Scope, SignOutOptions};
use crate::state::{Action, ClerkState, LoadState, SignOutPhase};
use crate::storage;
use crate::tabs::{self, Signal, Tabs};
use crate::tokens::Tokens;

/// Provider settings the actions need.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Settings {
    pub after_sign_out_url: Option<String>,
    pub sign_in_url: String,
    pub keep_storage_keys: Vec<String>,
    pub allowed_redirect_origins: Vec<String>,
    pub request_timeout_ms: u32,
    pub session_cookie: bool,
}

type Waiters = Vec<oneshot::Sender<Result<(), ClerkError>>>;

/// A future whose code is compiled once, here. An app that awaits one of the
/// SDK's `async fn`s compiles that function's body, and all it awaits (the
/// request code, the decoders), into its own crate a second time; behind
/// `dyn Future`, boxed by a plain function of this crate, it stays one copy
/// (README, "Size, decided by measurement").
pub(crate) type Boxed<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// What lives as long as the provider's configuration.
pub(crate) struct Inner {
    /// `Err` for a bad key or config: loading fails with it, actions return it.
    pub(crate) api: Result<Api, ClerkError>,
    pub(crate) settings: Settings,
    pub(crate) dispatcher: UseReducerDispatcher<ClerkState>,
    /// `Some` while a sign-out is in flight: callers that arrive meanwhile wait
    /// for its result instead of sending a second request.
    sign_out_waiters: RefCell<Option<Waiters>>,
    tabs: RefCell<Option<Tabs>>,
    /// The app's router, as Clerk React's `routerPush` and `routerReplace`.
    /// Set on every render rather than a memo dependency: apps build callbacks
    /// in render, and a new one must not reload the client.
    pub(crate) router: RefCell<RouterCallbacks>,
    /// The client as of the provider's last render, for the context's
    /// [`Clerk::sign_out_callback`], which lives longer than one render.
    pub(crate) client: RefCell<Option<Rc<Client>>>,
    /// Session tokens, outside the render state.
    pub(crate) tokens: Tokens,
    /// `/v1/environment`, fetched the first time a hosted page's URL needs
    /// it, never on load: loading stays one request.
    environment: RefCell<Option<Rc<Environment>>>,
}

/// The app's router callbacks; each gets a path with query and fragment.
#[derive(Default, Clone)]
pub(crate) struct RouterCallbacks {
    pub push: Option<yew::Callback<String>>,
    pub replace: Option<yew::Callback<String>>,
}

/// A navigation, resolved to who performs it.
pub(crate) enum Resolved {
    /// The app's router callback and the path it gets.
    Router(yew::Callback<String>, String),
    /// `location`, with an absolute URL.
    Location(String, Kind),
}

impl Resolved {
    /// True when the page unloads (a `location` navigation).
    pub(crate) fn unloads(&self) -> bool {
        matches!(self, Resolved::Location(..))
    }

    /// Performs it.
    pub(crate) fn go(self) -> Result<(), ClerkError> {
        match self {
            Resolved::Router(callback, path) => {
                callback.emit(path);
                Ok(())
            }
            Resolved::Location(url, Kind::Push) => browser::assign(&url),
            Resolved::Location(url, Kind::Replace) => browser::replace(&url),
        }
    }
}

// Identity: a new configuration is a new `Inner`, which reloads the client.
impl PartialEq for Inner {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Inner {
    pub(crate) fn new(
        config: Result<ResolvedConfig, ClerkError>,
        settings: Settings,
        dispatcher: UseReducerDispatcher<ClerkState>,
    ) -> Self {
        Self {
            api: config.map(|c| {
                Api::new(
                    c.frontend_api_url,
                    c.dev_browser,
                    settings.request_timeout_ms,
                )
            }),
            settings,
            dispatcher,
            sign_out_waiters: RefCell::new(None),
            tabs: RefCell::new(None),
            router: RefCell::new(RouterCallbacks::default()),
            client: RefCell::new(None),
            tokens: Tokens::default(),
            environment: RefCell::new(None),
        }
    }

    pub(crate) fn api(&self) -> Result<&Api, ClerkError> {
        self.api.as_ref().map_err(Clone::clone)
    }

    /// Every state change goes through here. The tokens follow it first:
    /// they leave the client before the state sees it.
    pub(crate) fn dispatch(&self, mut action: Action) {
        (self.tokens.state.borrow_mut()).observe(&mut action, background::now());
        self.dispatcher.dispatch(action);
        self.sync_tokens();
    }

    pub(crate) fn tell_tabs(&self, message: &str) {
        match self.tabs.borrow().as_ref() {
            Some(tabs) => tabs.send(message),
            None => tabs::send_via_storage(message),
        }
    }

    /// Loads the client. `LoadStarted` first, so nothing signed-in shows while
    /// it is being (re-)validated.
    pub(crate) async fn load(&self) -> Result<(), ClerkError> {
        self.dispatch(Action::LoadStarted);
        let result = match self.api() {
            Ok(api) => api.client().await,
            Err(e) => Err(e),
        };
        match result {
            Ok(client) => {
                self.dispatch(Action::Loaded(client));
                Ok(())
            }
            Err(e) if e.means_no_client() => {
                self.dispatch(Action::Loaded(None));
                Ok(())
            }
            Err(e) => {
                self.dispatch(Action::LoadFailed(e.clone()));
                Err(e)
            }
        }
    }

    /// Re-fetches the client after another tab's signal. A failed fetch after a
    /// sign-out elsewhere hides signed-in content rather than keep showing it.
    async fn refresh(&self, signal: Signal) {
        let Ok(api) = self.api() else { return };
        match api.client().await {
            Ok(client) => self.dispatch(Action::ClientChanged(client)),
            Err(e) if signal == Signal::SignedOut => self.dispatch(Action::LoadFailed(e)),
            Err(_) => {}
        }
    }

    /// The environment, fetched once.
    async fn environment(&self) -> Result<Rc<Environment>, ClerkError> {
        if let Some(environment) = self.environment.borrow().clone() {
            return Ok(environment);
        }
        let environment = Rc::new(self.api()?.environment().await?);
        self.environment.replace(Some(environment.clone()));
        Ok(environment)
    }

    /// The hosted page's URL, with the way back and (across origins, on a
    /// development instance) the dev browser.
    async fn portal_url(
        &self,
        page: Page,
        redirect_url: Option<&str>,
    ) -> Result<String, ClerkError> {
        let api = self.api()?;
        let origin = browser::origin()?;
        let back = match redirect_url {
            Some(url) => crate::redirect::validate_redirect(
                url,
                &origin,
                &self.settings.allowed_redirect_origins,
            )?,
            None => browser::href()?,
        };
        let provider = match page {
            Page::SignIn => Some(self.settings.sign_in_url.as_str()),
            Page::SignUp => None,
        };
        let environment = match provider.filter(|url| portal::is_absolute(url)) {
            Some(_) => None,
            None => Some(self.environment().await?),
        };
        let from_environment = environment.as_ref().map(|e| match page {
            Page::SignIn => e.display_config.sign_in_url.as_str(),
            Page::SignUp => e.display_config.sign_up_url.as_str(),
        });
        let base = portal::base_url(provider, from_environment)?;
        Ok(portal::build_url(
            base,
            &back,
            api.dev_browser_token().as_deref(),
            &origin,
        ))
    }

    /// Stops listening to other tabs; the provider calls it on unmount, since
    /// clones of the handle (say, in a spawned future) may outlive it.
    pub(crate) fn stop_listening(&self) {
        self.tabs.replace(None);
        self.tokens.background.borrow_mut().stop();
    }

    /// Where a trusted URL goes: one `validate_redirect` accepted, or the
    /// provider's own `sign_in_url` (absolute, or a path on this origin).
    /// Same-origin URLs go to the app's router when it gave one, as clerk-js
    /// does (`replace` falls back to the push callback); anything else goes
    /// to `location`.
    pub(crate) fn resolve(&self, url: &str, kind: Kind) -> Result<Resolved, ClerkError> {
        let origin = browser::origin()?;
        let absolute = if url.starts_with('/') && !url.starts_with("//") {
            format!("{origin}{url}")
        } else {
            url.to_owned()
        };
        let router = self.router.borrow().clone();
        let callback = match kind {
            Kind::Push => router.push,
            Kind::Replace => router.replace.or(router.push),
        };
        Ok(match (navigation::target(&absolute, &origin), callback) {
            (Target::Router(path), Some(callback)) => Resolved::Router(callback, path),
            _ => Resolved::Location(absolute, kind),
        })
    }

    /// Starts the cross-tab and back-forward-cache listeners. They hold only a
    /// weak reference, so dropping the provider's `Inner` stops them.
    pub(crate) fn listen(self: &Rc<Self>) -> Option<gloo_events::EventListener> {
        self.listen_for_tokens();
        let weak = Rc::downgrade(self);
        self.tabs.replace(Some(Tabs::listen(move |signal| {
            if let Some(inner) = weak.upgrade() {
                wasm_bindgen_futures::spawn_local(async move { inner.refresh(signal).await });
            }
        })));
        let weak = Rc::downgrade(self);
        browser::on_bfcache_restore(move || {
            if let Some(inner) = weak.upgrade() {
                // Hide signed-in content now, not after the request.
                inner.dispatch(Action::LoadStarted);
                wasm_bindgen_futures::spawn_local(async move {
                    let _ = inner.load().await;
                });
            }
        })
    }
}

/// The Clerk handle: the state as of the last render, and the actions.
///
/// Get it with [`use_clerk`](crate::use_clerk) inside a
/// [`ClerkProvider`](crate::ClerkProvider).
#[derive(Clone)]
pub struct Clerk {
    pub(crate) state: UseReducerHandle<ClerkState>,
    pub(crate) inner: Rc<Inner>,
    /// Made once per provider configuration, like `inner`.
    pub(crate) sign_out_callback: Callback<SignOutOptions>,
}

// The callback is made once per `inner`, so comparing `inner` covers it.
impl PartialEq for Clerk {
    fn eq(&self, other: &Self) -> bool {
        self.state == other.state && Rc::ptr_eq(&self.inner, &other.inner)
    }
}

impl fmt::Debug for Clerk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Clerk")
            .field("state", &*self.state)
            .finish()
    }
}

impl Clerk {
    /// The whole state.
    pub fn state(&self) -> &ClerkState {
        &self.state
    }

    /// Loading, loaded, or failed with an error.
    pub fn load_state(&self) -> &LoadState {
        &self.state.load
    }

    /// True once the client is known.
    pub fn is_loaded(&self) -> bool {
        self.state.is_loaded()
    }

    /// True when loaded with a current session.
    pub fn is_signed_in(&self) -> bool {
        self.state.is_signed_in()
    }

    /// The browser's Clerk client.
    pub fn client(&self) -> Option<&Client> {
        self.state.client.as_deref()
    }

    /// The current session.
    pub fn session(&self) -> Option<&Session> {
        self.state.session()
    }

    /// The current session when it is pending (tasks left): not signed in
    /// unless the provider's `treat_pending_as_signed_out` is off.
    pub fn pending_session(&self) -> Option<&Session> {
        self.state.pending_session()
    }

    /// The current user.
    pub fn user(&self) -> Option<&User> {
        self.state.user()
    }

    /// Where a sign-out is: idle, in flight, or failed.
    pub fn sign_out_phase(&self) -> &SignOutPhase {
        &self.state.sign_out
    }

    /// The sign-in URL the provider was given.
    pub fn sign_in_url(&self) -> &str {
        &self.inner.settings.sign_in_url
    }

    /// Loads the client again (a Retry after a load failure).
    pub async fn reload(&self) -> Result<(), ClerkError> {
        self.boxed_reload().await
    }

    #[inline(never)]
    fn boxed_reload(&self) -> Boxed<'_, Result<(), ClerkError>> {
        Box::pin(self.inner.load())
    }

    /// The URL of the instance's hosted sign-in page (the Account Portal), as
    /// clerk-js's `buildSignInUrl`: the provider's `sign_in_url` when it is
    /// absolute, else `/v1/environment`'s `display_config.sign_in_url`
    /// (fetched the first time, not on load). It carries `redirect_url`, the
    /// page to come back to: `redirect_url` when given (same origin or the
    /// provider's `allowed_redirect_origins`, else refused), else the
    /// current page. On a development instance a portal on another origin
    /// also gets `__clerk_db_jwt`, the browser's dev browser.
    ///
    /// ```no_run
    /// # async fn f(clerk: yew_clerk::Clerk) -> Result<(), yew_clerk::ClerkError> {
    /// let url = clerk.build_sign_in_url(Some("/account")).await?;
    /// # let _ = url; Ok(()) }
    /// ```
    pub async fn build_sign_in_url(
        &self,
        redirect_url: Option<&str>,
    ) -> Result<String, ClerkError> {
        self.boxed_portal_url(Page::SignIn, redirect_url).await
    }

    /// As [`build_sign_in_url`](Self::build_sign_in_url), for the hosted
    /// sign-up page (`display_config.sign_up_url`).
    pub async fn build_sign_up_url(
        &self,
        redirect_url: Option<&str>,
    ) -> Result<String, ClerkError> {
        self.boxed_portal_url(Page::SignUp, redirect_url).await
    }

    /// Sends the browser to the hosted sign-in page
    /// ([`build_sign_in_url`](Self::build_sign_in_url)), as clerk-js's
    /// `redirectToSignIn`; the page unloads.
    pub async fn redirect_to_sign_in(&self, redirect_url: Option<&str>) -> Result<(), ClerkError> {
        let url = self.boxed_portal_url(Page::SignIn, redirect_url).await?;
        browser::assign(&url)
    }

    /// Sends the browser to the hosted sign-up page, as clerk-js's
    /// `redirectToSignUp`.
    pub async fn redirect_to_sign_up(&self, redirect_url: Option<&str>) -> Result<(), ClerkError> {
        let url = self.boxed_portal_url(Page::SignUp, redirect_url).await?;
        browser::assign(&url)
    }

    #[inline(never)]
    fn boxed_portal_url<'a>(
        &'a self,
        page: Page,
        redirect_url: Option<&'a str>,
    ) -> Boxed<'a, Result<String, ClerkError>> {
        Box::pin(self.inner.portal_url(page, redirect_url))
    }

    /// Makes another signed-in session the current one (`touch`).
    pub async fn set_active(&self, session_id: &str) -> Result<(), ClerkError> {
        self.boxed_set_active(session_id).await
    }

    #[inline(never)]
    fn boxed_set_active<'a>(&'a self, session_id: &'a str) -> Boxed<'a, Result<(), ClerkError>> {
        Box::pin(async move {
            let client = self
                .inner
                .api()?
                .session_action(session_id, "touch")
                .await?;
            self.inner.dispatch(Action::ClientChanged(client));
            self.inner.tell_tabs(tabs::CHANGED);
            Ok(())
        })
    }

    /// Signs out, with clerk-js's semantics.
    ///
    /// - No `session_id`, or a single signed-in session: every session of the
    ///   client ends (`DELETE /v1/client/sessions`).
    /// - Another session's id: only it ends; the page stays and the list updates.
    /// - The current session's id: it ends, then as a full sign-out.
    ///
    /// A full sign-out then clears localStorage (except the provider's
    /// `keep_storage_keys`), tells the other tabs, and navigates: the callback,
    /// else `redirect_url`, else the provider's `after_sign_out_url`, else
    /// `location.reload()`. A redirect is a push, as clerk-js's: through the
    /// app's router for this origin (`router_push`), through `location`
    /// otherwise. One outside this origin and the allow-list is refused
    /// before any request is made.
    ///
    /// Clerk saying the session is already gone counts as success, once a
    /// fresh client agrees (clerk-js's `handleUnauthenticated`): a 401 or
    /// 404 with one of [`GONE_CODES`](crate::GONE_CODES). Any other failure
    /// (a network error, a 5xx, a 401 or 404 from a proxy or with another
    /// code) still clears localStorage, leaves the state signed in with
    /// [`SignOutPhase::Failed`], does not navigate, and returns `Err` so the
    /// app can offer a retry. A call while one is in flight sends no second
    /// request and resolves with the first call's result.
    pub async fn sign_out(&self, options: SignOutOptions) -> Result<(), ClerkError> {
        self.boxed_sign_out(options).await
    }

    #[inline(never)]
    fn boxed_sign_out(&self, options: SignOutOptions) -> Boxed<'_, Result<(), ClerkError>> {
        Box::pin(self.inner.sign_out(self.client(), options))
    }

    /// [`sign_out`](Self::sign_out) without awaiting: for `onclick` handlers.
    /// The outcome shows in [`sign_out_phase`](Self::sign_out_phase).
    pub fn spawn_sign_out(&self, options: SignOutOptions) {
        self.sign_out_callback.emit(options);
    }

    /// [`sign_out`](Self::sign_out) as a Yew callback, the context's
    /// `sign_out`: made once per provider configuration, so it compares equal
    /// across renders and does not re-render the components it is passed to.
    /// The outcome shows in [`sign_out_phase`](Self::sign_out_phase).
    ///
    /// ```no_run
    /// use yew::prelude::*;
    /// use yew_clerk::{use_clerk, SignOutOptions};
    ///
    /// #[component]
    /// fn SignOut() -> Html {
    ///     let Some(clerk) = use_clerk() else { return html! {} };
    ///     let onclick = clerk.sign_out_callback().reform(|_| SignOutOptions::new());
    ///     html! { <button {onclick}>{ "Sign out" }</button> }
    /// }
    /// ```
    pub fn sign_out_callback(&self) -> &Callback<SignOutOptions> {
        &self.sign_out_callback
    }
}

impl Inner {
    /// The context's sign-out callback: it holds the provider's `Inner`
    /// weakly, so it does not keep an unmounted provider alive.
    pub(crate) fn sign_out_callback(self: &Rc<Self>) -> Callback<SignOutOptions> {
        let weak = Rc::downgrade(self);
        Callback::from(move |options| {
            if let Some(inner) = weak.upgrade() {
                wasm_bindgen_futures::spawn_local(async move {
                    let client = inner.client.borrow().clone();
                    let _ = inner.sign_out(client.as_deref(), options).await;
                });
            }
        })
    }

    async fn sign_out(
        &self,
        client: Option<&Client>,
        options: SignOutOptions,
    ) -> Result<(), ClerkError> {
        let waiter = {
            let mut waiters = self.sign_out_waiters.borrow_mut();
            match waiters.as_mut() {
                Some(list) => {
                    let (tx, rx) = oneshot::channel();
                    list.push(tx);
                    Some(rx)
                }
                None => {
                    *waiters = Some(Vec::new());
                    None
                }
            }
        };
        if let Some(rx) = waiter {
            return rx
                .await
                .unwrap_or_else(|_| Err(ClerkError::Network("sign-out was interrupted".into())));
        }
        let result = self.sign_out_once(client, options).await;
        let waiters = self.sign_out_waiters.borrow_mut().take();
        for tx in waiters.into_iter().flatten() {
            let _ = tx.send(result.clone());
        }
        result
    }

    async fn sign_out_once(
        &self,
        client: Option<&Client>,
        options: SignOutOptions,
    ) -> Result<(), ClerkError> {
        let settings = &self.settings;
        // Checked before any request: a refused redirect ends nothing.
        let checked = self.api().and_then(|api| {
            let navigation = sign_out::navigation(
                &options,
                settings.after_sign_out_url.as_deref(),
                &browser::origin()?,
                &settings.allowed_redirect_origins,
            )?;
            Ok((api, navigation))
        });
        let (api, navigation) = match checked {
            Ok(checked) => checked,
            Err(e) => {
                self.dispatch(Action::SignOutFailed(e.clone()));
                return Err(e);
            }
        };
        let scope = sign_out::scope(client, options.session_id.as_deref());
        let keep =
            sign_out::kept_storage_keys(&settings.keep_storage_keys, options.clear_dev_browser);

        self.dispatch(Action::SignOutStarted);
        // As clerk-js: no token is handed out from here on, whatever the
        // outcome; the cookie and the refresh timer go with them.
        self.revoke_tokens();
        let result = match &scope {
            Scope::All => api.remove_all_sessions().await,
            Scope::One { id, .. } => api.session_action(id, "remove").await,
        };
        let client = match result {
            Ok(client) => client,
            Err(e) => match confirm_gone(api, &scope, &e).await {
                Some(fresh) => fresh,
                None => {
                    if scope.is_full() {
                        // No user data stays on the device, even though the
                        // server session may still be alive.
                        // The dev browser stays even when asked to go: it is
                        // how a retry reaches the still-live session.
                        let keep = sign_out::kept_storage_keys(&settings.keep_storage_keys, false);
                        let _ = storage::clear_except(&keep);
                    }
                    self.dispatch(Action::SignOutFailed(e.clone()));
                    return Err(e);
                }
            },
        };

        let succeeded = |navigating| Action::SignOutSucceeded { client, navigating };
        if !scope.is_full() {
            self.dispatch(succeeded(false));
            self.tell_tabs(tabs::CHANGED);
            return Ok(());
        }
        // If storage is unavailable nothing could have been stored in it.
        let _ = storage::clear_except(&keep);
        if options.clear_dev_browser {
            api.forget_dev_browser();
        }
        self.tell_tabs(tabs::SIGNED_OUT);
        let navigated = match navigation {
            Navigation::Callback(callback) => {
                self.dispatch(succeeded(false));
                callback.emit(());
                Ok(())
            }
            // Through the app's router the destination renders with the new
            // state; through `location` the page unloads.
            Navigation::Redirect(url) => self.resolve(&url, Kind::Push).and_then(|to| {
                self.dispatch(succeeded(to.unloads()));
                to.go()
            }),
            Navigation::Reload => {
                self.dispatch(succeeded(true));
                browser::reload()
            }
        };
        // The sessions ended; only the navigation failed.
        if let Err(e) = &navigated {
            self.dispatch(Action::SignOutFailed(e.clone()));
        }
        navigated
    }
}

/// A failed sign-out request that may still be a sign-out: when Clerk's
/// answer says the session is gone, a fresh client is fetched and believed
/// instead, as clerk-js's `handleUnauthenticated` does after a 401. Returns
/// the fresh client when the session (or, for a full sign-out, every session)
/// is no longer signed in; `None` when the error is another, or the fresh
/// client disagrees, or cannot be had.
async fn confirm_gone(api: &Api, scope: &Scope, error: &ClerkError) -> Option<Option<Client>> {
    if !error.is_session_gone() {
        return None;
    }
    let fresh = match api.client().await {
        Ok(fresh) => fresh,
        // No client for this browser any more.
        Err(e) if e.is_session_gone() => None,
        Err(_) => return None,
    };
    sign_out::is_gone(scope, fresh.as_ref()).then_some(fresh)
}

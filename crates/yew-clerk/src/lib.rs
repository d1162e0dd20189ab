//! Clerk authentication for Yew single-page apps, in pure Rust: no clerk-js.
//!
//! [`ClerkProvider`] loads the browser's Clerk client from the Frontend API and
//! shares it through a context. Hooks ([`use_clerk`], [`use_session`],
//! [`use_user`], [`use_auth`]) read it; control components ([`SignedIn`],
//! [`SignedOut`], [`ClerkLoading`], [`ClerkLoaded`], [`Protect`]) render by
//! it; [`Clerk::sign_out`], the context's [`Clerk::sign_out_callback`] and
//! [`SignOutButton`] end sessions with clerk-js's semantics.
//! [`Clerk::sign_in_with_password`], [`Clerk::prepare_second_factor`] and
//! [`Clerk::attempt_second_factor`] sign in as Clerk models it, Client
//! Trust's e-mail code and authenticator apps included ([`next_step`] says
//! what an attempt needs).
//! [`Clerk::get_token`] (also on [`use_auth`]) hands out the session's token
//! for your backend from a cache that a background refresh keeps fresh and a
//! sign-out empties (`tokens.rs`, `background.rs`). The optional
//! `yew-router` feature adds components with typed routes (the `router`
//! module) and lets the provider navigate through yew-router.
//!
//! Clerk's vanilla example (`await clerk.load(); if (clerk.user) button.onclick
//! = async () => { await clerk.signOut(); location.reload() }`) in Yew:
//!
//! ```no_run
//! use yew::prelude::*;
//! use yew_clerk::{use_clerk, ClerkProvider, SignOutOptions};
//!
//! #[component]
//! fn Page() -> Html {
//!     let Some(clerk) = use_clerk() else { return html! {} };
//!     let Some(session) = clerk.session() else {
//!         return html! { <p>{ if clerk.is_loaded() { "You are signed out" } else { "Loading…" } }</p> };
//!     };
//!     // The context's sign_out: sign out of everything, clear localStorage,
//!     // then location.reload(). The callback is the same on every render.
//!     let onclick = clerk.sign_out_callback().reform(|_| SignOutOptions::new());
//!     html! {
//!         <>
//!             <p>{ "Active session: " }{ session.id.clone() }</p>
//!             <button id="sign-out" {onclick}>{ "Sign out" }</button>
//!         </>
//!     }
//! }
//!
//! #[component]
//! fn App() -> Html {
//!     html! { <ClerkProvider publishable_key="pk_test_MTI3LjAuMC4xOjg3ODck"><Page /></ClerkProvider> }
//! }
//! ```
//!
//! Data flows one way: the API (`api`), then the state ([`ClerkState`]), then
//! the context ([`ClerkProvider`], [`Clerk`]), then components. Everything but
//! the thin browser layer is plain Rust and tested natively.
#![warn(missing_docs)]

// The decoder's unit tests also run in the browser (scripts/test), against
// the decoder that ships there.
#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod api;
mod background;
mod browser;
mod clerk;
mod components;
mod error;
mod hooks;
mod key;
mod navigation;
mod options;
mod portal;
mod provider;
mod redirect;
#[cfg(feature = "yew-router")]
pub mod router;
mod sign_in;
mod sign_out;
mod state;
mod storage;
pub mod tabs;
mod tokens;

pub use api::{Client, EmailAddress, Session, SessionStatus, SessionTask, SignIn, User};
pub use clerk::Clerk;
pub use components::*;
pub use error::{ApiError, ClerkError, GONE_CODES};
pub use hooks::{use_auth, use_clerk, use_session, use_user, Auth};
pub use key::{InstanceType, PublishableKey};
pub use options::DevBrowserMode;
pub use provider::{ClerkProvider, ClerkProviderProps, DEFAULT_REQUEST_TIMEOUT_MS};
pub use redirect::validate_redirect;
pub use sign_in::{
    next_step, SecondFactor, SignInStatus, SignInStep, Strategy, Verification, VerificationCode,
    VerificationStatus,
};
pub use sign_out::SignOutOptions;
pub use state::{Action, ClerkState, LoadState, SignOutPhase};
pub use tokens::GetTokenOptions;

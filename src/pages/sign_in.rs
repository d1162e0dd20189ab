//! `/sign-in`: a custom password form. Fields are named as FAPI names them;
//! Clerk's errors show next to the field they are about.

use web_sys::HtmlInputElement;
use yew::prelude::*;
use yew_clerk::router::use_router_navigation;
use yew_clerk::{use_clerk, ClerkError, LoadState};
use yew_router::prelude::use_location;

use crate::components::load_failure;
use crate::return_to::{after_sign_in, RedirectQuery};

/// The sign-in page.
#[component]
pub fn SignIn() -> Html {
    let clerk = use_clerk();
    let navigate = use_router_navigation().map(|n| n.push).unwrap_or_default();
    let redirect_url = use_location()
        .and_then(|l| l.query::<RedirectQuery>().ok())
        .and_then(|q| q.redirect_url);
    let identifier = use_node_ref();
    let password = use_node_ref();
    let submitting = use_state(|| false);
    let error = use_state(|| None::<ClerkError>);

    if let Some(clerk) = &clerk {
        if let LoadState::Failed(e) = clerk.load_state() {
            return load_failure(clerk, e);
        }
    }

    let onsubmit = {
        let (identifier, password) = (identifier.clone(), password.clone());
        let (submitting, error) = (submitting.clone(), error.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(clerk) = clerk.clone() else { return };
            let navigate = navigate.clone();
            let value = |r: &NodeRef| {
                r.cast::<HtmlInputElement>()
                    .map(|i| i.value())
                    .unwrap_or_default()
            };
            let (id, pw) = (value(&identifier), value(&password));
            let (submitting, error, redirect_url) =
                (submitting.clone(), error.clone(), redirect_url.clone());
            submitting.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                match clerk.sign_in_with_password(id.trim(), &pw).await {
                    Ok(_) => {
                        let origin = web_sys::window()
                            .and_then(|w| w.location().origin().ok())
                            .unwrap_or_default();
                        navigate.emit(after_sign_in(redirect_url.as_deref(), &origin));
                    }
                    Err(e) => {
                        error.set(Some(e));
                        submitting.set(false);
                    }
                }
            });
        })
    };

    let field_error = |field: &str| {
        error
            .as_ref()
            .and_then(|e| e.field_error(field))
            .map(|e| e.message.clone())
    };
    let identifier_error = field_error("identifier");
    let password_error = field_error("password");
    // Errors about no field (session_exists, network...) go above the form.
    let form_error = error
        .as_ref()
        .filter(|_| identifier_error.is_none() && password_error.is_none())
        .map(ToString::to_string);

    html! {
        <section class="panel narrow">
            <h1>{ "Sign in" }</h1>
            <p class="muted">{ "Demo users: demo@example.com / demo-password-1, ada@example.com / ada-password-1" }</p>
            if let Some(message) = form_error {
                <p class="notice error" role="alert" id="form-error">{ message }</p>
            }
            <form onsubmit={onsubmit} novalidate=true>
                { field("identifier", "Email address", "email", "username", identifier, identifier_error) }
                { field("password", "Password", "password", "current-password", password, password_error) }
                <button type="submit" class="button" id="sign-in" disabled={*submitting}>
                    { if *submitting { "Signing in…" } else { "Sign in" } }
                </button>
            </form>
        </section>
    }
}

/// A labelled input with Clerk's error for it, tied by `aria-describedby`.
fn field(
    name: &'static str,
    label: &'static str,
    kind: &'static str,
    autocomplete: &'static str,
    node: NodeRef,
    error: Option<String>,
) -> Html {
    let error_id = format!("{name}-error");
    html! {
        <div class="field">
            <label for={name}>{ label }</label>
            <input id={name} {name} type={kind} {autocomplete} required=true ref={node}
                aria-invalid={error.is_some().then_some("true")}
                aria-describedby={error.is_some().then(|| error_id.clone())} />
            if let Some(message) = error {
                <p class="field-error" id={error_id} role="alert">{ message }</p>
            }
        </div>
    }
}

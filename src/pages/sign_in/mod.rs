//! `/sign-in` and `/sign-in/factor-two`: a custom sign-in flow. The password
//! form first; when Clerk asks for a second factor (a browser it does not
//! know yet, or two-step verification), the code step. Fields are named as
//! FAPI names them, and Clerk's errors show next to the field they are about.
//!
//! One component shows both steps (a route each): they share the form, its
//! busy state and its errors, and the bundle one copy of a component's
//! lifecycle code (README, "Size, decided by measurement"). The code step's
//! own logic is in `factor_two`.

mod factor_two;

use web_sys::HtmlInputElement;
use yew::prelude::*;
use yew_clerk::router::use_router_navigation;
use yew_clerk::{next_step, use_clerk, ClerkError, LoadState, SignInStep, VerificationCode};
use yew_router::prelude::{use_location, Location};

use crate::components::load_failure;
use crate::return_to::{after_sign_in, RedirectQuery};
use factor_two::{act, Act, Shown};

/// The steps of a sign-in, a route each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// `/sign-in`: identifier and password.
    Password,
    /// `/sign-in/factor-two`: the code Clerk asked for.
    FactorTwo,
}

/// Props of [`SignIn`].
#[derive(Properties, PartialEq)]
pub struct SignInProps {
    /// The step this route shows.
    pub step: Step,
}

/// The sign-in page, at either step.
#[component]
pub fn SignIn(props: &SignInProps) -> Html {
    let clerk = use_clerk();
    let navigation = use_router_navigation();
    let location = use_location();
    // Identifier and password, or the code.
    let inputs = [use_node_ref(), use_node_ref()];
    let shown = Shown {
        busy: use_state(|| false),
        resent: use_state(|| false),
        error: use_state(|| None::<ClerkError>),
    };
    let code_step = factor_two::use_code_step(
        props.step == Step::FactorTwo,
        &clerk,
        &navigation,
        &location,
        &inputs[0],
        &shown,
    );

    let Some(clerk) = clerk else {
        return html! {};
    };
    if let LoadState::Failed(e) = clerk.load_state() {
        return load_failure(&clerk, e);
    }
    if props.step == Step::FactorTwo && code_step.is_none() {
        return html! { <p class="loading" role="status">{ "Loading…" }</p> };
    }

    let onsubmit = {
        let (inputs, shown, code_step) = (inputs.clone(), shown.clone(), code_step.clone());
        let navigate = navigation.map(|n| n.push).unwrap_or_default();
        let redirect_url = redirect_url(&location);
        // The code step keeps the query, and with it the way back.
        let factor_two = format!("/sign-in/factor-two{}", query(&location));
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let value = |i: usize| {
                inputs[i]
                    .cast::<HtmlInputElement>()
                    .map(|input| input.value())
                    .unwrap_or_default()
            };
            shown.busy.set(true);
            if let Some(step) = &code_step {
                // On success the client changes, and the code step leaves.
                let code = VerificationCode::new(&value(0));
                return act(step.clone(), Act::Check(code), shown.clone());
            }
            let (clerk, navigate, factor_two) =
                (clerk.clone(), navigate.clone(), factor_two.clone());
            let (id, pw, shown, redirect_url) =
                (value(0), value(1), shown.clone(), redirect_url.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let failed = match clerk.sign_in_with_password(id.trim(), &pw).await {
                    Ok(attempt) => match next_step(&attempt) {
                        SignInStep::Complete => {
                            navigate.emit(after_sign_in(redirect_url.as_deref(), &origin()));
                            return;
                        }
                        SignInStep::SecondFactor(_) => return navigate.emit(factor_two),
                        // An identifier, first factor or new password step.
                        _ => ClerkError::SignInIncomplete {
                            status: attempt.status.as_str().to_owned(),
                        },
                    },
                    Err(e) => e,
                };
                shown.error.set(Some(failed));
                shown.busy.set(false);
            });
        })
    };

    let busy = *shown.busy;
    let error = (*shown.error).as_ref();
    let [first, second] = inputs;
    let (title, intro, fields, button, after, form_error) = match &code_step {
        Some(step) => {
            let (title, hint) = step.texts(*shown.resent);
            // Every error of this step is about the code.
            let code_error = error.map(ToString::to_string);
            let code = field(
                "code",
                "Verification code",
                "text",
                "one-time-code",
                step.inputmode(),
                first,
                code_error,
            );
            (title, hint, code, "Continue", step.actions(&shown), None)
        }
        None => {
            let field_error = |field: &str| {
                error
                    .and_then(|e| e.field_error(field))
                    .map(|e| e.message.clone())
            };
            let (identifier_error, password_error) =
                (field_error("identifier"), field_error("password"));
            // Errors about no field (session_exists, network...) go above the form.
            let form_error = error
                .filter(|_| identifier_error.is_none() && password_error.is_none())
                .map(ToString::to_string);
            let fields = html! {
                <>
                    { field("identifier", "Email address", "email", "username", None, first, identifier_error) }
                    { field("password", "Password", "password", "current-password", None, second, password_error) }
                </>
            };
            let intro = "Demo users: demo@example.com / demo-password-1, ada@example.com / ada-password-1, grace@example.com / grace-password-1 (authenticator app)";
            (
                "Sign in",
                intro.to_owned(),
                fields,
                "Sign in",
                Html::default(),
                form_error,
            )
        }
    };

    html! {
        <section class="panel narrow">
            <h1>{ title }</h1>
            <p class="muted" id="intro">{ intro }</p>
            if let Some(message) = form_error {
                <p class="notice error" role="alert" id="form-error">{ message }</p>
            }
            <form {onsubmit} novalidate=true>
                { fields }
                <button type="submit" class="button" id={if code_step.is_some() { "verify" } else { "sign-in" }}
                    disabled={busy}>
                    { if busy { "Signing in…" } else { button } }
                </button>
            </form>
            { after }
        </section>
    }
}

/// The `redirect_url` of the page's query: where to go once signed in.
fn redirect_url(location: &Option<Location>) -> Option<String> {
    let query = location.as_ref()?.query::<RedirectQuery>().ok()?;
    query.redirect_url
}

/// The page's query, with its `?` (or nothing).
fn query(location: &Option<Location>) -> &str {
    location.as_ref().map(|l| l.query_str()).unwrap_or_default()
}

/// This page's origin, for [`after_sign_in`].
fn origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

/// A labelled input with Clerk's error for it, tied by `aria-describedby`;
/// `inputmode` picks a phone's keyboard (`numeric` for a one-time code).
fn field(
    name: &'static str,
    label: &'static str,
    kind: &'static str,
    autocomplete: &'static str,
    inputmode: Option<&'static str>,
    node: NodeRef,
    error: Option<String>,
) -> Html {
    let error_id = format!("{name}-error");
    html! {
        <div class="field">
            <label for={name}>{ label }</label>
            <input id={name} {name} type={kind} {autocomplete} {inputmode} required=true ref={node}
                aria-invalid={error.is_some().then_some("true")}
                aria-describedby={error.is_some().then(|| error_id.clone())} />
            if let Some(message) = error {
                <p class="field-error" id={error_id} role="alert">{ message }</p>
            }
        </div>
    }
}

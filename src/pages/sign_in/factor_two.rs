//! The code step of `/sign-in/factor-two`, after a password that Clerk
//! wants confirmed (a browser it does not know yet, or two-step
//! verification).
//!
//! The attempt lives on Clerk's client (`client.sign_in`), not in this page:
//! a reload resumes it, and a code already sent is not sent again. A code is
//! sent when the step opens (e-mail and text message; an authenticator app
//! needs none), with "Resend code", and for another method.

use web_sys::HtmlInputElement;
use yew::prelude::*;
use yew_clerk::router::RouterNavigation;
use yew_clerk::{
    next_step, Clerk, ClerkError, SecondFactor, SignIn, SignInStatus, SignInStep, Strategy,
    VerificationCode,
};
use yew_router::prelude::Location;

use super::{origin, query, redirect_url};
use crate::return_to::after_sign_in;

/// What the form shows besides the attempt.
#[derive(Clone)]
pub(super) struct Shown {
    /// A request is in flight.
    pub busy: UseStateHandle<bool>,
    /// A new code went out ("Resend code").
    pub resent: UseStateHandle<bool>,
    /// Clerk's error, next to its field.
    pub error: UseStateHandle<Option<ClerkError>>,
}

/// The attempt waiting for a code, and the factor the step shows.
#[derive(Clone)]
pub(super) struct CodeStep {
    clerk: Clerk,
    attempt: SignIn,
    factor: SecondFactor,
    /// `factor`'s place in the attempt's `second_factors`.
    index: usize,
    /// The factor the user picked with "Use another method".
    chosen: UseStateHandle<Option<usize>>,
}

/// The code step when `active` and the client has an attempt waiting for a
/// code. When there is nothing (more) to verify, done here or in another
/// tab, it leaves: signed in, where a sign-in goes (`redirect_url`, else
/// home); otherwise back to the password with the same query. It sends a
/// code when the step opens or the method changes, unless one is pending,
/// and moves focus to `input`.
#[hook]
pub(super) fn use_code_step(
    active: bool,
    clerk: &Option<Clerk>,
    navigation: &Option<RouterNavigation>,
    location: &Option<Location>,
    input: &NodeRef,
    shown: &Shown,
) -> Option<CodeStep> {
    let chosen = use_state(|| None::<usize>);
    let clerk = clerk.as_ref().filter(|_| active);
    let step = clerk.and_then(|clerk| {
        let attempt = clerk.client()?.sign_in.as_ref()?;
        let SignInStep::SecondFactor(first) = next_step(attempt) else {
            return None;
        };
        let factors = attempt.second_factors();
        let index = chosen
            .filter(|i| *i < factors.len())
            .or_else(|| factors.iter().position(|f| std::ptr::eq(f, first)))?;
        Some(CodeStep {
            clerk: clerk.clone(),
            attempt: attempt.clone(),
            factor: factors[index].clone(),
            index,
            chosen: chosen.clone(),
        })
    });
    let leave = clerk
        .filter(|c| c.is_loaded() && step.is_none())
        .map(|c| match c.is_signed_in() {
            true => after_sign_in(redirect_url(location).as_deref(), &origin()),
            false => format!("/sign-in{}", query(location)),
        });
    let opened = step.as_ref().map(|s| (s.attempt.id.clone(), s.index));
    {
        let (navigation, step, input, shown) = (
            navigation.clone(),
            step.clone(),
            input.clone(),
            shown.clone(),
        );
        use_effect_with((leave, opened), move |(leave, _)| {
            if let (Some(path), Some(navigation)) = (leave, navigation) {
                navigation.replace.emit(path.clone());
            }
            if let Some(step) = step {
                if step.attempt.needs_prepare(&step.factor) {
                    act(step, Act::Send, shown);
                }
                if let Some(input) = input.cast::<HtmlInputElement>() {
                    let _ = input.focus();
                }
            }
        });
    }
    step
}

impl CodeStep {
    /// The heading, and where the code comes from.
    pub(super) fn texts(&self, resent: bool) -> (&'static str, String) {
        let to = self.factor.safe_identifier.as_deref().unwrap_or_default();
        match self.factor.strategy {
            Strategy::Totp => (
                "Two-step verification",
                "Enter the code from your authenticator app".into(),
            ),
            Strategy::BackupCode => ("Two-step verification", "Enter a backup code".into()),
            _ if resent => ("Check your inbox", format!("We sent a new code to {to}")),
            _ if self.attempt.status == SignInStatus::NeedsClientTrust => (
                "Confirm it's you",
                format!("You are signing in on a new device. We sent a code to {to}"),
            ),
            _ => ("Check your inbox", format!("We sent a code to {to}")),
        }
    }

    /// The code input's keyboard on phones: digits, but for backup codes.
    pub(super) fn inputmode(&self) -> Option<&'static str> {
        (self.factor.strategy != Strategy::BackupCode).then_some("numeric")
    }

    /// "Resend code" for codes that are sent, and "Use another method"
    /// when the attempt offers several.
    pub(super) fn actions(&self, shown: &Shown) -> Html {
        let resend = self.factor.sends_code().then(|| {
            let (step, shown) = (self.clone(), shown.clone());
            Callback::from(move |_| act(step.clone(), Act::Resend, shown.clone()))
        });
        let factors = self.attempt.second_factors();
        let others = factors
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != self.index)
            .map(|(j, factor)| {
                let (chosen, error) = (self.chosen.clone(), shown.error.clone());
                // Another method's code: the last one's error is not about it.
                let onclick = Callback::from(move |_| {
                    error.set(None);
                    chosen.set(Some(j));
                });
                let strategy = factor.strategy.as_str().to_owned();
                html! {
                    <button type="button" class="secondary" data-strategy={strategy} {onclick}>
                        { method(factor) }
                    </button>
                }
            });
        html! {
            <p class="links">
                if let Some(onclick) = resend {
                    <button type="button" class="secondary" id="resend" {onclick}>{ "Resend code" }</button>
                }
                if factors.len() > 1 {
                    <span>{ "Use another method:" }</span>
                    { for others }
                }
            </p>
        }
    }
}

/// A factor as "Use another method" lists it.
fn method(factor: &SecondFactor) -> String {
    let to = factor.safe_identifier.as_deref().unwrap_or_default();
    match &factor.strategy {
        Strategy::Totp => "Authenticator app".into(),
        Strategy::BackupCode => "Backup code".into(),
        Strategy::EmailCode => format!("Email code to {to}"),
        Strategy::PhoneCode => format!("Text code to {to}"),
        other => other.as_str().into(),
    }
}

/// What to do with the step's factor.
pub(super) enum Act {
    /// Send a code, as the step opens.
    Send,
    /// Send a new code, and say so.
    Resend,
    /// Check the code the user entered.
    Check(VerificationCode),
}

/// Does `act`; Clerk's errors show next to the input. On success the
/// client changes with the answer, and the step re-renders from it.
pub(super) fn act(step: CodeStep, act: Act, shown: Shown) {
    wasm_bindgen_futures::spawn_local(async move {
        let CodeStep {
            clerk,
            attempt,
            factor,
            ..
        } = step;
        let result = match &act {
            Act::Check(code) => clerk.attempt_second_factor(&attempt, &factor, code).await,
            _ => clerk.prepare_second_factor(&attempt, &factor).await,
        };
        shown
            .resent
            .set(matches!(act, Act::Resend) && result.is_ok());
        shown.error.set(result.err());
        shown.busy.set(false);
    });
}

//! Sign-in as Clerk models it: the attempt's status, the second factors it
//! offers and the verification in progress ([`SignIn`] carries them), what
//! comes next ([`next_step`], pure and tested natively), and the actions
//! that move an attempt on, named as clerk-js's `SignIn` resource names
//! them (`create` with a password, `prepareSecondFactor`,
//! `attemptSecondFactor`).
//!
//! Clerk owns the attempt, not the browser: every answer says its status,
//! and the client carries the attempt in progress (`client.sign_in`), so a
//! page reloaded half-way resumes from [`Clerk::client`]. A status that is
//! not `complete` is therefore a value to branch on, not an error.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::api::{Envelope, SignIn};
use crate::clerk::{Boxed, Clerk, Inner};
use crate::error::ClerkError;
use crate::state::Action;
use crate::tabs;

/// A string Clerk defines, as an enum that keeps values this SDK does not
/// know yet (`Other`), so they round-trip and never fail decoding.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$doc:meta])* $variant:ident = $wire:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(from = "String", into = "String")]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$doc])* $variant,)*
            /// A value this SDK does not know yet, as Clerk sent it.
            Other(String),
        }

        impl $name {
            /// Clerk's name for it.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)*
                    Self::Other(other) => other,
                }
            }
        }

        impl From<String> for $name {
            fn from(text: String) -> Self {
                match text.as_str() {
                    $($wire => Self::$variant,)*
                    _ => Self::Other(text),
                }
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                match value {
                    $name::Other(text) => text,
                    known => known.as_str().to_owned(),
                }
            }
        }
    };
}

wire_enum! {
    /// Where a sign-in attempt is (`SignIn.status`).
    SignInStatus {
        /// Signed in: `created_session_id` is the new session.
        Complete = "complete",
        /// The password was right; the user has two-step verification on
        /// and must enter a code (`supported_second_factors`).
        NeedsSecondFactor = "needs_second_factor",
        /// The password was right, but Clerk does not know this browser
        /// yet (Client Trust): a code sent by email confirms it.
        NeedsClientTrust = "needs_client_trust",
        /// The identifier is still to come.
        NeedsIdentifier = "needs_identifier",
        /// A first factor (password, code, link...) is still to come.
        NeedsFirstFactor = "needs_first_factor",
        /// The user must choose a new password.
        NeedsNewPassword = "needs_new_password",
        /// Left unfinished for too long; start again.
        Abandoned = "abandoned",
    }
}

wire_enum! {
    /// How a factor is verified (`strategy`).
    Strategy {
        /// A code sent by email.
        EmailCode = "email_code",
        /// A code sent by text message.
        PhoneCode = "phone_code",
        /// A code from an authenticator app (RFC 6238).
        Totp = "totp",
        /// One of the user's backup codes.
        BackupCode = "backup_code",
    }
}

wire_enum! {
    /// Where a verification is.
    VerificationStatus {
        /// Waiting for the code.
        Unverified = "unverified",
        /// The code was right.
        Verified = "verified",
        /// Too many wrong codes: prepare a new one.
        Failed = "failed",
        /// The code expired: prepare a new one.
        Expired = "expired",
    }
}

/// A second factor the attempt offers (`supported_second_factors[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SecondFactor {
    /// How it is verified.
    pub strategy: Strategy,
    /// Where a code goes, as Clerk shows it (an email address, a masked
    /// phone number); `None` for an authenticator app.
    pub safe_identifier: Option<String>,
    /// The email address a code goes to (`idn_...`), for `email_code`.
    pub email_address_id: Option<String>,
    /// The phone number a code goes to (`idn_...`), for `phone_code`.
    pub phone_number_id: Option<String>,
    /// Whether that address or number is the user's primary one.
    pub primary: Option<bool>,
}

impl SecondFactor {
    /// True when a code must be sent first ([`Clerk::prepare_second_factor`]):
    /// email and text-message codes; an authenticator app or a backup code
    /// is entered directly.
    pub fn sends_code(&self) -> bool {
        matches!(self.strategy, Strategy::EmailCode | Strategy::PhoneCode)
    }
}

/// The second factor's verification in progress
/// (`second_factor_verification`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Verification {
    /// Where it is.
    pub status: VerificationStatus,
    /// The factor being verified.
    pub strategy: Option<Strategy>,
    /// Codes tried so far.
    pub attempts: Option<u32>,
    /// When the code expires, milliseconds since the epoch.
    pub expire_at: Option<i64>,
}

impl SignIn {
    /// The second factors on offer (none when Clerk sends `null`).
    pub fn second_factors(&self) -> &[SecondFactor] {
        self.supported_second_factors.as_deref().unwrap_or_default()
    }

    /// True when `factor` needs a code sent before one can be entered: it
    /// sends codes, and no unexpired, unused one for it is pending. A page
    /// reloaded after the code went out does not send another.
    pub fn needs_prepare(&self, factor: &SecondFactor) -> bool {
        let pending = self.second_factor_verification.as_ref().is_some_and(|v| {
            v.status == VerificationStatus::Unverified
                && v.strategy.as_ref() == Some(&factor.strategy)
        });
        factor.sends_code() && !pending
    }
}

/// What a sign-in attempt needs next, for a page to branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignInStep<'a> {
    /// Signed in: the new session is the current one.
    Complete,
    /// A code: the factor to start with, in clerk-js's order (an
    /// authenticator app, then a text message, then the first offered).
    /// All of them are in [`SignIn::second_factors`].
    SecondFactor(&'a SecondFactor),
    /// A step this SDK does not offer (an identifier, a first factor, a new
    /// password, or a second factor without any on offer), an abandoned
    /// attempt, or a status Clerk added since: start again, or use Clerk's
    /// hosted pages.
    Unsupported(&'a SignInStatus),
}

/// What `attempt` needs next.
pub fn next_step(attempt: &SignIn) -> SignInStep<'_> {
    let factors = attempt.second_factors();
    let first = |strategy: Strategy| factors.iter().find(|f| f.strategy == strategy);
    match attempt.status {
        SignInStatus::Complete => SignInStep::Complete,
        SignInStatus::NeedsSecondFactor | SignInStatus::NeedsClientTrust => {
            match first(Strategy::Totp)
                .or_else(|| first(Strategy::PhoneCode))
                .or(factors.first())
            {
                Some(factor) => SignInStep::SecondFactor(factor),
                None => SignInStep::Unsupported(&attempt.status),
            }
        }
        _ => SignInStep::Unsupported(&attempt.status),
    }
}

/// A one-time code the user typed. Its `Debug` never shows it, so it cannot
/// reach a log by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct VerificationCode(String);

impl VerificationCode {
    /// The code, without the spaces around it that a paste brings.
    pub fn new(code: &str) -> Self {
        Self(code.trim().to_owned())
    }

    /// The code itself. Keep it out of logs and storage.
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for VerificationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VerificationCode([redacted])")
    }
}

impl Inner {
    /// An answer to a sign-in step: its client replaces the state's (it
    /// carries the attempt, and once complete the new session); only a
    /// completed sign-in tells other tabs.
    fn sign_in_step(&self, envelope: Envelope<SignIn>) -> Result<SignIn, ClerkError> {
        let attempt = envelope
            .response
            .ok_or_else(|| ClerkError::Decode("sign-in answer without a sign_in".into()))?;
        self.dispatch(Action::ClientChanged(envelope.client));
        if attempt.status == SignInStatus::Complete {
            self.tell_tabs(tabs::CHANGED);
        }
        Ok(attempt)
    }
}

impl Clerk {
    /// Signs in with an identifier (email) and password (clerk-js's
    /// `signIn.create({ strategy: 'password', ... })`).
    ///
    /// Returns the attempt; branch on [`next_step`]. Complete, the new
    /// session is the current one (touched, as clerk-js's `setActive`, when
    /// Clerk's answer did not make it so) and other tabs are told. From a browser
    /// Clerk does not know yet (Client Trust, on by default for new Clerk
    /// applications), or for a user with two-step verification, it needs a
    /// second factor first ([`prepare_second_factor`](Self::prepare_second_factor),
    /// [`attempt_second_factor`](Self::attempt_second_factor)). Errors
    /// carry Clerk's codes and fields, e.g. `form_password_incorrect` on
    /// `password`. Any status, even one this SDK does not know
    /// ([`SignInStatus::Other`]), is a value, not an error.
    ///
    /// ```no_run
    /// # async fn run(clerk: yew_clerk::Clerk) -> Result<(), yew_clerk::ClerkError> {
    /// use yew_clerk::{next_step, SignInStep, VerificationCode};
    ///
    /// let attempt = clerk.sign_in_with_password("demo@example.com", "demo-password-1").await?;
    /// if let SignInStep::SecondFactor(factor) = next_step(&attempt) {
    ///     if attempt.needs_prepare(factor) {
    ///         clerk.prepare_second_factor(&attempt, factor).await?;
    ///     }
    ///     let code = VerificationCode::new("424242"); // what the user typed
    ///     clerk.attempt_second_factor(&attempt, factor, &code).await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn sign_in_with_password(
        &self,
        identifier: &str,
        password: &str,
    ) -> Result<SignIn, ClerkError> {
        let form = [
            ("strategy", "password"),
            ("identifier", identifier),
            ("password", password),
        ];
        self.boxed_sign_in_step(None, &form).await
    }

    /// Sends a code for `factor` (clerk-js's `prepareSecondFactor`): to its
    /// email address or phone number. Again for a new code ("Resend code");
    /// the new code replaces the old one. Not needed for an authenticator
    /// app ([`SignIn::needs_prepare`] says when it is).
    pub async fn prepare_second_factor(
        &self,
        attempt: &SignIn,
        factor: &SecondFactor,
    ) -> Result<SignIn, ClerkError> {
        let mut form = vec![("strategy", factor.strategy.as_str())];
        if let Some(id) = &factor.email_address_id {
            form.push(("email_address_id", id.as_str()));
        }
        if let Some(id) = &factor.phone_number_id {
            form.push(("phone_number_id", id.as_str()));
        }
        self.boxed_sign_in_step(Some((attempt, "prepare_second_factor")), &form)
            .await
    }

    /// Checks the code the user entered for `factor` (clerk-js's
    /// `attemptSecondFactor`). The right code completes the sign-in as a
    /// one-step sign-in completes. A wrong one is Clerk's
    /// `form_code_incorrect` on `code` ([`ClerkError::field_error`]); an
    /// expired one `verification_expired`, too many wrong ones
    /// `verification_failed`: prepare a new code.
    pub async fn attempt_second_factor(
        &self,
        attempt: &SignIn,
        factor: &SecondFactor,
        code: &VerificationCode,
    ) -> Result<SignIn, ClerkError> {
        let form = [
            ("strategy", factor.strategy.as_str()),
            ("code", code.secret()),
        ];
        self.boxed_sign_in_step(Some((attempt, "attempt_second_factor")), &form)
            .await
    }

    /// One copy of every step: a new attempt (`None`), or an action on one.
    #[inline(never)]
    fn boxed_sign_in_step<'a>(
        &'a self,
        action: Option<(&'a SignIn, &'a str)>,
        form: &'a [(&'a str, &'a str)],
    ) -> Boxed<'a, Result<SignIn, ClerkError>> {
        Box::pin(async move {
            let api = self.inner.api()?;
            let action = action.map(|(attempt, action)| (attempt.id.as_str(), action));
            let envelope = api.sign_in(action, form).await?;
            let active = envelope
                .client
                .as_ref()
                .and_then(|c| c.last_active_session_id.clone());
            let attempt = self.inner.sign_in_step(envelope)?;
            // clerk-js finishes a sign-in with setActive (a touch); Clerk's
            // answer has usually made the new session the active one already.
            if let Some(created) = attempt.created_session_id.as_deref() {
                if attempt.status == SignInStatus::Complete && active.as_deref() != Some(created) {
                    self.set_active(created).await?;
                }
            }
            Ok(attempt)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(json: &str) -> SignIn {
        serde_json::from_str(json).unwrap()
    }

    /// `needs_client_trust` after a prepare, as the emulator (mirroring
    /// Clerk's `Client.SignIn`) answers it, with fields the SDK ignores.
    const CLIENT_TRUST: &str = r#"{
        "object": "sign_in_attempt", "id": "sia_1", "status": "needs_client_trust",
        "supported_identifiers": ["email_address"], "supported_first_factors": [],
        "supported_second_factors": [
            {"strategy": "email_code", "safe_identifier": "demo@example.com",
             "email_address_id": "idn_1", "primary": true}
        ],
        "first_factor_verification": {"object": "verification_password", "status": "verified",
            "strategy": "password", "attempts": 1, "expire_at": null},
        "second_factor_verification": {"object": "verification_otp", "status": "unverified",
            "strategy": "email_code", "attempts": 0, "expire_at": 1700000600000},
        "identifier": "demo@example.com",
        "user_data": {"first_name": "Demo", "last_name": null, "image_url": "x", "has_image": false},
        "created_session_id": null, "abandon_at": 1700086400000, "locale": null
    }"#;

    #[test]
    fn decodes_a_client_trust_attempt() {
        let attempt = attempt(CLIENT_TRUST);
        assert_eq!(attempt.status, SignInStatus::NeedsClientTrust);
        let [factor] = attempt.second_factors() else {
            panic!("one factor: {attempt:?}")
        };
        assert_eq!(factor.strategy, Strategy::EmailCode);
        assert_eq!(factor.safe_identifier.as_deref(), Some("demo@example.com"));
        assert_eq!(factor.email_address_id.as_deref(), Some("idn_1"));
        assert_eq!(factor.primary, Some(true));
        let verification = attempt.second_factor_verification.as_ref().unwrap();
        assert_eq!(verification.status, VerificationStatus::Unverified);
        assert_eq!(verification.strategy, Some(Strategy::EmailCode));
        assert_eq!(
            (verification.attempts, verification.expire_at),
            (Some(0), Some(1_700_000_600_000))
        );
        assert_eq!(next_step(&attempt), SignInStep::SecondFactor(factor));
        assert!(!attempt.needs_prepare(factor), "a code is pending");
    }

    #[test]
    fn a_fresh_attempt_needs_a_code_sent_and_totp_does_not() {
        let fresh = attempt(
            r#"{"id": "sia_2", "status": "needs_client_trust", "supported_second_factors": [
                {"strategy": "email_code", "safe_identifier": "d@example.com", "email_address_id": "idn_1"}],
                "second_factor_verification": null, "created_session_id": null}"#,
        );
        let SignInStep::SecondFactor(factor) = next_step(&fresh) else {
            panic!("{fresh:?}")
        };
        assert!(fresh.needs_prepare(factor));

        // A verification that expired, failed or is for another factor
        // needs a new code.
        for verification in [
            r#"{"status": "expired", "strategy": "email_code", "expire_at": 1}"#,
            r#"{"status": "failed", "strategy": "email_code", "attempts": 3}"#,
            r#"{"status": "unverified", "strategy": "phone_code"}"#,
        ] {
            let stale = attempt(&format!(
                r#"{{"id": "sia_2", "status": "needs_client_trust", "supported_second_factors": [
                    {{"strategy": "email_code", "email_address_id": "idn_1"}}],
                    "second_factor_verification": {verification}}}"#
            ));
            assert!(stale.needs_prepare(factor), "{verification}");
        }

        let totp = attempt(
            r#"{"id": "sia_3", "status": "needs_second_factor",
                "supported_second_factors": [{"strategy": "totp"}],
                "second_factor_verification": null}"#,
        );
        let SignInStep::SecondFactor(factor) = next_step(&totp) else {
            panic!("{totp:?}")
        };
        assert_eq!(factor.strategy, Strategy::Totp);
        assert!(factor.safe_identifier.is_none());
        assert!(!totp.needs_prepare(factor), "nothing to send");
    }

    #[test]
    fn the_starting_factor_follows_clerk_js() {
        let start = |factors: &str| {
            let a = attempt(&format!(
                r#"{{"id": "s", "status": "needs_second_factor", "supported_second_factors": {factors}}}"#
            ));
            match next_step(&a) {
                SignInStep::SecondFactor(f) => f.strategy.clone(),
                other => panic!("{other:?}"),
            }
        };
        let email = r#"{"strategy": "email_code", "email_address_id": "idn_1"}"#;
        let phone = r#"{"strategy": "phone_code", "phone_number_id": "idn_2"}"#;
        let backup = r#"{"strategy": "backup_code"}"#;
        let totp = r#"{"strategy": "totp"}"#;
        assert_eq!(
            start(&format!("[{email}, {phone}, {totp}]")),
            Strategy::Totp
        );
        assert_eq!(
            start(&format!("[{backup}, {email}, {phone}]")),
            Strategy::PhoneCode
        );
        assert_eq!(start(&format!("[{backup}, {email}]")), Strategy::BackupCode);
        assert_eq!(
            start(r#"[{"strategy": "passkey"}]"#),
            Strategy::Other("passkey".into())
        );
    }

    #[test]
    fn complete_and_other_statuses() {
        let complete = attempt(
            r#"{"id": "sia_1", "status": "complete", "created_session_id": "sess_1",
                "supported_second_factors": null, "second_factor_verification":
                {"object": "verification_totp", "status": "verified", "strategy": "totp",
                 "attempts": 1, "expire_at": null}}"#,
        );
        assert_eq!(next_step(&complete), SignInStep::Complete);
        assert_eq!(complete.created_session_id.as_deref(), Some("sess_1"));
        assert!(complete.second_factors().is_empty());

        for (wire, status) in [
            ("needs_identifier", SignInStatus::NeedsIdentifier),
            ("needs_first_factor", SignInStatus::NeedsFirstFactor),
            ("needs_new_password", SignInStatus::NeedsNewPassword),
            ("abandoned", SignInStatus::Abandoned),
            (
                "needs_protect_check",
                SignInStatus::Other("needs_protect_check".into()),
            ),
            // A second factor with none on offer cannot go on.
            ("needs_second_factor", SignInStatus::NeedsSecondFactor),
        ] {
            let a = attempt(&format!(r#"{{"id": "s", "status": "{wire}"}}"#));
            assert_eq!(a.status, status);
            assert_eq!(a.status.as_str(), wire);
            assert_eq!(next_step(&a), SignInStep::Unsupported(&status));
        }
    }

    #[test]
    fn unknown_values_round_trip_and_wrong_types_fail() {
        let text = r#"{"id":"s","status":"needs_something_new","supported_second_factors":[{"strategy":"carrier_pigeon","safe_identifier":null,"email_address_id":null,"phone_number_id":null,"primary":null}],"second_factor_verification":{"status":"transferable","strategy":null,"attempts":null,"expire_at":null},"created_session_id":null}"#;
        let a = attempt(text);
        assert_eq!(a.status, SignInStatus::Other("needs_something_new".into()));
        assert_eq!(
            a.second_factor_verification.as_ref().map(|v| &v.status),
            Some(&VerificationStatus::Other("transferable".into()))
        );
        assert_eq!(serde_json::to_string(&a).unwrap(), text);

        for bad in [
            r#"{"id": "s", "status": 1}"#,
            r#"{"id": "s"}"#,
            r#"{"id": "s", "status": "complete", "supported_second_factors": {}}"#,
            r#"{"id": "s", "status": "complete", "supported_second_factors": [{"safe_identifier": "x"}]}"#,
            r#"{"id": "s", "status": "complete", "second_factor_verification": {"status": "verified", "attempts": -1}}"#,
        ] {
            assert!(serde_json::from_str::<SignIn>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn codes_are_trimmed_and_never_printed() {
        let code = VerificationCode::new(" 123456\n");
        assert_eq!(code.secret(), "123456");
        assert_eq!(format!("{code:?}"), "VerificationCode([redacted])");
        assert!(!format!("{:?}", (&code, 1)).contains("123456"));
    }
}

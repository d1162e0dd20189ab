//! Sign-in attempts (`sia_…`) and their rules. A password is the first
//! factor; a second one is asked for when the user has an authenticator
//! app (`needs_second_factor`, TOTP) or, with Client Trust on, when the
//! device has not signed this user in before (`needs_client_trust`, an
//! e-mail code). MFA takes precedence over Client Trust, as in Clerk. The
//! attempt is a record on its client (`client.sign_in`) until it completes
//! or a newer attempt replaces it; completing it creates the session.

use super::Store;
use crate::api_error::ApiError;
use crate::factors::outbox::Email;
use crate::factors::{totp, Refusal, Strategy, Verification};
use crate::ids::new_id;

/// A sign-in attempt is abandoned a day after it starts.
const SIGN_IN_ABANDON_MS: i64 = 24 * 3600 * 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SignInStatus {
    NeedsSecondFactor,
    NeedsClientTrust,
    Complete,
}

#[derive(Debug, Clone)]
pub(crate) struct SignInRec {
    pub id: String,
    pub client_id: String,
    pub user_id: String,
    pub status: SignInStatus,
    pub abandon_at: i64,
    /// The second factors offered; empty when none was needed.
    pub second_factors: Vec<Strategy>,
    /// The second factor being verified, once prepared or attempted.
    pub second_factor: Option<Verification>,
    pub created_session_id: Option<String>,
}

impl SignInRec {
    /// Past its time without completing.
    pub fn is_abandoned(&self, now: i64) -> bool {
        self.status != SignInStatus::Complete && now >= self.abandon_at
    }

    /// Clerk's status string.
    pub fn status_str(&self, now: i64) -> &'static str {
        if self.is_abandoned(now) {
            return "abandoned";
        }
        match self.status {
            SignInStatus::NeedsSecondFactor => "needs_second_factor",
            SignInStatus::NeedsClientTrust => "needs_client_trust",
            SignInStatus::Complete => "complete",
        }
    }
}

/// What Client Trust trusts: the client (its `__client` cookie) or, on a
/// development instance, the dev browser, which outlives its clients.
#[derive(Debug, Clone)]
pub(crate) enum Device {
    Client,
    DevBrowser(String),
}

impl Device {
    /// The device's key, given the client it signs in on.
    pub fn key(&self, client_id: &str) -> String {
        match self {
            Device::Client => format!("client:{client_id}"),
            Device::DevBrowser(id) => format!("dev_browser:{id}"),
        }
    }
}

/// The parameters of a password sign-in (absent and empty are `None`).
#[derive(Debug, Default)]
pub(crate) struct PasswordAttempt {
    pub strategy: Option<String>,
    pub identifier: Option<String>,
    pub password: Option<String>,
}

/// `prepare_second_factor`'s parameters.
#[derive(Debug, Default)]
pub(crate) struct PrepareParams {
    pub strategy: Option<String>,
    pub email_address_id: Option<String>,
}

/// `attempt_second_factor`'s parameters.
#[derive(Debug, Default)]
pub(crate) struct AttemptParams {
    pub strategy: Option<String>,
    pub code: Option<String>,
}

/// Where a sign-in stands after a step (its record says whether it
/// completed, and the session it created).
#[derive(Debug)]
pub(crate) struct SignInStep {
    /// The caller's client, or a new one (to bind).
    pub client_id: String,
    pub sign_in_id: String,
}

impl Store {
    /// A password sign-in: checks, in Clerk's order, that the client may
    /// take another session, the strategy, the parameters, the user and the
    /// password; then creates the client if there is none and the attempt,
    /// which completes at once (with a new active session) unless a second
    /// factor is needed.
    pub fn sign_in_with_password(
        &mut self,
        client_id: Option<&str>,
        device: &Device,
        attempt: &PasswordAttempt,
        multi_session: bool,
    ) -> Result<SignInStep, ApiError> {
        if let Some(client_id) = client_id {
            self.may_add_session(client_id, None, multi_session)?;
        }
        // clerk-js sends `strategy` only for some flows; a password implies it.
        if let Some(strategy) = attempt.strategy.as_deref().filter(|s| *s != "password") {
            return Err(ApiError::strategy_invalid(strategy));
        }
        let identifier = attempt
            .identifier
            .as_deref()
            .ok_or_else(|| ApiError::param_missing("identifier"))?;
        let password = attempt
            .password
            .as_deref()
            .ok_or_else(|| ApiError::param_missing("password"))?;
        let user = self
            .user_by_email(identifier)
            .ok_or_else(ApiError::identifier_not_found)?;
        if user.password != password {
            return Err(ApiError::password_incorrect());
        }
        let user_id = user.id.clone();
        let has_totp = user.totp_secret.is_some();
        if let Some(client_id) = client_id {
            self.may_add_session(client_id, Some(&user_id), multi_session)?;
        }
        let client_id = match client_id {
            Some(id) => id.to_owned(),
            None => self.create_client(),
        };
        let (status, second_factors) = if has_totp {
            (SignInStatus::NeedsSecondFactor, vec![Strategy::Totp])
        } else if self.client_trust && !self.is_trusted(&device.key(&client_id), &user_id) {
            (SignInStatus::NeedsClientTrust, vec![Strategy::EmailCode])
        } else {
            (SignInStatus::Complete, Vec::new())
        };
        let now = self.now();
        let mut record = SignInRec {
            id: new_id("sia"),
            client_id: client_id.clone(),
            user_id: user_id.clone(),
            status,
            abandon_at: now.saturating_add(SIGN_IN_ABANDON_MS),
            second_factors,
            second_factor: None,
            created_session_id: None,
        };
        if status == SignInStatus::Complete {
            record.created_session_id = Some(self.create_session(&client_id, &user_id, false));
        }
        let sign_in_id = record.id.clone();
        self.insert_sign_in(record);
        Ok(SignInStep {
            client_id,
            sign_in_id,
        })
    }

    /// Whether the client may take a new session (for `user_id`, when
    /// known): not in single-session mode once one is active, and never a
    /// second one for the same account.
    fn may_add_session(
        &self,
        client_id: &str,
        user_id: Option<&str>,
        multi_session: bool,
    ) -> Result<(), ApiError> {
        if !multi_session && self.has_active_session(client_id) {
            return Err(ApiError::session_exists());
        }
        if let Some(user_id) = user_id {
            if self
                .client_sessions(client_id)
                .any(|s| s.user_id == user_id && s.status.is_live())
            {
                return Err(ApiError::identifier_already_signed_in());
            }
        }
        Ok(())
    }

    /// Keeps a new attempt as its client's current one (a complete attempt
    /// leaves `client.sign_in` empty), forgetting the oldest attempts
    /// beyond the cap.
    fn insert_sign_in(&mut self, record: SignInRec) {
        let now = self.now();
        if let Some(client) = self.clients.get_mut(&record.client_id) {
            client.sign_in_id =
                (record.status != SignInStatus::Complete).then(|| record.id.clone());
            client.updated_at = now;
        }
        self.sign_in_order.push_back(record.id.clone());
        self.sign_ins.insert(record.id.clone(), record);
        while self.sign_in_order.len() > self.max_clients {
            if let Some(old) = self.sign_in_order.pop_front() {
                self.sign_ins.remove(&old);
            }
        }
    }

    /// The client's attempt in progress, for `client.sign_in`: none once
    /// it completed, was replaced or was abandoned.
    pub fn current_sign_in(&self, client_id: &str) -> Option<&SignInRec> {
        let id = self.clients.get(client_id)?.sign_in_id.as_deref()?;
        self.sign_ins
            .get(id)
            .filter(|s| s.client_id == client_id && !s.is_abandoned(self.now()))
    }

    /// One of the client's attempts (complete ones included), or 404 when
    /// it is another client's, unknown or abandoned.
    pub fn sign_in(&self, client_id: &str, sign_in_id: &str) -> Result<&SignInRec, ApiError> {
        self.sign_ins
            .get(sign_in_id)
            .filter(|s| s.client_id == client_id && !s.is_abandoned(self.now()))
            .ok_or_else(|| ApiError::sign_in_not_found(sign_in_id))
    }

    /// The attempt a factor step may change: the client's, current, and
    /// not complete. Returns its user's e-mail address, address id and
    /// TOTP secret.
    fn sign_in_to_change(
        &self,
        client_id: &str,
        sign_in_id: &str,
    ) -> Result<(String, String, Option<Vec<u8>>), ApiError> {
        let record = self.sign_in(client_id, sign_in_id)?;
        if record.status == SignInStatus::Complete {
            return Err(ApiError::verification_already_verified());
        }
        let current = self
            .clients
            .get(client_id)
            .and_then(|c| c.sign_in_id.as_deref());
        if current != Some(sign_in_id) {
            return Err(ApiError::sign_in_superseded());
        }
        let user = self
            .user(&record.user_id)
            .ok_or_else(|| ApiError::sign_in_not_found(sign_in_id))?;
        Ok((
            user.email.clone(),
            user.email_id.clone(),
            user.totp_secret.clone(),
        ))
    }

    /// A strategy the attempt offers, or the error for a missing or
    /// unsupported one.
    fn offered_strategy(
        &self,
        sign_in_id: &str,
        strategy: Option<&str>,
    ) -> Result<Strategy, ApiError> {
        let name = strategy.ok_or_else(|| ApiError::param_missing("strategy"))?;
        Strategy::parse(name)
            .filter(|s| {
                self.sign_ins
                    .get(sign_in_id)
                    .is_some_and(|r| r.second_factors.contains(s))
            })
            .ok_or_else(|| ApiError::strategy_invalid(name))
    }

    /// `prepare_second_factor`: for an e-mail code, sends a new code (it
    /// replaces any earlier one, and its attempts start over) to the
    /// outbox; an authenticator app needs nothing sent.
    pub fn prepare_second_factor(
        &mut self,
        client_id: &str,
        sign_in_id: &str,
        params: &PrepareParams,
    ) -> Result<(), ApiError> {
        let (email, email_id, _) = self.sign_in_to_change(client_id, sign_in_id)?;
        let strategy = self.offered_strategy(sign_in_id, params.strategy.as_deref())?;
        let now = self.now();
        let verification = match strategy {
            Strategy::EmailCode => {
                if params
                    .email_address_id
                    .as_deref()
                    .is_some_and(|id| id != email_id)
                {
                    return Err(ApiError::form_resource_not_found("email_address_id"));
                }
                let verification = Verification::email_code(&email, now);
                self.outbox.send(Email {
                    to: email,
                    code: verification.code().unwrap_or_default().to_owned(),
                    sign_in_id: Some(sign_in_id.to_owned()),
                    sign_up_id: None,
                    sent_at: now,
                });
                verification
            }
            Strategy::Totp => Verification::totp(),
        };
        if let Some(record) = self.sign_ins.get_mut(sign_in_id) {
            record.second_factor = Some(verification);
        }
        Ok(())
    }

    /// `attempt_second_factor`: checks the code (the e-mail code sent by
    /// the last prepare, or the authenticator's, ±1 step), counting the
    /// attempt. The right code completes the attempt: the device becomes
    /// trusted for the user, and a new active session is created.
    pub fn attempt_second_factor(
        &mut self,
        client_id: &str,
        device: &Device,
        sign_in_id: &str,
        params: &AttemptParams,
        multi_session: bool,
    ) -> Result<SignInStep, ApiError> {
        let (_, _, secret) = self.sign_in_to_change(client_id, sign_in_id)?;
        let strategy = self.offered_strategy(sign_in_id, params.strategy.as_deref())?;
        let code = params
            .code
            .as_deref()
            .map(str::trim)
            .ok_or_else(|| ApiError::param_missing("code"))?;
        let user_id = self
            .sign_ins
            .get(sign_in_id)
            .map(|r| r.user_id.clone())
            .ok_or_else(|| ApiError::sign_in_not_found(sign_in_id))?;
        // Another tab may have signed in meanwhile: refuse before the code
        // is spent.
        self.may_add_session(client_id, Some(&user_id), multi_session)?;
        let now = self.now();
        let record = self
            .sign_ins
            .get_mut(sign_in_id)
            .ok_or_else(|| ApiError::sign_in_not_found(sign_in_id))?;
        let verification = match &mut record.second_factor {
            Some(v) if v.strategy == strategy => v,
            // An authenticator app needs no prepare.
            slot if strategy == Strategy::Totp => slot.insert(Verification::totp()),
            _ => return Err(ApiError::verification_missing()),
        };
        let checked = verification.attempt(now, |sent| match strategy {
            Strategy::EmailCode => sent == Some(code),
            Strategy::Totp => secret
                .as_deref()
                .is_some_and(|secret| totp::verify(secret, code, now.div_euclid(1000))),
        });
        match checked {
            Ok(()) => {}
            Err(Refusal::Incorrect) => return Err(ApiError::code_incorrect()),
            Err(Refusal::Expired) => return Err(ApiError::verification_expired()),
            Err(Refusal::Failed) => return Err(ApiError::verification_failed()),
            Err(Refusal::AlreadyVerified) => return Err(ApiError::verification_already_verified()),
        }
        if strategy == Strategy::EmailCode {
            self.trust(device.key(client_id), &user_id);
        }
        let session_id = self.create_session(client_id, &user_id, true);
        if let Some(record) = self.sign_ins.get_mut(sign_in_id) {
            record.status = SignInStatus::Complete;
            record.created_session_id = Some(session_id);
        }
        if let Some(client) = self.clients.get_mut(client_id) {
            client.sign_in_id = None;
        }
        Ok(SignInStep {
            client_id: client_id.to_owned(),
            sign_in_id: sign_in_id.to_owned(),
        })
    }

    fn is_trusted(&self, device: &str, user_id: &str) -> bool {
        self.trusted
            .iter()
            .any(|(d, u)| d == device && u == user_id)
    }

    /// Remembers that the device signed the user in with a code; the
    /// oldest trust is forgotten beyond the cap.
    pub(super) fn trust(&mut self, device: String, user_id: &str) {
        if self.is_trusted(&device, user_id) {
            return;
        }
        self.trusted.push_back((device, user_id.to_owned()));
        while self.trusted.len() > self.max_clients {
            self.trusted.pop_front();
        }
    }

    /// Forgets every user a device was trusted for (its client is gone).
    pub(super) fn forget_device(&mut self, device: &str) {
        self.trusted.retain(|(d, _)| d != device);
    }
}

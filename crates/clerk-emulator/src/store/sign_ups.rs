//! Sign-up attempts (`sua_…`), as the hosted sign-up page makes them: an
//! e-mail address and a password, confirmed with an e-mail code. The right
//! code creates the user and an active session, and trusts the device for
//! that user (it just proved the address). The attempt is the client's
//! `client.sign_up` until it completes.

use super::{Device, Store, UserRec};
use crate::api_error::ApiError;
use crate::factors::outbox::Email;
use crate::factors::{Refusal, Verification};
use crate::ids::new_id;

/// A sign-up attempt is abandoned a day after it starts.
const SIGN_UP_ABANDON_MS: i64 = 24 * 3600 * 1000;

/// Shortest password accepted, as the instance's `password_settings` say.
pub(crate) const MIN_PASSWORD_LENGTH: usize = 8;

/// Most users the emulator keeps (the seeded ones plus sign-ups), so that
/// sign-ups cannot grow it without bound.
const MAX_USERS: usize = 10_000;

#[derive(Debug, Clone)]
pub(crate) struct SignUpRec {
    pub id: String,
    pub client_id: String,
    pub email: String,
    password: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub abandon_at: i64,
    pub verification: Verification,
    pub created_user_id: Option<String>,
    pub created_session_id: Option<String>,
}

impl SignUpRec {
    pub fn is_complete(&self) -> bool {
        self.created_session_id.is_some()
    }

    pub fn is_abandoned(&self, now: i64) -> bool {
        !self.is_complete() && now >= self.abandon_at
    }
}

/// What the sign-up form sends (absent and empty are `None`).
#[derive(Debug, Default)]
pub(crate) struct SignUpParams {
    pub email_address: Option<String>,
    pub password: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
}

impl Store {
    /// Starts a sign-up on the client and sends its e-mail code; checks, in
    /// order, that the client may take a session, the address (present,
    /// an address, not taken), and the password.
    pub fn sign_up(
        &mut self,
        client_id: &str,
        params: &SignUpParams,
        multi_session: bool,
    ) -> Result<String, ApiError> {
        if !multi_session && self.has_active_session(client_id) {
            return Err(ApiError::session_exists());
        }
        let email = params
            .email_address
            .as_deref()
            .map(str::trim)
            .ok_or_else(|| ApiError::param_missing("email_address"))?;
        let valid = email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
        if !valid || email.chars().any(char::is_whitespace) {
            return Err(ApiError::param_invalid(
                "email_address",
                "email_address must be a valid email address.",
            ));
        }
        if self.user_by_email(email).is_some() {
            return Err(ApiError::identifier_exists("email_address"));
        }
        let password = params
            .password
            .as_deref()
            .ok_or_else(|| ApiError::param_missing("password"))?;
        if password.chars().count() < MIN_PASSWORD_LENGTH {
            return Err(ApiError::password_too_short(MIN_PASSWORD_LENGTH));
        }
        if self.users.len() >= MAX_USERS {
            return Err(ApiError::user_quota_exceeded(MAX_USERS));
        }
        let now = self.now();
        let record = SignUpRec {
            id: new_id("sua"),
            client_id: client_id.to_owned(),
            email: email.to_owned(),
            password: password.to_owned(),
            first_name: params.first_name.clone(),
            last_name: params.last_name.clone(),
            abandon_at: now.saturating_add(SIGN_UP_ABANDON_MS),
            verification: Verification::email_code(email, now),
            created_user_id: None,
            created_session_id: None,
        };
        self.send_sign_up_code(&record);
        let id = record.id.clone();
        if let Some(client) = self.clients.get_mut(client_id) {
            client.sign_up_id = Some(id.clone());
            client.updated_at = now;
        }
        self.sign_up_order.push_back(id.clone());
        self.sign_ups.insert(id.clone(), record);
        while self.sign_up_order.len() > self.max_clients {
            if let Some(old) = self.sign_up_order.pop_front() {
                self.sign_ups.remove(&old);
            }
        }
        Ok(id)
    }

    fn send_sign_up_code(&mut self, record: &SignUpRec) {
        self.outbox.send(Email {
            to: record.email.clone(),
            code: record.verification.code().unwrap_or_default().to_owned(),
            sign_in_id: None,
            sign_up_id: Some(record.id.clone()),
            sent_at: self.now(),
        });
    }

    /// The client's sign-up in progress (`client.sign_up`).
    pub fn current_sign_up(&self, client_id: &str) -> Option<&SignUpRec> {
        let id = self.clients.get(client_id)?.sign_up_id.as_deref()?;
        self.sign_ups
            .get(id)
            .filter(|s| s.client_id == client_id && !s.is_abandoned(self.now()))
    }

    /// The client's sign-up in progress named `sign_up_id`, or 404.
    fn sign_up_to_change(&self, client_id: &str, sign_up_id: &str) -> Result<(), ApiError> {
        match self.current_sign_up(client_id) {
            Some(s) if s.id == sign_up_id => Ok(()),
            _ => Err(ApiError::sign_up_not_found(sign_up_id)),
        }
    }

    /// A new code for the sign-up (its attempts start over).
    pub fn resend_sign_up_code(
        &mut self,
        client_id: &str,
        sign_up_id: &str,
    ) -> Result<(), ApiError> {
        self.sign_up_to_change(client_id, sign_up_id)?;
        let now = self.now();
        let record = self
            .sign_ups
            .get_mut(sign_up_id)
            .ok_or_else(|| ApiError::sign_up_not_found(sign_up_id))?;
        record.verification = Verification::email_code(&record.email, now);
        let record = record.clone();
        self.send_sign_up_code(&record);
        Ok(())
    }

    /// Checks the sign-up's code; the right one creates the user and an
    /// active session on the client, and trusts the device for the user.
    pub fn verify_sign_up(
        &mut self,
        client_id: &str,
        device: &Device,
        sign_up_id: &str,
        code: Option<&str>,
        multi_session: bool,
    ) -> Result<(), ApiError> {
        self.sign_up_to_change(client_id, sign_up_id)?;
        let code = code
            .map(str::trim)
            .ok_or_else(|| ApiError::param_missing("code"))?;
        if !multi_session && self.has_active_session(client_id) {
            return Err(ApiError::session_exists());
        }
        let now = self.now();
        let record = self
            .sign_ups
            .get_mut(sign_up_id)
            .ok_or_else(|| ApiError::sign_up_not_found(sign_up_id))?;
        match record.verification.attempt(now, |sent| sent == Some(code)) {
            Ok(()) => {}
            Err(Refusal::Incorrect) => return Err(ApiError::code_incorrect()),
            Err(Refusal::Expired) => return Err(ApiError::verification_expired()),
            Err(Refusal::Failed) => return Err(ApiError::verification_failed()),
            Err(Refusal::AlreadyVerified) => return Err(ApiError::verification_already_verified()),
        }
        let record = record.clone();
        // Someone may have signed up with the address meanwhile.
        if self.user_by_email(&record.email).is_some() {
            return Err(ApiError::identifier_exists("email_address"));
        }
        let user_id = new_id("user");
        self.users.push(UserRec {
            id: user_id.clone(),
            email_id: new_id("idn"),
            email: record.email.clone(),
            password: record.password.clone(),
            first_name: record.first_name.clone(),
            last_name: record.last_name.clone(),
            created_at: now,
            last_sign_in_at: None,
            totp_secret: None,
        });
        self.trust(device.key(client_id), &user_id);
        let session_id = self.create_session(client_id, &user_id, false);
        if let Some(stored) = self.sign_ups.get_mut(sign_up_id) {
            stored.created_user_id = Some(user_id);
            stored.created_session_id = Some(session_id);
        }
        if let Some(client) = self.clients.get_mut(client_id) {
            client.sign_up_id = None;
        }
        Ok(())
    }
}

//! Second factors: what a sign-in may be asked for (an e-mail code for
//! Client Trust, an authenticator code for users with TOTP), the
//! verification that tracks one, and the outbox the codes are "sent" to.
//! The rules of a code (expiry, attempt limit, Clerk's test addresses) are
//! plain functions of the time, so the store and its tests decide them.

use rand::Rng;

pub(crate) mod outbox;
pub(crate) mod totp;

/// How long an e-mail code is valid, as Clerk's (10 minutes).
pub(crate) const CODE_LIFETIME_MS: i64 = 10 * 60 * 1000;

/// Wrong codes accepted before a verification fails (`verification_failed`);
/// a new code (a new prepare) starts over. Clerk does not document its
/// limit; the emulator allows three.
pub(crate) const MAX_CODE_ATTEMPTS: u32 = 3;

/// Clerk's test mode: addresses with this subaddress get no mail, and
/// their code is always [`TEST_MODE_CODE`].
const TEST_MODE_SUBADDRESS: &str = "+clerk_test";
const TEST_MODE_CODE: &str = "424242";

/// A second-factor strategy the emulator knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Strategy {
    /// A six-digit code sent to the user's e-mail address.
    EmailCode,
    /// A code from an authenticator app (RFC 6238).
    Totp,
}

impl Strategy {
    /// Clerk's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::EmailCode => "email_code",
            Strategy::Totp => "totp",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "email_code" => Some(Strategy::EmailCode),
            "totp" => Some(Strategy::Totp),
            _ => None,
        }
    }
}

/// What a verification reports (`verification.status`); `expired` is
/// derived from the time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VerificationStatus {
    Unverified,
    Verified,
    /// Too many wrong codes.
    Failed,
    Expired,
}

impl VerificationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            VerificationStatus::Unverified => "unverified",
            VerificationStatus::Verified => "verified",
            VerificationStatus::Failed => "failed",
            VerificationStatus::Expired => "expired",
        }
    }
}

/// Why a code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Wrong code; more attempts are allowed.
    Incorrect,
    /// The code's time is over; prepare a new one.
    Expired,
    /// Too many wrong codes; prepare a new one.
    Failed,
    /// Already verified.
    AlreadyVerified,
}

/// One second-factor verification of a sign-in.
///
/// E-mail codes are kept in plain text: the outbox hook hands them to
/// tests anyway, so a hash would protect nothing in an emulator.
#[derive(Debug, Clone)]
pub(crate) struct Verification {
    pub strategy: Strategy,
    /// The code sent (e-mail codes only).
    code: Option<String>,
    pub attempts: u32,
    /// When the code stops being valid (e-mail codes only).
    pub expire_at: Option<i64>,
    verified: bool,
}

impl Verification {
    /// A fresh e-mail code for `to`, valid from `now`: 424242 for Clerk's
    /// test addresses, six random digits otherwise.
    pub fn email_code(to: &str, now: i64) -> Self {
        let code = if is_test_address(to) {
            TEST_MODE_CODE.to_owned()
        } else {
            format!("{:06}", rand::thread_rng().gen_range(0..1_000_000))
        };
        Self {
            strategy: Strategy::EmailCode,
            code: Some(code),
            attempts: 0,
            expire_at: Some(now.saturating_add(CODE_LIFETIME_MS)),
            verified: false,
        }
    }

    /// An authenticator-app verification (nothing to send).
    pub fn totp() -> Self {
        Self {
            strategy: Strategy::Totp,
            code: None,
            attempts: 0,
            expire_at: None,
            verified: false,
        }
    }

    /// The code to send, for e-mail codes.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    pub fn status(&self, now: i64) -> VerificationStatus {
        if self.verified {
            VerificationStatus::Verified
        } else if self.expire_at.is_some_and(|at| now >= at) {
            VerificationStatus::Expired
        } else if self.code.is_some() && self.attempts >= MAX_CODE_ATTEMPTS {
            VerificationStatus::Failed
        } else {
            VerificationStatus::Unverified
        }
    }

    /// Checks an attempt; `matches` says whether the code is right (the
    /// caller knows how: the stored code or the TOTP secret). Counts the
    /// attempt, and marks the verification verified on success.
    pub fn attempt(
        &mut self,
        now: i64,
        matches: impl FnOnce(Option<&str>) -> bool,
    ) -> Result<(), Refusal> {
        match self.status(now) {
            VerificationStatus::Verified => return Err(Refusal::AlreadyVerified),
            VerificationStatus::Expired => return Err(Refusal::Expired),
            VerificationStatus::Failed => return Err(Refusal::Failed),
            VerificationStatus::Unverified => {}
        }
        self.attempts = self.attempts.saturating_add(1);
        if matches(self.code.as_deref()) {
            self.verified = true;
            Ok(())
        } else {
            Err(Refusal::Incorrect)
        }
    }
}

/// Whether an address is one of Clerk's test-mode addresses
/// (`name+clerk_test@domain`).
pub(crate) fn is_test_address(email: &str) -> bool {
    email
        .split_once('@')
        .is_some_and(|(local, _)| local.to_ascii_lowercase().ends_with(TEST_MODE_SUBADDRESS))
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_700_000_000_000;

    fn right(code: &str) -> impl FnOnce(Option<&str>) -> bool + '_ {
        move |sent| sent == Some(code)
    }

    #[test]
    fn codes_are_six_digits_and_test_addresses_get_424242() {
        let v = Verification::email_code("demo@example.com", T0);
        let code = v.code().expect("a code");
        assert_eq!(code.len(), 6);
        assert!(code.bytes().all(|b| b.is_ascii_digit()));
        for test in ["jane+clerk_test@example.com", "Jane+Clerk_Test@x.io"] {
            assert_eq!(Verification::email_code(test, T0).code(), Some("424242"));
        }
        assert!(!is_test_address("clerk_test@example.com"));
        assert!(!is_test_address("jane@example.com+clerk_test"));
    }

    #[test]
    fn a_code_expires_after_ten_minutes() {
        let mut v = Verification::email_code("a@b.c", T0);
        let code = v.code().expect("code").to_owned();
        assert_eq!(
            v.status(T0 + CODE_LIFETIME_MS - 1),
            VerificationStatus::Unverified
        );
        assert_eq!(v.status(T0 + CODE_LIFETIME_MS), VerificationStatus::Expired);
        assert_eq!(
            v.attempt(T0 + CODE_LIFETIME_MS, right(&code)),
            Err(Refusal::Expired)
        );
        assert_eq!(v.attempts, 0, "an expired code counts no attempt");
    }

    #[test]
    fn wrong_codes_count_until_the_verification_fails() {
        let mut v = Verification::email_code("a@b.c", T0);
        let code = v.code().expect("code").to_owned();
        for n in 1..=MAX_CODE_ATTEMPTS {
            assert_eq!(v.attempt(T0, |_| false), Err(Refusal::Incorrect));
            assert_eq!(v.attempts, n);
        }
        assert_eq!(v.status(T0), VerificationStatus::Failed);
        assert_eq!(
            v.attempt(T0, right(&code)),
            Err(Refusal::Failed),
            "even the right code"
        );
    }

    #[test]
    fn the_right_code_verifies_once() {
        let mut v = Verification::email_code("a@b.c", T0);
        let code = v.code().expect("code").to_owned();
        assert_eq!(v.attempt(T0, |_| false), Err(Refusal::Incorrect));
        assert_eq!(v.attempt(T0 + 1, right(&code)), Ok(()));
        assert_eq!(
            v.status(T0 + CODE_LIFETIME_MS * 2),
            VerificationStatus::Verified
        );
        assert_eq!(v.attempt(T0, right(&code)), Err(Refusal::AlreadyVerified));
    }

    #[test]
    fn totp_verifications_never_expire_or_fail() {
        let mut v = Verification::totp();
        for _ in 0..10 {
            assert_eq!(v.attempt(T0, |_| false), Err(Refusal::Incorrect));
        }
        assert_eq!(v.status(i64::MAX), VerificationStatus::Unverified);
        assert_eq!(v.attempt(T0, |_| true), Ok(()));
    }
}

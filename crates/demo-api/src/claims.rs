//! The claim checks of a Clerk session token whose signature is already
//! verified: pure, with the clock passed in.
//!
//! They mirror `@clerk/backend` (`packages/backend/src/jwt/assertions.ts`,
//! run by `verifyJwt.ts` after the signature): `sub` is a string, `azp` is one
//! of the authorized parties when any are configured, `exp`/`nbf`/`iat` hold
//! within the clock skew. We also check `iss` (the JWKS proves the key, the
//! issuer proves the instance), require `sid` (this API is about sessions),
//! and treat a pending session (`sts: "pending"`) as signed out, as Clerk's
//! `auth()` does by default.

use serde::Deserialize;

use crate::auth::AuthError;

/// The claims of a session token that the API reads; the rest are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub(crate) struct Claims {
    pub iss: Option<String>,
    pub sub: Option<String>,
    pub sid: Option<String>,
    pub azp: Option<String>,
    pub exp: Option<i64>,
    pub nbf: Option<i64>,
    pub iat: Option<i64>,
    pub sts: Option<String>,
}

/// What a token must match.
#[derive(Debug, Clone)]
pub(crate) struct Policy {
    /// Exact `iss`: the instance's Frontend API URL.
    pub issuer: String,
    /// Allowed `azp` values (the app's origins). Empty: `azp` is not checked.
    pub authorized_parties: Vec<String>,
    /// Leeway for `exp`, `nbf` and `iat`, in seconds.
    pub clock_skew_secs: i64,
}

/// Who a verified token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Session {
    /// The user (`sub`).
    pub user_id: String,
    /// The session (`sid`).
    pub session_id: String,
}

/// Checks `claims` at `now` (seconds since the Unix epoch).
pub(crate) fn check(claims: Claims, policy: &Policy, now: i64) -> Result<Session, AuthError> {
    let skew = policy.clock_skew_secs;
    if claims.iss.as_deref() != Some(policy.issuer.as_str()) {
        return Err(AuthError::InvalidIssuer);
    }
    let user_id = claims
        .sub
        .filter(|s| !s.is_empty())
        .ok_or(AuthError::MissingClaim("sub"))?;
    let session_id = claims
        .sid
        .filter(|s| !s.is_empty())
        .ok_or(AuthError::MissingClaim("sid"))?;
    // Clerk's rule since @clerk/backend 3.11.1 (PR #8877): once authorized
    // parties are configured, a token without `azp` is refused too.
    if !policy.authorized_parties.is_empty()
        && !claims
            .azp
            .as_ref()
            .is_some_and(|azp| policy.authorized_parties.contains(azp))
    {
        return Err(AuthError::InvalidAuthorizedParty);
    }
    let exp = claims.exp.ok_or(AuthError::MissingClaim("exp"))?;
    if exp <= now.saturating_sub(skew) {
        return Err(AuthError::Expired);
    }
    if claims.nbf.is_some_and(|nbf| nbf > now.saturating_add(skew)) {
        return Err(AuthError::NotActiveYet);
    }
    if claims.iat.is_some_and(|iat| iat > now.saturating_add(skew)) {
        return Err(AuthError::IssuedInTheFuture);
    }
    if claims.sts.as_deref() == Some("pending") {
        return Err(AuthError::SessionPending);
    }
    Ok(Session {
        user_id,
        session_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000;
    const ISS: &str = "https://clerk.example.com";
    const APP: &str = "http://127.0.0.1:8080";

    fn policy() -> Policy {
        Policy {
            issuer: ISS.into(),
            authorized_parties: vec![APP.into()],
            clock_skew_secs: 5,
        }
    }

    /// A token as Clerk mints it: issued now, 60 s of life, `nbf` 10 s back.
    fn fresh() -> Claims {
        Claims {
            iss: Some(ISS.into()),
            sub: Some("user_1".into()),
            sid: Some("sess_1".into()),
            azp: Some(APP.into()),
            exp: Some(NOW + 60),
            nbf: Some(NOW - 10),
            iat: Some(NOW),
            sts: None,
        }
    }

    fn check_at(claims: Claims, now: i64) -> Result<Session, AuthError> {
        check(claims, &policy(), now)
    }

    #[test]
    fn a_fresh_token_names_its_user_and_session() {
        assert_eq!(
            check_at(fresh(), NOW),
            Ok(Session {
                user_id: "user_1".into(),
                session_id: "sess_1".into()
            })
        );
    }

    #[test]
    fn exp_holds_until_the_skew_has_passed() {
        let exp = NOW + 60;
        assert!(check_at(fresh(), exp + 4).is_ok());
        assert_eq!(check_at(fresh(), exp + 5), Err(AuthError::Expired));
        assert_eq!(check_at(fresh(), exp + 3600), Err(AuthError::Expired));
    }

    #[test]
    fn nbf_and_iat_allow_the_skew_into_the_future() {
        let mut early = fresh();
        early.nbf = Some(NOW + 5);
        assert!(check_at(early.clone(), NOW).is_ok());
        early.nbf = Some(NOW + 6);
        assert_eq!(check_at(early, NOW), Err(AuthError::NotActiveYet));

        let mut ahead = fresh();
        ahead.nbf = None;
        ahead.iat = Some(NOW + 6);
        assert_eq!(check_at(ahead, NOW), Err(AuthError::IssuedInTheFuture));
    }

    #[test]
    fn exp_sub_and_sid_are_required() {
        for (claim, strip) in [
            ("exp", (|c: &mut Claims| c.exp = None) as fn(&mut Claims)),
            ("sub", |c| c.sub = None),
            ("sid", |c| c.sid = None),
            ("sub", |c| c.sub = Some(String::new())),
        ] {
            let mut claims = fresh();
            strip(&mut claims);
            assert_eq!(check_at(claims, NOW), Err(AuthError::MissingClaim(claim)));
        }
    }

    #[test]
    fn the_issuer_must_match_exactly() {
        for iss in [
            None,
            Some("https://evil.example"),
            Some("https://clerk.example.com/"),
        ] {
            let mut claims = fresh();
            claims.iss = iss.map(str::to_owned);
            assert_eq!(
                check_at(claims, NOW),
                Err(AuthError::InvalidIssuer),
                "{iss:?}"
            );
        }
    }

    #[test]
    fn azp_must_be_an_allowed_origin_once_any_is_configured() {
        for azp in [Some("https://evil.example"), Some(""), None] {
            let mut claims = fresh();
            claims.azp = azp.map(str::to_owned);
            assert_eq!(
                check_at(claims, NOW),
                Err(AuthError::InvalidAuthorizedParty),
                "{azp:?}"
            );
        }
        // With no allowed origins there is nothing to enforce, as in Clerk.
        let open = Policy {
            authorized_parties: Vec::new(),
            ..policy()
        };
        let mut claims = fresh();
        claims.azp = None;
        assert!(check(claims.clone(), &open, NOW).is_ok());
        claims.azp = Some("https://anything.example".into());
        assert!(check(claims, &open, NOW).is_ok());
    }

    #[test]
    fn a_pending_session_counts_as_signed_out() {
        let mut claims = fresh();
        claims.sts = Some("pending".into());
        assert_eq!(
            check_at(claims.clone(), NOW),
            Err(AuthError::SessionPending)
        );
        claims.sts = Some("active".into());
        assert!(check_at(claims, NOW).is_ok());
    }

    #[test]
    fn extreme_clocks_do_not_overflow() {
        let mut claims = fresh();
        claims.exp = Some(i64::MAX);
        claims.nbf = Some(i64::MIN);
        claims.iat = None;
        assert!(check_at(claims.clone(), i64::MAX - 1).is_ok());
        claims.exp = Some(i64::MIN);
        assert_eq!(check_at(claims, i64::MIN), Err(AuthError::Expired));
    }
}

//! Sign-in with a second factor against the emulator, which has Client Trust
//! on (as a new Clerk application does): the code from its outbox, a wrong
//! and an expired code, TOTP, and a trusted client's one-step sign-in.

use hmac::{Hmac, Mac};
use sha1::Sha1;

use super::*;

const DEMO: (&str, &str) = ("demo@example.com", "demo-password-1");
const ADA: (&str, &str) = ("ada@example.com", "ada-password-1");
const GRACE: (&str, &str) = ("grace@example.com", "grace-password-1");
/// Grace's authenticator secret (`clerk_emulator::DEMO_TOTP_SECRET`).
const GRACE_TOTP: &str = "TERJ4N7I5LF534K22364CH7WE3SN45TB";

/// A password sign-in on a fresh emulator, stopped at its second factor.
async fn stopped_at_a_factor((email, password): (&str, &str)) -> (Mounted, SignIn, SecondFactor) {
    reset(emulator()).await;
    let mut props = harness(key_for(emulator()));
    // A sign-out goes to a path through the router: the page stays.
    props.after = Some("/after".into());
    props.router_push = Some(recorder::<String>().0);
    let app = Mounted::start(props).await;
    let attempt = app
        .clerk()
        .sign_in_with_password(email, password)
        .await
        .expect("the password is right");
    assert!(attempt.created_session_id.is_none(), "{attempt:?}");
    let SignInStep::SecondFactor(factor) = next_step(&attempt) else {
        panic!("a second factor: {attempt:?}")
    };
    let factor = factor.clone();
    // The client carries the attempt; nobody is signed in yet.
    let id = attempt.id.clone();
    app.wait("the attempt on the client", |m| {
        m.clerk()
            .client()
            .and_then(|c| c.sign_in.as_ref())
            .is_some_and(|s| s.id == id)
    })
    .await;
    assert!(app
        .wait_status("signed-out")
        .await
        .starts_with("signed-out"));
    (app, attempt, factor)
}

/// Clerk's error code and field.
fn code_and_field(error: &ClerkError) -> (Option<&str>, Option<&str>) {
    let first = error.api_errors().first();
    (error.code(), first.and_then(|e| e.param_name.as_deref()))
}

/// A code the emulator did not send.
fn wrong(code: &str) -> VerificationCode {
    let first = if code.starts_with('1') { '2' } else { '1' };
    VerificationCode::new(&format!("{first}{}", &code[1..]))
}

#[wasm_bindgen_test]
async fn client_trust_takes_the_emailed_code_and_then_trusts_the_client() {
    let (app, attempt, factor) = stopped_at_a_factor(DEMO).await;
    assert_eq!(attempt.status, SignInStatus::NeedsClientTrust);
    assert_eq!(factor.strategy, Strategy::EmailCode);
    assert_eq!(factor.safe_identifier.as_deref(), Some(DEMO.0));
    assert!(factor.email_address_id.is_some());
    assert!(attempt.needs_prepare(&factor), "no code sent yet");
    assert!(emails(emulator(), DEMO.0).await.is_empty());

    let clerk = app.clerk();
    let prepared = clerk
        .prepare_second_factor(&attempt, &factor)
        .await
        .expect("code sent");
    assert_eq!(prepared.status, SignInStatus::NeedsClientTrust);
    let verification = prepared.second_factor_verification.clone().unwrap();
    assert_eq!(verification.status, VerificationStatus::Unverified);
    assert_eq!(verification.strategy, Some(Strategy::EmailCode));
    assert_eq!(verification.attempts, Some(0));
    assert!(verification.expire_at.is_some());
    assert!(!prepared.needs_prepare(&factor), "a code is pending");

    let code = emailed_code(emulator(), DEMO.0, &prepared.id).await;
    assert_eq!(code.len(), 6);
    clear_requests(emulator()).await;
    let done = clerk
        .attempt_second_factor(&prepared, &factor, &VerificationCode::new(&code))
        .await
        .expect("the emailed code");
    assert_eq!(done.status, SignInStatus::Complete);
    assert_eq!(next_step(&done), SignInStep::Complete);
    let session = done.created_session_id.clone().expect("a session");
    app.wait_status(&format!("signed-in {session}")).await;
    assert_eq!(session_status(emulator(), &session).await, "active");
    // The answer's client was enough: no reload of the client.
    assert_eq!(
        requests(emulator()).await,
        [format!(
            "POST /v1/client/sign_ins/{}/attempt_second_factor",
            prepared.id
        )]
    );

    // Signed out and in again on the same client: trusted, one step, no code.
    app.clerk().sign_out(SignOutOptions::new()).await.unwrap();
    app.wait_status("signed-out").await;
    let again = app
        .clerk()
        .sign_in_with_password(DEMO.0, DEMO.1)
        .await
        .expect("sign-in");
    assert_eq!(again.status, SignInStatus::Complete, "{again:?}");
    let session = again.created_session_id.expect("a session");
    app.wait_status(&format!("signed-in {session}")).await;
    assert_eq!(emails(emulator(), DEMO.0).await.len(), 1, "no second code");
}

#[wasm_bindgen_test]
async fn a_wrong_code_is_an_error_on_the_code_field_and_the_right_one_still_works() {
    let (app, attempt, factor) = stopped_at_a_factor(ADA).await;
    let clerk = app.clerk();
    let prepared = clerk
        .prepare_second_factor(&attempt, &factor)
        .await
        .unwrap();
    let code = emailed_code(emulator(), ADA.0, &prepared.id).await;

    let error = clerk
        .attempt_second_factor(&prepared, &factor, &wrong(&code))
        .await
        .expect_err("a wrong code");
    assert_eq!(
        code_and_field(&error),
        (Some("form_code_incorrect"), Some("code")),
        "{error:?}"
    );
    assert!(matches!(error, ClerkError::Api { status: 422, .. }));
    let field = error.field_error("code").expect("an error on the code");
    assert!(!field.message.is_empty());
    // Still signed out, and the attempt waits for the code.
    app.wait_status("signed-out").await;
    assert!(!app.clerk().is_signed_in());

    let done = clerk
        .attempt_second_factor(&prepared, &factor, &VerificationCode::new(&code))
        .await
        .expect("the right code");
    let session = done.created_session_id.expect("a session");
    app.wait_status(&format!("signed-in {session}")).await;
}

#[wasm_bindgen_test]
async fn an_expired_code_is_refused_and_a_resent_one_works() {
    let (app, attempt, factor) = stopped_at_a_factor(DEMO).await;
    let clerk = app.clerk();
    let prepared = clerk
        .prepare_second_factor(&attempt, &factor)
        .await
        .unwrap();
    let old = emailed_code(emulator(), DEMO.0, &prepared.id).await;

    // Ten minutes and a second later, on the emulator's clock.
    hook(
        "POST",
        emulator(),
        "/__emulator/clock",
        Some(json!({"advance_ms": 601_000})),
    )
    .await;
    let error = clerk
        .attempt_second_factor(&prepared, &factor, &VerificationCode::new(&old))
        .await
        .expect_err("an expired code");
    assert_eq!(error.code(), Some("verification_expired"), "{error:?}");
    app.wait_status("signed-out").await;

    // "Resend code": a new prepare replaces the code.
    let resent = clerk
        .prepare_second_factor(&prepared, &factor)
        .await
        .unwrap();
    assert_eq!(emails(emulator(), DEMO.0).await.len(), 2);
    let new = emailed_code(emulator(), DEMO.0, &resent.id).await;
    if new != old {
        let error = clerk
            .attempt_second_factor(&resent, &factor, &VerificationCode::new(&old))
            .await
            .expect_err("the replaced code");
        assert_eq!(error.code(), Some("form_code_incorrect"), "{error:?}");
    }
    let done = clerk
        .attempt_second_factor(&resent, &factor, &VerificationCode::new(&new))
        .await
        .expect("the new code");
    let session = done.created_session_id.expect("a session");
    app.wait_status(&format!("signed-in {session}")).await;
}

#[wasm_bindgen_test]
async fn the_mfa_user_signs_in_with_an_authenticator_code() {
    let (app, attempt, factor) = stopped_at_a_factor(GRACE).await;
    assert_eq!(attempt.status, SignInStatus::NeedsSecondFactor);
    assert_eq!(factor.strategy, Strategy::Totp);
    assert!(!attempt.needs_prepare(&factor), "nothing to send");
    let clerk = app.clerk();

    let now = (js_sys::Date::now() / 1000.0) as u64;
    let code = totp(GRACE_TOTP, now);
    let error = clerk
        .attempt_second_factor(&attempt, &factor, &wrong(&code))
        .await
        .expect_err("a wrong code");
    assert_eq!(
        code_and_field(&error),
        (Some("form_code_incorrect"), Some("code"))
    );

    let done = clerk
        .attempt_second_factor(&attempt, &factor, &VerificationCode::new(&code))
        .await
        .expect("the authenticator's code");
    let session = done.created_session_id.expect("a session");
    app.wait_status(&format!("signed-in {session}")).await;
    assert!(emails(emulator(), GRACE.0).await.is_empty(), "no e-mail");
}

/// RFC 6238 (HMAC-SHA-1, 30 s, 6 digits), as an authenticator app computes it.
fn totp(secret: &str, unix_secs: u64) -> String {
    let key = base32(secret);
    let mut mac = Hmac::<Sha1>::new_from_slice(&key).unwrap();
    mac.update(&(unix_secs / 30).to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let at = usize::from(hash[19] & 0xf);
    let value = u32::from_be_bytes([hash[at] & 0x7f, hash[at + 1], hash[at + 2], hash[at + 3]]);
    format!("{:06}", value % 1_000_000)
}

/// RFC 4648 base32, unpadded.
fn base32(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut bits, mut count, mut out) = (0u32, 0, Vec::new());
    for c in text.bytes() {
        let digit = ALPHABET.iter().position(|a| *a == c).expect("base32") as u32;
        bits = (bits << 5) | digit;
        count += 5;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    out
}

#[wasm_bindgen_test]
fn totp_matches_rfc_6238() {
    // RFC 6238's SHA-1 vector: the ASCII secret "12345678901234567890",
    // 59 s, 8 digits 94287082, of which 6 are 287082.
    assert_eq!(totp("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 59), "287082");
}

//! Time-based one-time passwords as authenticator apps compute them:
//! RFC 6238 over RFC 4226's HOTP with HMAC-SHA-1, 30-second steps and six
//! digits, and the RFC 4648 base32 their secrets are written in. Pure
//! functions of the secret and the time, tested with the RFCs' vectors.

use hmac::{Hmac, Mac};
use sha1::Sha1;

/// Seconds per time step.
pub(crate) const STEP_SECS: i64 = 30;
/// Digits in a code.
pub(crate) const DIGITS: u32 = 6;
/// Steps accepted on either side of the current one, for clock skew
/// between the server and the phone (RFC 6238 §5.2 recommends one).
const WINDOW: i64 = 1;

/// Decodes RFC 4648 base32 as users paste it: case-insensitive, with or
/// without `=` padding, spaces and dashes ignored. `None` for any other
/// character.
pub(crate) fn decode_base32(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.chars() {
        let value = match c.to_ascii_uppercase() {
            c @ 'A'..='Z' => c as u32 - 'A' as u32,
            c @ '2'..='7' => c as u32 - '2' as u32 + 26,
            ' ' | '-' | '=' => continue,
            _ => return None,
        };
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// RFC 4226 HOTP: the `digits`-digit code for `counter`.
pub(crate) fn hotp(secret: &[u8], counter: u64, digits: u32) -> u32 {
    // HMAC takes keys of any length; this cannot fail.
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(secret) else {
        return 0;
    };
    mac.update(&counter.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let offset = usize::from(hash[hash.len() - 1] & 0x0f);
    let binary = u32::from_be_bytes([
        hash[offset] & 0x7f,
        hash[offset + 1],
        hash[offset + 2],
        hash[offset + 3],
    ]);
    binary % 10u32.pow(digits)
}

/// The time step of a Unix time.
fn step_of(unix_secs: i64) -> i64 {
    unix_secs.div_euclid(STEP_SECS)
}

/// The six-digit code for a Unix time, zero-padded.
pub(crate) fn code_at(secret: &[u8], unix_secs: i64) -> String {
    let counter = u64::try_from(step_of(unix_secs)).unwrap_or(0);
    format!(
        "{:0width$}",
        hotp(secret, counter, DIGITS),
        width = DIGITS as usize
    )
}

/// Whether `code` is the code of the step of `unix_secs` or of one step
/// before or after it.
pub(crate) fn verify(secret: &[u8], code: &str, unix_secs: i64) -> bool {
    let code = code.trim();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    (-WINDOW..=WINDOW).any(|delta| code_at(secret, unix_secs + delta * STEP_SECS) == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The RFC 4226 / RFC 6238 SHA-1 secret, "12345678901234567890".
    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn hotp_matches_rfc_4226_appendix_d() {
        let expected = [
            755224, 287082, 359152, 969429, 338314, 254676, 287922, 162583, 399871, 520489,
        ];
        for (counter, code) in expected.into_iter().enumerate() {
            assert_eq!(
                hotp(RFC_SECRET, counter as u64, 6),
                code,
                "counter {counter}"
            );
        }
    }

    #[test]
    fn totp_matches_rfc_6238_appendix_b_sha1() {
        // (time, eight-digit code) from the RFC's SHA-1 column.
        let vectors = [
            (59, 94287082),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
            (20000000000, 65353130),
        ];
        for (time, code) in vectors {
            let counter = u64::try_from(step_of(time)).expect("positive");
            assert_eq!(hotp(RFC_SECRET, counter, 8), code, "T = {time}");
            // Six digits are the last six of the eight.
            assert_eq!(
                code_at(RFC_SECRET, time),
                format!("{:06}", code % 1_000_000),
                "T = {time}"
            );
        }
    }

    #[test]
    fn base32_matches_rfc_4648_section_10() {
        for (encoded, plain) in [
            ("", ""),
            ("MY======", "f"),
            ("MZXQ====", "fo"),
            ("MZXW6===", "foo"),
            ("MZXW6YQ=", "foob"),
            ("MZXW6YTB", "fooba"),
            ("MZXW6YTBOI======", "foobar"),
        ] {
            assert_eq!(
                decode_base32(encoded).as_deref(),
                Some(plain.as_bytes()),
                "{encoded}"
            );
        }
        // As apps show them: lower case, grouped, unpadded.
        assert_eq!(
            decode_base32("mzxw 6ytb-oi").as_deref(),
            Some(&b"foobar"[..])
        );
        assert_eq!(
            decode_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").as_deref(),
            Some(RFC_SECRET)
        );
        assert_eq!(decode_base32("MZXW1"), None, "1 is not base32");
        assert_eq!(decode_base32("MZ!X"), None);
    }

    #[test]
    fn verify_accepts_one_step_either_side_and_nothing_further() {
        let now = 1_700_000_015; // mid-step
        for delta in [-1, 0, 1] {
            let code = code_at(RFC_SECRET, now + delta * STEP_SECS);
            assert!(verify(RFC_SECRET, &code, now), "step {delta}");
        }
        for delta in [-3, -2, 2, 3] {
            let code = code_at(RFC_SECRET, now + delta * STEP_SECS);
            // A far step could collide with a near one by chance; these don't.
            assert!(!verify(RFC_SECRET, &code, now), "step {delta}");
        }
        assert!(!verify(RFC_SECRET, "12345", now), "too short");
        assert!(!verify(RFC_SECRET, "12a456", now), "not digits");
        assert!(!verify(RFC_SECRET, "", now));
    }
}

//! Publishable keys: `pk_test_` or `pk_live_` followed by base64 of `frontend-api-host$`.

use crate::error::ClerkError;

/// Which kind of Clerk instance a key belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstanceType {
    /// A `pk_test_` key: a development instance.
    Development,
    /// A `pk_live_` key: a production instance.
    Production,
}

/// A parsed publishable key.
///
/// ```
/// use yew_clerk::{InstanceType, PublishableKey};
/// // base64("127.0.0.1:8787$")
/// let key = PublishableKey::parse("pk_test_MTI3LjAuMC4xOjg3ODck").unwrap();
/// assert_eq!(key.instance_type(), InstanceType::Development);
/// assert_eq!(key.frontend_api(), "127.0.0.1:8787");
/// assert_eq!(key.frontend_api_url(), "http://127.0.0.1:8787");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishableKey {
    instance_type: InstanceType,
    frontend_api: String,
}

impl PublishableKey {
    /// Parses a key the way Clerk does, refusing anything that would not name a host.
    pub fn parse(key: &str) -> Result<Self, ClerkError> {
        let key = key.trim();
        let invalid = |reason: &str| ClerkError::InvalidPublishableKey {
            reason: reason.to_owned(),
        };
        if key.is_empty() {
            return Err(invalid("the key is empty"));
        }
        let (instance_type, encoded) = if let Some(rest) = key.strip_prefix("pk_test_") {
            (InstanceType::Development, rest)
        } else if let Some(rest) = key.strip_prefix("pk_live_") {
            (InstanceType::Production, rest)
        } else {
            return Err(invalid("it must start with pk_test_ or pk_live_"));
        };
        let decoded = base64_decode(encoded)
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or_else(|| invalid("the part after the prefix is not base64 text"))?;
        let host = decoded
            .strip_suffix('$')
            .ok_or_else(|| invalid("the decoded key does not end with '$'"))?;
        if !is_valid_host(host) {
            return Err(invalid("the decoded key does not name a Frontend API host"));
        }
        Ok(Self {
            instance_type,
            frontend_api: host.to_owned(),
        })
    }

    /// Development (`pk_test_`) or production (`pk_live_`).
    pub fn instance_type(&self) -> InstanceType {
        self.instance_type
    }

    /// The Frontend API host, with its port when it has one.
    pub fn frontend_api(&self) -> &str {
        &self.frontend_api
    }

    /// The Frontend API base URL: `http` for `localhost` and `127.0.0.1`, else `https`.
    pub fn frontend_api_url(&self) -> String {
        let scheme = if is_loopback_host(&self.frontend_api) {
            "http"
        } else {
            "https"
        };
        format!("{scheme}://{}", self.frontend_api)
    }
}

/// True for `localhost` and `127.0.0.1`, with or without a port.
pub(crate) fn is_loopback_host(host_port: &str) -> bool {
    let host = host_port
        .rsplit_once(':')
        .map_or(host_port, |(host, _port)| host);
    host.eq_ignore_ascii_case("localhost") || host == "127.0.0.1"
}

// A host[:port] with the characters DNS names, IPv4 and ports use. Rejecting the
// rest keeps a crafted key from smuggling a path or userinfo into the API URL.
fn is_valid_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && !host.starts_with(['.', ':', '-'])
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':'))
}

/// Standard base64, with or without padding. `None` on anything else.
// Hand-written: the `base64` crate would cost more bundle than these lines.
pub(crate) fn base64_decode(input: &str) -> Option<Vec<u8>> {
    let input = input.trim_end_matches('=');
    if input.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for byte in input.bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(text: &str) -> String {
        // Test-only encoder, so the tests do not trust the decoder they check.
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let bytes = text.as_bytes();
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    #[test]
    fn parses_development_and_production_keys() {
        let dev =
            PublishableKey::parse(&format!("pk_test_{}", encode("clerk.example.com$"))).unwrap();
        assert_eq!(dev.instance_type(), InstanceType::Development);
        assert_eq!(dev.frontend_api(), "clerk.example.com");
        assert_eq!(dev.frontend_api_url(), "https://clerk.example.com");

        let live = PublishableKey::parse(&format!("pk_live_{}", encode("clerk.shop.io$"))).unwrap();
        assert_eq!(live.instance_type(), InstanceType::Production);
        assert_eq!(live.frontend_api_url(), "https://clerk.shop.io");
    }

    #[test]
    fn emulator_key_uses_http() {
        let key = PublishableKey::parse("pk_test_MTI3LjAuMC4xOjg3ODck").unwrap();
        assert_eq!(key.frontend_api_url(), "http://127.0.0.1:8787");
        let local =
            PublishableKey::parse(&format!("pk_test_{}", encode("localhost:3000$"))).unwrap();
        assert_eq!(local.frontend_api_url(), "http://localhost:3000");
    }

    #[test]
    fn accepts_unpadded_and_padded_base64() {
        // "ab.io$" is 6 bytes (no padding); "abc.io$" is 7 (two '=').
        for host in ["ab.io", "abc.io", "abcd.io"] {
            let padded = encode(&format!("{host}$"));
            let unpadded = padded.trim_end_matches('=');
            for body in [padded.as_str(), unpadded] {
                let key = PublishableKey::parse(&format!("pk_live_{body}")).unwrap();
                assert_eq!(key.frontend_api(), host);
            }
        }
    }

    #[test]
    fn refuses_bad_keys_with_a_reason() {
        let cases = [
            ("", "empty"),
            ("sk_test_abc", "pk_test_"),
            ("pk_test_", "does not end"),
            ("pk_test_!!!!", "not base64"),
            (
                &*format!("pk_test_{}", encode("clerk.example.com")),
                "does not end with '$'",
            ),
            (&*format!("pk_test_{}", encode("$")), "host"),
            (&*format!("pk_test_{}", encode("evil.com/path@x$")), "host"),
            (&*format!("pk_test_{}", encode("user@evil.com$")), "host"),
        ];
        for (key, reason) in cases {
            match PublishableKey::parse(key) {
                Err(ClerkError::InvalidPublishableKey { reason: got }) => {
                    assert!(
                        got.contains(reason),
                        "{key:?}: {got:?} should mention {reason:?}"
                    )
                }
                other => panic!("{key:?} should be refused, got {other:?}"),
            }
        }
    }

    #[test]
    fn decoder_matches_encoder_on_every_length() {
        let text = "The quick brown fox jumps over the lazy dog";
        for end in 0..=text.len() {
            let part = &text[..end];
            assert_eq!(base64_decode(&encode(part)).unwrap(), part.as_bytes());
        }
        assert_eq!(base64_decode("A"), None);
    }
}

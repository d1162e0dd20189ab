//! Where an instance lives, from its publishable key: `pk_test_` or
//! `pk_live_` + base64 of `frontend-api-host$`, as Clerk's SDKs decode it.

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine as _;

use crate::Error;

/// The Frontend API URL a publishable key names: `https://<host>`, or
/// `http://` for `localhost` and `127.0.0.1` (the emulator), as the SDK does.
/// It is also the `iss` of the instance's session tokens.
pub(crate) fn frontend_api_url(publishable_key: &str) -> Result<String, Error> {
    let invalid = |reason| Error::InvalidPublishableKey { reason };
    let key = publishable_key.trim();
    let encoded = key
        .strip_prefix("pk_test_")
        .or_else(|| key.strip_prefix("pk_live_"))
        .ok_or(invalid("it must start with pk_test_ or pk_live_"))?;
    // Clerk pads the base64; accept it without padding too.
    let bytes = STANDARD
        .decode(encoded)
        .or_else(|_| STANDARD_NO_PAD.decode(encoded))
        .map_err(|_| invalid("the part after the prefix is not base64"))?;
    let decoded = String::from_utf8(bytes).map_err(|_| invalid("the decoded key is not text"))?;
    let host = decoded
        .strip_suffix('$')
        .ok_or(invalid("the decoded key does not end with '$'"))?;
    if !is_host(host) {
        return Err(invalid("the decoded key does not name a host"));
    }
    let scheme = if is_loopback(host) { "http" } else { "https" };
    Ok(format!("{scheme}://{host}"))
}

/// The JWKS a Frontend API publishes.
pub(crate) fn jwks_url(frontend_api_url: &str) -> String {
    format!(
        "{}/.well-known/jwks.json",
        frontend_api_url.trim_end_matches('/')
    )
}

// host[:port] in the characters of DNS names, IPv4 and ports: a crafted key
// cannot smuggle a path, a query or userinfo into the URL we fetch.
fn is_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && !host.starts_with(['.', ':', '-'])
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':'))
}

fn is_loopback(host_port: &str) -> bool {
    let host = host_port.rsplit_once(':').map_or(host_port, |(h, _)| h);
    host.eq_ignore_ascii_case("localhost") || host == "127.0.0.1"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(prefix: &str, text: &str) -> String {
        format!("{prefix}{}", STANDARD.encode(text))
    }

    #[test]
    fn a_real_instance_key_names_its_https_frontend_api() {
        let url = frontend_api_url(&key("pk_test_", "happy-fox-12.clerk.accounts.dev$"));
        assert_eq!(
            url.ok().as_deref(),
            Some("https://happy-fox-12.clerk.accounts.dev")
        );
        let url = frontend_api_url(&key("pk_live_", "clerk.example.com$"));
        assert_eq!(url.ok().as_deref(), Some("https://clerk.example.com"));
    }

    #[test]
    fn the_emulator_key_names_plain_http_on_loopback() {
        // The key clerk-emulator prints for 127.0.0.1:8787.
        let url = frontend_api_url("pk_test_MTI3LjAuMC4xOjg3ODck");
        assert_eq!(url.ok().as_deref(), Some("http://127.0.0.1:8787"));
        let url = frontend_api_url(&key("pk_test_", "localhost:3000$"));
        assert_eq!(url.ok().as_deref(), Some("http://localhost:3000"));
    }

    #[test]
    fn unpadded_base64_is_accepted() {
        let unpadded = format!("pk_test_{}", STANDARD_NO_PAD.encode("clerk.example.com$"));
        assert_eq!(
            frontend_api_url(&unpadded).ok().as_deref(),
            Some("https://clerk.example.com")
        );
    }

    #[test]
    fn keys_that_name_no_host_are_refused() {
        for bad in [
            String::new(),
            "sk_test_abc".to_owned(),
            "pk_test_".to_owned(),
            "pk_test_!!!".to_owned(),
            key("pk_test_", "clerk.example.com"),
            key("pk_test_", "$"),
            key("pk_test_", "evil.com/path$"),
            key("pk_test_", "user@evil.com$"),
            key("pk_test_", "evil.com?x=1$"),
        ] {
            assert!(
                matches!(
                    frontend_api_url(&bad),
                    Err(Error::InvalidPublishableKey { .. })
                ),
                "{bad:?} was accepted"
            );
        }
    }

    #[test]
    fn the_jwks_sits_under_well_known() {
        assert_eq!(
            jwks_url("https://clerk.example.com/"),
            "https://clerk.example.com/.well-known/jwks.json"
        );
    }
}

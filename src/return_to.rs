//! Where to go after signing in. Pure, so it is tested natively.
//!
//! A `redirect_url` is followed only when it is same-origin (the SDK's
//! [`validate_redirect`]) and not an auth step: sending a user back to
//! `/sign-in` or `/sign-out` after signing in loops or signs them out again
//! (clerk/javascript #1325 and #5590).

use yew_clerk::validate_redirect;

/// Paths that are never a destination after signing in.
const AUTH_STEPS: &[&str] = &["/sign-in", "/sign-out"];

/// The value of `name` in a query string (`?a=1&b=2`), percent-decoded.
pub fn query_param(search: &str, name: &str) -> Option<String> {
    search
        .trim_start_matches('?')
        .split('&')
        .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
        .find(|(key, _)| percent_decode(key).as_deref() == Some(name))
        .and_then(|(_, value)| percent_decode(value))
}

/// `application/x-www-form-urlencoded` decoding; `None` for invalid UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// The same-origin path to go to after signing in, or `/`.
pub fn after_sign_in(redirect_url: Option<&str>, origin: &str) -> String {
    let Some(target) = redirect_url else {
        return "/".into();
    };
    let Ok(absolute) = validate_redirect(target, origin, &[]) else {
        return "/".into();
    };
    // validate_redirect answers `origin + path` for same-origin targets.
    let Some(path) = absolute.strip_prefix(origin.trim_end_matches('/')) else {
        return "/".into();
    };
    if is_auth_step(path) {
        return "/".into();
    }
    path.to_owned()
}

/// True for `/sign-in`, `/sign-out` and their sub-paths, in any case, with or
/// without a trailing slash, query or fragment.
pub fn is_auth_step(path: &str) -> bool {
    let path = path
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let path = path.trim_end_matches('/');
    AUTH_STEPS
        .iter()
        .any(|step| path == *step || path.starts_with(&format!("{step}/")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGIN: &str = "http://127.0.0.1:8080";

    #[test]
    fn reads_query_params() {
        assert_eq!(
            query_param("?redirect_url=%2Faccount", "redirect_url").as_deref(),
            Some("/account")
        );
        assert_eq!(
            query_param("a=1&redirect_url=/x%3Fy%3D1&b", "redirect_url").as_deref(),
            Some("/x?y=1")
        );
        assert_eq!(query_param("?q=a+b%20c", "q").as_deref(), Some("a b c"));
        assert_eq!(query_param("?flag", "flag").as_deref(), Some(""));
        assert_eq!(query_param("", "redirect_url"), None);
        assert_eq!(query_param("?bad=%FF", "bad"), None, "invalid UTF-8");
        assert_eq!(query_param("?pct=100%", "pct").as_deref(), Some("100%"));
        assert_eq!(query_param("?pct=%4", "pct").as_deref(), Some("%4"));
    }

    #[test]
    fn follows_same_origin_pages() {
        assert_eq!(after_sign_in(None, ORIGIN), "/");
        assert_eq!(after_sign_in(Some("/account"), ORIGIN), "/account");
        assert_eq!(
            after_sign_in(Some("/sessions?x=1"), ORIGIN),
            "/sessions?x=1"
        );
        assert_eq!(
            after_sign_in(Some("http://127.0.0.1:8080/account"), ORIGIN),
            "/account"
        );
    }

    #[test]
    fn refuses_hostile_and_auth_steps() {
        for target in [
            "https://evil.example/",
            "//evil.example",
            "javascript:alert(1)",
            "/sign-in",
            "/sign-in?redirect_url=/sign-in",
            "/SIGN-IN/",
            "/sign-out",
            "/sign-out?redirect_url=/",
            "/sign-in/factor-one",
            "http://127.0.0.1:8080/sign-out",
        ] {
            assert_eq!(after_sign_in(Some(target), ORIGIN), "/", "{target}");
        }
        assert!(!is_auth_step("/sign-inside"));
    }
}

//! Where to go after signing in.
//!
//! A `redirect_url` is followed only when it is same-origin (the SDK's
//! [`validate_redirect`]) and, once the browser has normalised it, not an
//! auth step: sending a user back to `/sign-in` or `/sign-out` after signing
//! in loops or signs them out again (clerk/javascript #1325 and #5590). The
//! checks on a normalised path are pure and tested natively; the
//! normalisation is the browser's (tests/app.rs).

use yew_clerk::validate_redirect;

/// Paths that are never a destination after signing in.
const AUTH_STEPS: &[&str] = &["/sign-in", "/sign-out"];

/// The query of `/sign-in` and `/sign-out`: where to go afterwards. The
/// SDK's sign-in redirects write it, and yew-router's query API
/// (`Location::query`, serde_urlencoded) reads it; one type serves both pages.
pub use yew_clerk::router::SignInQuery as RedirectQuery;

/// The same-origin path (with query and fragment) to go to after signing in,
/// or `/`.
///
/// The target must pass the SDK's [`validate_redirect`], then the browser's
/// own URL parser (`web_sys::Url`) normalises it: dot segments, also
/// percent-encoded ones (`/%2e%2e/`), tabs and backslashes resolve exactly as
/// the browser will resolve them when the router navigates. Only then is it
/// checked, so `/x/../sign-in` counts as `/sign-in`.
pub fn after_sign_in(redirect_url: Option<&str>, origin: &str) -> String {
    redirect_url
        .and_then(|target| validate_redirect(target, origin, &[]).ok())
        .and_then(|absolute| browser_path(&absolute, origin))
        .filter(|path| is_return_path(path))
        .unwrap_or_else(|| "/".into())
}

/// The path, query and fragment of `absolute` as the browser reads it, if it
/// is on `origin`.
fn browser_path(absolute: &str, origin: &str) -> Option<String> {
    let url = web_sys::Url::new(absolute).ok()?;
    (url.origin() == origin.trim_end_matches('/'))
        .then(|| format!("{}{}{}", url.pathname(), url.search(), url.hash()))
}

/// Whether a path the browser has normalised may be a return target: on this
/// origin (`/...` but not `//host`, which a router would read as another
/// host), and not an auth step.
pub fn is_return_path(path: &str) -> bool {
    path.starts_with('/') && !path.starts_with("//") && !is_auth_step(path)
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

    /// The query as the pages read it: `Location::query` is this decoder
    /// (yew-router's `FromQuery`) on the search without its `?`.
    fn redirect_url(query: &str) -> Option<String> {
        use yew_router::query::FromQuery;
        RedirectQuery::from_query(query)
            .ok()
            .and_then(|q| q.redirect_url)
    }

    #[test]
    fn reads_the_query_through_yew_router() {
        assert_eq!(
            redirect_url("redirect_url=%2Faccount").as_deref(),
            Some("/account")
        );
        assert_eq!(
            redirect_url("a=1&redirect_url=/x%3Fy%3D1&b").as_deref(),
            Some("/x?y=1")
        );
        assert_eq!(
            redirect_url("redirect_url=a+b%20c").as_deref(),
            Some("a b c")
        );
        assert_eq!(redirect_url("other=1"), None);
        assert_eq!(redirect_url("redirect_url=100%").as_deref(), Some("100%"));
        assert_eq!(redirect_url("redirect_url=%4").as_deref(), Some("%4"));
    }

    #[test]
    fn percent_decoding_is_strict_hex() {
        // `u8::from_str_radix("+9", 16)` is 9: a sign is not a hex digit, so
        // "%+9" must not become a tab. ('+' is a space in a query.)
        assert_eq!(redirect_url("redirect_url=%+9").as_deref(), Some("% 9"));
        assert_eq!(redirect_url("redirect_url=%-9").as_deref(), Some("%-9"));
        assert_eq!(redirect_url("redirect_url=%G1%2").as_deref(), Some("%G1%2"));
        assert_eq!(redirect_url("redirect_url=%2f%2F").as_deref(), Some("//"));
    }

    #[test]
    fn return_paths_are_app_pages_only() {
        for path in [
            "/",
            "/account",
            "/sessions?x=1#top",
            "/sign-inside",
            "/x/..%2fsign-in",
        ] {
            assert!(is_return_path(path), "{path}");
        }
        for path in [
            "",
            "account",
            "//evil.example",
            "//evil.example/x?y",
            "/sign-in",
            "/sign-in?redirect_url=/sign-in",
            "/SIGN-IN/",
            "/sign-out",
            "/sign-out?redirect_url=/",
            "/sign-in/factor-one",
            "/sign-in#x",
        ] {
            assert!(!is_return_path(path), "{path}");
        }
    }
}

//! Where to go after signing in. Pure, so it is tested natively.
//!
//! A `redirect_url` is followed only when it is same-origin (the SDK's
//! [`validate_redirect`]) and not an auth step: sending a user back to
//! `/sign-in` or `/sign-out` after signing in loops or signs them out again
//! (clerk/javascript #1325 and #5590).

use yew_clerk::validate_redirect;

/// Paths that are never a destination after signing in.
const AUTH_STEPS: &[&str] = &["/sign-in", "/sign-out"];

/// The query of `/sign-in` and `/sign-out`: where to go afterwards. The
/// SDK's sign-in redirects write it, and yew-router's query API
/// (`Location::query`, serde_urlencoded) reads it; one type serves both pages.
pub use yew_clerk::router::SignInQuery as RedirectQuery;

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

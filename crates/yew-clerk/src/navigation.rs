//! Where the SDK's navigations go, decided in plain Rust: whether a protected
//! page redirects, the sign-in URL that carries the way back, and whether a
//! validated URL is handed to the app's router or to `location`.

use crate::state::{ClerkState, SignOutPhase};

/// How a navigation treats the history, as clerk-js's `navigate(to, { replace })`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A new history entry: a sign-out's redirect (clerk-js's `routerPush`).
    Push,
    /// The current entry is replaced: a sign-in redirect, so the protected
    /// URL does not stay in the history as a page that bounces back.
    Replace,
}

/// Who performs a navigation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// The app's router, with the path, query and fragment on this origin.
    Router(String),
    /// `location`, with the absolute URL: another (allowed) origin, or no router.
    Location(String),
}

/// Splits a validated absolute URL: a same-origin one goes to the router as
/// its path with query and fragment (what Clerk React's `routerPush` gets);
/// any other goes to `location`, as clerk-js does.
pub(crate) fn target(url: &str, page_origin: &str) -> Target {
    let origin = page_origin.trim_end_matches('/');
    let rest = url
        .strip_prefix(origin)
        .filter(|rest| rest.is_empty() || rest.starts_with(['/', '?', '#']));
    match rest {
        // A router reads "//host/x" as another host; `location` with the
        // absolute URL stays on this origin.
        Some(rest) if rest.starts_with("//") => Target::Location(url.to_owned()),
        Some(rest) if rest.starts_with('/') => Target::Router(rest.to_owned()),
        Some(rest) => Target::Router(format!("/{rest}")),
        None => Target::Location(url.to_owned()),
    }
}

/// What a protected area shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Gate {
    /// Signed in: the protected content.
    Children,
    /// Signed out, with a fallback to show.
    Fallback,
    /// Signed out without a fallback: off to sign in.
    Redirect,
    /// Loading, failed, or a sign-out is navigating away: nothing.
    Nothing,
}

/// The one decision behind [`Protect`](crate::Protect) and the router
/// feature's `RouterProtect`.
pub(crate) fn gate(state: &ClerkState, has_fallback: bool) -> Gate {
    // A sign-out that is navigating somewhere must not be overtaken by the
    // sign-in redirect.
    let leaving = state.sign_out == SignOutPhase::Navigating;
    match (state.is_signed_in(), state.is_signed_out(), has_fallback) {
        (true, _, _) => Gate::Children,
        (_, true, true) => Gate::Fallback,
        (_, true, false) if !leaving => Gate::Redirect,
        _ => Gate::Nothing,
    }
}

/// The sign-in URL with `redirect_url` set to `current` (the page's path,
/// query and fragment); the sign-in page itself is never made its own return
/// target.
pub(crate) fn sign_in_url_with_return(sign_in_url: &str, current: &str) -> String {
    let Some(current) = return_target(sign_in_url, current) else {
        return sign_in_url.to_owned();
    };
    let mut url = sign_in_url.to_owned();
    url.push(if url.contains('?') { '&' } else { '?' });
    url.push_str("redirect_url=");
    crate::api::query_encode_into(&mut url, current);
    url
}

/// `current` as the way back from the sign-in page at `sign_in_url`, or
/// `None` when `current` is that page (it never returns to itself).
pub(crate) fn return_target<'a>(sign_in_url: &str, current: &'a str) -> Option<&'a str> {
    let path = |url: &'a str| url.split(['?', '#']).next().unwrap_or_default();
    let sign_in_path = sign_in_url.split(['?', '#']).next().unwrap_or_default();
    (path(current).trim_end_matches('/') != sign_in_path.trim_end_matches('/')).then_some(current)
}

/// `path` (from the origin) as the router sees it under `basename`, or `None`
/// when it lies outside, where only `location` can take it.
#[cfg_attr(not(feature = "yew-router"), allow(dead_code))]
pub(crate) fn within_basename<'a>(path: &'a str, basename: Option<&str>) -> Option<&'a str> {
    let Some(base) = basename
        .map(|b| b.trim_end_matches('/'))
        .filter(|b| !b.is_empty())
    else {
        return Some(path);
    };
    let rest = path.strip_prefix(base)?;
    match rest.chars().next() {
        None => Some("/"),
        Some('/') => Some(rest),
        // "/apple" is not under "/app"; "/app?x" is left to `location`.
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Action;

    const PAGE: &str = "http://127.0.0.1:8080";

    #[test]
    fn same_origin_urls_go_to_the_router_without_the_origin() {
        let router = |url| target(url, PAGE);
        assert_eq!(router("http://127.0.0.1:8080/"), Target::Router("/".into()));
        assert_eq!(
            router("http://127.0.0.1:8080/account?tab=1#top"),
            Target::Router("/account?tab=1#top".into())
        );
        assert_eq!(router("http://127.0.0.1:8080"), Target::Router("/".into()));
        assert_eq!(
            router("http://127.0.0.1:8080?q=1"),
            Target::Router("/?q=1".into())
        );
        assert_eq!(
            target("http://127.0.0.1:8080/x", "http://127.0.0.1:8080/"),
            Target::Router("/x".into())
        );
    }

    #[test]
    fn other_origins_and_protocol_relative_paths_go_to_location() {
        for url in [
            "https://www.example.com/shop",
            "http://127.0.0.1:80801/x",
            "http://127.0.0.1:8080.evil.example/",
            "http://127.0.0.1:8081/",
            "http://127.0.0.1:8080//evil.example/x",
        ] {
            assert_eq!(target(url, PAGE), Target::Location(url.into()), "{url}");
        }
    }

    fn client(json: &str) -> crate::api::Client {
        crate::api::client_from_json(json)
    }

    #[test]
    fn protect_shows_children_fallback_or_redirects() {
        let loading = ClerkState::default();
        assert_eq!(gate(&loading, false), Gate::Nothing);
        assert_eq!(gate(&loading, true), Gate::Nothing);

        let signed_out = ClerkState::default().apply(Action::Loaded(None));
        assert_eq!(gate(&signed_out, false), Gate::Redirect);
        assert_eq!(gate(&signed_out, true), Gate::Fallback);

        let signed_in = ClerkState::default().apply(Action::Loaded(Some(client(
            r#"{"id": "c", "last_active_session_id": "s", "sessions": [{"id": "s", "status": "active"}]}"#,
        ))));
        assert_eq!(gate(&signed_in, false), Gate::Children);

        let leaving = signed_in.apply(Action::SignOutSucceeded {
            client: None,
            navigating: true,
        });
        assert_eq!(
            gate(&leaving, false),
            Gate::Nothing,
            "the sign-out's destination wins"
        );
        assert_eq!(gate(&leaving, true), Gate::Fallback);

        let failed =
            ClerkState::default().apply(Action::LoadFailed(crate::ClerkError::Network("x".into())));
        assert_eq!(gate(&failed, false), Gate::Nothing);
    }

    #[test]
    fn sign_in_url_carries_the_page() {
        assert_eq!(
            sign_in_url_with_return("/sign-in", "/account"),
            "/sign-in?redirect_url=/account"
        );
        assert_eq!(
            sign_in_url_with_return("/sign-in?x=1", "/a?b=c&d#e"),
            "/sign-in?x=1&redirect_url=/a%3Fb%3Dc%26d%23e"
        );
        assert_eq!(
            sign_in_url_with_return("/sign-in", "/sign-in/?redirect_url=/x"),
            "/sign-in"
        );
    }

    #[test]
    fn return_target_skips_the_sign_in_page() {
        assert_eq!(
            return_target("/sign-in", "/account?x=1"),
            Some("/account?x=1")
        );
        assert_eq!(return_target("/sign-in", "/sign-in/#x"), None);
        assert_eq!(return_target("/sign-in?a=1", "/sign-in"), None);
    }

    #[test]
    fn paths_under_a_basename() {
        assert_eq!(within_basename("/a?b#c", None), Some("/a?b#c"));
        assert_eq!(within_basename("/a", Some("")), Some("/a"));
        assert_eq!(within_basename("/app/a?b", Some("/app")), Some("/a?b"));
        assert_eq!(within_basename("/app/a", Some("/app/")), Some("/a"));
        assert_eq!(within_basename("/app", Some("/app")), Some("/"));
        assert_eq!(within_basename("/apple", Some("/app")), None);
        assert_eq!(within_basename("/other", Some("/app")), None);
        assert_eq!(within_basename("/app?x", Some("/app")), None);
    }
}

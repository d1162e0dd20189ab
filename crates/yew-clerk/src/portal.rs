//! Clerk's hosted pages, the Account Portal: the URL that sends a user to
//! sign in or up there, and the dev-browser handshake on the way back.
//!
//! As clerk-js (`core/clerk.ts` `#buildUrl` and `buildUrlWithAuth`,
//! `@clerk/shared/devBrowser`): the page is the provider's URL when it is
//! absolute, else the environment's `display_config`; `redirect_url` is the
//! page to come back to; on a development instance a cross-origin portal
//! also gets `__clerk_db_jwt`, so it works with the same dev browser, and
//! hands it back in the query, where the SDK takes it on load and removes it
//! from the address bar. Pure URL work, tested natively, but for
//! [`take_dev_browser_from_url`].

use crate::api::{query_encode_into, DEV_BROWSER_PARAM};
use crate::error::ClerkError;

/// A hosted page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Page {
    SignIn,
    SignUp,
}

/// True for an absolute http(s) URL.
pub(crate) fn is_absolute(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// The origin (`scheme://host[:port]`, lower-case) of an absolute URL.
fn origin_of(url: &str) -> Option<String> {
    let scheme_end = url.find("://")?;
    let rest = &url[scheme_end + 3..];
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    Some(url[..scheme_end + 3 + host_end].to_ascii_lowercase())
}

/// The page's URL: the provider's own when it is absolute (a relative one is
/// the app's custom page, not the portal), else the environment's.
pub(crate) fn base_url<'a>(
    provider: Option<&'a str>,
    environment: Option<&'a str>,
) -> Result<&'a str, ClerkError> {
    let url = provider
        .filter(|url| is_absolute(url))
        .or(environment.filter(|url| !url.is_empty()))
        .ok_or_else(|| ClerkError::InvalidConfig("the instance has no hosted page".into()))?;
    if !is_absolute(url) {
        return Err(ClerkError::InvalidConfig(format!(
            "the hosted page \"{url}\" is not an http(s) URL"
        )));
    }
    Ok(url)
}

/// `base` with `redirect_url` (an absolute URL) and, when a dev browser is
/// given and `base` is on another origin than the page, `__clerk_db_jwt`. A
/// token already in `base` wins, as in clerk-js's `setDevBrowserJWTInURL`.
/// Both go before any fragment.
pub(crate) fn build_url(
    base: &str,
    redirect_url: &str,
    dev_browser: Option<&str>,
    page_origin: &str,
) -> String {
    let (head, fragment) = match base.find('#') {
        Some(at) => base.split_at(at),
        None => (base, ""),
    };
    let cross_origin = origin_of(base)
        .is_some_and(|o| o != page_origin.trim_end_matches('/').to_ascii_lowercase());
    let has_token = query_value(
        head.split_once('?').map_or("", |(_, q)| q),
        DEV_BROWSER_PARAM,
    )
    .is_some_and(|v| !v.is_empty());
    let token = dev_browser.filter(|_| cross_origin && !has_token);

    let mut url = String::with_capacity(base.len() + redirect_url.len() + 96);
    url.push_str(head);
    let params = [
        ("redirect_url", Some(redirect_url)),
        (DEV_BROWSER_PARAM, token),
    ];
    for (key, value) in params {
        let Some(value) = value else { continue };
        if !url.ends_with(['?', '&']) {
            url.push(if url.contains('?') { '&' } else { '?' });
        }
        url.push_str(key);
        url.push('=');
        query_encode_into(&mut url, value);
    }
    url.push_str(fragment);
    url
}

/// The raw value of `key` in a query string (without `?`).
fn query_value<'a>(query: &'a str, key: &str) -> Option<&'a str> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v)
}

/// Splits the dev browser out of a `location.search` (`?a=1&__clerk_db_jwt=t`):
/// the token (`None` when absent or empty) and the search without it (empty
/// when nothing is left). `None` overall when there is nothing to remove.
pub(crate) fn split_dev_browser(search: &str) -> Option<(Option<String>, String)> {
    let query = search.strip_prefix('?').unwrap_or(search);
    let is_token = |pair: &&str| pair.split('=').next() == Some(DEV_BROWSER_PARAM);
    if !query.split('&').any(|pair| is_token(&pair)) {
        return None;
    }
    // Dev-browser tokens are URL-safe (base64url and dots); one that needs
    // decoding is none of Clerk's, and is dropped rather than sent on.
    let token = query_value(query, DEV_BROWSER_PARAM)
        .filter(|v| !v.is_empty())
        .filter(|v| {
            v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        })
        .map(str::to_owned);
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.is_empty() && !is_token(pair))
        .collect();
    let rest = if kept.is_empty() {
        String::new()
    } else {
        format!("?{}", kept.join("&"))
    };
    Some((token, rest))
}

/// Takes the dev browser the Account Portal handed back in the URL and
/// removes it from the address bar with `history.replaceState` (path, other
/// parameters and fragment stay), as clerk-js's `extractDevBrowserFromURL`.
pub(crate) fn take_dev_browser_from_url() -> Option<String> {
    let window = web_sys::window()?;
    let location = window.location();
    let search = location.search().ok()?;
    let (token, rest) = split_dev_browser(&search)?;
    let path = location.pathname().unwrap_or_default();
    let hash = location.hash().unwrap_or_default();
    if let Ok(history) = window.history() {
        let state = history.state().unwrap_or(wasm_bindgen::JsValue::NULL);
        let _ = history.replace_state_with_url(&state, "", Some(&format!("{path}{rest}{hash}")));
    }
    token
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "http://127.0.0.1:8080";
    const PORTAL: &str = "http://127.0.0.1:8787/sign-in";

    #[test]
    fn base_prefers_an_absolute_provider_url() {
        let env = Some(PORTAL);
        assert_eq!(base_url(Some("/sign-in"), env).unwrap(), PORTAL);
        assert_eq!(base_url(None, env).unwrap(), PORTAL);
        assert_eq!(
            base_url(Some("https://accounts.example.com/sign-in"), env).unwrap(),
            "https://accounts.example.com/sign-in"
        );
        for bad in [None, Some(""), Some("/sign-in"), Some("javascript:x")] {
            assert!(
                matches!(base_url(None, bad), Err(ClerkError::InvalidConfig(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn adds_the_way_back_and_the_dev_browser_across_origins() {
        let url = build_url(
            PORTAL,
            "http://127.0.0.1:8080/a?b=1#c",
            Some("dvb_1.x"),
            PAGE,
        );
        assert_eq!(
            url,
            "http://127.0.0.1:8787/sign-in?redirect_url=http://127.0.0.1:8080/a%3Fb%3D1%23c&__clerk_db_jwt=dvb_1.x"
        );
        // Cookie mode: no token.
        assert_eq!(
            build_url(PORTAL, "http://127.0.0.1:8080/", None, PAGE),
            "http://127.0.0.1:8787/sign-in?redirect_url=http://127.0.0.1:8080/"
        );
    }

    #[test]
    fn same_origin_pages_and_existing_tokens_get_none() {
        let same = build_url("http://127.0.0.1:8080/login", "/x", Some("t"), PAGE);
        assert_eq!(same, "http://127.0.0.1:8080/login?redirect_url=/x");
        let existing = build_url(
            "https://a.example/sign-in?__clerk_db_jwt=old#top",
            "https://b.example/",
            Some("new"),
            PAGE,
        );
        assert_eq!(
            existing,
            "https://a.example/sign-in?__clerk_db_jwt=old&redirect_url=https://b.example/#top"
        );
    }

    #[test]
    fn splits_the_dev_browser_out_of_the_query() {
        assert_eq!(split_dev_browser(""), None);
        assert_eq!(split_dev_browser("?a=1"), None);
        assert_eq!(
            split_dev_browser("?__clerk_db_jwt=dvb_1.abc"),
            Some((Some("dvb_1.abc".into()), String::new()))
        );
        assert_eq!(
            split_dev_browser("?a=1&__clerk_db_jwt=dvb_2&b=__clerk_db_jwt"),
            Some((Some("dvb_2".into()), "?a=1&b=__clerk_db_jwt".into()))
        );
        // Empty or not URL-safe: removed, not used.
        assert_eq!(
            split_dev_browser("?__clerk_db_jwt=&x=1"),
            Some((None, "?x=1".into()))
        );
        assert_eq!(
            split_dev_browser("?__clerk_db_jwt=%3Cscript%3E"),
            Some((None, String::new()))
        );
        assert_eq!(
            split_dev_browser("?__clerk_db_jwt"),
            Some((None, String::new()))
        );
    }
}

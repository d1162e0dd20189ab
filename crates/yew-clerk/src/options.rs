//! Provider configuration, resolved once from the props: which Frontend API to
//! call, how to identify the browser, where sign-out goes.

use crate::error::ClerkError;
use crate::key::{InstanceType, PublishableKey};

/// Clerk's development domains, where clerk-js sets up a dev browser.
const DEV_DOMAINS: &[&str] = &[
    "accounts.dev",
    "accountsstage.dev",
    "lcl.dev",
    "stg.dev",
    "lclstage.dev",
    "stgstage.dev",
    "lclclerk.com",
];

fn is_dev_domain(host_port: &str) -> bool {
    let host = host_port
        .split(':')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    DEV_DOMAINS
        .iter()
        .any(|d| host == *d || host.strip_suffix(d).is_some_and(|rest| rest.ends_with('.')))
}

/// How the SDK identifies this browser to Clerk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DevBrowserMode {
    /// As clerk-js: development instances on Clerk's development domains
    /// (`*.accounts.dev` and Clerk's internal ones) use a dev-browser token;
    /// everything else (production, custom domains, the local emulator) uses
    /// Clerk's `__client` cookie.
    #[default]
    Auto,
    /// Always use a dev-browser token (the emulator's `--dev-browser` mode).
    Always,
    /// Always use the `__client` cookie.
    Never,
}

/// What the provider resolved from its props.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ResolvedConfig {
    pub frontend_api_url: String,
    pub dev_browser: bool,
}

/// Resolves the API URL and identity mode from the key, an optional
/// `proxy_url` (absolute, or a path on `page_origin`) and the mode.
pub(crate) fn resolve(
    publishable_key: &str,
    proxy_url: Option<&str>,
    mode: DevBrowserMode,
    page_origin: &str,
) -> Result<ResolvedConfig, ClerkError> {
    let key = PublishableKey::parse(publishable_key)?;
    let frontend_api_url = match proxy_url.map(str::trim).filter(|p| !p.is_empty()) {
        None => key.frontend_api_url(),
        Some(path) if path.starts_with('/') && !path.starts_with("//") => {
            format!(
                "{}{}",
                page_origin.trim_end_matches('/'),
                path.trim_end_matches('/')
            )
        }
        Some(url) if url.starts_with("https://") || url.starts_with("http://") => {
            url.trim_end_matches('/').to_owned()
        }
        Some(other) => {
            return Err(ClerkError::InvalidConfig(format!(
                "proxy_url \"{other}\" must be an http(s) URL or a path starting with '/'"
            )))
        }
    };
    let dev_browser = match mode {
        DevBrowserMode::Always => true,
        DevBrowserMode::Never => false,
        DevBrowserMode::Auto => {
            key.instance_type() == InstanceType::Development && is_dev_domain(key.frontend_api())
        }
    };
    Ok(ResolvedConfig {
        frontend_api_url,
        dev_browser,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMULATOR_KEY: &str = "pk_test_MTI3LjAuMC4xOjg3ODck"; // 127.0.0.1:8787
    const DEV_KEY: &str = "pk_test_Y2xlcmsuZXhhbXBsZS5jb20k"; // clerk.example.com
    const ACCOUNTS_DEV_KEY: &str = "pk_test_Zm9vLWJhci0xMy5jbGVyay5hY2NvdW50cy5kZXYk"; // foo-bar-13.clerk.accounts.dev
    const LIVE_KEY: &str = "pk_live_Y2xlcmsuZXhhbXBsZS5jb20k";
    const PAGE: &str = "https://app.example.com";

    #[test]
    fn identity_mode_follows_instance_and_host() {
        let auto = |key| resolve(key, None, DevBrowserMode::Auto, PAGE).unwrap();
        assert!(
            auto(ACCOUNTS_DEV_KEY).dev_browser,
            "development instance on Clerk's domain"
        );
        assert!(
            !auto(DEV_KEY).dev_browser,
            "a custom domain, as clerk-js decides"
        );
        assert!(!auto(LIVE_KEY).dev_browser, "production instance");
        assert!(!auto(EMULATOR_KEY).dev_browser, "emulator on loopback");
        assert!(
            resolve(EMULATOR_KEY, None, DevBrowserMode::Always, PAGE)
                .unwrap()
                .dev_browser
        );
        assert!(
            !resolve(DEV_KEY, None, DevBrowserMode::Never, PAGE)
                .unwrap()
                .dev_browser
        );
    }

    #[test]
    fn api_url_from_key_or_proxy() {
        let url = |proxy| {
            resolve(LIVE_KEY, proxy, DevBrowserMode::Auto, PAGE).map(|c| c.frontend_api_url)
        };
        assert_eq!(url(None).unwrap(), "https://clerk.example.com");
        assert_eq!(url(Some("")).unwrap(), "https://clerk.example.com");
        assert_eq!(
            url(Some("/__clerk/")).unwrap(),
            "https://app.example.com/__clerk"
        );
        assert_eq!(
            url(Some("https://proxy.example.com/clerk/")).unwrap(),
            "https://proxy.example.com/clerk"
        );
        for bad in ["//evil.example", "javascript:x", "clerk"] {
            assert!(
                matches!(url(Some(bad)), Err(ClerkError::InvalidConfig(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn bad_key_is_a_typed_error() {
        assert!(matches!(
            resolve("pk_nope", None, DevBrowserMode::Auto, PAGE),
            Err(ClerkError::InvalidPublishableKey { .. })
        ));
    }
}

//! Redirect validation. A redirect goes only to the page's own origin or to an
//! origin the app allows; `javascript:`, `data:` and every other origin are
//! refused and never followed.
//!
//! The result is rebuilt from the trusted origin string plus the target's path,
//! so whatever the browser's parser does with odd input, the origin cannot
//! change.

use crate::error::ClerkError;

/// Checks `target` against the page's origin (e.g. `http://127.0.0.1:8080`)
/// and `allowed_origins`, and returns the absolute URL to navigate to.
///
/// Relative targets (`/account`, `account`, `?tab=1`) resolve against the site
/// root of `page_origin`.
///
/// ```
/// use yew_clerk::validate_redirect;
/// let page = "https://app.example.com";
/// assert_eq!(validate_redirect("/bye", page, &[]).unwrap(), "https://app.example.com/bye");
/// assert!(validate_redirect("javascript:alert(1)", page, &[]).is_err());
/// assert!(validate_redirect("https://evil.example/", page, &[]).is_err());
/// let allowed = ["https://www.example.com".to_owned()];
/// assert!(validate_redirect("https://www.example.com/x", page, &allowed).is_ok());
/// ```
pub fn validate_redirect(
    target: &str,
    page_origin: &str,
    allowed_origins: &[String],
) -> Result<String, ClerkError> {
    let refuse = |reason: &str| ClerkError::RedirectRefused {
        url: target.to_owned(),
        reason: reason.to_owned(),
    };
    let page =
        Origin::parse(page_origin).ok_or_else(|| refuse("the page has no http(s) origin"))?;

    // What the URL standard ignores: surrounding C0 controls and spaces, and
    // tabs and newlines anywhere ("java\tscript:" is "javascript:").
    let cleaned: String = target
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    if cleaned.is_empty() {
        return Err(refuse("it is empty"));
    }
    if cleaned.chars().any(|c| c.is_control()) {
        return Err(refuse("it contains control characters"));
    }
    // Browsers read '\' as '/' in http(s) URLs: "/\evil.com" is "//evil.com".
    let cleaned = cleaned.replace('\\', "/");

    let absolute = if let Some(rest) = cleaned.strip_prefix("//") {
        format!("{}://{rest}", page.scheme)
    } else if let Some(scheme_end) = scheme_len(&cleaned) {
        let scheme = cleaned[..scheme_end].to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(refuse("only http and https URLs are followed"));
        }
        cleaned
    } else {
        // A path: same origin by construction.
        let path = if cleaned.starts_with('/') {
            cleaned
        } else {
            format!("/{cleaned}")
        };
        return Ok(format!("{}{path}", page.serialize()));
    };

    let (origin, rest) =
        split_absolute(&absolute).ok_or_else(|| refuse("it is not a well-formed URL"))?;
    let allowed = origin == page
        || allowed_origins
            .iter()
            .filter_map(|o| Origin::parse(o))
            .any(|o| o == origin);
    if !allowed {
        return Err(refuse(
            "its origin is neither this site nor an allowed origin",
        ));
    }
    let rest = if rest.is_empty() { "/" } else { rest };
    Ok(format!("{}{rest}", origin.serialize()))
}

/// Length of a leading `scheme:`, if the text starts with one.
fn scheme_len(text: &str) -> Option<usize> {
    let colon = text.find(':')?;
    let scheme = &text[..colon];
    let mut bytes = scheme.bytes();
    let first_ok = bytes.next().is_some_and(|b| b.is_ascii_alphabetic());
    (first_ok && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')))
        .then_some(colon)
}

/// Splits `scheme://authority/rest` into its origin and the rest.
fn split_absolute(url: &str) -> Option<(Origin, &str)> {
    let (scheme, after) = url.split_once("://")?;
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let (authority, rest) = after.split_at(end);
    let origin = Origin::from_parts(scheme, authority)?;
    Some((origin, rest))
}

#[derive(Debug, PartialEq, Eq)]
struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

impl Origin {
    fn parse(text: &str) -> Option<Self> {
        let (origin, rest) = split_absolute(text.trim())?;
        // An origin may end with one '/', nothing more.
        (rest.is_empty() || rest == "/").then_some(origin)
    }

    fn from_parts(scheme: &str, authority: &str) -> Option<Self> {
        let scheme = scheme.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "http" => 80,
            "https" => 443,
            _ => return None,
        };
        // Userinfo ("https://app.example.com@evil.com") is a phishing trick.
        if authority.is_empty() || authority.contains('@') {
            return None;
        }
        let (host, port) = match authority.rsplit_once(':') {
            // An IPv6 literal's own colons are inside the brackets.
            Some((host, port)) if !port.contains(']') => {
                let port = if port.is_empty() {
                    default_port
                } else {
                    port.parse().ok()?
                };
                (host, port)
            }
            _ => (authority, default_port),
        };
        let host_ok = !host.is_empty()
            && host.bytes().all(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'[' | b']' | b':')
            });
        host_ok.then(|| Self {
            host: host.to_ascii_lowercase(),
            port,
            scheme,
        })
    }

    fn serialize(&self) -> String {
        let default = if self.scheme == "https" { 443 } else { 80 };
        if self.port == default {
            format!("{}://{}", self.scheme, self.host)
        } else {
            format!("{}://{}:{}", self.scheme, self.host, self.port)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "http://127.0.0.1:8080";

    fn ok(target: &str) -> String {
        validate_redirect(target, PAGE, &[]).unwrap_or_else(|e| panic!("{target:?}: {e}"))
    }

    fn refused(target: &str, allowed: &[&str]) {
        let allowed: Vec<String> = allowed.iter().map(|s| s.to_string()).collect();
        match validate_redirect(target, PAGE, &allowed) {
            Err(ClerkError::RedirectRefused { url, .. }) => assert_eq!(url, target),
            other => panic!("{target:?} should be refused, got {other:?}"),
        }
    }

    #[test]
    fn same_origin_targets_are_made_absolute() {
        assert_eq!(ok("/"), "http://127.0.0.1:8080/");
        assert_eq!(
            ok("/account?tab=1#top"),
            "http://127.0.0.1:8080/account?tab=1#top"
        );
        assert_eq!(ok("account"), "http://127.0.0.1:8080/account");
        assert_eq!(ok("?q=1"), "http://127.0.0.1:8080/?q=1");
        assert_eq!(ok("http://127.0.0.1:8080"), "http://127.0.0.1:8080/");
        assert_eq!(ok("HTTP://127.0.0.1:8080/x"), "http://127.0.0.1:8080/x");
        assert_eq!(ok("//127.0.0.1:8080/x"), "http://127.0.0.1:8080/x");
        assert_eq!(ok("  /padded \n"), "http://127.0.0.1:8080/padded");
        // Looks like a scheme once decoded, but it is a path.
        assert_eq!(
            ok("javascript%3Aalert(1)"),
            "http://127.0.0.1:8080/javascript%3Aalert(1)"
        );
    }

    #[test]
    fn dangerous_schemes_are_refused() {
        for target in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "  javascript:alert(1)",
            "java\tscript:alert(1)",
            "java\nscript:alert(1)",
            "\u{1}javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox",
            "file:///etc/passwd",
            "blob:http://127.0.0.1:8080/uuid",
        ] {
            refused(target, &[]);
        }
    }

    #[test]
    fn foreign_origins_are_refused() {
        for target in [
            "https://evil.example/",
            "//evil.example/x",
            "/\\evil.example",
            "\\\\evil.example",
            "http://127.0.0.1:8080@evil.example/",
            "http://evil.example#http://127.0.0.1:8080",
            "https://127.0.0.1:8080/", // other scheme
            "http://127.0.0.1:8081/",  // other port
            "http://127.0.0.1.evil.example:8080/",
            "http:evil.example",
            "http:/evil.example",
            "http://",
            "http://exa mple.com/",
            "",
            "   ",
            "/ok\u{7f}",
        ] {
            refused(target, &[]);
        }
    }

    #[test]
    fn allow_list_admits_exact_origins_only() {
        let allowed = vec!["https://www.example.com".to_owned(), "not a url".to_owned()];
        assert_eq!(
            validate_redirect("https://WWW.example.com:443/shop", PAGE, &allowed).unwrap(),
            "https://www.example.com/shop"
        );
        refused(
            "https://www.example.com.evil.example/",
            &["https://www.example.com"],
        );
        refused("http://www.example.com/", &["https://www.example.com"]);
        refused("https://evil.example/", &["not a url"]);
    }

    #[test]
    fn default_ports_compare_equal() {
        let page = "https://app.example.com";
        assert_eq!(
            validate_redirect("https://app.example.com:443/x", page, &[]).unwrap(),
            "https://app.example.com/x"
        );
        assert!(validate_redirect("https://app.example.com:444/x", page, &[]).is_err());
    }
}

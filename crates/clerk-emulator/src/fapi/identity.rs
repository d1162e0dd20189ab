//! Who is calling: the `__client` cookie (production instances) or a
//! dev-browser token in the query (development instances), resolved to the
//! caller's client by the [`Identity`] extractor.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Uri};

use crate::api_error::ApiError;
use crate::json::COOKIE_MAX_AGE_SECS;
use crate::keys::Purpose;
use crate::store::{CookieClient, Device, Store};
use crate::AppState;

const CLIENT_COOKIE: &str = "__client";

/// Query parameters that carry a dev-browser token (`__dev_session` is the
/// older name in Clerk's OpenAPI description).
pub(crate) const DEV_BROWSER_PARAMS: [&str; 2] = ["__clerk_db_jwt", "__dev_session"];

/// How the request identifies its client.
enum Binding {
    /// `__client` cookie; `secure` when the request came over https.
    Cookie { secure: bool },
    /// A verified dev-browser id.
    DevBrowser(String),
}

/// The caller: how it is identified, and its client if it has one.
///
/// As an extractor it runs before the body is read, so a forged cookie or
/// dev-browser token wins over any other error.
pub(crate) struct Identity {
    binding: Binding,
    client_id: Option<String>,
    /// A valid cookie for a client that no longer exists: expire it.
    stale_cookie: bool,
}

fn query_param(uri: &Uri, name: &str) -> Option<String> {
    let query = uri.query()?;
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// The verified dev-browser id of a request, if it carries a valid token.
pub(crate) fn dev_browser_id(state: &AppState, uri: &Uri) -> Option<String> {
    let token = DEV_BROWSER_PARAMS
        .iter()
        .find_map(|name| query_param(uri, name))?;
    let id = state.keys.open(Purpose::DevBrowser, &token)?;
    id.starts_with("dvb_").then_some(id)
}

fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| k.trim() == name)
        .map(|(_, v)| v.trim().trim_matches('"').to_owned())
}

/// Whether the request reached us over https (through a proxy saying so).
fn is_https(headers: &HeaderMap) -> bool {
    let forwarded_proto = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"));
    let forwarded = headers
        .get(header::FORWARDED)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("proto=https"));
    forwarded_proto || forwarded
}

fn cookie_header(value: &str, max_age: i64, secure: bool) -> Option<HeaderValue> {
    let secure = if secure { "; Secure" } else { "" };
    let expires = if max_age == 0 {
        "; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{CLIENT_COOKIE}={value}; Path=/; Max-Age={max_age}{expires}; HttpOnly; SameSite=Lax{secure}"
    ))
    .ok()
}

fn expired_cookie(secure: bool) -> Option<HeaderValue> {
    cookie_header("", 0, secure)
}

/// `__client` for the client's current rotating token: its id and token,
/// sealed so neither can be forged.
fn client_cookie(
    state: &AppState,
    store: &Store,
    client_id: &str,
    secure: bool,
) -> Option<HeaderValue> {
    let token = store.client_token(client_id)?;
    let value = state
        .keys
        .seal(Purpose::ClientCookie, &format!("{client_id}:{token}"));
    cookie_header(&value, COOKIE_MAX_AGE_SECS, secure)
}

fn identify(state: &AppState, headers: &HeaderMap, uri: &Uri) -> Result<Identity, ApiError> {
    if state.dev_browser {
        let dvb = dev_browser_id(state, uri).ok_or_else(ApiError::dev_browser_unauthenticated)?;
        let client_id = state.store().dev_browser_client(&dvb);
        return Ok(Identity {
            binding: Binding::DevBrowser(dvb),
            client_id,
            stale_cookie: false,
        });
    }
    let secure = is_https(headers);
    let binding = Binding::Cookie { secure };
    let Some(raw) = cookie_value(headers, CLIENT_COOKIE).filter(|v| !v.is_empty()) else {
        return Ok(Identity {
            binding,
            client_id: None,
            stale_cookie: false,
        });
    };
    let Some((id, token)) = state
        .keys
        .open(Purpose::ClientCookie, &raw)
        .and_then(|value| {
            let (id, token) = value.split_once(':')?;
            id.starts_with("client_")
                .then(|| (id.to_owned(), token.to_owned()))
        })
    else {
        let mut err = ApiError::authentication_invalid(
            "The __client cookie could not be verified; it has been cleared, sign in again.",
        );
        err.clear_cookie = expired_cookie(secure);
        return Err(err);
    };
    // A superseded cookie (rotated away by a sign-in or sign-out) names no
    // client, but is not expired: its answer may arrive after the one that
    // set the new cookie, and must not clobber it.
    let found = state.store().use_client_cookie(&id, &token);
    Ok(Identity {
        binding,
        client_id: (found == CookieClient::Current).then_some(id),
        stale_cookie: found == CookieClient::Gone,
    })
}

impl FromRequestParts<AppState> for Identity {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        identify(state, &parts.headers, &parts.uri)
    }
}

impl Identity {
    /// The caller of a hosted page: as for the FAPI, except that in cookie
    /// mode a cookie that does not verify counts as none (the page starts a
    /// new client over it). `None` for a missing or forged dev-browser
    /// token.
    pub fn for_page(state: &AppState, headers: &HeaderMap, uri: &Uri) -> Option<Identity> {
        match identify(state, headers, uri) {
            Ok(identity) => Some(identity),
            Err(_) if !state.dev_browser => Some(Identity {
                binding: Binding::Cookie {
                    secure: is_https(headers),
                },
                client_id: None,
                stale_cookie: false,
            }),
            Err(_) => None,
        }
    }

    /// The caller's client, if it has one.
    pub fn client_id(&self) -> Option<&str> {
        self.client_id.as_deref()
    }

    /// The existing client, or 401 `signed_out`.
    pub fn require_client(&self) -> Result<String, ApiError> {
        self.client_id.clone().ok_or_else(|| {
            let mut err = ApiError::signed_out();
            if self.stale_cookie {
                err.clear_cookie = self.cookie_to_clear();
            }
            err
        })
    }

    /// The Set-Cookie that expires a cookie naming a client that is gone.
    pub fn stale_cookie_to_clear(&self) -> Option<HeaderValue> {
        self.stale_cookie.then(|| self.cookie_to_clear()).flatten()
    }

    /// The Set-Cookie that expires the cookie (none in dev-browser mode).
    pub fn cookie_to_clear(&self) -> Option<HeaderValue> {
        match self.binding {
            Binding::Cookie { secure } => expired_cookie(secure),
            Binding::DevBrowser(_) => None,
        }
    }

    /// What Client Trust trusts for this caller: its client, or on a
    /// development instance its dev browser.
    pub fn device(&self) -> Device {
        match &self.binding {
            Binding::Cookie { .. } => Device::Client,
            Binding::DevBrowser(id) => Device::DevBrowser(id.clone()),
        }
    }

    /// Whether the client rides on the `__client` cookie (then its JSON
    /// carries `cookie_expires_at`).
    pub fn uses_cookie(&self) -> bool {
        matches!(self.binding, Binding::Cookie { .. })
    }

    /// Makes `client_id` the caller's client: a cookie with the client's
    /// current token, or a dev-browser binding. Returns the Set-Cookie to
    /// send, if any.
    pub fn bind(
        &self,
        state: &AppState,
        store: &mut Store,
        client_id: &str,
    ) -> Option<HeaderValue> {
        match &self.binding {
            Binding::Cookie { secure } => client_cookie(state, store, client_id, *secure),
            Binding::DevBrowser(dvb) => {
                store.bind_dev_browser(dvb, client_id);
                None
            }
        }
    }

    /// The Set-Cookie for the client's new token when it rotated since
    /// `before` (a sign-out), in cookie mode.
    pub fn cookie_if_rotated(
        &self,
        state: &AppState,
        store: &Store,
        client_id: &str,
        before: Option<&str>,
    ) -> Option<HeaderValue> {
        match self.binding {
            Binding::Cookie { secure } if store.client_token(client_id) != before => {
                client_cookie(state, store, client_id, secure)
            }
            _ => None,
        }
    }
}

//! The Frontend API over the browser's fetch (gloo-net). Thin: URLs, bodies and
//! decoding live in `request.rs`.

use std::cell::RefCell;

use gloo_net::http::Request;
use web_sys::{AbortSignal, RequestCredentials};

use serde::de::DeserializeOwned;

use super::models::{Client, DevBrowser, Envelope, Environment, Ignored, SignIn, Token};
use super::request::{self, Method};
use crate::error::ClerkError;
use crate::storage;

/// localStorage key of a development instance's dev-browser token.
pub(crate) const DEV_BROWSER_STORAGE_KEY: &str = "__clerk_db_jwt";

/// A Frontend API client bound to one instance.
#[derive(Debug)]
pub(crate) struct Api {
    base_url: String,
    dev_browser: bool,
    token: RefCell<Option<String>>,
    /// Each request's time limit.
    timeout_ms: u32,
}

impl Api {
    /// On a development instance the dev browser comes from the URL first
    /// (the Account Portal hands it back there), then from localStorage, as
    /// clerk-js's `devBrowser.setup()` takes it.
    pub(crate) fn new(base_url: String, dev_browser: bool, timeout_ms: u32) -> Self {
        let token = if dev_browser {
            match crate::portal::take_dev_browser_from_url() {
                Some(token) => {
                    storage::set(DEV_BROWSER_STORAGE_KEY, &token);
                    Some(token)
                }
                None => storage::get::<String>(DEV_BROWSER_STORAGE_KEY),
            }
        } else {
            None
        };
        Self {
            base_url,
            dev_browser,
            token: RefCell::new(token),
            timeout_ms,
        }
    }

    /// The dev-browser token in use; `None` in cookie mode.
    pub(crate) fn dev_browser_token(&self) -> Option<String> {
        self.token.borrow().clone()
    }

    /// Drops the dev browser, here and in localStorage: the next request
    /// starts a new one.
    pub(crate) fn forget_dev_browser(&self) {
        self.token.replace(None);
        storage::remove(DEV_BROWSER_STORAGE_KEY);
    }

    /// `GET /v1/environment`: the instance's settings (hosted pages' URLs).
    pub(crate) async fn environment(&self) -> Result<Environment, ClerkError> {
        self.send(Method::Get, "/environment", &[]).await
    }

    /// `GET /v1/client`: the current client, or `None` for a browser without one.
    pub(crate) async fn client(&self) -> Result<Option<Client>, ClerkError> {
        let envelope: Envelope<Client> = self.send(Method::Get, "/client", &[]).await?;
        Ok(envelope.response)
    }

    /// `POST /v1/client/sign_ins` (a new attempt), or
    /// `POST /v1/client/sign_ins/{id}/{action}` (`prepare_second_factor`,
    /// `attempt_second_factor`) with `Some((id, action))`.
    pub(crate) async fn sign_in(
        &self,
        action: Option<(&str, &str)>,
        form: &[(&str, &str)],
    ) -> Result<Envelope<SignIn>, ClerkError> {
        let path = match action {
            None => "/client/sign_ins".to_owned(),
            Some((id, action)) => format!("/client/sign_ins/{}/{action}", path_segment(id)),
        };
        self.send(Method::Post, &path, form).await
    }

    /// `DELETE /v1/client/sessions`: every session ends, the client stays.
    pub(crate) async fn remove_all_sessions(&self) -> Result<Option<Client>, ClerkError> {
        let envelope: Envelope<Client> = self.send(Method::Delete, "/client/sessions", &[]).await?;
        // Clerk puts the client in `response` here and may leave `client` null.
        Ok(envelope.client.or(envelope.response))
    }

    /// `POST /v1/client/sessions/{id}/{action}` (`remove`, `end`, `touch`);
    /// returns the updated client.
    pub(crate) async fn session_action(
        &self,
        session_id: &str,
        action: &str,
    ) -> Result<Option<Client>, ClerkError> {
        let path = format!("/client/sessions/{}/{action}", path_segment(session_id));
        let envelope: Envelope<Ignored> = self.send(Method::Post, &path, &[]).await?;
        Ok(envelope.client)
    }

    /// `POST /v1/client/sessions/{id}/tokens` (`/tokens/{template}` for a
    /// JWT template's): a short-lived JWT.
    pub(crate) async fn session_token(
        &self,
        session_id: &str,
        template: Option<&str>,
    ) -> Result<String, ClerkError> {
        let mut path = format!("/client/sessions/{}/tokens", path_segment(session_id));
        if let Some(template) = template {
            path.push('/');
            path.push_str(&path_segment(template));
        }
        let token: Token = self.send(Method::Post, &path, &[]).await?;
        Ok(token.jwt)
    }

    async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        form: &[(&str, &str)],
    ) -> Result<T, ClerkError> {
        let (status, body) = self.send_raw(method, path, form).await?;
        request::decode(status, &body)
    }

    // Not generic, so one copy of the fetch and retry logic ships, not one per
    // answer type.
    async fn send_raw(
        &self,
        method: Method,
        path: &str,
        form: &[(&str, &str)],
    ) -> Result<(u16, String), ClerkError> {
        if self.dev_browser {
            self.ensure_dev_browser().await?;
        }
        let answer = self.send_once(method, path, form).await?;
        // A dev browser the instance no longer knows (it was reset): start a
        // new one and retry once, as clerk-js does.
        let stale_dev_browser = self.dev_browser
            && answer.0 == 401
            && request::api_error(answer.0, &answer.1).code()
                == Some("dev_browser_unauthenticated");
        if stale_dev_browser {
            self.forget_dev_browser();
            self.ensure_dev_browser().await?;
            return self.send_once(method, path, form).await;
        }
        Ok(answer)
    }

    async fn ensure_dev_browser(&self) -> Result<(), ClerkError> {
        if self.token.borrow().is_some() {
            return Ok(());
        }
        let url = format!("{}/v1/dev_browser", self.base_url.trim_end_matches('/'));
        let (status, body) = fetch(true, &url, Some(String::new()), self.timeout_ms).await?;
        // Clerk's `id` is the token itself (clerk-js stores `data.id`).
        let DevBrowser { id: token } = request::decode(status, &body)?;
        storage::set(DEV_BROWSER_STORAGE_KEY, &token);
        self.token.replace(Some(token));
        Ok(())
    }

    async fn send_once(
        &self,
        method: Method,
        path: &str,
        form: &[(&str, &str)],
    ) -> Result<(u16, String), ClerkError> {
        let prepared = {
            let token = self.token.borrow();
            request::prepare(&self.base_url, method, path, form, token.as_deref())
        };
        fetch(prepared.post, &prepared.url, prepared.body, self.timeout_ms).await
    }
}

/// Ids go into the path; encode them so a hostile id cannot change the path.
fn path_segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    request::form_encode_into(&mut out, id);
    out
}

/// One request; it fails as a network error when the answer, body included,
/// takes longer than `timeout_ms` (`AbortSignal.timeout`), so a hanging server
/// cannot keep a sign-out in flight for ever.
async fn fetch(
    post: bool,
    url: &str,
    body: Option<String>,
    timeout_ms: u32,
) -> Result<(u16, String), ClerkError> {
    let signal = AbortSignal::timeout_with_u32(timeout_ms);
    let network = |e: gloo_net::Error| {
        if signal.aborted() {
            ClerkError::Network(format!("no answer within {timeout_ms} ms"))
        } else {
            ClerkError::Network(e.to_string())
        }
    };
    let builder = if post {
        Request::post(url).header("Content-Type", "application/x-www-form-urlencoded")
    } else {
        Request::get(url)
    };
    let builder = builder
        .credentials(RequestCredentials::Include)
        .abort_signal(Some(&signal));
    let request = match body {
        Some(body) => builder.body(body).map_err(network)?,
        None => builder.build().map_err(network)?,
    };
    let response = request.send().await.map_err(network)?;
    let status = response.status();
    let text = response.text().await.map_err(network)?;
    Ok((status, text))
}

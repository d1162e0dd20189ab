//! An offline Account Portal: Clerk's hosted sign-in and sign-up pages, at
//! `/sign-in` and `/sign-up` on the emulator's own origin, as plain
//! server-rendered forms that work without JavaScript. They carry Client
//! Trust's and TOTP's code step and sign-up's e-mail code, calling the
//! store directly (never the FAPI over HTTP), so pages and FAPI share one
//! set of rules.
//!
//! An app sends the user to `/sign-in?redirect_url=<page>` (clerk-js's
//! `buildSignInUrl`; on a development instance also `&__clerk_db_jwt=<dev
//! browser>`); after the sign-in the portal answers `303 See Other` to
//! `redirect_url`, with `__clerk_db_jwt` added in dev-browser mode, but only
//! when its origin is an allowed origin: anything else is an error page,
//! never a redirect. The portal's forms are state-changing requests from
//! the emulator's origin, so each one carries a token bound to the
//! browser's client, and a `POST` whose `Origin` is another site is refused.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::api_error::ApiError;
use crate::factors::Strategy;
use crate::fapi::identity::{Identity, DEV_BROWSER_PARAMS};
use crate::ids::new_id;
use crate::keys::Purpose;
use crate::middleware::is_own_origin;
use crate::store::{
    AttemptParams, PasswordAttempt, PrepareParams, SignInStatus, SignUpParams, Store,
};
use crate::AppState;

mod page;

use page::{escape, field, form_error, hidden, Page};

/// The form field that carries the anti-forgery token.
const CSRF_FIELD: &str = "csrf_token";
/// The dev browser's query parameter, as clerk-js writes it.
const DEV_BROWSER_PARAM: &str = "__clerk_db_jwt";

/// Whether a path is one of the hosted pages.
pub(crate) fn is_page(path: &str) -> bool {
    ["/sign-in", "/sign-up"].iter().any(|page| {
        path == *page
            || path
                .strip_prefix(page)
                .is_some_and(|rest| rest.starts_with('/'))
    })
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/sign-in", get(sign_in_show).post(sign_in_create))
        .route(
            "/sign-in/factor-two",
            get(factor_two_show).post(factor_two_attempt),
        )
        .route("/sign-in/factor-two/resend", post(factor_two_resend))
        .route("/sign-up", get(sign_up_show).post(sign_up_create))
        .route(
            "/sign-up/verify",
            get(sign_up_verify_show).post(sign_up_verify_attempt),
        )
        .route("/sign-up/verify/resend", post(sign_up_resend))
}

/// A page's answer: a page or a redirect, both with the cookie to set.
type Answer = Result<Response, Page>;

/// A hosted page request: who the browser is, where to go afterwards, and
/// its dev-browser token (in dev-browser mode).
pub(crate) struct Portal {
    identity: Identity,
    /// Validated against the allowed origins.
    redirect_url: Option<String>,
    dev_browser: Option<String>,
}

impl FromRequestParts<AppState> for Portal {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let query = query_map(&parts.uri);
        if parts.method == Method::POST {
            if let Some(origin) = foreign_origin(state, &parts.headers) {
                return Err(error_page(
                    StatusCode::FORBIDDEN,
                    "Request refused",
                    &format!(
                        "This form can only be sent from the emulator's own pages, not from {origin}."
                    ),
                )
                .into_response());
            }
        }
        let redirect_url = match query.get("redirect_url").filter(|u| !u.is_empty()) {
            None => None,
            Some(raw) => Some(checked_redirect(state, raw).map_err(|why| {
                error_page(StatusCode::BAD_REQUEST, "Redirect refused", &why).into_response()
            })?),
        };
        let dev_browser = DEV_BROWSER_PARAMS
            .iter()
            .find_map(|name| query.get(*name).cloned());
        if state.dev_browser && dev_browser.is_none() {
            // Like the Account Portal of a development instance, start a
            // dev browser of the portal's own and keep it in the URL.
            if parts.method == Method::GET {
                let token = state.keys.seal(Purpose::DevBrowser, &new_id("dvb"));
                let mut query = query.clone();
                query.insert(DEV_BROWSER_PARAM.to_owned(), token);
                return Err(see_other(
                    &format!("{}{}", parts.uri.path(), encode(&query)),
                    None,
                ));
            }
            return Err(error_page(
                StatusCode::BAD_REQUEST,
                "Missing dev browser",
                "On a development instance the portal's address carries __clerk_db_jwt; open the page again.",
            )
            .into_response());
        }
        let identity = Identity::for_page(state, &parts.headers, &parts.uri).ok_or_else(|| {
            error_page(
                StatusCode::UNAUTHORIZED,
                "Unknown browser",
                "The __clerk_db_jwt in this address does not belong to this emulator. Start again from the app.",
            )
            .into_response()
        })?;
        Ok(Self {
            identity,
            redirect_url,
            dev_browser,
        })
    }
}

fn query_map(uri: &Uri) -> HashMap<String, String> {
    uri.query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default()
}

/// `?k=v&...`, or "" for no parameters; sorted, so URLs are stable.
fn encode(params: &HashMap<String, String>) -> String {
    if params.is_empty() {
        return String::new();
    }
    let mut pairs: Vec<_> = params.iter().collect();
    pairs.sort();
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        out.append_pair(k, v);
    }
    format!("?{}", out.finish())
}

/// The `Origin` of a POST when it is a page elsewhere than the emulator.
fn foreign_origin(state: &AppState, headers: &HeaderMap) -> Option<String> {
    let origin = headers.get(header::ORIGIN)?;
    let text = String::from_utf8_lossy(origin.as_bytes()).into_owned();
    (!is_own_origin(state, headers, &text)).then_some(text)
}

/// `redirect_url` when it is an absolute http(s) URL on an allowed origin;
/// otherwise why not (shown to the user, so nobody is sent elsewhere).
fn checked_redirect(state: &AppState, raw: &str) -> Result<String, String> {
    let refused = |why: &str| format!("The redirect_url {raw:?} is refused: {why}");
    // `Uri` has no fragment and would drop it: the page's `#section` must
    // come back too, so it is checked apart and put back.
    let (base, fragment) = match raw.split_once('#') {
        Some((base, fragment)) => (base, Some(fragment)),
        None => (raw, None),
    };
    if fragment.is_some_and(|f| !f.bytes().all(|b| b.is_ascii_graphic())) {
        return Err(refused("its fragment is not URL-encoded."));
    }
    let uri: Uri = base.parse().map_err(|_| refused("it is not a URL."))?;
    let scheme = uri
        .scheme_str()
        .filter(|s| *s == "http" || *s == "https")
        .ok_or_else(|| refused("it is not an absolute http or https URL."))?;
    let authority = uri
        .authority()
        .filter(|a| !a.as_str().contains('@'))
        .ok_or_else(|| refused("it names no plain host."))?;
    let origin = format!("{scheme}://{}", authority.as_str().to_ascii_lowercase());
    if !state.allowed_origins.contains(&origin) {
        return Err(refused(&format!(
            "{origin} is not an allowed origin (start the emulator with --allowed-origin {origin} to allow it)."
        )));
    }
    Ok(match fragment {
        Some(fragment) => format!("{uri}#{fragment}"),
        None => uri.to_string(),
    })
}

/// `url` with the dev-browser token set as `__clerk_db_jwt` (replacing
/// any), before the fragment.
fn with_dev_browser(url: &str, token: &str) -> String {
    let (base, fragment) = match url.split_once('#') {
        Some((base, fragment)) => (base, Some(fragment)),
        None => (url, None),
    };
    let (path, query) = base.split_once('?').unwrap_or((base, ""));
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        if k != DEV_BROWSER_PARAM {
            out.append_pair(&k, &v);
        }
    }
    out.append_pair(DEV_BROWSER_PARAM, token);
    let mut result = format!("{path}?{}", out.finish());
    if let Some(fragment) = fragment {
        result.push('#');
        result.push_str(fragment);
    }
    result
}

fn see_other(location: &str, cookie: Option<HeaderValue>) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    if let Some(cookie) = cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

fn error_page(status: StatusCode, title: &str, message: &str) -> Page {
    Page::new(
        title,
        format!(
            "<h1>{}</h1><p class=\"error\" role=\"alert\">{}</p>",
            escape(title),
            escape(message)
        ),
    )
    .with_status(status)
}

/// The form fields of a posted body (form-urlencoded; anything else is
/// read as no fields, and then fails the token check).
fn form_fields(body: &Bytes) -> HashMap<String, String> {
    form_urlencoded::parse(body).into_owned().collect()
}

impl Portal {
    /// The query to keep on the portal's own links and forms.
    fn query(&self) -> String {
        let mut params = HashMap::new();
        if let Some(url) = &self.redirect_url {
            params.insert("redirect_url".to_owned(), url.clone());
        }
        if let Some(token) = &self.dev_browser {
            params.insert(DEV_BROWSER_PARAM.to_owned(), token.clone());
        }
        encode(&params)
    }

    fn link(&self, path: &str) -> String {
        format!("{path}{}", self.query())
    }

    /// The browser's client, created (and bound: a cookie, or the dev
    /// browser) if it has none, so that its forms have a token to carry.
    fn client(&self, state: &AppState, store: &mut Store) -> (String, Option<HeaderValue>) {
        match self.identity.client_id() {
            Some(id) => (id.to_owned(), None),
            None => {
                let id = store.create_client();
                let cookie = self.identity.bind(state, store, &id);
                (id, cookie)
            }
        }
    }

    /// The anti-forgery token of the client's forms.
    fn csrf(state: &AppState, client_id: &str) -> String {
        state.keys.seal(Purpose::HostedForm, client_id)
    }

    /// The caller's client, when the posted token is its own.
    fn checked_client(
        &self,
        state: &AppState,
        fields: &HashMap<String, String>,
    ) -> Result<String, Page> {
        let token = fields.get(CSRF_FIELD).map(String::as_str).unwrap_or("");
        let bound = state.keys.open(Purpose::HostedForm, token);
        match (self.identity.client_id(), bound) {
            (Some(client), Some(bound)) if client == bound => Ok(client.to_owned()),
            _ => Err(error_page(
                StatusCode::FORBIDDEN,
                "Form expired",
                "This form does not belong to this browser (or the emulator restarted). Open the page again.",
            )),
        }
    }

    /// A page with the portal's form targets (the allowed origins a form
    /// may end up at) and the cookie to set.
    fn page(&self, state: &AppState, page: Page, cookie: Option<HeaderValue>) -> Response {
        let mut page = page;
        page.form_targets = state.allowed_origins.clone();
        page.set_cookie = cookie;
        page.into_response()
    }

    /// A step's answer: its response, or its page with the portal's
    /// headers.
    fn answer(&self, state: &AppState, result: Answer) -> Response {
        match result {
            Ok(response) => response,
            Err(page) => self.page(state, page, None),
        }
    }

    /// Signed in: to `redirect_url` (with the dev browser on a development
    /// instance), or a page that says so.
    fn done(
        &self,
        state: &AppState,
        store: &Store,
        client_id: &str,
        cookie: Option<HeaderValue>,
    ) -> Response {
        if let Some(url) = &self.redirect_url {
            let location = match &self.dev_browser {
                Some(token) => with_dev_browser(url, token),
                None => url.clone(),
            };
            return see_other(&location, cookie);
        }
        let who = store
            .client(client_id)
            .and_then(|c| c.last_active_session_id.as_deref())
            .and_then(|id| store.session(id))
            .and_then(|s| store.user(&s.user_id))
            .map(|u| u.email.clone())
            .unwrap_or_default();
        self.page(
            state,
            Page::new(
                "Signed in",
                format!(
                    "<h1>Signed in</h1><p>You are signed in as <strong>{}</strong>. You can close this page and return to the app.</p>",
                    escape(&who)
                ),
            ),
            cookie,
        )
    }
}

/// Field errors by form field, from a Clerk error's `param_name`.
fn errors_of(err: &ApiError, fields: &[(&str, &str)]) -> HashMap<String, String> {
    let param = err
        .meta
        .get("param_name")
        .and_then(|v| v.as_str())
        .unwrap_or("");
    let field = fields
        .iter()
        .find(|(p, _)| *p == param)
        .map_or("", |(_, f)| f);
    HashMap::from([(field.to_owned(), err.long_message.clone())])
}

// --- sign-in --------------------------------------------------------------

fn sign_in_form(
    portal: &Portal,
    csrf: &str,
    email: &str,
    errors: &HashMap<String, String>,
) -> Page {
    let error = |name: &str| errors.get(name).map(String::as_str);
    Page::new(
        "Sign in",
        format!(
            "<h1>Sign in</h1>{}<form method=\"post\" action=\"{}\">{}{}{}<button type=\"submit\">Continue</button></form>\
             <p class=\"note\">No account? <a href=\"{}\">Sign up</a></p>",
            form_error(error("")),
            escape(&portal.link("/sign-in")),
            hidden(CSRF_FIELD, csrf),
            field("identifier", "Email address", "email", email, " autocomplete=\"username\" required", error("identifier")),
            field("password", "Password", "password", "", " autocomplete=\"current-password\" required", error("password")),
            escape(&portal.link("/sign-up")),
        ),
    )
}

/// `GET /sign-in`: the password form (or, already signed in on a
/// single-session instance, straight on).
async fn sign_in_show(State(state): State<AppState>, portal: Portal) -> Response {
    let mut store = state.store();
    let (client_id, cookie) = portal.client(&state, &mut store);
    if !state.multi_session && store.has_active_session(&client_id) {
        return portal.done(&state, &store, &client_id, cookie);
    }
    let csrf = Portal::csrf(&state, &client_id);
    let form = sign_in_form(&portal, &csrf, "", &HashMap::new());
    portal.page(&state, form, cookie)
}

/// `POST /sign-in`: checks the password; then to the code step when one
/// is needed (Client Trust's code is sent at once), or done.
async fn sign_in_create(State(state): State<AppState>, portal: Portal, body: Bytes) -> Response {
    let result = password_step(&state, &portal, &form_fields(&body));
    portal.answer(&state, result)
}

/// The password form's step: the sign-in, then its code step or done.
fn password_step(state: &AppState, portal: &Portal, fields: &HashMap<String, String>) -> Answer {
    let client_id = portal.checked_client(state, fields)?;
    let attempt = PasswordAttempt {
        strategy: None,
        identifier: fields.get("identifier").filter(|v| !v.is_empty()).cloned(),
        password: fields.get("password").filter(|v| !v.is_empty()).cloned(),
    };
    let mut store = state.store();
    let step = store
        .sign_in_with_password(
            Some(&client_id),
            &portal.identity.device(),
            &attempt,
            state.multi_session,
        )
        .map_err(|err| {
            let errors = errors_of(
                &err,
                &[("identifier", "identifier"), ("password", "password")],
            );
            let csrf = Portal::csrf(state, &client_id);
            sign_in_form(
                portal,
                &csrf,
                attempt.identifier.as_deref().unwrap_or(""),
                &errors,
            )
            .with_status(err.status)
        })?;
    let cookie = portal.identity.bind(state, &mut store, &client_id);
    let status = store
        .sign_in(&client_id, &step.sign_in_id)
        .map(|s| s.status)
        .unwrap_or(SignInStatus::Complete);
    match status {
        SignInStatus::Complete => Ok(portal.done(state, &store, &client_id, cookie)),
        SignInStatus::NeedsClientTrust => {
            let prepare = PrepareParams {
                strategy: Some(Strategy::EmailCode.as_str().to_owned()),
                email_address_id: None,
            };
            store
                .prepare_second_factor(&client_id, &step.sign_in_id, &prepare)
                .map_err(|e| error_page(e.status, "Sign-in failed", &e.long_message))?;
            Ok(see_other(&portal.link("/sign-in/factor-two"), cookie))
        }
        SignInStatus::NeedsSecondFactor => {
            Ok(see_other(&portal.link("/sign-in/factor-two"), cookie))
        }
    }
}

fn factor_two_form(
    portal: &Portal,
    csrf: &str,
    strategy: Strategy,
    email: &str,
    error: Option<&str>,
) -> Page {
    let (title, intro, resend) = match strategy {
        Strategy::EmailCode => (
            "Check your email",
            format!("We sent a code to <strong>{}</strong>.", escape(email)),
            format!(
                "<form method=\"post\" action=\"{}\">{}<button class=\"link\" type=\"submit\">Resend code</button></form>",
                escape(&portal.link("/sign-in/factor-two/resend")),
                hidden(CSRF_FIELD, csrf)
            ),
        ),
        Strategy::Totp => (
            "Two-step verification",
            "Enter the code from your authenticator app.".to_owned(),
            String::new(),
        ),
    };
    Page::new(
        title,
        format!(
            "<h1>{}</h1><p>{intro}</p><form method=\"post\" action=\"{}\">{}{}<button type=\"submit\">Continue</button></form>{resend}",
            escape(title),
            escape(&portal.link("/sign-in/factor-two")),
            hidden(CSRF_FIELD, csrf),
            field("code", "Verification code", "text", "", " autocomplete=\"one-time-code\" inputmode=\"numeric\" required autofocus", error),
        ),
    )
}

/// The client's sign-in waiting for a code: its strategy and e-mail.
fn waiting_sign_in(store: &Store, client_id: &str) -> Option<(String, Strategy, String)> {
    let sign_in = store.current_sign_in(client_id)?;
    let strategy = *sign_in.second_factors.first()?;
    let email = store.user(&sign_in.user_id)?.email.clone();
    Some((sign_in.id.clone(), strategy, email))
}

/// `GET /sign-in/factor-two`: the code form of the sign-in in progress.
async fn factor_two_show(State(state): State<AppState>, portal: Portal) -> Response {
    let store = state.store();
    let client = portal.identity.client_id();
    let Some((_, strategy, email)) = client.and_then(|c| waiting_sign_in(&store, c)) else {
        return see_other(&portal.link("/sign-in"), None);
    };
    let csrf = client.map(|c| Portal::csrf(&state, c)).unwrap_or_default();
    portal.page(
        &state,
        factor_two_form(&portal, &csrf, strategy, &email, None),
        None,
    )
}

/// `POST /sign-in/factor-two`: the code; the right one completes the
/// sign-in.
async fn factor_two_attempt(
    State(state): State<AppState>,
    portal: Portal,
    body: Bytes,
) -> Response {
    let result = code_step(&state, &portal, &form_fields(&body));
    portal.answer(&state, result)
}

/// The code form's step: the right code completes the sign-in.
fn code_step(state: &AppState, portal: &Portal, fields: &HashMap<String, String>) -> Answer {
    let client_id = portal.checked_client(state, fields)?;
    let mut store = state.store();
    let Some((sign_in_id, strategy, email)) = waiting_sign_in(&store, &client_id) else {
        return Ok(see_other(&portal.link("/sign-in"), None));
    };
    let attempt = AttemptParams {
        strategy: Some(strategy.as_str().to_owned()),
        code: fields.get("code").filter(|v| !v.is_empty()).cloned(),
    };
    store
        .attempt_second_factor(
            &client_id,
            &portal.identity.device(),
            &sign_in_id,
            &attempt,
            state.multi_session,
        )
        .map_err(|err| {
            let csrf = Portal::csrf(state, &client_id);
            factor_two_form(portal, &csrf, strategy, &email, Some(&err.long_message))
                .with_status(err.status)
        })?;
    let cookie = portal.identity.bind(state, &mut store, &client_id);
    Ok(portal.done(state, &store, &client_id, cookie))
}

/// `POST /sign-in/factor-two/resend`: a new e-mail code.
async fn factor_two_resend(State(state): State<AppState>, portal: Portal, body: Bytes) -> Response {
    let result = resend_step(&state, &portal, &form_fields(&body));
    portal.answer(&state, result)
}

/// A new e-mail code for the sign-in in progress.
fn resend_step(state: &AppState, portal: &Portal, fields: &HashMap<String, String>) -> Answer {
    let client_id = portal.checked_client(state, fields)?;
    let mut store = state.store();
    if let Some((sign_in_id, Strategy::EmailCode, _)) = waiting_sign_in(&store, &client_id) {
        let prepare = PrepareParams {
            strategy: Some(Strategy::EmailCode.as_str().to_owned()),
            email_address_id: None,
        };
        store
            .prepare_second_factor(&client_id, &sign_in_id, &prepare)
            .map_err(|e| error_page(e.status, "Sending failed", &e.long_message))?;
    }
    Ok(see_other(&portal.link("/sign-in/factor-two"), None))
}

// --- sign-up --------------------------------------------------------------

fn sign_up_form(
    portal: &Portal,
    csrf: &str,
    values: &HashMap<String, String>,
    errors: &HashMap<String, String>,
) -> Page {
    let value = |name: &str| values.get(name).map(String::as_str).unwrap_or("");
    let error = |name: &str| errors.get(name).map(String::as_str);
    Page::new(
        "Create your account",
        format!(
            "<h1>Create your account</h1>{}<form method=\"post\" action=\"{}\">{}{}{}{}{}<button type=\"submit\">Continue</button></form>\
             <p class=\"note\">Have an account? <a href=\"{}\">Sign in</a></p>",
            form_error(error("")),
            escape(&portal.link("/sign-up")),
            hidden(CSRF_FIELD, csrf),
            field("first_name", "First name", "text", value("first_name"), " autocomplete=\"given-name\"", error("first_name")),
            field("last_name", "Last name", "text", value("last_name"), " autocomplete=\"family-name\"", error("last_name")),
            field("email_address", "Email address", "email", value("email_address"), " autocomplete=\"email\" required", error("email_address")),
            field("password", "Password", "password", "", " autocomplete=\"new-password\" required", error("password")),
            escape(&portal.link("/sign-in")),
        ),
    )
}

/// `GET /sign-up`.
async fn sign_up_show(State(state): State<AppState>, portal: Portal) -> Response {
    let mut store = state.store();
    let (client_id, cookie) = portal.client(&state, &mut store);
    let csrf = Portal::csrf(&state, &client_id);
    let form = sign_up_form(&portal, &csrf, &HashMap::new(), &HashMap::new());
    portal.page(&state, form, cookie)
}

/// `POST /sign-up`: starts a sign-up and sends its e-mail code.
async fn sign_up_create(State(state): State<AppState>, portal: Portal, body: Bytes) -> Response {
    let result = sign_up_step(&state, &portal, &form_fields(&body));
    portal.answer(&state, result)
}

/// The sign-up form's step: the sign-up, and its code sent.
fn sign_up_step(state: &AppState, portal: &Portal, fields: &HashMap<String, String>) -> Answer {
    let client_id = portal.checked_client(state, fields)?;
    let get = |name: &str| {
        fields
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let params = SignUpParams {
        email_address: get("email_address"),
        password: fields.get("password").filter(|v| !v.is_empty()).cloned(),
        first_name: get("first_name"),
        last_name: get("last_name"),
    };
    let mut store = state.store();
    store
        .sign_up(&client_id, &params, state.multi_session)
        .map_err(|err| {
            let names = [
                ("email_address", "email_address"),
                ("password", "password"),
                ("first_name", "first_name"),
                ("last_name", "last_name"),
            ];
            let csrf = Portal::csrf(state, &client_id);
            sign_up_form(portal, &csrf, fields, &errors_of(&err, &names)).with_status(err.status)
        })?;
    Ok(see_other(&portal.link("/sign-up/verify"), None))
}

fn sign_up_verify_form(portal: &Portal, csrf: &str, email: &str, error: Option<&str>) -> Page {
    Page::new(
        "Verify your email",
        format!(
            "<h1>Verify your email</h1><p>We sent a code to <strong>{}</strong>.</p>\
             <form method=\"post\" action=\"{}\">{}{}<button type=\"submit\">Continue</button></form>\
             <form method=\"post\" action=\"{}\">{}<button class=\"link\" type=\"submit\">Resend code</button></form>",
            escape(email),
            escape(&portal.link("/sign-up/verify")),
            hidden(CSRF_FIELD, csrf),
            field("code", "Verification code", "text", "", " autocomplete=\"one-time-code\" inputmode=\"numeric\" required autofocus", error),
            escape(&portal.link("/sign-up/verify/resend")),
            hidden(CSRF_FIELD, csrf),
        ),
    )
}

/// The client's sign-up waiting for its code: its id and e-mail address.
fn waiting_sign_up(store: &Store, client_id: &str) -> Option<(String, String)> {
    let sign_up = store.current_sign_up(client_id)?;
    Some((sign_up.id.clone(), sign_up.email.clone()))
}

/// `GET /sign-up/verify`.
async fn sign_up_verify_show(State(state): State<AppState>, portal: Portal) -> Response {
    let store = state.store();
    let client = portal.identity.client_id();
    let Some((_, email)) = client.and_then(|c| waiting_sign_up(&store, c)) else {
        return see_other(&portal.link("/sign-up"), None);
    };
    let csrf = client.map(|c| Portal::csrf(&state, c)).unwrap_or_default();
    portal.page(
        &state,
        sign_up_verify_form(&portal, &csrf, &email, None),
        None,
    )
}

/// `POST /sign-up/verify`: the right code creates the user and signs them
/// in.
async fn sign_up_verify_attempt(
    State(state): State<AppState>,
    portal: Portal,
    body: Bytes,
) -> Response {
    let result = sign_up_code_step(&state, &portal, &form_fields(&body));
    portal.answer(&state, result)
}

/// The sign-up code's step: the user and their session.
fn sign_up_code_step(
    state: &AppState,
    portal: &Portal,
    fields: &HashMap<String, String>,
) -> Answer {
    let client_id = portal.checked_client(state, fields)?;
    let mut store = state.store();
    let Some((sign_up_id, email)) = waiting_sign_up(&store, &client_id) else {
        return Ok(see_other(&portal.link("/sign-up"), None));
    };
    let code = fields.get("code").filter(|v| !v.is_empty()).cloned();
    store
        .verify_sign_up(
            &client_id,
            &portal.identity.device(),
            &sign_up_id,
            code.as_deref(),
            state.multi_session,
        )
        .map_err(|err| {
            let csrf = Portal::csrf(state, &client_id);
            sign_up_verify_form(portal, &csrf, &email, Some(&err.long_message))
                .with_status(err.status)
        })?;
    let cookie = portal.identity.bind(state, &mut store, &client_id);
    Ok(portal.done(state, &store, &client_id, cookie))
}

/// `POST /sign-up/verify/resend`.
async fn sign_up_resend(State(state): State<AppState>, portal: Portal, body: Bytes) -> Response {
    let result = sign_up_resend_step(&state, &portal, &form_fields(&body));
    portal.answer(&state, result)
}

/// A new code for the sign-up in progress.
fn sign_up_resend_step(
    state: &AppState,
    portal: &Portal,
    fields: &HashMap<String, String>,
) -> Answer {
    let client_id = portal.checked_client(state, fields)?;
    let mut store = state.store();
    if let Some((sign_up_id, _)) = waiting_sign_up(&store, &client_id) {
        store
            .resend_sign_up_code(&client_id, &sign_up_id)
            .map_err(|e| error_page(e.status, "Sending failed", &e.long_message))?;
    }
    Ok(see_other(&portal.link("/sign-up/verify"), None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dev_browser_goes_into_the_query_before_the_fragment() {
        assert_eq!(
            with_dev_browser("http://a.test/p?x=1#frag", "dvb_1.t"),
            "http://a.test/p?x=1&__clerk_db_jwt=dvb_1.t#frag"
        );
        assert_eq!(
            with_dev_browser("http://a.test/?__clerk_db_jwt=old", "new"),
            "http://a.test/?__clerk_db_jwt=new"
        );
    }
}

//! The Frontend API handlers.

use std::collections::HashMap;

use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::api_error::ApiError;
use crate::ids::{new_id, now_ms, now_secs};
use crate::json::{self as render, COOKIE_MAX_AGE_SECS};
use crate::keys::{Purpose, Signer};
use crate::store::{SessionStatus, Store};
use crate::AppState;

/// Session tokens live 60 s, and `nbf` allows 10 s of clock skew, as Clerk's.
const TOKEN_TTL_SECS: i64 = 60;
const TOKEN_NBF_LEEWAY_SECS: i64 = 10;

const CLIENT_COOKIE: &str = "__client";

/// Query parameters that carry a dev-browser token (`__dev_session` is the
/// older name in Clerk's OpenAPI description).
const DEV_BROWSER_PARAMS: [&str; 2] = ["__clerk_db_jwt", "__dev_session"];

// --- identity -------------------------------------------------------------

/// How the request identifies its client.
enum Binding {
    /// `__client` cookie; `secure` when the request came over https.
    Cookie { secure: bool },
    /// A verified dev-browser id.
    DevBrowser(String),
}

/// The caller: how it is identified, and its client if it has one.
struct Identity {
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

fn identify(state: &AppState, headers: &HeaderMap, uri: &Uri) -> Result<Identity, ApiError> {
    if state.dev_browser {
        let dvb = dev_browser_id(state, uri).ok_or_else(ApiError::dev_browser_unauthenticated)?;
        let store = state.store();
        let client_id = store
            .dev_browsers
            .get(&dvb)
            .filter(|c| store.clients.contains_key(*c))
            .cloned();
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
    let Some(id) = state
        .keys
        .open(Purpose::ClientCookie, &raw)
        .filter(|id| id.starts_with("client_"))
    else {
        let mut err = ApiError::authentication_invalid(
            "The __client cookie could not be verified; it has been cleared, sign in again.",
        );
        err.clear_cookie = expired_cookie(secure);
        return Err(err);
    };
    let exists = state.store().clients.contains_key(&id);
    Ok(Identity {
        binding,
        client_id: exists.then_some(id),
        stale_cookie: !exists,
    })
}

impl Identity {
    /// The existing client, or 401 `signed_out`.
    fn require_client(&self) -> Result<String, ApiError> {
        self.client_id.clone().ok_or_else(|| {
            let mut err = ApiError::signed_out();
            if self.stale_cookie {
                err.clear_cookie = self.cookie_to_clear();
            }
            err
        })
    }

    fn cookie_to_clear(&self) -> Option<HeaderValue> {
        match self.binding {
            Binding::Cookie { secure } => expired_cookie(secure),
            Binding::DevBrowser(_) => None,
        }
    }

    fn uses_cookie(&self) -> bool {
        matches!(self.binding, Binding::Cookie { .. })
    }

    /// Makes `client_id` the caller's client: a cookie, or a dev-browser
    /// binding. Returns the Set-Cookie to send, if any.
    fn bind(&self, state: &AppState, store: &mut Store, client_id: &str) -> Option<HeaderValue> {
        match &self.binding {
            Binding::Cookie { secure } => cookie_header(
                &state.keys.seal(Purpose::ClientCookie, client_id),
                COOKIE_MAX_AGE_SECS,
                *secure,
            ),
            Binding::DevBrowser(dvb) => {
                store.dev_browsers.insert(dvb.clone(), client_id.to_owned());
                None
            }
        }
    }
}

// --- request bodies -------------------------------------------------------

/// Body parameters, from a form-urlencoded or JSON body.
struct Params(HashMap<String, Value>);

impl Params {
    fn parse(headers: &HeaderMap, body: &[u8]) -> Result<Self, ApiError> {
        let is_json = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            })
            .is_some_and(|mime| mime == "application/json" || mime.ends_with("+json"));
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(HashMap::new()));
        }
        if is_json {
            let value: Value = serde_json::from_slice(body).map_err(|e| {
                ApiError::malformed_body(format!("The JSON request body could not be parsed: {e}."))
            })?;
            return match value {
                Value::Object(map) => Ok(Self(map.into_iter().collect())),
                _ => Err(ApiError::malformed_body(
                    "The JSON request body must be an object.",
                )),
            };
        }
        if std::str::from_utf8(body).is_err() {
            return Err(ApiError::malformed_body(
                "The form-urlencoded request body is not valid UTF-8.",
            ));
        }
        let mut map = HashMap::new();
        for (k, v) in form_urlencoded::parse(body) {
            map.entry(k.into_owned())
                .or_insert_with(|| Value::String(v.into_owned()));
        }
        Ok(Self(map))
    }

    /// A string parameter; absent, null and "" all count as missing.
    fn string(&self, name: &str) -> Result<Option<String>, ApiError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(ApiError::param_invalid(
                name,
                format!("{name} must be a string."),
            )),
        }
    }
}

// --- responses ------------------------------------------------------------

fn envelope(response: Value, client: Value, set_cookie: Option<HeaderValue>) -> Response {
    let mut resp = Json(json!({"response": response, "client": client})).into_response();
    if let Some(cookie) = set_cookie {
        resp.headers_mut().append(header::SET_COOKIE, cookie);
    }
    resp
}

fn client_json(state: &AppState, store: &Store, client_id: &str, with_cookie: bool) -> Value {
    store
        .clients
        .get(client_id)
        .map(|c| render::client(store, c, &state.base_url, with_cookie))
        .unwrap_or(Value::Null)
}

/// Signs a session token for an active session and remembers it as the
/// session's `last_active_token`.
fn mint_token(
    state: &AppState,
    signer: &Signer,
    store: &mut Store,
    session_id: &str,
    azp: Option<&str>,
) -> Result<String, ApiError> {
    let session = store
        .session(session_id)
        .ok_or_else(|| ApiError::session_not_found(session_id))?;
    let iat = now_secs();
    let mut claims = json!({
        "iss": state.base_url,
        "sub": session.user_id,
        "sid": session.id,
        "iat": iat,
        "nbf": iat - TOKEN_NBF_LEEWAY_SECS,
        "exp": iat + TOKEN_TTL_SECS,
        "jti": new_id("jti"),
    });
    if let (Some(azp), Some(map)) = (azp, claims.as_object_mut()) {
        map.insert("azp".into(), Value::String(azp.to_owned()));
    }
    let jwt = signer
        .sign_jwt(&claims)
        .map_err(|e| ApiError::internal(format!("Signing the session token failed: {e}")))?;
    if let Some(session) = store.session_mut(session_id) {
        session.last_active_token = Some(jwt.clone());
    }
    Ok(jwt)
}

// --- handlers -------------------------------------------------------------

/// `GET /v1/health`.
pub(crate) async fn health() -> Json<Value> {
    Json(json!({"status": "healthy"}))
}

/// `GET /v1/environment`.
pub(crate) async fn environment(State(state): State<AppState>) -> Json<Value> {
    Json(render::environment(
        state.multi_session,
        state.dev_browser,
        &state.base_url,
    ))
}

/// `GET /.well-known/jwks.json`.
pub(crate) async fn jwks(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    Ok(Json(signer(&state).await?.jwks().clone()))
}

/// The RSA signer, waiting for its generation if it is still running.
async fn signer(state: &AppState) -> Result<&Signer, ApiError> {
    state
        .keys
        .signer()
        .await
        .map_err(|e| ApiError::internal(e.to_string()))
}

/// `POST /v1/dev_browser`.
pub(crate) async fn create_dev_browser(
    State(state): State<AppState>,
) -> Result<Json<Value>, ApiError> {
    if !state.dev_browser {
        return Err(ApiError::not_development_instance());
    }
    // As Clerk: the `id` is the token the browser sends back as
    // `__clerk_db_jwt` (clerk-js stores `data.id`).
    let token = state.keys.seal(Purpose::DevBrowser, &new_id("dvb"));
    Ok(Json(json!({"object": "dev_browser", "id": token})))
}

/// What every client-facing FAPI handler starts from: who is calling (the
/// identity check runs first, so a forged cookie or dev-browser token wins
/// over any other error) and the body parameters.
pub(crate) struct Call {
    identity: Identity,
    params: Params,
    /// The `Origin` header, which becomes the token's `azp`.
    origin: Option<String>,
}

impl FromRequest<AppState> for Call {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        let (parts, body) = request.into_parts();
        let identity = identify(state, &parts.headers, &parts.uri)?;
        // The front layer already enforced the body limit and buffered it.
        let body = axum::body::to_bytes(body, crate::BODY_LIMIT)
            .await
            .map_err(|_| ApiError::body_too_large(crate::BODY_LIMIT))?;
        let params = Params::parse(&parts.headers, &body)?;
        let origin = parts
            .headers
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty() && *v != "null")
            .map(str::to_owned);
        Ok(Self {
            identity,
            params,
            origin,
        })
    }
}

/// `GET /v1/client`: the current client, or nulls when there is none.
pub(crate) async fn get_client(State(state): State<AppState>, call: Call) -> Response {
    let identity = call.identity;
    let store = state.store();
    let client = match &identity.client_id {
        Some(id) => client_json(&state, &store, id, identity.uses_cookie()),
        None => Value::Null,
    };
    let clear = identity
        .stale_cookie
        .then(|| identity.cookie_to_clear())
        .flatten();
    envelope(client.clone(), client, clear)
}

/// `PUT`/`POST /v1/client`: a new, empty client for this browser.
pub(crate) async fn create_client(State(state): State<AppState>, call: Call) -> Response {
    let identity = call.identity;
    let mut store = state.store();
    let client_id = store.create_client();
    let cookie = identity.bind(&state, &mut store, &client_id);
    let client = client_json(&state, &store, &client_id, identity.uses_cookie());
    envelope(client.clone(), client, cookie)
}

/// `DELETE /v1/client`: ends every session and forgets the client.
pub(crate) async fn delete_client(
    State(state): State<AppState>,
    call: Call,
) -> Result<Response, ApiError> {
    let identity = call.identity;
    let Some(client_id) = identity.client_id.clone() else {
        let mut err = ApiError::client_not_found();
        if identity.stale_cookie {
            err.clear_cookie = identity.cookie_to_clear();
        }
        return Err(err);
    };
    let mut store = state.store();
    store.close_all(&client_id, SessionStatus::Ended);
    let snapshot = client_json(&state, &store, &client_id, false);
    store.drop_client(&client_id);
    Ok(envelope(snapshot, Value::Null, identity.cookie_to_clear()))
}

/// `DELETE /v1/client/sessions`: removes every session, keeps the client.
pub(crate) async fn remove_all_sessions(
    State(state): State<AppState>,
    call: Call,
) -> Result<Response, ApiError> {
    let client_id = call.identity.require_client()?;
    let mut store = state.store();
    store.close_all(&client_id, SessionStatus::Removed);
    let client = client_json(&state, &store, &client_id, call.identity.uses_cookie());
    Ok(envelope(client.clone(), client, None))
}

/// `POST /v1/client/sign_ins`: password sign-in, completed in one request.
pub(crate) async fn sign_in(
    State(state): State<AppState>,
    call: Call,
) -> Result<Response, ApiError> {
    let Call {
        identity,
        params,
        origin,
    } = call;
    let signer = signer(&state).await?;
    let strategy = params.string("strategy")?;
    let identifier = params.string("identifier")?;
    let password = params.string("password")?;
    let mut store = state.store();
    if let Some(client_id) = &identity.client_id {
        if !state.multi_session && store.has_active_session(client_id) {
            return Err(ApiError::session_exists());
        }
    }
    // clerk-js sends `strategy` only for some flows; a password implies it.
    if let Some(strategy) = strategy.as_deref().filter(|s| *s != "password") {
        return Err(ApiError::strategy_invalid(strategy));
    }
    let identifier = identifier.ok_or_else(|| ApiError::param_missing("identifier"))?;
    let password = password.ok_or_else(|| ApiError::param_missing("password"))?;
    let user = store
        .user_by_email(&identifier)
        .ok_or_else(ApiError::identifier_not_found)?
        .clone();
    if user.password != password {
        return Err(ApiError::password_incorrect());
    }
    // Multi-session: another account may join the client, the same one not.
    if let Some(client_id) = &identity.client_id {
        if store
            .client_sessions(client_id)
            .any(|s| s.user_id == user.id && s.status == SessionStatus::Active)
        {
            return Err(ApiError::identifier_already_signed_in());
        }
    }
    let (client_id, cookie) = match &identity.client_id {
        Some(id) => (id.clone(), None),
        None => {
            let id = store.create_client();
            let cookie = identity.bind(&state, &mut store, &id);
            (id, cookie)
        }
    };
    let session_id = store.create_session(&client_id, &user.id);
    mint_token(&state, signer, &mut store, &session_id, origin.as_deref())?;
    let user = store.user(&user.id).cloned().unwrap_or(user);
    let sign_in = render::sign_in_complete(&user, &session_id, &state.base_url);
    let client = client_json(&state, &store, &client_id, identity.uses_cookie());
    Ok(envelope(sign_in, client, cookie))
}

/// What a session route does, as a const parameter of [`session_route`].
pub(crate) type SessionAction = u8;
/// `GET /v1/client/sessions/{id}`.
pub(crate) const GET: SessionAction = 0;
/// `POST /v1/client/sessions/{id}/touch`: make it the last active session.
pub(crate) const TOUCH: SessionAction = 1;
/// `POST /v1/client/sessions/{id}/end`.
pub(crate) const END: SessionAction = 2;
/// `POST /v1/client/sessions/{id}/remove`.
pub(crate) const REMOVE: SessionAction = 3;

/// The id from the path; undecodable ids cannot name a session.
fn session_path(path: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    path.map(|Path(id)| id)
        .map_err(|_| ApiError::session_not_found("(undecodable id)"))
}

/// The session routes: `{response: Session, client: Client}`.
pub(crate) async fn session_route<const ACTION: SessionAction>(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    call: Call,
) -> Result<Response, ApiError> {
    let id = session_path(path)?;
    let identity = call.identity;
    let client_id = identity.require_client()?;
    let mut store = state.store();
    let session = store
        .session(&id)
        .filter(|s| s.client_id == client_id && s.status != SessionStatus::Removed)
        .ok_or_else(|| ApiError::session_not_found(&id))?;
    let status = session.status;
    match ACTION {
        TOUCH => {
            if status != SessionStatus::Active {
                return Err(ApiError::authentication_invalid(format!(
                    "Session {id} is {}; only an active session can be touched.",
                    status.as_str()
                )));
            }
            let now = now_ms();
            if let Some(s) = store.session_mut(&id) {
                s.last_active_at = now;
                s.updated_at = now;
            }
            if let Some(c) = store.clients.get_mut(&client_id) {
                c.last_active_session_id = Some(id.clone());
                c.updated_at = now;
            }
        }
        END if status == SessionStatus::Active => store.set_status(&id, SessionStatus::Ended),
        REMOVE => store.set_status(&id, SessionStatus::Removed),
        _ => {}
    }
    let session = store
        .session(&id)
        .map(|s| render::session(&store, s, &state.base_url))
        .unwrap_or(Value::Null);
    let client = client_json(&state, &store, &client_id, identity.uses_cookie());
    Ok(envelope(session, client, None))
}

/// `POST /v1/client/sessions/{id}/tokens`: a fresh session token.
pub(crate) async fn create_token(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    call: Call,
) -> Result<Response, ApiError> {
    let id = session_path(path)?;
    let client_id = call.identity.require_client()?;
    let signer = signer(&state).await?;
    let mut store = state.store();
    let session = store
        .session(&id)
        .filter(|s| s.client_id == client_id)
        .ok_or_else(|| ApiError::session_not_found(&id))?;
    if session.status != SessionStatus::Active {
        return Err(ApiError::authentication_invalid(format!(
            "Session {id} is {}; tokens are only issued for active sessions.",
            session.status.as_str()
        )));
    }
    let jwt = mint_token(&state, signer, &mut store, &id, call.origin.as_deref())?;
    Ok(Json(json!({"object": "token", "jwt": jwt})).into_response())
}

/// Unknown routes.
pub(crate) async fn not_found(method: axum::http::Method, uri: Uri) -> ApiError {
    ApiError::not_found_route(method.as_str(), uri.path())
}

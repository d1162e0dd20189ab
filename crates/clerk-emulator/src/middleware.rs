//! The layer in front of every route: the `Host` and `Origin` gates (DNS
//! rebinding, cross-site hooks and state changes), CORS, `_method`
//! override, the body limit and read timeout, injected faults, the
//! dev-browser gate, the request log and the guarantee that every FAPI
//! error body is Clerk-shaped.

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use http_body_util::{BodyExt, LengthLimitError, Limited};

use crate::api_error::ApiError;
use crate::fapi::identity::dev_browser_id;
use crate::request_log::LogEntry;
use crate::{AppState, BODY_LIMIT};

/// Methods announced in preflight answers.
const ALLOWED_METHODS: &str = "GET, POST, PUT, PATCH, DELETE";
/// Headers always allowed in preflight answers, besides the requested ones.
const ALLOWED_HEADERS: &str = "content-type, authorization";
const PREFLIGHT_MAX_AGE: &str = "600";

/// Wraps the routes in the front layer. The layer wraps the whole inner
/// router (as the fallback service of an outer one) so that it runs *before*
/// routing: `POST ?_method=DELETE` must be routed as a DELETE.
pub(crate) fn wrap(state: AppState, routes: Router) -> Router {
    Router::new()
        .fallback_service(routes)
        .layer(from_fn_with_state(state, front))
}

fn is_fapi(path: &str) -> bool {
    path == "/v1" || path.starts_with("/v1/")
}

/// The request's `Host` (or absolute-form authority) when it does not name
/// this server: `localhost`, a loopback address or the bound address (any
/// IP address with `--public`), with our port. A request with no `Host` at
/// all (no browser sends one) passes.
fn foreign_host(state: &AppState, request: &Request) -> Option<String> {
    let header = request
        .headers()
        .get(header::HOST)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let authority = request.uri().authority().map(|a| a.as_str().to_owned());
    [header, authority]
        .into_iter()
        .flatten()
        .find(|host| !names_this_server(state, host))
}

fn names_this_server(state: &AppState, host: &str) -> bool {
    let (name, port) = match host.rsplit_once(':') {
        Some((name, port)) if !port.contains(']') => (name, port.parse::<u16>().ok()),
        _ => (host, Some(80)),
    };
    if port != Some(state.addr.port()) {
        return false;
    }
    let name = name.trim_start_matches('[').trim_end_matches(']');
    if name.eq_ignore_ascii_case("localhost") {
        return true;
    }
    // An IP address cannot be rebound; with --public, peers use ours.
    name.parse::<IpAddr>()
        .is_ok_and(|ip| state.public || ip.is_loopback() || ip == state.addr.ip())
}

/// Methods that change nothing.
fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether `origin` is the emulator itself, as named by the request's
/// (already checked) Host: its own pages post from there.
pub(crate) fn is_own_origin(state: &AppState, headers: &HeaderMap, origin: &str) -> bool {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    match host {
        Some(host) => ["http://", "https://"]
            .iter()
            .any(|scheme| origin.strip_prefix(scheme) == Some(host)),
        None => origin == state.base_url,
    }
}

fn is_hook(path: &str) -> bool {
    path == "/__emulator" || path.starts_with("/__emulator/")
}

/// The request's `Origin` when there is one and it is not `allowed`.
fn foreign_origin(headers: &HeaderMap, allowed: Option<&HeaderValue>) -> Option<String> {
    let origin = headers.get(header::ORIGIN)?;
    if allowed.is_some() {
        return None;
    }
    Some(String::from_utf8_lossy(origin.as_bytes()).into_owned())
}

/// FAPI paths a development instance serves without a dev-browser token.
fn dev_browser_exempt(path: &str) -> bool {
    matches!(
        path,
        "/v1/dev_browser" | "/v1/environment" | "/v1/health" | "/v1/proxy-health"
    )
}

/// The request's `Origin` when it is one of the allowed origins.
fn allowed_origin(state: &AppState, headers: &HeaderMap) -> Option<HeaderValue> {
    let origin = headers.get(header::ORIGIN)?;
    let text = origin.to_str().ok()?;
    state
        .allowed_origins
        .iter()
        .any(|o| o == text)
        .then(|| origin.clone())
}

fn add_cors(headers: &mut HeaderMap, origin: Option<&HeaderValue>) {
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
    if let Some(origin) = origin {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
    }
}

/// The answer to a CORS preflight; without CORS headers when the origin is
/// not allowed, so the browser refuses the real request.
fn preflight(request_headers: &HeaderMap, origin: Option<&HeaderValue>) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let headers = response.headers_mut();
    add_cors(headers, origin);
    headers.append(
        header::VARY,
        HeaderValue::from_static("Access-Control-Request-Method, Access-Control-Request-Headers"),
    );
    if origin.is_some() {
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static(ALLOWED_METHODS),
        );
        // Echo what was asked for (only if it is a plain header list).
        let requested = request_headers
            .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
            .and_then(|v| v.to_str().ok())
            .filter(|v| {
                v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ',' | ' '))
            })
            .filter(|v| !v.trim().is_empty());
        let allow = match requested {
            Some(extra) => format!("{ALLOWED_HEADERS}, {}", extra.to_ascii_lowercase()),
            None => ALLOWED_HEADERS.to_owned(),
        };
        if let Ok(value) = HeaderValue::from_str(&allow) {
            headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, value);
        }
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static(PREFLIGHT_MAX_AGE),
        );
    }
    response
}

/// The method clerk-js means: `POST ?_method=DELETE|PATCH|PUT` overrides.
fn effective_method(method: &Method, query: Option<&str>) -> Method {
    if method != Method::POST {
        return method.clone();
    }
    let wanted = query.and_then(|q| {
        form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "_method")
            .map(|(_, v)| v.to_ascii_uppercase())
    });
    match wanted.as_deref() {
        Some("DELETE") => Method::DELETE,
        Some("PATCH") => Method::PATCH,
        Some("PUT") => Method::PUT,
        _ => Method::POST,
    }
}

/// A response that breaks off: the head and one byte of a chunked body, a
/// short pause so hyper flushes them, then an error that makes hyper abort the
/// connection. Breaking off after the first byte (rather than sending nothing)
/// matters: Chrome silently retries a request whose reused connection closes
/// before any response byte, which would hide the fault.
struct Abort {
    sent_first_byte: bool,
    pause: Pin<Box<tokio::time::Sleep>>,
}

impl Abort {
    fn new() -> Self {
        Self {
            sent_first_byte: false,
            pause: Box::pin(tokio::time::sleep(Duration::from_millis(50))),
        }
    }
}

impl axum::body::HttpBody for Abort {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        if !self.sent_first_byte {
            self.sent_first_byte = true;
            return Poll::Ready(Some(Ok(http_body::Frame::data(Bytes::from_static(b"{")))));
        }
        if self.pause.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "connection dropped by an injected fault",
        ))))
    }
}

/// Replaces a non-JSON FAPI error body (a rejection a handler did not map,
/// say) with Clerk's error shape, keeping the other headers (`Allow`,
/// `Set-Cookie`). Only for `/v1`: other paths answer for themselves.
fn clerk_shaped(response: Response, method: &Method, path: &str) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let mut replacement = ApiError::for_status(status, method.as_str(), path).into_response();
    for (name, value) in response.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            replacement
                .headers_mut()
                .append(name.clone(), value.clone());
        }
    }
    replacement
}

/// Reads the whole request body, at most [`BODY_LIMIT`] bytes.
async fn read_body(body: Body, declared: Option<u64>) -> Result<Bytes, ApiError> {
    if declared.is_some_and(|len| len > BODY_LIMIT as u64) {
        return Err(ApiError::body_too_large(BODY_LIMIT));
    }
    match Limited::new(body, BODY_LIMIT).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => {
            Err(ApiError::body_too_large(BODY_LIMIT))
        }
        Err(e) => Err(ApiError::malformed_body(format!(
            "The request body could not be read: {e}."
        ))),
    }
}

/// The layer in front of every route.
async fn front(State(state): State<AppState>, request: Request, next: Next) -> Response {
    // DNS rebinding: a page on a name that resolves to 127.0.0.1 reaches us
    // as same-origin, but its requests still carry that name.
    if let Some(host) = foreign_host(&state, &request) {
        return ApiError::host_invalid(&host).into_response();
    }
    let origin = allowed_origin(&state, request.headers());
    let path = request.uri().path().to_owned();
    let query = request.uri().query().unwrap_or("").to_owned();
    let fapi = is_fapi(&path);

    // The hooks need no credentials, so only the allowed origins' pages
    // (and clients that send no Origin, like curl) may use them.
    if is_hook(&path) {
        if let Some(foreign) = foreign_origin(request.headers(), origin.as_ref()) {
            return ApiError::origin_invalid(&foreign).into_response();
        }
    }

    if request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
    {
        let response = preflight(request.headers(), origin.as_ref());
        if fapi {
            state.hooks().record(LogEntry {
                method: Method::OPTIONS.to_string(),
                path,
                query,
                status: response.status().as_u16(),
                request_bytes: 0,
                response_bytes: 0,
                preflight: true,
                fault: None,
            });
        }
        return response;
    }

    // A page from another origin must not change state: on 127.0.0.1 every
    // port is the same site, so the cookie travels with its requests.
    let cross_site = (fapi && !is_safe(request.method()))
        .then(|| foreign_origin(request.headers(), origin.as_ref()))
        .flatten()
        .filter(|o| !is_own_origin(&state, request.headers(), o));
    let method = effective_method(request.method(), request.uri().query());
    let (mut parts, body) = request.into_parts();
    parts.method = method.clone();
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());

    let mut fault_kind = None;
    let request_bytes;
    let response = 'answer: {
        if let Some(foreign) = cross_site {
            request_bytes = 0;
            break 'answer ApiError::origin_invalid(&foreign).into_response();
        }
        let read = tokio::time::timeout(state.body_read_timeout, read_body(body, declared));
        let body = match read.await {
            Ok(Ok(bytes)) => bytes,
            Ok(Err(err)) => {
                request_bytes = declared.map_or(0, |d| usize::try_from(d).unwrap_or(usize::MAX));
                break 'answer err.into_response();
            }
            Err(_) => {
                request_bytes = 0;
                let mut response =
                    ApiError::request_timeout(state.body_read_timeout).into_response();
                // The rest of the body may still come: do not wait for it.
                response
                    .headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
                break 'answer response;
            }
        };
        request_bytes = body.len();

        if fapi {
            let fault = state.hooks().take_fault(method.as_str(), &path);
            if let Some(fault) = fault {
                fault_kind = Some(fault.kind());
                if let Some(ms) = fault.delay_ms {
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                }
                if fault.drop {
                    state.hooks().record(LogEntry {
                        method: method.to_string(),
                        path,
                        query,
                        status: 0,
                        request_bytes,
                        response_bytes: 0,
                        preflight: false,
                        fault: fault_kind,
                    });
                    return Response::new(Body::new(Abort::new()));
                }
                if let Some(status) = fault.status.and_then(|s| StatusCode::from_u16(s).ok()) {
                    break 'answer fault.answer(status);
                }
            }
            if state.dev_browser
                && !dev_browser_exempt(&path)
                && dev_browser_id(&state, &parts.uri).is_none()
            {
                break 'answer ApiError::dev_browser_unauthenticated().into_response();
            }
        }

        let request = Request::from_parts(parts, Body::from(body));
        let response = next.run(request).await;
        if fapi {
            clerk_shaped(response, &method, &path)
        } else {
            response
        }
    };

    let (mut head, body) = response.into_parts();
    let bytes = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        // Our own bodies are in memory; a failure here means a bug, answered
        // as a Clerk-shaped error rather than a broken connection.
        Err(_) => {
            let err = ApiError::internal("The response body could not be produced.");
            head.status = err.status;
            Bytes::from(err.body().to_string())
        }
    };
    // The hosted pages are for the browser's address bar, never for
    // another page's fetch (which could read their forms' tokens).
    let cors_origin = if crate::hosted::is_page(&path) {
        None
    } else {
        origin.as_ref()
    };
    add_cors(&mut head.headers, cors_origin);
    if fapi {
        head.headers
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        state.hooks().record(LogEntry {
            method: method.to_string(),
            path,
            query,
            status: head.status.as_u16(),
            request_bytes,
            response_bytes: bytes.len(),
            preflight: false,
            fault: fault_kind,
        });
    }
    Response::from_parts(head, Body::from(bytes))
}

//! The instance's signing keys: its JWKS, fetched over HTTP and cached.
//!
//! As `@clerk/backend` (`packages/backend/src/tokens/keys.ts`): keys are
//! looked up by `kid`, the set is refreshed after 5 minutes, and a `kid` the
//! cache does not know triggers a refetch (the instance may have rotated its
//! key, or the emulator restarted). Unlike it, we bound the refetches:
//! - concurrent requests share one fetch (the fetch lock);
//! - an unknown `kid` refetches at most once per cooldown (10 s by default),
//!   so a flood of made-up `kid`s costs the JWKS endpoint one request;
//! - after a failed fetch, the next one waits a second when there are no
//!   keys at all, and a cooldown when there are (they keep serving);
//! - a failed refresh keeps the last good keys (availability over freshness:
//!   Clerk rotates keys rarely, and only on request), and while one request
//!   refreshes a stale set the others use it: a hanging JWKS endpoint stalls
//!   no request that already has its key.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;

use crate::auth::{rsa_algorithm, AuthError};

/// Largest JWKS body read; Clerk's holds one or two keys (under 2 KB).
const MAX_JWKS_BYTES: usize = 256 * 1024;

/// How long a failed fetch keeps the next one from starting.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(1);

/// One verification key of the set.
pub(crate) struct Key {
    pub decoding: DecodingKey,
    /// The JWK's `alg`, when it names one: tokens must then use exactly it.
    pub alg: Option<Algorithm>,
}

/// The keys of one successful fetch.
#[derive(Clone)]
struct KeySet {
    keys: Arc<HashMap<String, Arc<Key>>>,
    fetched_at: Instant,
}

/// What the fetch lock protects: when fetches happened.
#[derive(Debug, Default, Clone)]
pub(crate) struct FetchLog {
    last_attempt: Option<Instant>,
    last_failed: bool,
    /// The last refetch caused by an unknown `kid`.
    last_miss_refetch: Option<Instant>,
}

/// Timings of the cache.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timing {
    /// A set older than this is refreshed.
    pub ttl: Duration,
    /// At most one unknown-`kid` refetch per this long.
    pub cooldown: Duration,
}

/// Why a fetch is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fetch {
    /// No keys yet.
    Cold,
    /// The keys are older than the TTL.
    Stale,
    /// The token's `kid` is not in a fresh set.
    UnknownKid,
}

/// Whether to fetch now, given what the cache holds (`Some((age, has_kid))`)
/// and when fetches happened. Pure, so the limits are tested without a clock.
pub(crate) fn should_fetch(
    cached: Option<(Duration, bool)>,
    log: &FetchLog,
    now: Instant,
    timing: Timing,
) -> Option<Fetch> {
    let since = |at: Option<Instant>| at.map(|at| now.saturating_duration_since(at));
    let backing_off = |wait: Duration| {
        log.last_failed && since(log.last_attempt).is_some_and(|elapsed| elapsed < wait)
    };
    match cached {
        None => (!backing_off(RETRY_AFTER_FAILURE)).then_some(Fetch::Cold),
        Some((age, _)) if age >= timing.ttl => {
            (!backing_off(timing.cooldown)).then_some(Fetch::Stale)
        }
        Some((_, true)) => None,
        Some((_, false)) => since(log.last_miss_refetch)
            .is_none_or(|elapsed| elapsed >= timing.cooldown)
            .then_some(Fetch::UnknownKid),
    }
}

/// The JWKS cache, shared by every request (cheap to clone).
#[derive(Clone)]
pub(crate) struct Jwks(Arc<Inner>);

struct Inner {
    url: String,
    http: reqwest::Client,
    timing: Timing,
    /// Read without waiting for a fetch in progress.
    keys: RwLock<Option<KeySet>>,
    /// Held for the whole fetch: one fetch at a time.
    fetch: tokio::sync::Mutex<FetchLog>,
}

impl Jwks {
    pub(crate) fn new(url: String, http: reqwest::Client, timing: Timing) -> Self {
        Self(Arc::new(Inner {
            url,
            http,
            timing,
            keys: RwLock::new(None),
            fetch: tokio::sync::Mutex::new(FetchLog::default()),
        }))
    }

    fn cached(&self) -> Option<KeySet> {
        self.0
            .keys
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The key for `kid`, fetching the set when the rules above say so.
    pub(crate) async fn key(&self, kid: &str) -> Result<Arc<Key>, AuthError> {
        let timing = self.0.timing;
        let cached = self.cached();
        let known = cached.as_ref().and_then(|set| set.keys.get(kid).cloned());
        let mut log = match (&cached, known) {
            (Some(set), Some(key)) if set.fetched_at.elapsed() < timing.ttl => return Ok(key),
            // Stale: one request refreshes, the others go on with the old key.
            (Some(_), Some(key)) => match self.0.fetch.try_lock() {
                Ok(log) => log,
                Err(_) => return Ok(key),
            },
            _ => self.0.fetch.lock().await,
        };
        // Look again: another request may have fetched while we waited.
        let now = Instant::now();
        let cached = self.cached();
        let view = cached.as_ref().map(|set| {
            (
                now.saturating_duration_since(set.fetched_at),
                set.keys.contains_key(kid),
            )
        });
        let cached = match should_fetch(view, &log, now, timing) {
            None => cached,
            Some(reason) => {
                let fetched = self.fetch().await;
                // Backoffs count from the end of the fetch (a timeout is long).
                let done = Instant::now();
                log.last_attempt = Some(done);
                log.last_failed = fetched.is_err();
                if reason == Fetch::UnknownKid {
                    log.last_miss_refetch = Some(done);
                }
                match fetched {
                    Ok(keys) => {
                        let set = KeySet {
                            keys: Arc::new(keys),
                            fetched_at: Instant::now(),
                        };
                        *self.0.keys.write().unwrap_or_else(PoisonError::into_inner) =
                            Some(set.clone());
                        Some(set)
                    }
                    Err(why) => {
                        eprintln!("demo-api: JWKS fetch from {} failed: {why}", self.0.url);
                        cached
                    }
                }
            }
        };
        drop(log);
        let set = cached.ok_or(AuthError::JwksUnavailable)?;
        set.keys.get(kid).cloned().ok_or(AuthError::UnknownKey)
    }

    /// GETs and parses the set; the error says why, for the log.
    async fn fetch(&self) -> Result<HashMap<String, Arc<Key>>, String> {
        let mut response = self
            .0
            .http
            .get(&self.0.url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("HTTP {status}"));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return Err(format!("the body is over {MAX_JWKS_BYTES} bytes"));
            }
            body.extend_from_slice(&chunk);
        }
        parse(&body)
    }
}

/// The fields of a JWK we use; anything else is ignored.
#[derive(Deserialize)]
struct Jwk {
    kty: String,
    kid: Option<String>,
    alg: Option<String>,
    #[serde(rename = "use")]
    use_: Option<String>,
    n: Option<String>,
    e: Option<String>,
}

/// The RSA signing keys of a JWKS document, by `kid`. Keys we cannot use
/// (another type, encryption keys, no `kid`, an algorithm Clerk does not
/// sign with) are skipped; a set with none left is an error.
pub(crate) fn parse(body: &[u8]) -> Result<HashMap<String, Arc<Key>>, String> {
    #[derive(Deserialize)]
    struct Set {
        keys: Vec<serde_json::Value>,
    }
    let set: Set = serde_json::from_slice(body).map_err(|e| format!("not a JWKS: {e}"))?;
    let mut keys = HashMap::new();
    for value in set.keys {
        let Ok(jwk) = serde_json::from_value::<Jwk>(value) else {
            continue;
        };
        let (Some(kid), Some(n), Some(e)) = (jwk.kid, jwk.n, jwk.e) else {
            continue;
        };
        if jwk.kty != "RSA" || jwk.use_.as_deref().is_some_and(|u| u != "sig") {
            continue;
        }
        let alg = match jwk.alg.as_deref() {
            None => None,
            Some(name) => match rsa_algorithm(name) {
                Some(alg) => Some(alg),
                None => continue,
            },
        };
        let Ok(decoding) = DecodingKey::from_rsa_components(&n, &e) else {
            continue;
        };
        keys.insert(kid, Arc::new(Key { decoding, alg }));
    }
    if keys.is_empty() {
        return Err("no RSA signing key in the set".into());
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TIMING: Timing = Timing {
        ttl: Duration::from_secs(300),
        cooldown: Duration::from_secs(10),
    };

    fn at(base: Instant, secs: u64) -> Instant {
        base + Duration::from_secs(secs)
    }

    #[test]
    fn a_cold_cache_fetches_unless_a_fetch_just_failed() {
        let t0 = Instant::now();
        assert_eq!(
            should_fetch(None, &FetchLog::default(), t0, TIMING),
            Some(Fetch::Cold)
        );
        let failed = FetchLog {
            last_attempt: Some(t0),
            last_failed: true,
            last_miss_refetch: None,
        };
        assert_eq!(should_fetch(None, &failed, t0, TIMING), None);
        assert_eq!(
            should_fetch(None, &failed, at(t0, 1), TIMING),
            Some(Fetch::Cold)
        );
    }

    #[test]
    fn a_fresh_set_with_the_kid_needs_nothing() {
        let log = FetchLog::default();
        let t0 = Instant::now();
        assert_eq!(
            should_fetch(Some((Duration::from_secs(299), true)), &log, t0, TIMING),
            None
        );
        assert_eq!(
            should_fetch(Some((Duration::from_secs(300), true)), &log, t0, TIMING),
            Some(Fetch::Stale)
        );
    }

    #[test]
    fn unknown_kids_refetch_once_per_cooldown() {
        let t0 = Instant::now();
        // Right after the first fetch, a new kid still refetches: that is a
        // restart or a rotation, and no miss has refetched yet.
        let mut log = FetchLog {
            last_attempt: Some(t0),
            last_failed: false,
            last_miss_refetch: None,
        };
        let miss = Some((Duration::ZERO, false));
        assert_eq!(
            should_fetch(miss, &log, t0, TIMING),
            Some(Fetch::UnknownKid)
        );
        log.last_miss_refetch = Some(t0);
        for secs in [0, 1, 9] {
            assert_eq!(
                should_fetch(miss, &log, at(t0, secs), TIMING),
                None,
                "{secs}s"
            );
        }
        assert_eq!(
            should_fetch(miss, &log, at(t0, 10), TIMING),
            Some(Fetch::UnknownKid)
        );
    }

    #[test]
    fn a_stale_set_refreshes_but_not_while_backing_off() {
        let t0 = Instant::now();
        let stale = Some((Duration::from_secs(301), false));
        let failed = FetchLog {
            last_attempt: Some(t0),
            last_failed: true,
            last_miss_refetch: None,
        };
        // The old keys keep serving, so the retry waits the cooldown.
        for secs in [0, 2, 9] {
            assert_eq!(
                should_fetch(stale, &failed, at(t0, secs), TIMING),
                None,
                "{secs}s"
            );
        }
        assert_eq!(
            should_fetch(stale, &failed, at(t0, 10), TIMING),
            Some(Fetch::Stale)
        );
    }

    // parse() only decodes the base64 of n and e; the maths is checked when
    // a signature is verified (the integration tests do that with real keys).
    const N: &str = "bW9kdWx1cw";
    const E: &str = "AQAB";

    #[test]
    fn usable_rsa_signing_keys_are_kept_by_kid() {
        let body = serde_json::json!({"keys": [
            {"kty": "RSA", "kid": "ins_1", "alg": "RS256", "use": "sig", "n": N, "e": E},
            {"kty": "RSA", "kid": "no-alg", "n": N, "e": E},
            {"kty": "RSA", "kid": "enc", "use": "enc", "n": N, "e": E},
            {"kty": "RSA", "kid": "oaep", "alg": "RSA-OAEP", "n": N, "e": E},
            {"kty": "EC", "kid": "ec", "crv": "P-256", "x": "x", "y": "y"},
            {"kty": "RSA", "n": N, "e": E},
            {"kty": "RSA", "kid": "no-n", "e": E},
            "not an object",
        ]});
        let keys = parse(body.to_string().as_bytes()).unwrap_or_default();
        let mut kids: Vec<_> = keys.keys().map(String::as_str).collect();
        kids.sort_unstable();
        assert_eq!(kids, ["ins_1", "no-alg"]);
        assert_eq!(
            keys.get("ins_1").and_then(|k| k.alg),
            Some(Algorithm::RS256)
        );
        assert_eq!(keys.get("no-alg").and_then(|k| k.alg), None);
    }

    #[test]
    fn a_set_without_usable_keys_is_an_error() {
        for body in [
            "",
            "null",
            "{}",
            "{\"keys\": []}",
            "{\"keys\": [{\"kty\": \"oct\", \"kid\": \"a\", \"k\": \"c2VjcmV0\"}]}",
            "<html>not json</html>",
        ] {
            assert!(parse(body.as_bytes()).is_err(), "{body:?}");
        }
    }
}

//! Identifiers and clock helpers.

use std::time::{SystemTime, UNIX_EPOCH};

use rand::distributions::Alphanumeric;
use rand::Rng;

/// A Clerk-looking id: `prefix_` followed by 27 base62 characters.
pub(crate) fn new_id(prefix: &str) -> String {
    let tail: String = rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(27)
        .map(char::from)
        .collect();
    format!("{prefix}_{tail}")
}

/// 32 random hex digits, like Clerk's `clerk_trace_id`.
pub(crate) fn trace_id() -> String {
    let bytes: [u8; 16] = rand::thread_rng().gen();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Milliseconds since the Unix epoch (FAPI timestamps are in ms).
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Seconds since the Unix epoch (JWT claims are in seconds).
pub(crate) fn now_secs() -> i64 {
    now_ms() / 1000
}

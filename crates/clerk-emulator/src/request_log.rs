//! The request log behind `GET /__emulator/requests`: a ring of the latest
//! FAPI requests, bounded by count and by bytes, with long fields cut and
//! secrets redacted, so neither a flood nor a huge query grows it and a
//! reader of the log learns no token.

use std::collections::VecDeque;

use serde::Serialize;

use crate::Limits;

/// Longest path, query or method kept, in bytes; longer ones are cut and
/// end with `…`.
const FIELD_MAX: usize = 2048;

/// What an entry costs besides its text fields (the struct and the heap
/// bookkeeping), so that many tiny entries also meet the byte budget.
const ENTRY_OVERHEAD: usize = 128;

/// Query parameters whose values are secrets (dev-browser tokens,
/// passwords, codes), by a part of their name...
const SECRET_PARTS: [&str; 7] = [
    "jwt", "token", "password", "secret", "code", "totp", "ticket",
];
/// ... and by their whole name.
const SECRET_NAMES: [&str; 3] = ["__dev_session", "__session", "__client"];

/// One FAPI request, as `GET /__emulator/requests` lists it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct LogEntry {
    /// The effective method (after `_method`).
    pub method: String,
    pub path: String,
    /// The query string as sent, "" when there is none, secrets redacted.
    pub query: String,
    /// 0 when the connection was dropped by a fault.
    pub status: u16,
    /// Body bytes received.
    pub request_bytes: usize,
    /// Body bytes sent.
    pub response_bytes: usize,
    pub preflight: bool,
    /// `"status"`, `"delay"` or `"drop"` when a fault applied.
    pub fault: Option<&'static str>,
}

impl LogEntry {
    fn cost(&self) -> usize {
        ENTRY_OVERHEAD + self.method.len() + self.path.len() + self.query.len()
    }
}

#[derive(Debug)]
pub(crate) struct RequestLog {
    entries: VecDeque<LogEntry>,
    /// The summed cost of `entries`.
    bytes: usize,
    max_entries: usize,
    max_bytes: usize,
}

impl RequestLog {
    pub fn new(limits: &Limits) -> Self {
        Self {
            entries: VecDeque::new(),
            bytes: 0,
            max_entries: limits.request_log_entries,
            max_bytes: limits.request_log_bytes,
        }
    }

    /// Appends an entry (redacted and cut), dropping the oldest ones while
    /// the log is over its count or byte budget.
    pub fn record(&mut self, mut entry: LogEntry) {
        entry.query = truncate(redact_query(&entry.query));
        entry.path = truncate(entry.path);
        entry.method = truncate(entry.method);
        self.bytes += entry.cost();
        self.entries.push_back(entry);
        while self.entries.len() > self.max_entries || self.bytes > self.max_bytes {
            match self.entries.pop_front() {
                Some(old) => self.bytes -= old.cost(),
                None => break,
            }
        }
    }

    /// The entries, oldest first.
    pub fn entries(&self) -> Vec<LogEntry> {
        self.entries.iter().cloned().collect()
    }

    pub fn clear(&mut self) {
        self.entries.clear();
        self.bytes = 0;
    }
}

/// `text` cut to [`FIELD_MAX`] bytes (on a character boundary) plus `…`,
/// in a new allocation: `String::truncate` would keep the long one.
fn truncate(text: String) -> String {
    if text.len() <= FIELD_MAX {
        return text;
    }
    let mut end = FIELD_MAX;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut cut = String::with_capacity(end + '…'.len_utf8());
    cut.push_str(&text[..end]);
    cut.push('…');
    cut
}

/// The query with every secret value replaced by `[redacted]`; the rest is
/// kept as sent.
fn redact_query(query: &str) -> String {
    let is_secret = |name: &str| {
        let name = name.to_ascii_lowercase();
        SECRET_PARTS.iter().any(|part| name.contains(part)) || SECRET_NAMES.contains(&name.as_str())
    };
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((raw_name, _)) => {
                let name: String = form_urlencoded::parse(raw_name.as_bytes())
                    .map(|(k, _)| k.into_owned())
                    .collect();
                if is_secret(&name) {
                    format!("{raw_name}=[redacted]")
                } else {
                    pair.to_owned()
                }
            }
            None => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_characters_whole() {
        let text = "é".repeat(FIELD_MAX);
        let cut = truncate(text);
        assert!(cut.len() <= FIELD_MAX + '…'.len_utf8());
        assert!(cut.ends_with('…'));
        assert_eq!(truncate("short".into()), "short");
    }

    #[test]
    fn a_cut_field_does_not_keep_its_long_allocation() {
        let cut = truncate("x".repeat(60_000));
        assert!(
            cut.capacity() < 2 * FIELD_MAX,
            "{} bytes kept",
            cut.capacity()
        );
    }

    #[test]
    fn redaction_matches_names_even_when_encoded() {
        assert_eq!(
            redact_query("%5F%5Fclerk_db_jwt=t&a=1&lone&Password=x"),
            "%5F%5Fclerk_db_jwt=[redacted]&a=1&lone&Password=[redacted]"
        );
    }
}

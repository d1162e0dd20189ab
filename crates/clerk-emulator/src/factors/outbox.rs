//! The outbox: every code the emulator "sends", kept for
//! `GET /__emulator/emails` (bounded, oldest dropped first, emptied by a
//! reset) and printed on the console, where `scripts/dev` users read it.

use std::collections::VecDeque;
use std::io::Write as _;

use serde::Serialize;

/// Messages kept; older ones are dropped first.
pub(crate) const OUTBOX_CAP: usize = 1000;

/// One message, as the hook lists it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Email {
    pub to: String,
    pub code: String,
    /// The sign-in the code is for, if it is for one.
    pub sign_in_id: Option<String>,
    /// The sign-up the code is for, if it is for one.
    pub sign_up_id: Option<String>,
    /// Milliseconds since the epoch, on the emulator's clock.
    pub sent_at: i64,
}

#[derive(Debug)]
pub(crate) struct Outbox {
    emails: VecDeque<Email>,
    /// Print each message on stdout.
    print: bool,
}

impl Outbox {
    pub fn new(print: bool) -> Self {
        Self {
            emails: VecDeque::new(),
            print,
        }
    }

    /// Records a message (dropping the oldest beyond the cap) and prints
    /// one line for it.
    pub fn send(&mut self, email: Email) {
        if self.print {
            let about = match (&email.sign_in_id, &email.sign_up_id) {
                (Some(id), _) => format!(" (sign-in {id})"),
                (None, Some(id)) => format!(" (sign-up {id})"),
                (None, None) => String::new(),
            };
            // Nobody to tell if stdout is gone; the hook still has it.
            let _ = writeln!(
                std::io::stdout().lock(),
                "clerk-emulator: e-mail code {} for {}{about}",
                email.code,
                email.to
            );
        }
        self.emails.push_back(email);
        while self.emails.len() > OUTBOX_CAP {
            self.emails.pop_front();
        }
    }

    /// The messages, oldest first; only those to `to` (any ASCII case)
    /// when given.
    pub fn list(&self, to: Option<&str>) -> Vec<Email> {
        self.emails
            .iter()
            .filter(|e| to.is_none_or(|to| e.to.eq_ignore_ascii_case(to.trim())))
            .cloned()
            .collect()
    }

    pub fn clear(&mut self) {
        self.emails.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(n: usize) -> Email {
        Email {
            to: format!("u{n}@example.com"),
            code: format!("{n:06}"),
            sign_in_id: None,
            sign_up_id: None,
            sent_at: 0,
        }
    }

    #[test]
    fn the_outbox_is_bounded_and_keeps_the_newest() {
        let mut outbox = Outbox::new(false);
        for n in 0..OUTBOX_CAP + 5 {
            outbox.send(email(n));
        }
        let list = outbox.list(None);
        assert_eq!(list.len(), OUTBOX_CAP);
        assert_eq!(list[0].to, "u5@example.com");
        assert_eq!(list[list.len() - 1].code, format!("{:06}", OUTBOX_CAP + 4));
        assert_eq!(outbox.list(Some("U7@EXAMPLE.COM")).len(), 1);
        outbox.clear();
        assert!(outbox.list(None).is_empty());
    }
}

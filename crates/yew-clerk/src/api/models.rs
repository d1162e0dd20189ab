//! Wire models: the few fields of Clerk's objects that the SDK uses. Unknown
//! fields are ignored, so Clerk can add fields without breaking us.

use serde::Deserialize;

/// Clerk's `{response, client}` envelope: every client-scoped answer carries the
/// current client, which replaces the one in the state.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) struct Envelope<T> {
    #[serde(default = "none")]
    pub response: Option<T>,
    #[serde(default)]
    pub client: Option<Client>,
}

// `#[serde(default)]` on a generic Option field would demand `T: Default`.
fn none<T>() -> Option<T> {
    None
}

/// A browser's Clerk client: its sessions and which one is in use.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct Client {
    /// `client_...`.
    pub id: String,
    /// Sessions of this client; signed-in ones are `Active` or `Pending`.
    #[serde(default)]
    pub sessions: Vec<Session>,
    /// The session the app acts as.
    #[serde(default)]
    pub last_active_session_id: Option<String>,
}

impl Client {
    /// The current session: the last active one, if it is still signed in.
    pub fn current_session(&self) -> Option<&Session> {
        let id = self.last_active_session_id.as_deref()?;
        self.sessions
            .iter()
            .find(|s| s.id == id && s.is_signed_in())
    }

    /// Sessions that are signed in (active or pending), as clerk-js's
    /// `signedInSessions`.
    pub fn signed_in_sessions(&self) -> impl Iterator<Item = &Session> {
        self.sessions.iter().filter(|s| s.is_signed_in())
    }
}

/// A session of a user on a client.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct Session {
    /// `sess_...`.
    pub id: String,
    /// Lifecycle status.
    pub status: SessionStatus,
    /// The signed-in user.
    #[serde(default)]
    pub user: Option<User>,
    /// Last activity, milliseconds since the epoch.
    #[serde(default)]
    pub last_active_at: Option<i64>,
    /// Expiry, milliseconds since the epoch.
    #[serde(default)]
    pub expire_at: Option<i64>,
}

impl Session {
    /// Active or pending: counts as signed in.
    pub fn is_signed_in(&self) -> bool {
        matches!(self.status, SessionStatus::Active | SessionStatus::Pending)
    }
}

/// A session's lifecycle status, as Clerk names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SessionStatus {
    /// Signed in.
    Active,
    /// Signed in, with a task left (e.g. choose an organization).
    Pending,
    /// Signed out.
    Ended,
    /// Expired.
    Expired,
    /// Removed from the client.
    Removed,
    /// Abandoned.
    Abandoned,
    /// Revoked by an administrator.
    Revoked,
    /// A status this SDK does not know; treated as signed out.
    #[serde(other)]
    Unknown,
}

/// A user, with the fields apps show.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct User {
    /// `user_...`.
    pub id: String,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Username, when the instance uses them.
    #[serde(default)]
    pub username: Option<String>,
    /// Avatar URL.
    #[serde(default)]
    pub image_url: Option<String>,
    /// Which of `email_addresses` is primary.
    #[serde(default)]
    pub primary_email_address_id: Option<String>,
    /// The user's email addresses.
    #[serde(default)]
    pub email_addresses: Vec<EmailAddress>,
}

impl User {
    /// The primary email address, or the first one.
    pub fn primary_email_address(&self) -> Option<&str> {
        let primary = self.primary_email_address_id.as_deref();
        self.email_addresses
            .iter()
            .find(|e| Some(e.id.as_str()) == primary)
            .or_else(|| self.email_addresses.first())
            .map(|e| e.email_address.as_str())
    }

    /// "First Last", or whichever of the two exists.
    pub fn full_name(&self) -> Option<String> {
        match (self.first_name.as_deref(), self.last_name.as_deref()) {
            (Some(first), Some(last)) => Some(format!("{first} {last}")),
            (Some(one), None) | (None, Some(one)) => Some(one.to_owned()),
            (None, None) => None,
        }
    }
}

/// One email address of a user.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct EmailAddress {
    /// `idn_...`.
    pub id: String,
    /// The address.
    pub email_address: String,
}

/// A sign-in attempt.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct SignIn {
    /// `sia_...`.
    pub id: String,
    /// `complete` when a session was created.
    pub status: String,
    /// The session a complete sign-in created.
    #[serde(default)]
    pub created_session_id: Option<String>,
}

/// `POST /v1/dev_browser`.
#[derive(Debug, Deserialize)]
pub(crate) struct DevBrowser {
    pub token: String,
}

/// `POST /v1/client/sessions/{id}/tokens`.
#[derive(Debug, Deserialize)]
pub(crate) struct SessionToken {
    pub jwt: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    // Shaped like the OpenAPI's `Client.ClientWrappedClient`, with fields the SDK
    // ignores, to prove they do not break decoding.
    const CLIENT: &str = r#"{
      "response": {
        "object": "client", "id": "client_1", "sign_in": null, "sign_up": null,
        "last_active_session_id": "sess_b", "cookie_expires_at": null,
        "captcha_bypass": false, "created_at": 1700690400000, "updated_at": 1700690400000,
        "sessions": [
          {"object": "session", "id": "sess_a", "status": "active", "expire_at": 1, "abandon_at": 2,
           "last_active_at": 3, "last_active_token": null, "actor": null, "tasks": null,
           "last_active_organization_id": null, "public_user_data": {"identifier": "ada@example.com"},
           "factor_verification_age": [0, -1], "created_at": 1, "updated_at": 1,
           "user": {"object": "user", "id": "user_a", "first_name": "Ada", "last_name": "Lovelace",
             "primary_email_address_id": "idn_2", "public_metadata": {}, "banned": false,
             "email_addresses": [
               {"object": "email_address", "id": "idn_1", "email_address": "old@example.com", "verification": null},
               {"object": "email_address", "id": "idn_2", "email_address": "ada@example.com", "verification": null}
             ]}},
          {"object": "session", "id": "sess_b", "status": "active", "expire_at": 1, "abandon_at": 2,
           "last_active_at": 4, "user": {"id": "user_d", "first_name": "Demo", "email_addresses": []}},
          {"object": "session", "id": "sess_c", "status": "ended", "expire_at": 1, "abandon_at": 2, "last_active_at": 1},
          {"object": "session", "id": "sess_d", "status": "some_future_status", "expire_at": 1, "abandon_at": 2, "last_active_at": 1}
        ]
      },
      "client": null
    }"#;

    #[test]
    fn decodes_a_spec_shaped_client() {
        let envelope: Envelope<Client> = serde_json::from_str(CLIENT).unwrap();
        assert!(envelope.client.is_none());
        let client = envelope.response.unwrap();
        assert_eq!(client.id, "client_1");
        assert_eq!(client.sessions.len(), 4);
        assert_eq!(client.sessions[3].status, SessionStatus::Unknown);
        assert_eq!(
            client.current_session().map(|s| s.id.as_str()),
            Some("sess_b")
        );
        let ids: Vec<_> = client.signed_in_sessions().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["sess_a", "sess_b"]);

        let ada = client.sessions[0].user.as_ref().unwrap();
        assert_eq!(ada.primary_email_address(), Some("ada@example.com"));
        assert_eq!(ada.full_name().as_deref(), Some("Ada Lovelace"));
        let demo = client.sessions[1].user.as_ref().unwrap();
        assert_eq!(demo.primary_email_address(), None);
        assert_eq!(demo.full_name().as_deref(), Some("Demo"));
    }

    #[test]
    fn current_session_must_be_signed_in() {
        let client: Client = serde_json::from_str(
            r#"{"id": "client_1", "last_active_session_id": "sess_c",
                "sessions": [{"id": "sess_c", "status": "ended"}]}"#,
        )
        .unwrap();
        assert!(client.current_session().is_none());
    }

    #[test]
    fn null_client_envelope() {
        let envelope: Envelope<Client> =
            serde_json::from_str(r#"{"response": null, "client": null}"#).unwrap();
        assert!(envelope.response.is_none() && envelope.client.is_none());
        let empty: Envelope<Client> = serde_json::from_str("{}").unwrap();
        assert!(empty.response.is_none());
    }

    #[test]
    fn decodes_sign_in_and_token() {
        let envelope: Envelope<SignIn> = serde_json::from_str(
            r#"{"response": {"object": "sign_in", "id": "sia_1", "status": "complete",
                "created_session_id": "sess_1", "supported_identifiers": ["email_address"],
                "identifier": "demo@example.com", "user_data": {}, "abandon_at": 1},
               "client": {"object": "client", "id": "client_1", "sessions": [],
                "last_active_session_id": "sess_1"}}"#,
        )
        .unwrap();
        let sign_in = envelope.response.unwrap();
        assert_eq!(
            (
                sign_in.status.as_str(),
                sign_in.created_session_id.as_deref()
            ),
            ("complete", Some("sess_1"))
        );
        assert_eq!(
            envelope.client.unwrap().last_active_session_id.as_deref(),
            Some("sess_1")
        );
        let token: SessionToken =
            serde_json::from_str(r#"{"object": "token", "jwt": "a.b.c"}"#).unwrap();
        assert_eq!(token.jwt, "a.b.c");
    }
}

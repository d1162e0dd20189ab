//! Wire models: the fields of Clerk's objects that the SDK uses, decoded with
//! serde. Unknown fields are ignored (never `deny_unknown_fields`: Clerk adds
//! fields), so they cannot break us; a known field of the wrong type is an
//! error. The public models also serialize, so apps can store or send them.

use serde::{Deserialize, Serialize};

use crate::sign_in::{SecondFactor, SignInStatus, Verification};

/// Clerk's `{response, client}` envelope: every client-scoped answer carries the
/// current client, which replaces the one in the state.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub(crate) struct Envelope<T> {
    #[serde(default = "none")]
    pub response: Option<T>,
    pub client: Option<Client>,
}

// `#[serde(default)]` on a generic field would demand `T: Default`.
fn none<T>() -> Option<T> {
    None
}

/// Any value, unread: for answers whose `response` the SDK does not use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ignored;

impl<'de> Deserialize<'de> for Ignored {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(deserializer).map(|_| Ignored)
    }
}

/// A session token (`POST /v1/client/sessions/{id}/tokens`, and each
/// session's `last_active_token`).
#[derive(Clone, PartialEq, Eq, Deserialize)]
pub(crate) struct Token {
    pub jwt: String,
}

// A token is a credential: it never reaches a log.
impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token([redacted])")
    }
}

/// A dev-browser (`POST /v1/dev_browser`): clerk-js stores its `id` as the
/// token.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub(crate) struct DevBrowser {
    pub id: String,
}

/// A browser's Clerk client: its sessions and which one is in use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Client {
    /// `client_...`.
    pub id: String,
    /// Sessions of this client; signed-in ones are `Active` or `Pending`.
    #[serde(default)]
    pub sessions: Vec<Session>,
    /// The session the app acts as.
    pub last_active_session_id: Option<String>,
    /// The sign-in attempt in progress (or the last one), kept by Clerk, so
    /// a page reloaded half-way through a sign-in resumes from it.
    pub sign_in: Option<SignIn>,
    /// Last change, milliseconds since the epoch (`__client_uat`).
    pub updated_at: Option<i64>,
}

impl Client {
    /// The current session: the last active one, if it is still signed in
    /// (active or pending). Without a `last_active_session_id`, the first
    /// active session, as clerk-js's `#defaultSession` picks it.
    pub fn current_session(&self) -> Option<&Session> {
        match self.last_active_session_id.as_deref() {
            Some(id) => self
                .sessions
                .iter()
                .find(|s| s.id == id && s.is_signed_in()),
            None => self
                .sessions
                .iter()
                .find(|s| s.status == SessionStatus::Active),
        }
    }

    /// Sessions that are signed in (active or pending), as clerk-js's
    /// `signedInSessions`.
    pub fn signed_in_sessions(&self) -> impl Iterator<Item = &Session> {
        self.sessions.iter().filter(|s| s.is_signed_in())
    }
}

/// A session of a user on a client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Session {
    /// `sess_...`.
    pub id: String,
    /// Lifecycle status.
    pub status: SessionStatus,
    /// The signed-in user.
    pub user: Option<User>,
    /// Last activity, milliseconds since the epoch.
    pub last_active_at: Option<i64>,
    /// Expiry, milliseconds since the epoch.
    pub expire_at: Option<i64>,
    /// The session's newest token. The provider moves it into its token
    /// cache before the state sees the client, and it is never serialized.
    #[serde(default, skip_serializing)]
    pub(crate) last_active_token: Option<Token>,
    /// What a pending session must still do (Clerk answers `null` for none).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub tasks: Vec<SessionTask>,
}

impl Session {
    /// Active or pending: holds a sign-in (clerk-js's `signedInSessions`).
    /// Whether a pending one counts as signed in for the app is the
    /// provider's `treat_pending_as_signed_out`.
    pub fn is_signed_in(&self) -> bool {
        matches!(self.status, SessionStatus::Active | SessionStatus::Pending)
    }

    /// Signed in, with tasks left.
    pub fn is_pending(&self) -> bool {
        self.status == SessionStatus::Pending
    }
}

/// A task a pending session must finish, e.g. `choose-organization`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SessionTask {
    /// The task's key, as Clerk names it (`choose-organization`,
    /// `reset-password`, ...).
    pub key: String,
}

fn null_as_empty<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<Vec<T>>::deserialize(deserializer).map(Option::unwrap_or_default)
}

/// The parts of the instance's environment (`GET /v1/environment`) the SDK
/// uses: where its hosted pages (the Account Portal) live.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub(crate) struct Environment {
    pub display_config: DisplayConfig,
}

/// `display_config` of the environment.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub(crate) struct DisplayConfig {
    pub sign_in_url: String,
    pub sign_up_url: String,
}

/// A session's lifecycle status, as Clerk names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct User {
    /// `user_...`.
    pub id: String,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Username, when the instance uses them.
    pub username: Option<String>,
    /// Avatar URL.
    pub image_url: Option<String>,
    /// Which of `email_addresses` is primary.
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EmailAddress {
    /// `idn_...`.
    pub id: String,
    /// The address.
    pub email_address: String,
}

/// A sign-in attempt (clerk-js's `SignIn`); [`next_step`](crate::next_step)
/// says what it needs next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SignIn {
    /// `sia_...`.
    pub id: String,
    /// Where the attempt is.
    pub status: SignInStatus,
    /// The second factors on offer; `None` (Clerk's `null`) when none is
    /// needed. [`SignIn::second_factors`] reads it as a slice.
    pub supported_second_factors: Option<Vec<SecondFactor>>,
    /// The second factor's verification in progress.
    pub second_factor_verification: Option<Verification>,
    /// The session a complete sign-in created.
    pub created_session_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    // Through the one seam, so the browser runs these against what ships.
    fn decode<T: serde::de::DeserializeOwned>(text: &str) -> T {
        try_decode(text).unwrap()
    }

    fn try_decode<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, crate::ClerkError> {
        crate::api::request::decode(200, text)
    }

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

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn decodes_a_spec_shaped_client() {
        let envelope: Envelope<Client> = decode(CLIENT);
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

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn current_session_must_be_signed_in() {
        let client: Client = decode(
            r#"{"id": "client_1", "last_active_session_id": "sess_c",
                "sessions": [{"id": "sess_c", "status": "ended"}]}"#,
        );
        assert!(client.current_session().is_none());
    }

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn without_last_active_session_the_first_active_one_is_current() {
        let client: Client = decode(
            r#"{"id": "client_1", "last_active_session_id": null, "sessions": [
                {"id": "sess_a", "status": "ended", "tasks": null},
                {"id": "sess_p", "status": "pending", "tasks": [{"key": "choose-organization"}]},
                {"id": "sess_b", "status": "active", "tasks": null},
                {"id": "sess_c", "status": "active", "tasks": null}]}"#,
        );
        assert_eq!(
            client.current_session().map(|s| s.id.as_str()),
            Some("sess_b")
        );
        assert_eq!(client.sessions[1].tasks[0].key, "choose-organization");
        assert!(client.sessions[1].is_pending() && client.sessions[1].is_signed_in());
        assert!(client.sessions[2].tasks.is_empty());
        let none: Client = decode(
            r#"{"id": "client_1", "last_active_session_id": null,
                "sessions": [{"id": "sess_a", "status": "ended"}]}"#,
        );
        assert!(none.current_session().is_none());
    }

    // Shaped like the emulator's and Clerk's `Client.Environment`, most
    // fields left out.
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn decodes_the_environment_s_hosted_pages() {
        let environment: Environment = decode(
            r#"{"object": "environment", "id": "env_1",
                "auth_config": {"object": "auth_config", "single_session_mode": true},
                "display_config": {"object": "display_config", "id": "display_config_1",
                  "application_name": "Clerk emulator", "home_url": "http://127.0.0.1:8787",
                  "sign_in_url": "https://foo-bar-13.accounts.dev/sign-in",
                  "sign_up_url": "https://foo-bar-13.accounts.dev/sign-up",
                  "after_sign_in_url": "", "captcha_provider": null},
                "maintenance_mode": false}"#,
        );
        assert_eq!(
            environment.display_config.sign_in_url,
            "https://foo-bar-13.accounts.dev/sign-in"
        );
        assert_eq!(
            environment.display_config.sign_up_url,
            "https://foo-bar-13.accounts.dev/sign-up"
        );
        assert!(try_decode::<Environment>(r#"{"display_config": {"sign_in_url": 1}}"#).is_err());
    }

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn null_client_envelope() {
        let envelope: Envelope<Client> = decode(r#"{"response": null, "client": null}"#);
        assert!(envelope.response.is_none() && envelope.client.is_none());
        let empty: Envelope<Client> = decode("{}");
        assert!(empty.response.is_none());
    }

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn decodes_sign_in_and_token() {
        let envelope: Envelope<SignIn> = decode(
            r#"{"response": {"object": "sign_in", "id": "sia_1", "status": "complete",
                "created_session_id": "sess_1", "supported_identifiers": ["email_address"],
                "identifier": "demo@example.com", "user_data": {}, "abandon_at": 1},
               "client": {"object": "client", "id": "client_1", "sessions": [],
                "last_active_session_id": "sess_1"}}"#,
        );
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
    }

    // The client carries the attempt in progress; its enums keep unknown
    // values (here through serde-wasm-bindgen too).
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn decodes_a_client_with_a_sign_in_in_progress() {
        use crate::sign_in::{Strategy, VerificationStatus};
        let envelope: Envelope<Client> = decode(
            r#"{"response": {"id": "client_1", "sessions": [], "last_active_session_id": null,
                "sign_in": {"object": "sign_in_attempt", "id": "sia_1", "status": "needs_client_trust",
                  "supported_second_factors": [{"strategy": "email_code", "safe_identifier": "demo@example.com",
                    "email_address_id": "idn_1", "primary": true}, {"strategy": "passkey"}],
                  "second_factor_verification": {"object": "verification_otp", "status": "some_new_status",
                    "strategy": "email_code", "attempts": 0, "expire_at": 1700000600000},
                  "created_session_id": null, "abandon_at": 1}}}"#,
        );
        let sign_in = envelope.response.unwrap().sign_in.unwrap();
        assert_eq!(sign_in.status, SignInStatus::NeedsClientTrust);
        let strategies: Vec<_> = sign_in
            .second_factors()
            .iter()
            .map(|f| &f.strategy)
            .collect();
        assert_eq!(
            strategies,
            [&Strategy::EmailCode, &Strategy::Other("passkey".into())]
        );
        let verification = sign_in.second_factor_verification.unwrap();
        assert_eq!(
            verification.status,
            VerificationStatus::Other("some_new_status".into())
        );
        assert_eq!(verification.expire_at, Some(1_700_000_600_000));
    }

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn wrong_types_and_missing_fields_are_errors() {
        for bad in [
            r#"{"response": {"id": 5}}"#,
            r#"{"response": {"sessions": []}}"#,
            r#"{"response": {"id": "c", "sessions": {}}}"#,
            r#"{"response": {"id": "c", "sessions": [{"id": "s", "status": "active", "expire_at": 1.5}]}}"#,
            r#"{"response": {"id": "c", "sessions": [{"id": "s", "status": 3}]}}"#,
            "[]",
        ] {
            assert!(try_decode::<Envelope<Client>>(bad).is_err(), "{bad}");
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn models_round_trip_through_serde() {
        let envelope: Envelope<Client> = decode(CLIENT);
        let client = envelope.response.unwrap();
        let text = serde_json::to_string(&client).unwrap();
        let again: Client = decode(&text);
        assert_eq!(again, client);
        assert_eq!(
            serde_json::to_string(&SessionStatus::Pending).unwrap(),
            r#""pending""#
        );
    }

    #[cfg_attr(not(target_arch = "wasm32"), test)]
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    fn ignored_takes_any_value() {
        for text in ["null", "1", r#"{"a": [1, {"b": null}]}"#, r#""s""#, "[]"] {
            let envelope: Envelope<Ignored> = decode(&format!(r#"{{"response": {text}}}"#));
            assert!(envelope.client.is_none());
        }
    }
}

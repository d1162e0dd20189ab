//! FAPI resource JSON, following the `Client.*` schemas of Clerk's OpenAPI
//! description (every field those schemas mark required is present).

use serde_json::{json, Value};

use crate::factors::{Strategy, Verification};
use crate::store::{
    ClientRec, SessionRec, SessionStatus, SignInRec, SignUpRec, Store, UserRec, MIN_PASSWORD_LENGTH,
};

/// Cookie lifetime (one year); `cookie_expires_at` is the client's creation,
/// when the cookie is set, plus this.
pub(crate) const COOKIE_MAX_AGE_SECS: i64 = 365 * 24 * 3600;

pub(crate) fn email_address(user: &UserRec) -> Value {
    json!({
        "object": "email_address",
        "id": user.email_id,
        "email_address": user.email,
        "reserved": false,
        "verification": {
            "object": "verification_admin",
            "status": "verified",
            "strategy": "admin",
            "attempts": null,
            "expire_at": null,
        },
        "linked_to": [],
        "matches_sso_connection": false,
        "created_at": user.created_at,
        "updated_at": user.created_at,
    })
}

pub(crate) fn user(user: &UserRec, base_url: &str) -> Value {
    let image = avatar_url(user, base_url);
    let totp = user.totp_secret.is_some();
    json!({
        "id": user.id,
        "object": "user",
        "username": null,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "image_url": image,
        "profile_image_url": image,
        "has_image": false,
        "primary_email_address_id": user.email_id,
        "primary_phone_number_id": null,
        "primary_web3_wallet_id": null,
        "password_enabled": true,
        "two_factor_enabled": totp,
        "totp_enabled": totp,
        "backup_code_enabled": false,
        "email_addresses": [email_address(user)],
        "phone_numbers": [],
        "web3_wallets": [],
        "passkeys": [],
        "organization_memberships": [],
        "external_accounts": [],
        "saml_accounts": [],
        "enterprise_accounts": [],
        "password_last_updated_at": null,
        "public_metadata": {},
        "unsafe_metadata": {},
        "external_id": null,
        "last_sign_in_at": user.last_sign_in_at,
        "banned": false,
        "locked": false,
        "lockout_expires_in_seconds": null,
        "verification_attempts_remaining": null,
        "created_at": user.created_at,
        "updated_at": user.created_at,
        "delete_self_enabled": false,
        "create_organization_enabled": false,
        "last_active_at": user.last_sign_in_at,
        "mfa_enabled_at": if totp { json!(user.created_at) } else { Value::Null },
        "mfa_disabled_at": null,
        "legal_accepted_at": null,
    })
}

/// An address on the emulator, so nothing is fetched from the Internet.
fn avatar_url(user: &UserRec, base_url: &str) -> String {
    format!("{base_url}/__emulator/avatar/{}.svg", user.id)
}

pub(crate) fn public_user_data(user: &UserRec, base_url: &str) -> Value {
    let image = avatar_url(user, base_url);
    json!({
        "first_name": user.first_name,
        "last_name": user.last_name,
        "image_url": image,
        "profile_image_url": image,
        "has_image": false,
        "identifier": user.email,
        "user_id": user.id,
    })
}

pub(crate) fn session(store: &Store, s: &SessionRec, base_url: &str) -> Value {
    let user_rec = store.user(&s.user_id);
    let token = match (&s.last_active_token, s.status) {
        (Some(token), status) if status.is_live() => {
            json!({"object": "token", "jwt": token.jwt})
        }
        _ => Value::Null,
    };
    let tasks = match s.status {
        SessionStatus::Pending => s.tasks.iter().map(|key| json!({"key": key})).collect(),
        _ => Value::Null,
    };
    json!({
        "object": "session",
        "id": s.id,
        "status": s.status.as_str(),
        "expire_at": s.expire_at,
        "abandon_at": s.abandon_at,
        "last_active_at": s.last_active_at,
        "last_active_token": token,
        "last_active_organization_id": null,
        "actor": null,
        "tasks": tasks,
        "user": user_rec.map(|u| user(u, base_url)).unwrap_or(Value::Null),
        "public_user_data": user_rec.map(|u| public_user_data(u, base_url)).unwrap_or(Value::Null),
        "factor_verification_age": store.factor_age(s),
        "created_at": s.created_at,
        "updated_at": s.updated_at,
    })
}

pub(crate) fn client(store: &Store, c: &ClientRec, base_url: &str, with_cookie: bool) -> Value {
    let sessions: Vec<Value> = store
        .sessions_of(c)
        .map(|s| session(store, s, base_url))
        .collect();
    let cookie_expires_at = if with_cookie {
        json!(c.created_at + COOKIE_MAX_AGE_SECS * 1000)
    } else {
        Value::Null
    };
    let sign_in = store
        .current_sign_in(&c.id)
        .map(|s| sign_in(store, s, base_url))
        .unwrap_or(Value::Null);
    let sign_up = store
        .current_sign_up(&c.id)
        .map(|s| sign_up(s, store.now()))
        .unwrap_or(Value::Null);
    json!({
        "object": "client",
        "id": c.id,
        "sessions": sessions,
        "sign_in": sign_in,
        "sign_up": sign_up,
        "last_active_session_id": c.last_active_session_id,
        "cookie_expires_at": cookie_expires_at,
        "captcha_bypass": false,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    })
}

/// A second factor the attempt offers (`supported_second_factors`).
fn second_factor(strategy: Strategy, user: &UserRec) -> Value {
    match strategy {
        Strategy::EmailCode => json!({
            "strategy": "email_code",
            "safe_identifier": user.email,
            "email_address_id": user.email_id,
            "primary": true,
        }),
        Strategy::Totp => json!({"strategy": "totp"}),
    }
}

/// `second_factor_verification`: `verification_otp` for e-mail codes,
/// `verification_totp` for authenticator apps.
fn verification(v: &Verification, now: i64) -> Value {
    let object = match v.strategy {
        Strategy::EmailCode => "verification_otp",
        Strategy::Totp => "verification_totp",
    };
    json!({
        "object": object,
        "status": v.status(now).as_str(),
        "strategy": v.strategy.as_str(),
        "attempts": v.attempts,
        "expire_at": v.expire_at,
    })
}

/// A sign-in attempt (`Client.SignIn`).
pub(crate) fn sign_in(store: &Store, s: &SignInRec, base_url: &str) -> Value {
    let now = store.now();
    let Some(user) = store.user(&s.user_id) else {
        return Value::Null;
    };
    let image = avatar_url(user, base_url);
    let second_factors = if s.second_factors.is_empty() {
        Value::Null
    } else {
        s.second_factors
            .iter()
            .map(|f| second_factor(*f, user))
            .collect()
    };
    json!({
        "object": "sign_in_attempt",
        "id": s.id,
        "status": s.status_str(now),
        "supported_identifiers": ["email_address"],
        "supported_first_factors": [],
        "supported_second_factors": second_factors,
        "first_factor_verification": {
            "object": "verification_password",
            "status": "verified",
            "strategy": "password",
            "attempts": 1,
            "expire_at": null,
        },
        "second_factor_verification": s.second_factor.as_ref().map(|v| verification(v, now)),
        "identifier": user.email,
        "user_data": {
            "first_name": user.first_name,
            "last_name": user.last_name,
            "image_url": image,
            "profile_image_url": image,
            "has_image": false,
        },
        "created_session_id": s.created_session_id,
        "abandon_at": s.abandon_at,
        "locale": null,
    })
}

/// A sign-up attempt (`Client.SignUp`), as the hosted sign-up page makes
/// it: e-mail address and password, the address verified by a code.
pub(crate) fn sign_up(s: &SignUpRec, now: i64) -> Value {
    let status = if s.is_complete() {
        "complete"
    } else if s.is_abandoned(now) {
        "abandoned"
    } else {
        "missing_requirements"
    };
    let verified = s.verification.status(now) == crate::factors::VerificationStatus::Verified;
    let next_action = if verified { "" } else { "needs_attempt" };
    json!({
        "object": "sign_up_attempt",
        "id": s.id,
        "status": status,
        "required_fields": ["email_address", "password"],
        "optional_fields": ["first_name", "last_name"],
        "missing_fields": [],
        "unverified_fields": if verified { vec![] } else { vec!["email_address"] },
        "verifications": {
            "email_address": {
                "status": s.verification.status(now).as_str(),
                "strategy": "email_code",
                "attempts": s.verification.attempts,
                "expire_at": s.verification.expire_at,
                "next_action": next_action,
                "supported_strategies": ["email_code"],
            },
            "phone_number": null,
            "web3_wallet": null,
            "external_account": null,
        },
        "username": null,
        "email_address": s.email,
        "phone_number": null,
        "web3_wallet": null,
        "password_enabled": true,
        "first_name": s.first_name,
        "last_name": s.last_name,
        "unsafe_metadata": {},
        "public_metadata": {},
        "custom_action": false,
        "external_id": null,
        "created_session_id": s.created_session_id,
        "created_user_id": s.created_user_id,
        "abandon_at": s.abandon_at,
        "legal_accepted_at": null,
    })
}

fn attribute(enabled: bool, first_factor: bool, verifications: &[&str]) -> Value {
    second_factor_attribute(enabled, first_factor, verifications, &[])
}

fn second_factor_attribute(
    enabled: bool,
    first_factor: bool,
    verifications: &[&str],
    second_factors: &[&str],
) -> Value {
    json!({
        "enabled": enabled,
        "required": false,
        "used_for_first_factor": first_factor,
        "first_factors": if first_factor { vec!["password"] } else { vec![] },
        "used_for_second_factor": !second_factors.is_empty(),
        "second_factors": second_factors,
        "verifications": verifications,
        "verify_at_sign_up": false,
    })
}

fn auth_config(multi_session: bool, dev_browser: bool) -> Value {
    json!({
        "object": "auth_config",
        "id": "aac_emulator",
        "first_name": "on",
        "last_name": "on",
        "email_address": "required",
        "phone_number": "off",
        "username": "off",
        "password": "required",
        "identification_requirements": [["email_address"]],
        "identification_strategies": ["email_address"],
        "first_factors": ["password"],
        "second_factors": ["totp"],
        "email_address_verification_strategies": [],
        "single_session_mode": !multi_session,
        "enhanced_email_deliverability": false,
        "test_mode": false,
        "cookieless_dev": false,
        "url_based_session_syncing": dev_browser,
        "claimed_at": null,
        "reverification": false,
    })
}

fn display_config(dev_browser: bool, base_url: &str) -> Value {
    let instance_type = if dev_browser {
        "development"
    } else {
        "production"
    };
    json!({
        "object": "display_config",
        "id": "display_config_emulator",
        "instance_environment_type": instance_type,
        "application_name": "Clerk emulator",
        "theme": {},
        "preferred_sign_in_strategy": "password",
        "logo_image_url": null,
        "favicon_image_url": null,
        "home_url": base_url,
        // The hosted pages (the offline Account Portal).
        "sign_in_url": format!("{base_url}/sign-in"),
        "sign_up_url": format!("{base_url}/sign-up"),
        "user_profile_url": "",
        "waitlist_url": "",
        "after_sign_in_url": "",
        "after_sign_up_url": "",
        "after_sign_out_one_url": "",
        "after_sign_out_all_url": "",
        "after_switch_session_url": "",
        "after_join_waitlist_url": "",
        "organization_profile_url": "",
        "create_organization_url": "",
        "after_leave_organization_url": "",
        "after_create_organization_url": "",
        "logo_link_url": "",
        "support_email": null,
        "branded": false,
        "experimental_force_oauth_first": false,
        "clerk_js_version": null,
        "show_devmode_warning": false,
        "google_one_tap_client_id": null,
        "help_url": null,
        "privacy_policy_url": null,
        "terms_url": null,
        "logo_url": null,
        "favicon_url": null,
        "logo_image": null,
        "favicon_image": null,
        "captcha_public_key": null,
        "captcha_widget_type": null,
        "captcha_public_key_invisible": null,
        "captcha_provider": null,
        "captcha_oauth_bypass": [],
        "captcha_heartbeat": false,
    })
}

fn user_settings() -> Value {
    let off = attribute(false, false, &[]);
    json!({
        "attributes": {
            "email_address": attribute(true, true, &["email_code"]),
            "phone_number": off,
            "username": off,
            "web3_wallet": off,
            "first_name": attribute(true, false, &[]),
            "last_name": attribute(true, false, &[]),
            "password": attribute(true, false, &[]),
            "authenticator_app": second_factor_attribute(true, false, &["totp"], &["totp"]),
            "ticket": off,
            "backup_code": off,
            "passkey": off,
        },
        "social": {},
        "saml": {"enabled": false},
        "enterprise_sso": {"enabled": false},
        "sign_in": {"second_factor": {"required": false}},
        "sign_up": {
            "captcha_enabled": false,
            "captcha_widget_type": "smart",
            "custom_action_required": false,
            "progressive": true,
            "mode": "restricted",
            "legal_consent_enabled": false,
        },
        "restrictions": {
            "allowlist": {"enabled": false},
            "blocklist": {"enabled": false},
            "allowlist_blocklist_disabled_on_sign_in": {"enabled": false},
            "block_email_subaddresses": {"enabled": false},
            "block_disposable_email_domains": {"enabled": false},
        },
        "password_settings": {
            "disable_hibp": true,
            "min_length": MIN_PASSWORD_LENGTH,
            "max_length": 72,
            "require_special_char": false,
            "require_numbers": false,
            "require_uppercase": false,
            "require_lowercase": false,
            "show_zxcvbn": false,
            "min_zxcvbn_strength": 0,
            "enforce_hibp_on_sign_in": false,
            "allowed_special_characters": "!\"#$%&'()*+,-./:;<=>?@[]^_`{|}~",
        },
        "username_settings": {
            "min_length": 4,
            "max_length": 64,
            "allow_extended_special_characters": false,
        },
        "actions": {
            "delete_self": false,
            "create_organization": false,
            "create_organizations_limit": null,
        },
        "attack_protection": {
            "user_lockout": {"enabled": false, "max_attempts": 100, "duration_in_minutes": 60},
            "pii": {"enabled": false},
            "email_link": {"require_same_client": false},
            "enumeration_protection": {"enabled": false},
        },
        "passkey_settings": {"allow_autofill": false, "show_sign_in_button": false},
    })
}

/// The instance's settings: password sign-in with an e-mail address.
pub(crate) fn environment(multi_session: bool, dev_browser: bool, base_url: &str) -> Value {
    json!({
        "auth_config": auth_config(multi_session, dev_browser),
        "display_config": display_config(dev_browser, base_url),
        "user_settings": user_settings(),
        "organization_settings": {
            "enabled": false,
            "max_allowed_memberships": 0,
            "actions": {"admin_delete": false},
            "domains": {"enabled": false, "enrollment_modes": [], "default_role": "org:member"},
            "creator_role": "org:admin",
        },
        "fraud_settings": {
            "object": "fraud_settings",
            "native": {"device_attestation_mode": "disabled"},
        },
        "commerce_settings": {
            "billing": {
                "enabled": false,
                "stripe_publishable_key": null,
                "has_paid_user_plans": false,
                "has_paid_org_plans": false,
                "user": {"enabled": false, "has_paid_plans": false},
                "organization": {"enabled": false, "has_paid_plans": false},
            }
        },
        "api_keys_settings": {"enabled": false},
        "client_debug_mode": false,
        "maintenance_mode": false,
    })
}

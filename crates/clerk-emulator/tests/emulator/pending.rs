//! Pending sessions: a test hook marks a live session pending with tasks
//! (as a session that must still choose an organization is) and back; its
//! client answers and tokens say so.

use reqwest::StatusCode;
use serde_json::Value;

use crate::common::*;

#[tokio::test]
async fn the_pending_hook_marks_a_session_pending_and_back() {
    let emu = start().await;
    let signed = emu.sign_in(DEMO).await;
    let sid = str_at(&signed, "/response/created_session_id");
    let hook = format!("/__emulator/sessions/{sid}");
    let pending = ok_json(
        emu.post_json(
            &hook,
            &serde_json::json!({"status": "pending", "tasks": [{"key": "choose-organization"}]}),
        )
        .await,
    )
    .await;
    assert_eq!(pending["status"], "pending");
    assert_eq!(
        pending["tasks"],
        serde_json::json!([{"key": "choose-organization"}])
    );

    let client = emu.client_json().await;
    let session = &client["client"]["sessions"][0];
    assert_eq!(session["status"], "pending");
    assert_eq!(
        session["tasks"],
        serde_json::json!([{"key": "choose-organization"}])
    );
    assert_eq!(str_at(&client, "/client/last_active_session_id"), sid);
    let claims = verify_jwt(
        &emu.jwks().await,
        &str_at(session, "/last_active_token/jwt"),
        &emu.base,
    );
    assert_eq!(claims["sts"], "pending");
    // A pending session still gets tokens, which say so.
    let minted = ok_json(
        emu.post_form(&format!("/v1/client/sessions/{sid}/tokens"), &[])
            .await,
    )
    .await;
    let claims = verify_jwt(&emu.jwks().await, &str_at(&minted, "/jwt"), &emu.base);
    assert_eq!(claims["sts"], "pending");
    let listed = ok_json(emu.get("/__emulator/sessions").await).await;
    assert_eq!(listed[0]["status"], "pending");

    let active = ok_json(
        emu.post_json(&hook, &serde_json::json!({"status": "active"}))
            .await,
    )
    .await;
    assert_eq!(active["tasks"], serde_json::json!([]));
    let client = emu.client_json().await;
    assert_eq!(client["client"]["sessions"][0]["status"], "active");
    assert_eq!(client["client"]["sessions"][0]["tasks"], Value::Null);
    let jwt = str_at(&client, "/client/sessions/0/last_active_token/jwt");
    assert_eq!(
        verify_jwt(&emu.jwks().await, &jwt, &emu.base)["sts"],
        "active"
    );

    // Bad changes.
    for (body, status, code) in [
        (
            serde_json::json!({"status": "pending"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "form_param_missing",
        ),
        (
            serde_json::json!({"status": "active", "tasks": [{"key": "x"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "form_param_format_invalid",
        ),
        (
            serde_json::json!({"status": "ended"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "form_param_format_invalid",
        ),
        (
            serde_json::json!({"status": "pending", "tasks": [{"key": "<b>"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "form_param_format_invalid",
        ),
        (
            serde_json::json!({"status": "pending", "tasks": [{"id": "x"}]}),
            StatusCode::BAD_REQUEST,
            "malformed_request_body",
        ),
    ] {
        expect_error(emu.post_json(&hook, &body).await, status, code).await;
    }
    expect_error(
        emu.post_json(
            "/__emulator/sessions/sess_nope",
            &serde_json::json!({"status": "active"}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "resource_not_found",
    )
    .await;
    ok_json(
        emu.post_form(&format!("/v1/client/sessions/{sid}/end"), &[])
            .await,
    )
    .await;
    expect_error(
        emu.post_json(
            &hook,
            &serde_json::json!({"status": "pending", "tasks": [{"key": "x"}]}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "invalid_action_for_session",
    )
    .await;
}

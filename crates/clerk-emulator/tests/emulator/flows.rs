//! Whole sign-in / token / sign-out flows over real HTTP.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::common::*;

/// Verifies `jwt` against the emulator's JWKS and returns its claims.
async fn verify_token(emu: &Emu, jwt: &str) -> Value {
    let claims = verify_jwt(&emu.jwks().await, jwt, &emu.base);
    let iat = claims["iat"].as_i64().expect("iat");
    assert_eq!(claims["exp"].as_i64(), Some(iat + 60), "60 s lifetime");
    assert_eq!(claims["nbf"].as_i64(), Some(iat - 10), "10 s nbf leeway");
    assert_eq!(claims["azp"], APP_ORIGIN, "azp is the request's Origin");
    claims
}

async fn token(emu: &Emu, session_id: &str) -> reqwest::Response {
    let path = format!("/v1/client/sessions/{session_id}/tokens");
    emu.send(Method::POST, &path).await
}

#[tokio::test]
async fn sign_in_token_remove_refuse() {
    let emu = start().await;
    // Before anything: no client, both nulls.
    let empty = emu.client_json().await;
    assert_eq!(empty, serde_json::json!({"response": null, "client": null}));

    let signed = emu.sign_in(DEMO).await;
    let sign_in = &signed["response"];
    assert_eq!(sign_in["object"], "sign_in_attempt");
    assert!(str_at(sign_in, "/id").starts_with("sia_"));
    assert_eq!(sign_in["status"], "complete");
    let sid = str_at(sign_in, "/created_session_id");
    assert!(sid.starts_with("sess_"));
    assert_eq!(signed["client"]["last_active_session_id"], sid.as_str());

    // The client (over the cookie) shows the active session and its user.
    let client = emu.client_json().await;
    assert_eq!(client["response"], client["client"]);
    let client = &client["client"];
    assert!(str_at(client, "/id").starts_with("client_"));
    assert_eq!(client["last_active_session_id"], sid.as_str());
    let session = &client["sessions"][0];
    assert_eq!(session["id"], sid.as_str());
    assert_eq!(session["status"], "active");
    let user_id = str_at(session, "/user/id");
    assert!(user_id.starts_with("user_"));
    assert_eq!(session["user"]["first_name"], "Demo");
    assert_eq!(
        session["user"]["email_addresses"][0]["email_address"],
        DEMO.0
    );
    assert_eq!(session["public_user_data"]["identifier"], DEMO.0);
    assert_eq!(
        emu.hook_status(&sid).await.as_deref(),
        Some("active"),
        "hook agrees"
    );

    // A token verifies against the JWKS with the right claims.
    let resp = token(&emu, &sid).await;
    let body = ok_json(resp).await;
    assert_eq!(body["object"], "token");
    let claims = verify_token(&emu, &str_at(&body, "/jwt")).await;
    assert_eq!(claims["sid"], sid.as_str());
    assert_eq!(claims["sub"], user_id.as_str());
    // The session also carries its last token, as Clerk's does.
    let last = str_at(
        &emu.client_json().await,
        "/client/sessions/0/last_active_token/jwt",
    );
    verify_token(&emu, &last).await;

    // Remove the session: the token endpoint refuses, the client is empty.
    let removed = ok_json(
        emu.post_form(&format!("/v1/client/sessions/{sid}/remove"), &[])
            .await,
    )
    .await;
    assert_eq!(removed["response"]["status"], "removed");
    assert_eq!(removed["client"]["sessions"], serde_json::json!([]));
    assert_eq!(removed["client"]["last_active_session_id"], Value::Null);
    expect_error(
        token(&emu, &sid).await,
        StatusCode::UNAUTHORIZED,
        "authentication_invalid",
    )
    .await;
    let client = emu.client_json().await;
    assert_eq!(client["client"]["sessions"], serde_json::json!([]));
    assert_eq!(client["client"]["last_active_session_id"], Value::Null);
    assert_eq!(emu.hook_status(&sid).await.as_deref(), Some("removed"));
    // The removed session is gone from the client: 404 on direct access.
    expect_error(
        emu.get(&format!("/v1/client/sessions/{sid}")).await,
        StatusCode::NOT_FOUND,
        "resource_not_found",
    )
    .await;
}

#[tokio::test]
async fn multi_session_sign_out_one_then_all() {
    let emu = start_with(one_step().with_multi_session(true)).await;
    let first = str_at(&emu.sign_in(DEMO).await, "/response/created_session_id");
    let second = emu.sign_in(ADA).await;
    let second_id = str_at(&second, "/response/created_session_id");
    assert_eq!(
        second["client"]["last_active_session_id"],
        second_id.as_str()
    );
    assert_eq!(
        second["client"]["sessions"].as_array().map(Vec::len),
        Some(2)
    );

    // Sign out of one (the last active): the other becomes last active.
    let one = ok_json(
        emu.post_form(&format!("/v1/client/sessions/{second_id}/remove"), &[])
            .await,
    )
    .await;
    assert_eq!(one["client"]["last_active_session_id"], first.as_str());
    assert_eq!(
        emu.hook_status(&second_id).await.as_deref(),
        Some("removed")
    );
    assert_eq!(emu.hook_status(&first).await.as_deref(), Some("active"));

    // A third sign-in, then sign out of all with DELETE.
    let third = str_at(&emu.sign_in(ADA).await, "/response/created_session_id");
    let all = ok_json(emu.send(Method::DELETE, "/v1/client/sessions").await).await;
    assert_eq!(all["response"]["object"], "client");
    assert_eq!(all["response"]["sessions"], serde_json::json!([]));
    assert_eq!(all["response"]["last_active_session_id"], Value::Null);
    for id in [&first, &third] {
        assert_eq!(emu.hook_status(id).await.as_deref(), Some("removed"));
    }
    // The client and its cookie survive: a new sign-in reuses the client.
    let client_id = str_at(&all, "/response/id");
    let again = emu.sign_in(DEMO).await;
    assert_eq!(again["client"]["id"], client_id.as_str());
}

#[tokio::test]
async fn sign_out_all_via_method_override() {
    let emu = start().await;
    let sid = str_at(&emu.sign_in(DEMO).await, "/response/created_session_id");
    // A CORS "simple request": POST with a form body and ?_method=DELETE.
    let resp = emu
        .post_form(
            "/v1/client/sessions?_method=DELETE&_clerk_js_version=5.0.0&__clerk_api_version=2025-04-10",
            &[],
        )
        .await;
    let body = ok_json(resp).await;
    assert_eq!(body["response"]["sessions"], serde_json::json!([]));
    assert_eq!(emu.hook_status(&sid).await.as_deref(), Some("removed"));
    let log = emu.requests_log().await;
    let last = log.last().expect("logged");
    assert_eq!(last["method"], "DELETE", "the effective method is logged");
    assert_eq!(last["path"], "/v1/client/sessions");
}

#[tokio::test]
async fn delete_client_ends_sessions_and_clears_cookie() {
    let emu = start_with(one_step().with_multi_session(true)).await;
    let a = str_at(&emu.sign_in(DEMO).await, "/response/created_session_id");
    let b = str_at(&emu.sign_in(ADA).await, "/response/created_session_id");
    let resp = emu.send(Method::POST, "/v1/client?_method=DELETE").await;
    let cookie = client_set_cookie(&resp).expect("cookie cleared");
    assert!(cookie.contains("Max-Age=0"), "{cookie}");
    let body = ok_json(resp).await;
    assert_eq!(body["client"], Value::Null);
    let sessions = body["response"]["sessions"].as_array().expect("sessions");
    assert!(sessions.iter().all(|s| s["status"] == "ended"));
    for id in [&a, &b] {
        assert_eq!(emu.hook_status(id).await.as_deref(), Some("ended"));
    }
    // The browser has no client any more.
    assert_eq!(
        emu.client_json().await,
        serde_json::json!({"response": null, "client": null})
    );
    // Deleting again: no client to delete.
    expect_error(
        emu.send(Method::DELETE, "/v1/client").await,
        StatusCode::NOT_FOUND,
        "resource_not_found",
    )
    .await;
}

#[tokio::test]
async fn end_and_touch() {
    let emu = start_with(one_step().with_multi_session(true)).await;
    let a = str_at(&emu.sign_in(DEMO).await, "/response/created_session_id");
    let b = str_at(&emu.sign_in(ADA).await, "/response/created_session_id");

    // Touch the older one: it becomes last active, last_active_at moves.
    let before = emu.get(&format!("/v1/client/sessions/{a}")).await;
    let before = ok_json(before).await["response"]["last_active_at"]
        .as_i64()
        .expect("ms");
    let touched = ok_json(
        emu.post_form(&format!("/v1/client/sessions/{a}/touch"), &[])
            .await,
    )
    .await;
    assert_eq!(touched["client"]["last_active_session_id"], a.as_str());
    let after = touched["response"]["last_active_at"].as_i64().expect("ms");
    assert!(after >= before);

    // End it: it stays on the client as ended, b takes over.
    let ended = ok_json(
        emu.post_form(&format!("/v1/client/sessions/{a}/end"), &[])
            .await,
    )
    .await;
    assert_eq!(ended["response"]["status"], "ended");
    assert_eq!(ended["client"]["last_active_session_id"], b.as_str());
    let statuses: Vec<&str> = ended["client"]["sessions"]
        .as_array()
        .expect("sessions")
        .iter()
        .filter_map(|s| s["status"].as_str())
        .collect();
    assert_eq!(statuses, ["ended", "active"]);
    assert_eq!(emu.hook_status(&a).await.as_deref(), Some("ended"));

    // An ended session cannot mint tokens or be touched.
    expect_error(
        token(&emu, &a).await,
        StatusCode::UNAUTHORIZED,
        "authentication_invalid",
    )
    .await;
    expect_error(
        emu.post_form(&format!("/v1/client/sessions/{a}/touch"), &[])
            .await,
        StatusCode::UNAUTHORIZED,
        "authentication_invalid",
    )
    .await;

    // Ending the last one leaves no last active session.
    let ended_b = ok_json(
        emu.post_form(&format!("/v1/client/sessions/{b}/end"), &[])
            .await,
    )
    .await;
    assert_eq!(ended_b["client"]["last_active_session_id"], Value::Null);
}

#[tokio::test]
async fn json_bodies_and_put_client() {
    let emu = start().await;
    let created = ok_json(emu.send(Method::PUT, "/v1/client").await).await;
    let client_id = str_at(&created, "/client/id");
    assert_eq!(created["client"]["sessions"], serde_json::json!([]));
    let resp = emu
        .req(Method::POST, "/v1/client/sign_ins")
        .json(&serde_json::json!({"identifier": "ADA@example.com", "password": ADA.1}))
        .send()
        .await
        .expect("sent");
    let body = ok_json(resp).await;
    assert_eq!(body["client"]["id"], client_id.as_str(), "same client");
    assert_eq!(body["response"]["identifier"], ADA.0);
}

//! Development-instance mode: the client is bound to a dev-browser token
//! sent as the `__clerk_db_jwt` query parameter; no cookie is used.

use reqwest::{Method, StatusCode};

use crate::common::*;

fn with_token(path: &str, token: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}__clerk_db_jwt={token}&_clerk_js_version=5.0.0")
}

#[tokio::test]
async fn dev_browser_end_to_end() {
    let emu = start_with(one_step().with_dev_browser(true)).await;
    // Environment and health need no token.
    ok_json(emu.get("/v1/environment").await).await;
    ok_json(emu.get("/v1/health").await).await;
    let env = ok_json(emu.get("/v1/environment").await).await;
    assert_eq!(
        env["display_config"]["instance_environment_type"],
        "development"
    );

    let dvb = ok_json(emu.post_form("/v1/dev_browser", &[]).await).await;
    assert_eq!(dvb["object"], "dev_browser");
    let token = str_at(&dvb, "/id");
    assert!(token.starts_with("dvb_"), "{token}");

    // No client yet for this dev browser.
    let empty = ok_json(emu.get(&with_token("/v1/client", &token)).await).await;
    assert_eq!(empty["client"], serde_json::Value::Null);

    let resp = emu
        .post_form(
            &with_token("/v1/client/sign_ins", &token),
            &[("identifier", DEMO.0), ("password", DEMO.1)],
        )
        .await;
    assert!(client_set_cookie(&resp).is_none(), "no cookie in dev mode");
    let signed = ok_json(resp).await;
    let sid = str_at(&signed, "/response/created_session_id");
    assert_eq!(
        signed["client"]["cookie_expires_at"],
        serde_json::Value::Null
    );

    // Another browser (no cookies anyway) with the same token sees the client.
    let other = reqwest::Client::new();
    let seen = ok_json(
        other
            .get(emu.url(&with_token("/v1/client", &token)))
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(seen["client"]["last_active_session_id"], sid.as_str());

    // A second dev browser has its own, empty client.
    let second = str_at(
        &ok_json(emu.post_form("/v1/dev_browser", &[]).await).await,
        "/id",
    );
    let empty = ok_json(emu.get(&with_token("/v1/client", &second)).await).await;
    assert_eq!(empty["client"], serde_json::Value::Null);

    let tokens = with_token(&format!("/v1/client/sessions/{sid}/tokens"), &token);
    ok_json(emu.post_form(&tokens, &[]).await).await;
    // Sign out through the override, then the token endpoint refuses.
    ok_json(
        emu.post_form(
            &with_token("/v1/client/sessions?_method=DELETE", &token),
            &[],
        )
        .await,
    )
    .await;
    expect_error(
        emu.post_form(&tokens, &[]).await,
        StatusCode::UNAUTHORIZED,
        "authentication_invalid",
    )
    .await;
    assert_eq!(emu.hook_status(&sid).await.as_deref(), Some("removed"));

    // DELETE /v1/client unbinds the client from the dev browser.
    emu.post_form(
        &with_token("/v1/client/sign_ins", &token),
        &[("identifier", ADA.0), ("password", ADA.1)],
    )
    .await;
    ok_json(
        emu.send(Method::DELETE, &with_token("/v1/client", &token))
            .await,
    )
    .await;
    let gone = ok_json(emu.get(&with_token("/v1/client", &token)).await).await;
    assert_eq!(gone["client"], serde_json::Value::Null);
}

#[tokio::test]
async fn dev_browser_token_required_and_checked() {
    let emu = start_with(one_step().with_dev_browser(true)).await;
    let token = str_at(
        &ok_json(emu.post_form("/v1/dev_browser", &[]).await).await,
        "/id",
    );
    // A cookie is no substitute, and the gate also covers unknown routes.
    for path in ["/v1/client", "/v1/client/sessions/sess_x", "/v1/unknown"] {
        expect_error(
            emu.get(path).await,
            StatusCode::UNAUTHORIZED,
            "dev_browser_unauthenticated",
        )
        .await;
    }
    let (id, _) = token.split_once('.').expect("id.signature");
    for forged in [
        format!("{id}.AAAA"),
        id.to_owned(),
        "dvb_other.xyz".to_owned(),
        format!("{token}x"),
    ] {
        expect_error(
            emu.get(&with_token("/v1/client", &forged)).await,
            StatusCode::UNAUTHORIZED,
            "dev_browser_unauthenticated",
        )
        .await;
    }
    // The JWKS and the test hooks are outside the gate.
    emu.jwks().await;
    ok_json(emu.get("/__emulator/sessions").await).await;
}

#[tokio::test]
async fn environment_answers_patch_as_clerk_js_sends_it() {
    // clerk-js in development mode refreshes the environment with PATCH,
    // directly or as POST ?_method=PATCH.
    let emu = start_with(one_step().with_dev_browser(true)).await;
    let get = ok_json(emu.get("/v1/environment").await).await;
    let patched = ok_json(emu.send(Method::PATCH, "/v1/environment").await).await;
    assert_eq!(patched, get);
    let overridden = ok_json(emu.post_form("/v1/environment?_method=PATCH", &[]).await).await;
    assert_eq!(overridden, get);
}

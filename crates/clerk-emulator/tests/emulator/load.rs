//! Many browsers at once: parallel sign-in, token and sign-out flows over
//! real HTTP lose nothing.

use std::time::Instant;

use reqwest::header::ORIGIN;
use serde_json::Value;

use crate::common::*;

/// Parallel flows; enough to interleave every handler many times over.
const FLOWS: usize = 200;

/// What one browser saw: its session and the token it got for it.
struct Flow {
    client_id: String,
    session_id: String,
    jwt: String,
}

/// One browser: create a client, sign in, get a token, sign out.
async fn flow(base: &str, user: (&str, &str)) -> Flow {
    let browser = client();
    let url = |path: &str| format!("{base}{path}");
    let send = |request: reqwest::RequestBuilder| async move {
        ok_json(
            request
                .header(ORIGIN, APP_ORIGIN)
                .send()
                .await
                .expect("sent"),
        )
        .await
    };
    let created = send(browser.put(url("/v1/client"))).await;
    let client_id = str_at(&created, "/client/id");
    let form = [("identifier", user.0), ("password", user.1)];
    let signed = send(browser.post(url("/v1/client/sign_ins")).form(&form)).await;
    assert_eq!(str_at(&signed, "/client/id"), client_id, "same client");
    let session_id = str_at(&signed, "/response/created_session_id");
    let tokens = url(&format!("/v1/client/sessions/{session_id}/tokens"));
    let jwt = str_at(&send(browser.post(tokens)).await, "/jwt");
    let out = send(browser.delete(url("/v1/client/sessions"))).await;
    assert_eq!(out["client"]["sessions"], serde_json::json!([]));
    Flow {
        client_id,
        session_id,
        jwt,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_flows_lose_nothing() {
    let emu = start().await;
    emu.jwks().await; // the RSA key is ready before the clock starts
    let started = Instant::now();
    let handles: Vec<_> = (0..FLOWS)
        .map(|i| {
            let base = emu.base.clone();
            let user = if i % 2 == 0 { DEMO } else { ADA };
            tokio::spawn(async move { flow(&base, user).await })
        })
        .collect();
    let mut flows = Vec::new();
    for handle in handles {
        flows.push(handle.await.expect("a flow panicked"));
    }
    let took = started.elapsed();
    println!("{FLOWS} parallel flows (4 requests each) in {took:?}");

    // Every session exists once, ended in the right state.
    let listed = emu.hook_sessions().await;
    assert_eq!(listed.len(), FLOWS, "one session per flow, no more");
    for flow in &flows {
        let status = listed.iter().find(|(id, _)| *id == flow.session_id);
        assert_eq!(status.map(|(_, s)| s.as_str()), Some("removed"));
    }
    let mut clients: Vec<&str> = flows.iter().map(|f| f.client_id.as_str()).collect();
    clients.sort_unstable();
    clients.dedup();
    assert_eq!(clients.len(), FLOWS, "every browser had its own client");
    // Every token verifies, and names its own session.
    let jwks = emu.jwks().await;
    for flow in &flows {
        let claims = verify_jwt(&jwks, &flow.jwt, &emu.base);
        assert_eq!(claims["sid"], flow.session_id.as_str());
        assert_eq!(claims["azp"], APP_ORIGIN);
    }
    // Every request was logged, and answered 200.
    let log = emu.requests_log().await;
    let served: Vec<&Value> = log.iter().filter(|e| e["preflight"] == false).collect();
    assert_eq!(
        served.len(),
        4 * FLOWS,
        "4 FAPI requests per flow (the JWKS is not FAPI)"
    );
    assert!(served.iter().all(|e| e["status"] == 200));
}

//! The offline Account Portal: `/sign-in` and `/sign-up` as HTML forms on
//! the emulator's origin, driven here like a browser without JavaScript
//! (a cookie jar, form posts with the emulator's `Origin`, redirects read
//! rather than followed).

use std::time::Duration;

use clerk_emulator::{Config, User};
use reqwest::header::{CONTENT_TYPE, LOCATION, ORIGIN};
use reqwest::{Response, StatusCode};
use serde_json::Value;

use crate::common::*;

/// Where the app would send users back; the fragment must come back too.
const AFTER: &str = "http://127.0.0.1:8080/after?tab=1#section";

/// A browser on the portal: its own cookie jar, redirects not followed.
struct Browser {
    http: reqwest::Client,
    base: String,
}

impl Browser {
    fn new(emu: &Emu) -> Self {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(20))
            .build()
            .expect("client");
        Self {
            http,
            base: emu.base.clone(),
        }
    }

    async fn get(&self, path: &str) -> Response {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("sent")
    }

    /// A form post, as the portal's own page sends it.
    async fn post(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.post_from(&self.base.clone(), path, form).await
    }

    async fn post_from(&self, origin: &str, path: &str, form: &[(&str, &str)]) -> Response {
        self.http
            .post(format!("{}{path}", self.base))
            .header(ORIGIN, origin)
            .form(form)
            .send()
            .await
            .expect("sent")
    }

    /// The sign-in form, filled in.
    async fn password(&self, path: &str, csrf: &str, (email, password): (&str, &str)) -> Response {
        self.post(
            path,
            &[
                ("csrf_token", csrf),
                ("identifier", email),
                ("password", password),
            ],
        )
        .await
    }

    /// A page's HTML (asserting the status).
    async fn page(&self, path: &str, status: StatusCode) -> String {
        html_of(self.get(path).await, status).await
    }

    /// `GET /v1/client` as the app would see it.
    async fn client(&self, query: &str) -> Value {
        ok_json(
            self.http
                .get(format!("{}/v1/client{query}", self.base))
                .header(ORIGIN, APP_ORIGIN)
                .send()
                .await
                .expect("sent"),
        )
        .await
    }
}

async fn html_of(resp: Response, status: StatusCode) -> String {
    let got = resp.status();
    let kind = resp
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let text = resp.text().await.expect("body");
    assert_eq!(got, status, "{text}");
    assert!(kind.starts_with("text/html"), "{kind}: {text}");
    text
}

/// The `Location` of a 303.
fn see_other(resp: &Response) -> String {
    assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{resp:?}");
    resp.headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .expect("Location")
        .to_owned()
}

fn encoded(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[tokio::test]
async fn the_portal_signs_in_through_the_code_step_and_returns_to_the_app() {
    let emu = start_with(Config::default()).await;
    let env = ok_json(emu.get("/v1/environment").await).await;
    assert_eq!(
        env["display_config"]["sign_in_url"],
        format!("{}/sign-in", emu.base)
    );
    assert_eq!(
        env["display_config"]["sign_up_url"],
        format!("{}/sign-up", emu.base)
    );

    let browser = Browser::new(&emu);
    let query = format!("?redirect_url={}", encoded(AFTER));
    let resp = browser.get(&format!("/sign-in{query}")).await;
    assert!(
        client_set_cookie(&resp).is_some(),
        "a client for the form's token"
    );
    let csp = resp
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert!(
        csp.contains("form-action 'self' http://127.0.0.1:8080"),
        "{csp}"
    );
    assert_eq!(
        resp.headers()
            .get("referrer-policy")
            .and_then(|v| v.to_str().ok()),
        Some("same-origin")
    );
    let html = html_of(resp, StatusCode::OK).await;
    assert!(html.contains("autocomplete=\"current-password\""), "{html}");
    // Not readable by another page's fetch, the app's included.
    let from_app = browser
        .http
        .get(format!("{}/sign-in", emu.base))
        .header(ORIGIN, APP_ORIGIN)
        .send()
        .await
        .expect("sent");
    assert!(from_app
        .headers()
        .get("access-control-allow-origin")
        .is_none());
    let csrf = input_value(&html, "csrf_token");

    // A wrong password stays on the form, its error next to the field.
    let wrong = browser
        .post(
            &format!("/sign-in{query}"),
            &[
                ("csrf_token", &csrf),
                ("identifier", DEMO.0),
                ("password", "nope"),
            ],
        )
        .await;
    let html = html_of(wrong, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(html.contains("Password is incorrect"), "{html}");
    assert!(html.contains("id=\"password-error\""), "{html}");

    let resp = browser
        .password(&format!("/sign-in{query}"), &csrf, DEMO)
        .await;
    let next = see_other(&resp);
    assert_eq!(next, format!("/sign-in/factor-two{query}"));
    // The code went out at once.
    let code = emu.last_code(DEMO.0).await;
    let html = browser.page(&next, StatusCode::OK).await;
    assert!(
        html.contains("We sent a code to <strong>demo@example.com</strong>"),
        "{html}"
    );
    assert!(html.contains("autocomplete=\"one-time-code\""), "{html}");
    assert!(html.contains("inputmode=\"numeric\""), "{html}");
    let wrong_code = if code == "000000" { "111111" } else { "000000" };
    let resp = browser
        .post(&next, &[("csrf_token", &csrf), ("code", wrong_code)])
        .await;
    let html = html_of(resp, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(html.contains("Incorrect code"), "{html}");

    let resp = browser
        .post(&next, &[("csrf_token", &csrf), ("code", &code)])
        .await;
    assert!(client_set_cookie(&resp).is_some(), "the cookie rotates");
    assert_eq!(see_other(&resp), AFTER);

    // The app, in the same browser, finds the session.
    let client = browser.client("").await;
    let session_id = str_at(&client, "/client/last_active_session_id");
    assert_eq!(str_at(&client, "/client/sessions/0/status"), "active");
    let jwt = str_at(&client, "/client/sessions/0/last_active_token/jwt");
    assert_eq!(
        verify_jwt(&emu.jwks().await, &jwt, &emu.base)["sid"],
        session_id.as_str()
    );

    // Signed in already: the portal sends the browser straight back.
    let resp = browser.get(&format!("/sign-in{query}")).await;
    assert_eq!(see_other(&resp), AFTER);
}

#[tokio::test]
async fn a_totp_user_signs_in_on_the_portal_with_an_authenticator_code() {
    let emu = start_with(Config::default()).await;
    let browser = Browser::new(&emu);
    let html = browser.page("/sign-in", StatusCode::OK).await;
    let csrf = input_value(&html, "csrf_token");
    let resp = browser
        .post(
            "/sign-in",
            &[
                ("csrf_token", &csrf),
                ("identifier", "grace@example.com"),
                ("password", "grace-password-1"),
            ],
        )
        .await;
    let next = see_other(&resp);
    let html = browser.page(&next, StatusCode::OK).await;
    assert!(
        html.contains("Enter the code from your authenticator app"),
        "{html}"
    );
    assert!(!html.contains("Resend code"), "{html}");
    let secs = emu.mid_step_secs().await;
    let code = clerk_emulator::totp_code(clerk_emulator::DEMO_TOTP_SECRET, secs).expect("code");
    let resp = browser
        .post(&next, &[("csrf_token", &csrf), ("code", &code)])
        .await;
    // No redirect_url: a page says who is signed in.
    let html = html_of(resp, StatusCode::OK).await;
    assert!(
        html.contains("signed in as <strong>grace@example.com</strong>"),
        "{html}"
    );
}

#[tokio::test]
async fn in_dev_browser_mode_the_portal_hands_the_dev_browser_back() {
    let emu = start_with(Config::default().with_dev_browser(true)).await;
    let browser = Browser::new(&emu);
    let dvb = ok_json(emu.post_form("/v1/dev_browser", &[]).await).await;
    let token = str_at(&dvb, "/id");
    let query = format!(
        "?__clerk_db_jwt={}&redirect_url={}",
        encoded(&token),
        encoded(AFTER)
    );
    let resp = browser.get(&format!("/sign-in{query}")).await;
    assert!(
        client_set_cookie(&resp).is_none(),
        "no cookie in dev-browser mode"
    );
    let html = html_of(resp, StatusCode::OK).await;
    let csrf = input_value(&html, "csrf_token");
    // The form posts back with the dev browser in its address.
    assert!(
        html.contains(&format!("__clerk_db_jwt={}", encoded(&token))),
        "{html}"
    );

    let resp = browser
        .password(&format!("/sign-in{query}"), &csrf, DEMO)
        .await;
    let next = see_other(&resp);
    let code = emu.last_code(DEMO.0).await;
    let resp = browser
        .post(&next, &[("csrf_token", &csrf), ("code", &code)])
        .await;
    let back = see_other(&resp);
    assert_eq!(
        back,
        format!(
            "http://127.0.0.1:8080/after?tab=1&__clerk_db_jwt={}#section",
            encoded(&token)
        )
    );

    // The app, with that token, is signed in.
    let client = browser
        .client(&format!("?__clerk_db_jwt={}", encoded(&token)))
        .await;
    assert!(
        client["client"]["last_active_session_id"].is_string(),
        "{client}"
    );

    // Without a token, the portal starts a dev browser of its own.
    let resp = browser.get("/sign-in").await;
    let location = see_other(&resp);
    assert!(
        location.starts_with("/sign-in?__clerk_db_jwt=dvb_"),
        "{location}"
    );
    html_of(browser.get(&location).await, StatusCode::OK).await;
    // A forged one is refused.
    let html = browser
        .page(
            "/sign-in?__clerk_db_jwt=dvb_forged.sig",
            StatusCode::UNAUTHORIZED,
        )
        .await;
    assert!(html.contains("does not belong to this emulator"), "{html}");
}

#[tokio::test]
async fn a_redirect_to_anywhere_but_an_allowed_origin_is_refused() {
    let emu = start_with(one_step()).await;
    let browser = Browser::new(&emu);
    for bad in [
        "https://evil.example/after",
        "//evil.example/after",
        "/relative/path",
        "javascript:alert(1)",
        "http://user@127.0.0.1:8080/after",
        "http://127.0.0.1:8081/after",
        "https://127.0.0.1:8080/after",
        // A fragment goes back as is, so it must be URL-encoded already.
        "http://127.0.0.1:8080/after#a b",
        "http://127.0.0.1:8080/after#a\r\nSet-Cookie: x=1",
        "https://evil.example/after#http://127.0.0.1:8080/",
    ] {
        let resp = browser
            .get(&format!("/sign-in?redirect_url={}", encoded(bad)))
            .await;
        assert!(resp.headers().get(LOCATION).is_none(), "{bad}");
        let html = html_of(resp, StatusCode::BAD_REQUEST).await;
        assert!(html.contains("Redirect refused"), "{bad}: {html}");
    }
    // And a sign-in with one never sends the browser there.
    let html = browser.page("/sign-in", StatusCode::OK).await;
    let csrf = input_value(&html, "csrf_token");
    let resp = browser
        .post(
            &format!("/sign-in?redirect_url={}", encoded("https://evil.example/")),
            &[
                ("csrf_token", &csrf),
                ("identifier", DEMO.0),
                ("password", DEMO.1),
            ],
        )
        .await;
    assert!(resp.headers().get(LOCATION).is_none());
    html_of(resp, StatusCode::BAD_REQUEST).await;
    assert!(emu.hook_sessions().await.is_empty(), "no sign-in happened");
}

#[tokio::test]
async fn portal_pages_escape_what_they_show() {
    let odd = User::new("<script>x</script>@example.com", "odd-password-1")
        .with_name(Some("<img src=x onerror=alert(1)>"), None);
    let emu = start_with(one_step().with_users(vec![odd])).await;
    let browser = Browser::new(&emu);

    // A refused redirect_url is shown escaped.
    let hostile = "https://evil.example/\"><script>alert(1)</script>";
    let html = browser
        .page(
            &format!("/sign-in?redirect_url={}", encoded(hostile)),
            StatusCode::BAD_REQUEST,
        )
        .await;
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );

    // The typed identifier comes back escaped in the form.
    let html = browser.page("/sign-in", StatusCode::OK).await;
    let csrf = input_value(&html, "csrf_token");
    let typed = "\"><script>alert(2)</script>";
    let resp = browser
        .post(
            "/sign-in",
            &[
                ("csrf_token", &csrf),
                ("identifier", typed),
                ("password", "x"),
            ],
        )
        .await;
    let html = html_of(resp, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(!html.contains("<script>alert(2)"), "{html}");
    assert!(
        html.contains("value=\"&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;\""),
        "{html}"
    );

    // So is the signed-in user's address.
    let resp = browser
        .post(
            "/sign-in",
            &[
                ("csrf_token", &csrf),
                ("identifier", "<script>x</script>@example.com"),
                ("password", "odd-password-1"),
            ],
        )
        .await;
    let html = html_of(resp, StatusCode::OK).await;
    assert!(!html.contains("<script>x"), "{html}");
    assert!(
        html.contains("&lt;script&gt;x&lt;/script&gt;@example.com"),
        "{html}"
    );
}

#[tokio::test]
async fn portal_forms_need_their_token_and_the_emulators_origin() {
    let emu = start_with(one_step()).await;
    let browser = Browser::new(&emu);
    let html = browser.page("/sign-in", StatusCode::OK).await;
    let csrf = input_value(&html, "csrf_token");
    let credentials = [("identifier", DEMO.0), ("password", DEMO.1)];

    // No token, or another browser's.
    let resp = browser.post("/sign-in", &credentials).await;
    html_of(resp, StatusCode::FORBIDDEN).await;
    let other = Browser::new(&emu);
    let theirs = input_value(&other.page("/sign-in", StatusCode::OK).await, "csrf_token");
    assert_ne!(theirs, csrf);
    let mut form = vec![("csrf_token", theirs.as_str())];
    form.extend(credentials);
    html_of(browser.post("/sign-in", &form).await, StatusCode::FORBIDDEN).await;
    // The right token, sent from another page of 127.0.0.1 (same site).
    let mut form = vec![("csrf_token", csrf.as_str())];
    form.extend(credentials);
    let resp = browser
        .post_from("http://127.0.0.1:9999", "/sign-in", &form)
        .await;
    let html = html_of(resp, StatusCode::FORBIDDEN).await;
    assert!(html.contains("http://127.0.0.1:9999"), "{html}");
    assert!(emu.hook_sessions().await.is_empty(), "nothing signed in");

    // From its own page, it works.
    let resp = browser.post("/sign-in", &form).await;
    html_of(resp, StatusCode::OK).await;
    assert_eq!(emu.hook_sessions().await.len(), 1);
}

#[tokio::test]
async fn sign_up_confirms_the_address_with_a_code() {
    let emu = start_with(Config::default()).await;
    let browser = Browser::new(&emu);
    let query = format!("?redirect_url={}", encoded(AFTER));
    let html = browser
        .page(&format!("/sign-up{query}"), StatusCode::OK)
        .await;
    let csrf = input_value(&html, "csrf_token");
    let new = ("new@example.com", "new-password-1");

    for (form, status, says) in [
        (
            vec![("email_address", DEMO.0), ("password", "long-enough-1")],
            StatusCode::UNPROCESSABLE_ENTITY,
            "That email address is taken",
        ),
        (
            vec![("email_address", new.0), ("password", "short")],
            StatusCode::UNPROCESSABLE_ENTITY,
            "Passwords must be 8 characters or more.",
        ),
        (
            vec![("email_address", "not-an-address"), ("password", new.1)],
            StatusCode::UNPROCESSABLE_ENTITY,
            "must be a valid email address",
        ),
    ] {
        let mut form = form;
        form.push(("csrf_token", &csrf));
        let html = html_of(
            browser.post(&format!("/sign-up{query}"), &form).await,
            status,
        )
        .await;
        assert!(html.contains(says), "{says}: {html}");
    }

    let resp = browser
        .post(
            &format!("/sign-up{query}"),
            &[
                ("csrf_token", &csrf),
                ("first_name", "Nova"),
                ("email_address", new.0),
                ("password", new.1),
            ],
        )
        .await;
    let next = see_other(&resp);
    assert_eq!(next, format!("/sign-up/verify{query}"));
    // The app sees the sign-up in progress.
    let client = browser.client("").await;
    let sign_up = &client["client"]["sign_up"];
    assert_eq!(sign_up["status"], "missing_requirements");
    assert_eq!(sign_up["email_address"], new.0);
    assert_eq!(
        sign_up["unverified_fields"],
        serde_json::json!(["email_address"])
    );
    assert_eq!(
        sign_up["verifications"]["email_address"]["next_action"],
        "needs_attempt"
    );
    let emails = emu.emails_to(new.0).await;
    assert_eq!(emails.len(), 1);
    assert_eq!(str_at(&emails[0], "/sign_up_id"), str_at(sign_up, "/id"));
    assert_eq!(emails[0]["sign_in_id"], Value::Null);

    let html = browser.page(&next, StatusCode::OK).await;
    assert!(
        html.contains("We sent a code to <strong>new@example.com</strong>"),
        "{html}"
    );
    // Resend: a new code replaces the old one.
    see_other(
        &browser
            .post("/sign-up/verify/resend", &[("csrf_token", &csrf)])
            .await,
    );
    assert_eq!(emu.emails_to(new.0).await.len(), 2);
    let code = emu.last_code(new.0).await;
    let resp = browser
        .post(&next, &[("csrf_token", &csrf), ("code", &code)])
        .await;
    assert_eq!(see_other(&resp), AFTER);

    let client = browser.client("").await;
    assert_eq!(client["client"]["sign_up"], Value::Null, "complete");
    let user = &client["client"]["sessions"][0]["user"];
    assert_eq!(user["first_name"], "Nova");
    assert_eq!(user["email_addresses"][0]["email_address"], new.0);

    // The new user signs in with the FAPI from this browser in one step
    // (it proved the address here), and from another with a code.
    ok_json(
        browser
            .http
            .delete(format!("{}/v1/client/sessions", emu.base))
            .header(ORIGIN, APP_ORIGIN)
            .send()
            .await
            .expect("sent"),
    )
    .await;
    let again = ok_json(
        browser
            .http
            .post(format!("{}/v1/client/sign_ins", emu.base))
            .header(ORIGIN, APP_ORIGIN)
            .form(&[("identifier", new.0), ("password", new.1)])
            .send()
            .await
            .expect("sent"),
    )
    .await;
    assert_eq!(again["response"]["status"], "complete");
    let elsewhere = emu
        .post_form(
            "/v1/client/sign_ins",
            &[("identifier", new.0), ("password", new.1)],
        )
        .await;
    assert_eq!(
        ok_json(elsewhere).await["response"]["status"],
        "needs_client_trust"
    );
}

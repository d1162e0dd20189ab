//! Schema conformance: the JSON the emulator sends is checked against the
//! response schemas of Clerk's OpenAPI description, looked up by path,
//! method and status. A small validator covers the subset that description
//! uses: `$ref`, `allOf`, `oneOf`, `anyOf`, `nullable`, `required`, `type`,
//! `enum`, `items`, `properties` and `additionalProperties`.

use reqwest::{Method, Response};
use serde_json::Value;

use crate::common::*;

/// Where Clerk's FAPI description lives: `shared/clerk-fapi/` beside the
/// checkout, found from this crate upwards (so a worktree nested deeper
/// finds it too), or the file `CLERK_FAPI_SPEC` names.
fn spec_path() -> Option<std::path::PathBuf> {
    if let Some(path) = std::env::var_os("CLERK_FAPI_SPEC") {
        return Some(path.into());
    }
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|dir| dir.join("shared/clerk-fapi/fapi-openapi.json"))
        .find(|path| path.is_file())
}

struct Spec(Value);

impl Spec {
    fn load() -> Option<Self> {
        let Some(path) = spec_path() else {
            println!("skipping schema conformance: no shared/clerk-fapi/fapi-openapi.json above this crate");
            return None;
        };
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        Some(Self(serde_json::from_str(&text).expect("the spec is JSON")))
    }

    fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        let mut current = schema;
        while let Some(reference) = current.get("$ref").and_then(Value::as_str) {
            let pointer = reference.strip_prefix('#').expect("local $ref");
            current = self
                .0
                .pointer(pointer)
                .unwrap_or_else(|| panic!("dangling $ref {reference}"));
        }
        current
    }

    /// The JSON schema of a documented response; `ClerkErrors` for error
    /// statuses the description does not list (405, 413...).
    fn response_schema(&self, path: &str, method: &str, status: u16) -> &Value {
        let documented = self
            .0
            .pointer(&format!(
                "/paths/{}/{}/responses/{status}",
                path.replace('~', "~0").replace('/', "~1"),
                method.to_ascii_lowercase()
            ))
            .map(|r| self.resolve(r));
        match documented {
            Some(response) => response
                .pointer("/content/application~1json/schema")
                .unwrap_or_else(|| panic!("{method} {path} {status} has no JSON schema")),
            None if status >= 400 => self
                .0
                .pointer("/components/schemas/ClerkErrors")
                .expect("ClerkErrors schema"),
            None => panic!("{method} {path} does not document status {status}"),
        }
    }

    /// Every way `value` breaks `schema`, as `pointer: reason`.
    fn check(&self, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
        let schema = self.resolve(schema);
        if value.is_null() && schema.get("nullable") == Some(&Value::Bool(true)) {
            return;
        }
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            for part in all {
                self.check(part, value, at, errors);
            }
        }
        for (key, exactly_one) in [("oneOf", true), ("anyOf", false)] {
            if let Some(options) = schema.get(key).and_then(Value::as_array) {
                let passing = options
                    .iter()
                    .filter(|option| {
                        let mut sub = Vec::new();
                        self.check(option, value, at, &mut sub);
                        sub.is_empty()
                    })
                    .count();
                if passing == 0 || (exactly_one && passing > 1) {
                    errors.push(format!("{at}: {passing} of the {key} options match"));
                }
            }
        }
        if let Some(expected) = schema.get("type").and_then(Value::as_str) {
            let ok = match expected {
                "object" => value.is_object(),
                "array" => value.is_array(),
                "string" => value.is_string(),
                "integer" => value.is_i64() || value.is_u64(),
                "number" => value.is_number(),
                "boolean" => value.is_boolean(),
                other => panic!("unknown type {other}"),
            };
            if !ok {
                errors.push(format!("{at}: expected {expected}, got {value}"));
                return;
            }
        } else if value.is_null() && !schema.as_object().is_some_and(|s| s.is_empty()) {
            // Null passes only where the schema says nullable (or is `{}`).
            if schema.get("allOf").is_none() && schema.get("oneOf").is_none() {
                errors.push(format!("{at}: null is not allowed"));
            }
            return;
        }
        if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
            if !allowed.contains(value) {
                errors.push(format!("{at}: {value} not in {allowed:?}"));
            }
        }
        if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
            for (i, item) in array.iter().enumerate() {
                self.check(items, item, &format!("{at}/{i}"), errors);
            }
        }
        if let Some(object) = value.as_object() {
            let properties = schema.get("properties").and_then(Value::as_object);
            if let Some(required) = schema.get("required").and_then(Value::as_array) {
                for name in required.iter().filter_map(Value::as_str) {
                    if !object.contains_key(name) {
                        errors.push(format!("{at}: missing required {name}"));
                    }
                }
            }
            for (name, field) in object {
                match properties.and_then(|p| p.get(name)) {
                    Some(field_schema) => {
                        self.check(field_schema, field, &format!("{at}/{name}"), errors)
                    }
                    None => match schema.get("additionalProperties") {
                        Some(Value::Bool(false)) => {
                            errors.push(format!("{at}: unexpected property {name}"))
                        }
                        Some(extra @ Value::Object(_)) => {
                            self.check(extra, field, &format!("{at}/{name}"), errors)
                        }
                        _ => {}
                    },
                }
            }
        }
    }

    /// Asserts that `body` conforms to the response schema of the route.
    fn assert_conforms(&self, path: &str, method: &str, status: u16, body: &Value) {
        let schema = self.response_schema(path, method, status);
        let mut errors = Vec::new();
        self.check(schema, body, "", &mut errors);
        assert!(
            errors.is_empty(),
            "{method} {path} {status} does not match the schema:\n{}\nbody: {body}",
            errors.join("\n")
        );
    }
}

async fn body_of(resp: Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    (status, serde_json::from_str(&text).expect("JSON body"))
}

/// Sends `method path` (POSTs with an empty form) and checks the answer
/// against the schema documented for `route`; returns the body.
async fn conform(spec: &Spec, emu: &Emu, method: Method, route: &str, path: &str) -> Value {
    let resp = if method == Method::POST {
        emu.post_form(path, &[]).await
    } else {
        emu.send(method.clone(), path).await
    };
    let (status, body) = body_of(resp).await;
    spec.assert_conforms(route, method.as_str(), status, &body);
    body
}

#[tokio::test]
async fn responses_match_clerk_openapi() {
    let Some(spec) = Spec::load() else {
        return;
    };
    // The validator itself must be able to fail.
    let mut errors = Vec::new();
    let client_schema = spec.0["components"]["schemas"]["Client.Client"].clone();
    spec.check(
        &client_schema,
        &serde_json::json!({"object": "nope"}),
        "",
        &mut errors,
    );
    assert!(errors.len() > 5, "validator too lenient: {errors:?}");

    let emu = start_with(one_step().with_multi_session(true)).await;
    let (spec, emu) = (&spec, &emu);
    use Method as M;
    for (method, path) in [
        (M::GET, "/v1/environment"),
        (M::GET, "/v1/health"),
        (M::GET, "/v1/client"),
        (M::PUT, "/v1/client"),
        (M::GET, "/.well-known/jwks.json"),
    ] {
        conform(spec, emu, method, path, path).await;
    }
    let signed = emu
        .post_form(
            "/v1/client/sign_ins",
            &[("identifier", DEMO.0), ("password", DEMO.1)],
        )
        .await;
    let (status, signed) = body_of(signed).await;
    spec.assert_conforms("/v1/client/sign_ins", "POST", status, &signed);
    let sid = str_at(&signed, "/response/created_session_id");
    let other = str_at(&emu.sign_in(ADA).await, "/response/created_session_id");
    conform(spec, emu, M::GET, "/v1/client", "/v1/client").await;

    let route = "/v1/client/sessions/{session_id}";
    for (method, action, id) in [
        (M::GET, "", &sid),
        (M::POST, "/touch", &sid),
        (M::POST, "/tokens", &sid),
        (M::POST, "/end", &sid),
        (M::POST, "/remove", &other),
    ] {
        let path = format!("/v1/client/sessions/{id}{action}");
        let body = conform(spec, emu, method, &format!("{route}{action}"), &path).await;
        if action == "/tokens" {
            // The Token schema is stricter than the route's inline one.
            let mut errors = Vec::new();
            spec.check(
                &spec.0["components"]["schemas"]["Token"],
                &body,
                "",
                &mut errors,
            );
            assert!(errors.is_empty(), "{errors:?}");
        }
    }
    emu.sign_in(ADA).await;
    let all = "/v1/client/sessions";
    conform(spec, emu, M::DELETE, all, all).await;
    emu.sign_in(DEMO).await;
    conform(spec, emu, M::DELETE, "/v1/client", "/v1/client").await;

    // Error bodies, on their own routes.
    let (status, body) = body_of(
        emu.post_form("/v1/client/sign_ins", &[("identifier", "x@y.z")])
            .await,
    )
    .await;
    assert_eq!(status, 422);
    spec.assert_conforms("/v1/client/sign_ins", "POST", status, &body);
    for (method, route, path) in [
        (M::GET, route, "/v1/client/sessions/sess_unknown"),
        (M::DELETE, "/v1/client", "/v1/client"),
        (M::PATCH, "/v1/client", "/v1/client"),
        (M::GET, "/v1/nowhere", "/v1/nowhere"),
    ] {
        let body = conform(spec, emu, method, route, path).await;
        assert!(body.get("errors").is_some(), "{path}: {body}");
    }
}

/// POSTs a form to `path` and checks the answer against `route`'s schema.
async fn posted(spec: &Spec, emu: &Emu, route: &str, path: &str, form: &[(&str, &str)]) -> Value {
    let (status, body) = body_of(emu.post_form(path, form).await).await;
    spec.assert_conforms(route, "POST", status, &body);
    body
}

/// GETs `path` and checks the answer against `route`'s schema.
async fn got(spec: &Spec, emu: &Emu, route: &str, path: &str) -> Value {
    let (status, body) = body_of(emu.get(path).await).await;
    spec.assert_conforms(route, "GET", status, &body);
    body
}

#[tokio::test]
async fn second_factor_bodies_match_clerk_openapi() {
    let Some(spec) = Spec::load() else {
        return;
    };
    // Client Trust on, as by default; multi-session so both users fit.
    let emu = start_with(clerk_emulator::Config::default().with_multi_session(true)).await;
    let (spec, emu) = (&spec, &emu);
    let sign_ins = "/v1/client/sign_ins";
    let one = "/v1/client/sign_ins/{sign_in_id}";
    let prepare = "/v1/client/sign_ins/{sign_in_id}/prepare_second_factor";
    let attempt = "/v1/client/sign_ins/{sign_in_id}/attempt_second_factor";
    let email_code = [("strategy", "email_code")];
    let some_code = [("strategy", "email_code"), ("code", "1")];

    // needs_client_trust, on the response and as client.sign_in.
    let started = posted(
        spec,
        emu,
        sign_ins,
        sign_ins,
        &[("identifier", DEMO.0), ("password", DEMO.1)],
    )
    .await;
    assert_eq!(started["response"]["status"], "needs_client_trust");
    let id = str_at(&started, "/response/id");
    let client = got(spec, emu, "/v1/client", "/v1/client").await;
    assert_eq!(client["response"]["sign_in"]["id"], id.as_str());

    // Every answer of the code step, errors included.
    let at = |route: &str| route.replace("{sign_in_id}", &id);
    let early = posted(spec, emu, attempt, &at(attempt), &some_code).await;
    assert_eq!(early["errors"][0]["code"], "verification_missing");
    let prepared = posted(spec, emu, prepare, &at(prepare), &email_code).await;
    assert_eq!(
        prepared["response"]["second_factor_verification"]["object"],
        "verification_otp"
    );
    for form in [
        vec![("strategy", "email_code"), ("code", "000000")],
        vec![("strategy", "phone_code"), ("code", "000000")],
        vec![("strategy", "email_code")],
    ] {
        let body = posted(spec, emu, attempt, &at(attempt), &form).await;
        assert!(body.get("errors").is_some(), "{body}");
    }
    got(spec, emu, one, &at(one)).await;
    emu.advance_clock(10 * 60 * 1000).await;
    let expired = posted(spec, emu, attempt, &at(attempt), &some_code).await;
    assert_eq!(expired["errors"][0]["code"], "verification_expired");
    got(spec, emu, one, &at(one)).await;
    posted(spec, emu, prepare, &at(prepare), &email_code).await;
    let code = emu.last_code(DEMO.0).await;
    let done = posted(
        spec,
        emu,
        attempt,
        &at(attempt),
        &[("strategy", "email_code"), ("code", &code)],
    )
    .await;
    assert_eq!(done["response"]["status"], "complete");
    got(spec, emu, one, &at(one)).await;
    let again = posted(spec, emu, prepare, &at(prepare), &email_code).await;
    assert_eq!(again["errors"][0]["code"], "verification_already_verified");
    got(spec, emu, one, "/v1/client/sign_ins/sia_nope").await;

    // needs_second_factor for the TOTP user, and its verification.
    let grace = [
        ("identifier", "grace@example.com"),
        ("password", "grace-password-1"),
    ];
    let grace = posted(spec, emu, sign_ins, sign_ins, &grace).await;
    assert_eq!(grace["response"]["status"], "needs_second_factor");
    let grace_id = str_at(&grace, "/response/id");
    let at = |route: &str| route.replace("{sign_in_id}", &grace_id);
    posted(spec, emu, prepare, &at(prepare), &[("strategy", "totp")]).await;
    posted(
        spec,
        emu,
        attempt,
        &at(attempt),
        &[("strategy", "totp"), ("code", "000000")],
    )
    .await;
    let secs = emu.clock_secs().await;
    let code = clerk_emulator::totp_code(clerk_emulator::DEMO_TOTP_SECRET, secs).expect("code");
    // A step boundary may fall between reading the clock and the attempt;
    // either answer must match the schema.
    posted(
        spec,
        emu,
        attempt,
        &at(attempt),
        &[("strategy", "totp"), ("code", &code)],
    )
    .await;
    got(spec, emu, "/v1/client", "/v1/client").await;
}

#[tokio::test]
async fn sign_ups_and_pending_sessions_match_clerk_openapi() {
    let Some(spec) = Spec::load() else {
        return;
    };
    let emu = start_with(clerk_emulator::Config::default()).await;
    let (spec, emu) = (&spec, &emu);
    // A sign-up started on the hosted page is the client's sign_up.
    let page = emu.get("/sign-up").await.text().await.expect("page");
    let csrf = input_value(&page, "csrf_token");
    let started = emu
        .http
        .post(emu.url("/sign-up"))
        .header(reqwest::header::ORIGIN, emu.base.as_str())
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email_address", "new@example.com"),
            ("password", "new-password-1"),
        ])
        .send()
        .await
        .expect("sent");
    // Redirected to the code step.
    assert_eq!(started.url().path(), "/sign-up/verify", "{started:?}");
    let client = got(spec, emu, "/v1/client", "/v1/client").await;
    assert_eq!(
        client["client"]["sign_up"]["status"],
        "missing_requirements"
    );
    let code = emu.last_code("new@example.com").await;
    emu.http
        .post(emu.url("/sign-up/verify"))
        .header(reqwest::header::ORIGIN, emu.base.as_str())
        .form(&[("csrf_token", csrf.as_str()), ("code", code.as_str())])
        .send()
        .await
        .expect("sent");
    let client = got(spec, emu, "/v1/client", "/v1/client").await;
    let sid = str_at(&client, "/client/last_active_session_id");

    // A pending session with its tasks.
    let pending =
        serde_json::json!({"status": "pending", "tasks": [{"key": "choose-organization"}]});
    ok_json(
        emu.post_json(&format!("/__emulator/sessions/{sid}"), &pending)
            .await,
    )
    .await;
    let client = got(spec, emu, "/v1/client", "/v1/client").await;
    assert_eq!(client["client"]["sessions"][0]["status"], "pending");
    let route = "/v1/client/sessions/{session_id}";
    got(spec, emu, route, &format!("/v1/client/sessions/{sid}")).await;
}

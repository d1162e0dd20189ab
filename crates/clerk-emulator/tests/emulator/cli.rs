//! The binary (startup lines, SIGTERM) and the users file.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use clerk_emulator::Error;
use reqwest::StatusCode;

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_clerk-emulator");

/// Kills the child if a test fails half-way.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Spawns the binary and reads stdout lines on a thread, so the test can
/// wait for them with a timeout.
fn spawn(args: &[&str]) -> (Guard, mpsc::Receiver<String>) {
    let (guard, stdout, _stderr) = spawn_both(args);
    (guard, stdout)
}

/// Spawns the binary; stdout and stderr lines arrive on two channels.
fn spawn_both(args: &[&str]) -> (Guard, mpsc::Receiver<String>, mpsc::Receiver<String>) {
    let mut child = Command::new(BIN)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let stdout = lines(child.stdout.take().expect("stdout piped"));
    let stderr = lines(child.stderr.take().expect("stderr piped"));
    (Guard(child), stdout, stderr)
}

fn lines(pipe: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

fn next_line(rx: &mpsc::Receiver<String>) -> String {
    rx.recv_timeout(Duration::from_secs(30))
        .expect("a line on stdout within 30 s")
}

/// The URL the first stdout line announces.
fn listening_url(rx: &mpsc::Receiver<String>) -> String {
    let first = next_line(rx);
    first
        .strip_prefix("clerk-emulator listening on ")
        .unwrap_or_else(|| panic!("first line: {first}"))
        .to_owned()
}

/// Waits for a child spawned with stderr piped to exit; its status and
/// what it wrote on stderr.
fn exit_and_stderr(child: Child) -> (std::process::ExitStatus, String) {
    let mut guard = Guard(child);
    let status = wait_exit(&mut guard);
    let mut stderr = String::new();
    if let Some(mut pipe) = guard.0.stderr.take() {
        pipe.read_to_string(&mut stderr).expect("stderr");
    }
    (status, stderr)
}

/// Waits (with a timeout) for the child to exit and returns its status.
fn wait_exit(guard: &mut Guard) -> std::process::ExitStatus {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = guard.0.try_wait().expect("try_wait") {
            return status;
        }
        assert!(std::time::Instant::now() < deadline, "did not exit in 30 s");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test]
async fn binary_prints_banner_serves_and_exits_on_sigterm() {
    let (mut guard, rx) = spawn(&[
        "--addr",
        "127.0.0.1:0",
        "--allowed-origin",
        "http://127.0.0.1:3000",
        "--multi-session",
    ]);
    let url = listening_url(&rx);
    let host_port = url.strip_prefix("http://127.0.0.1:").expect("loopback URL");
    let port: u16 = host_port.parse().expect("port");
    assert_ne!(port, 0, "the real port is printed");
    let second = next_line(&rx);
    assert_eq!(
        second,
        format!(
            "publishable key: {}",
            clerk_emulator::publishable_key_for(&format!("127.0.0.1:{port}"))
        )
    );
    let rest: Vec<String> = (0..7).map(|_| next_line(&rx)).collect();
    let rest = rest.join("\n");
    assert!(rest.contains("http://127.0.0.1:3000"), "{rest}");
    assert!(rest.contains("multi-session"), "{rest}");
    assert!(rest.contains("session tokens: 60 s"), "{rest}");
    assert!(
        rest.contains("demo@example.com / demo-password-1"),
        "{rest}"
    );

    let health = reqwest::get(format!("{url}/v1/health"))
        .await
        .expect("served");
    assert_eq!(health.status(), StatusCode::OK);

    let pid = guard.0.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let status = wait_exit(&mut guard);
    assert_eq!(status.code(), Some(0), "clean exit on SIGTERM");
}

#[test]
fn default_key_matches_clerk_format() {
    assert_eq!(
        clerk_emulator::publishable_key_for("127.0.0.1:8787"),
        "pk_test_MTI3LjAuMC4xOjg3ODck"
    );
    // Padding is kept, as in Clerk's keys.
    assert_eq!(
        clerk_emulator::publishable_key_for("localhost:80"),
        "pk_test_bG9jYWxob3N0OjgwJA=="
    );
}

#[tokio::test]
async fn users_file_replaces_the_demo_users() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("users.json");
    std::fs::write(
        &path,
        r#"[{"email": "grace@example.com", "password": "cobol-1959", "first_name": "Grace", "last_name": "Hopper"},
            {"email": "nameless@example.com", "password": "pw"}]"#,
    )
    .expect("write");
    let users = clerk_emulator::load_users(&path).expect("valid file");
    assert_eq!(users.len(), 2);
    let emu = start_with(one_step().with_users(users)).await;
    let signed = emu.sign_in(("grace@example.com", "cobol-1959")).await;
    assert_eq!(
        signed["client"]["sessions"][0]["user"]["last_name"],
        "Hopper"
    );
    expect_error(
        emu.post_form(
            "/v1/client/sign_ins",
            &[("identifier", DEMO.0), ("password", DEMO.1)],
        )
        .await,
        StatusCode::BAD_REQUEST,
        "session_exists",
    )
    .await;
    // A new browser: the demo users are gone.
    expect_error(
        client()
            .post(emu.url("/v1/client/sign_ins"))
            .form(&[("identifier", DEMO.0), ("password", DEMO.1)])
            .send()
            .await
            .expect("sent"),
        StatusCode::UNPROCESSABLE_ENTITY,
        "form_identifier_not_found",
    )
    .await;
}

#[test]
fn bad_users_files_are_clear_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = [
        ("missing.json", None),
        ("syntax.json", Some("[{\"email\": ")),
        ("shape.json", Some("{\"email\": \"a@b.c\"}")),
        ("unknown.json", Some("[{\"email\": \"a@b.c\", \"password\": \"p\", \"pw\": 1}]")),
        ("empty.json", Some("[]")),
        ("no-at.json", Some("[{\"email\": \"nobody\", \"password\": \"p\"}]")),
        ("no-pw.json", Some("[{\"email\": \"a@b.c\", \"password\": \"\"}]")),
        (
            "dup.json",
            Some("[{\"email\": \"a@b.c\", \"password\": \"p\"}, {\"email\": \"A@B.C\", \"password\": \"q\"}]"),
        ),
    ];
    for (name, content) in cases {
        let path = dir.path().join(name);
        if let Some(content) = content {
            std::fs::write(&path, content).expect("write");
        }
        let err = clerk_emulator::load_users(&path).expect_err(name);
        match (name, &err) {
            ("missing.json", Error::UsersRead { .. })
            | ("syntax.json" | "shape.json" | "unknown.json", Error::UsersParse { .. })
            | (_, Error::UsersInvalid(_)) => {}
            _ => panic!("{name}: unexpected {err:?}"),
        }
        // The binary says so on stderr and exits 2, without a panic.
        let child = Command::new(BIN)
            .args(["--addr", "127.0.0.1:0", "--users"])
            .arg(&path)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let (status, stderr) = exit_and_stderr(child);
        assert_eq!(status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains("clerk-emulator:"), "{name}: {stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
    }
}

#[tokio::test]
async fn a_non_loopback_address_is_refused_without_public() {
    let everywhere = one_step().with_addr("0.0.0.0:0".parse().expect("addr"));
    let err = clerk_emulator::start(everywhere)
        .await
        .expect_err("0.0.0.0 needs Config::public");
    assert!(err.to_string().contains("public"), "{err}");

    let (mut guard, stdout, stderr) = spawn_both(&["--addr", "0.0.0.0:0"]);
    if let Ok(line) = stdout.recv_timeout(Duration::from_secs(10)) {
        panic!("started on every interface without --public: {line}");
    }
    let status = wait_exit(&mut guard);
    let said: Vec<String> = stderr.try_iter().collect();
    assert_eq!(status.code(), Some(2), "{said:?}");
    assert!(said.iter().any(|l| l.contains("--public")), "{said:?}");
}

#[tokio::test]
async fn public_listens_everywhere_says_so_and_warns_about_the_hooks() {
    let (_guard, stdout, stderr) = spawn_both(&["--addr", "0.0.0.0:0", "--public"]);
    let first = next_line(&stdout);
    let port: u16 = first
        .strip_prefix("clerk-emulator listening on http://0.0.0.0:")
        .unwrap_or_else(|| panic!("the real address on the first line: {first}"))
        .parse()
        .expect("port");
    assert_ne!(port, 0);
    let warning = next_line(&stderr);
    assert!(
        warning.contains("warning") && warning.contains("/__emulator"),
        "{warning}"
    );
    // Peers on the network name it by an IP address; names still need to
    // be this machine's (DNS rebinding).
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let get = |host: &str| {
        format!("GET /v1/health HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")
    };
    let (status, _) = raw_request(addr, get(&format!("192.0.2.10:{port}")).as_bytes()).await;
    assert_eq!(status, 200);
    let (status, _) =
        raw_request(addr, get(&format!("rebind.evil.example:{port}")).as_bytes()).await;
    assert_eq!(status, 421);
}

/// Signs the demo user in with a password; the envelope.
async fn password_sign_in(http: &reqwest::Client, url: &str) -> serde_json::Value {
    let resp = http
        .post(format!("{url}/v1/client/sign_ins"))
        .form(&[("identifier", DEMO.0), ("password", DEMO.1)])
        .send()
        .await
        .expect("sent");
    ok_json(resp).await
}

/// Reads stdout lines until one contains `needle`; returns it.
fn line_containing(rx: &mpsc::Receiver<String>, needle: &str) -> String {
    loop {
        let line = next_line(rx);
        if line.contains(needle) {
            return line;
        }
    }
}

#[tokio::test]
async fn the_binary_prints_every_code_it_sends() {
    let (_guard, rx) = spawn(&["--addr", "127.0.0.1:0"]);
    let url = listening_url(&rx);
    let trust = line_containing(&rx, "client trust:");
    assert!(trust.starts_with("client trust: on"), "{trust}");
    let grace = line_containing(&rx, "grace@example.com");
    assert!(grace.contains(clerk_emulator::DEMO_TOTP_SECRET), "{grace}");

    let http = client();
    let started = password_sign_in(&http, &url).await;
    assert_eq!(started["response"]["status"], "needs_client_trust");
    let id = str_at(&started, "/response/id");
    let prepared = http
        .post(format!(
            "{url}/v1/client/sign_ins/{id}/prepare_second_factor"
        ))
        .form(&[("strategy", "email_code")])
        .send()
        .await
        .expect("sent");
    assert_eq!(prepared.status(), StatusCode::OK);
    let line = line_containing(&rx, "e-mail code");
    let emails = ok_json(
        http.get(format!("{url}/__emulator/emails"))
            .send()
            .await
            .expect("sent"),
    )
    .await;
    let code = str_at(&emails, "/0/code");
    assert_eq!(
        line,
        format!(
            "clerk-emulator: e-mail code {code} for {} (sign-in {id})",
            DEMO.0
        )
    );
}

#[tokio::test]
async fn no_client_trust_signs_in_with_a_password_alone() {
    let (_guard, rx) = spawn(&["--addr", "127.0.0.1:0", "--no-client-trust"]);
    let url = listening_url(&rx);
    assert_eq!(line_containing(&rx, "client trust:"), "client trust: off");
    let signed = password_sign_in(&client(), &url).await;
    assert_eq!(signed["response"]["status"], "complete");
}

#[tokio::test]
async fn the_token_lifetime_flag_is_used_and_checked() {
    let (_guard, rx) = spawn(&[
        "--addr",
        "127.0.0.1:0",
        "--token-lifetime",
        "5",
        "--no-client-trust",
    ]);
    let url = listening_url(&rx);
    assert_eq!(
        line_containing(&rx, "session tokens:"),
        "session tokens: 5 s"
    );
    let signed = password_sign_in(&client(), &url).await;
    let jwt = str_at(&signed, "/client/sessions/0/last_active_token/jwt");
    let jwks = ok_json(
        client()
            .get(format!("{url}/.well-known/jwks.json"))
            .send()
            .await
            .expect("sent"),
    )
    .await;
    let claims = verify_jwt(&jwks, &jwt, &url);
    let iat = claims["iat"].as_i64().expect("iat");
    assert_eq!(claims["exp"].as_i64(), Some(iat + 5));

    for bad in ["0", "86401", "soon"] {
        let child = Command::new(BIN)
            .args(["--addr", "127.0.0.1:0", "--token-lifetime", bad])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let (status, stderr) = exit_and_stderr(child);
        assert_eq!(status.code(), Some(2), "{bad}: {stderr}");
        assert!(stderr.contains("token"), "{bad}: {stderr}");
        assert!(!stderr.contains("panicked"), "{bad}: {stderr}");
    }
}

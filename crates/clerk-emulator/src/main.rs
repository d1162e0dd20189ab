//! `clerk-emulator`: run the Clerk Frontend API emulator from the command line.
//!
//! The first line on stdout is always `clerk-emulator listening on URL`, so
//! scripts can learn the port (useful with `--addr 127.0.0.1:0`).

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use clerk_emulator::{Config, Running, User};

/// A local server that speaks Clerk's Frontend API, for offline development
/// and tests.
#[derive(Debug, Parser)]
#[command(name = "clerk-emulator", version)]
struct Cli {
    /// Address to listen on; port 0 picks a free port. Only loopback
    /// addresses unless --public is given.
    #[arg(long, default_value = "127.0.0.1:8787")]
    addr: SocketAddr,

    /// Allow a non-loopback --addr such as 0.0.0.0. Anyone who can reach it
    /// can then use the test hooks (/__emulator/*) and the seeded users.
    #[arg(long)]
    public: bool,

    /// Origin allowed to call the API with credentials (repeatable).
    /// Default: http://127.0.0.1:8080 and http://localhost:8080.
    #[arg(long = "allowed-origin", value_name = "ORIGIN")]
    allowed_origins: Vec<String>,

    /// Allow several sessions per client (otherwise a second sign-in
    /// answers `session_exists`).
    #[arg(long)]
    multi_session: bool,

    /// Development-instance mode: identify clients by a dev-browser token in
    /// the `__clerk_db_jwt` query parameter instead of the `__client` cookie.
    #[arg(long)]
    dev_browser: bool,

    /// Turn Client Trust off (as on Clerk applications created before
    /// November 2025): every password sign-in of a user without an
    /// authenticator app completes in one request, with no e-mail code.
    #[arg(long)]
    no_client_trust: bool,

    /// Session token lifetime in seconds (`exp` − `iat`), 1 to 86400.
    /// Clerk's default is 60; tests of token refresh use a few seconds.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    token_lifetime: u64,

    /// JSON file with the users who can sign in, replacing the demo users:
    /// `[{"email": "...", "password": "...", "first_name"?: "...", "last_name"?: "...", "totp_secret"?: "BASE32"}]`.
    #[arg(long, value_name = "FILE")]
    users: Option<PathBuf>,
}

/// Exit code for bad input (a bad users file), as for bad flags.
const EXIT_USAGE: u8 = 2;

fn banner(running: &Running, config: &Config) -> String {
    let mut out = format!(
        "clerk-emulator listening on http://{}\npublishable key: {}\n",
        running.addr(),
        running.publishable_key()
    );
    out.push_str(&format!(
        "allowed origins: {}\n",
        config.allowed_origins.join(", ")
    ));
    out.push_str(&format!(
        "mode: {}, {}\n",
        if config.multi_session {
            "multi-session"
        } else {
            "single-session"
        },
        if config.dev_browser {
            "dev-browser (__clerk_db_jwt query parameter)"
        } else {
            "cookie (__client)"
        }
    ));
    out.push_str(if config.client_trust {
        "client trust: on (a new browser confirms a password sign-in with an e-mail code, printed below and listed at /__emulator/emails)\n"
    } else {
        "client trust: off\n"
    });
    out.push_str(&format!(
        "session tokens: {} s\n",
        config.token_lifetime.as_secs()
    ));
    out.push_str("users:\n");
    for user in &config.users {
        let name = [user.first_name.as_deref(), user.last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        out.push_str(&format!("  {} / {}", user.email, user.password));
        if !name.is_empty() {
            out.push_str(&format!(" ({name})"));
        }
        if let Some(secret) = &user.totp_secret {
            out.push_str(&format!(", authenticator app secret {secret}"));
        }
        out.push('\n');
    }
    out
}

/// Watches SIGINT and SIGTERM. Installed before the banner is printed, so a
/// signal sent as soon as a script sees the first line is not lost.
struct Signals {
    #[cfg(unix)]
    streams: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Signals {
    fn install() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let streams = match (
                signal(SignalKind::interrupt()),
                signal(SignalKind::terminate()),
            ) {
                (Ok(int), Ok(term)) => Some((int, term)),
                (Err(e), _) | (_, Err(e)) => {
                    eprintln!("clerk-emulator: cannot watch signals ({e}); falling back to Ctrl-C");
                    None
                }
            };
            Self { streams }
        }
        #[cfg(not(unix))]
        {
            Self {}
        }
    }

    /// Resolves on the first SIGINT or SIGTERM.
    async fn recv(self) {
        #[cfg(unix)]
        if let Some((mut int, mut term)) = self.streams {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let signals = Signals::install();
    let users: Vec<User> = match &cli.users {
        Some(path) => match clerk_emulator::load_users(path) {
            Ok(users) => users,
            Err(e) => {
                eprintln!("clerk-emulator: {e}");
                return ExitCode::from(EXIT_USAGE);
            }
        },
        None => clerk_emulator::default_users(),
    };
    let mut config = Config::default()
        .with_addr(cli.addr)
        .with_public(cli.public)
        .with_multi_session(cli.multi_session)
        .with_dev_browser(cli.dev_browser)
        .with_client_trust(!cli.no_client_trust)
        .with_token_lifetime(std::time::Duration::from_secs(cli.token_lifetime))
        .with_users(users);
    if !cli.allowed_origins.is_empty() {
        config = config.with_allowed_origins(cli.allowed_origins);
    }
    let running = match clerk_emulator::start(config.clone()).await {
        Ok(running) => running,
        Err(
            e @ (clerk_emulator::Error::InvalidOrigin(_)
            | clerk_emulator::Error::NotLoopback(_)
            | clerk_emulator::Error::InvalidTokenLifetime(_)),
        ) => {
            eprintln!("clerk-emulator: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
        Err(e) => {
            eprintln!("clerk-emulator: {e}");
            return ExitCode::FAILURE;
        }
    };
    if !running.addr().ip().to_canonical().is_loopback() {
        eprintln!(
            "clerk-emulator: warning: listening on {} (--public): anyone who can reach it can use the test hooks (/__emulator/*: reset, faults, the request log) and sign in as the seeded users",
            running.addr()
        );
    }
    let mut stdout = std::io::stdout().lock();
    // Scripts wait for these lines; if stdout is gone there is no one to tell.
    let _ = stdout.write_all(banner(&running, &config).as_bytes());
    let _ = stdout.flush();
    drop(stdout);

    signals.recv().await;
    running.shutdown().await;
    ExitCode::SUCCESS
}

//! `demo-api`: run the demo backend from the command line.
//!
//! The first line on stdout is always `demo-api listening on URL`, so scripts
//! can learn the port (useful with `--addr 127.0.0.1:0`).

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Parser;
use demo_api::{Config, Error};

/// The demo app's backend: `GET /api/me` answers who the Clerk session token
/// in `Authorization: Bearer` belongs to.
///
/// Name the instance either by its publishable key, or by its issuer (and
/// JWKS URL when it is not at `<issuer>/.well-known/jwks.json`).
#[derive(Debug, Parser)]
#[command(name = "demo-api", version)]
struct Cli {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8788")]
    addr: SocketAddr,

    /// The instance's publishable key (pk_test_... or pk_live_...): the issuer
    /// and JWKS are derived from it.
    #[arg(
        long,
        value_name = "KEY",
        required_unless_present = "issuer",
        conflicts_with_all = ["issuer", "jwks_url"]
    )]
    publishable_key: Option<String>,

    /// The exact `iss` of the tokens, e.g. http://127.0.0.1:8787.
    #[arg(long, value_name = "URL")]
    issuer: Option<String>,

    /// Where the JWKS is. Default: <issuer>/.well-known/jwks.json.
    #[arg(long, value_name = "URL", requires = "issuer")]
    jwks_url: Option<String>,

    /// Origin of an app that calls the API (repeatable): the tokens' `azp`
    /// must be one of them, and they get CORS answers.
    #[arg(long = "allowed-origin", value_name = "ORIGIN")]
    allowed_origins: Vec<String>,
}

/// Exit code for a bad flag value, as clap uses for a bad flag.
const EXIT_USAGE: u8 = 2;

fn config(cli: &Cli) -> Result<Config, Error> {
    let config = match (&cli.publishable_key, &cli.issuer) {
        (Some(key), _) => Config::from_publishable_key(key)?,
        (None, Some(issuer)) => Config::new(issuer.as_str()),
        // clap requires one of them.
        (None, None) => Config::new(""),
    };
    let config = match &cli.jwks_url {
        Some(url) => config.with_jwks_url(url.as_str()),
        None => config,
    };
    Ok(config.with_allowed_origins(cli.allowed_origins.iter().cloned()))
}

/// Resolves on Ctrl-C or SIGTERM (what scripts/dev sends).
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match config(&cli) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("demo-api: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let app = match demo_api::app(config.clone()) {
        Ok(app) => app,
        Err(e @ (Error::InvalidOrigin(_) | Error::InvalidUrl { .. })) => {
            eprintln!("demo-api: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
        Err(e) => {
            eprintln!("demo-api: {e}");
            return ExitCode::FAILURE;
        }
    };
    let listener = match tokio::net::TcpListener::bind(cli.addr).await {
        Ok(listener) => listener,
        Err(source) => {
            eprintln!(
                "demo-api: {}",
                Error::Bind {
                    addr: cli.addr,
                    source
                }
            );
            return ExitCode::FAILURE;
        }
    };
    let url = listener
        .local_addr()
        .map_or_else(|_| cli.addr.to_string(), |a| a.to_string());
    let origins = if config.allowed_origins.is_empty() {
        "none (azp is not checked; no browser origin may call)".to_owned()
    } else {
        config.allowed_origins.join(", ")
    };
    // Scripts wait for the first line; if stdout is gone there is no one to tell.
    let _ = write!(
        std::io::stdout().lock(),
        "demo-api listening on http://{url}\nissuer: {}\njwks: {}\nallowed origins: {origins}\n",
        config.issuer,
        config.jwks_url,
    );
    let _ = std::io::stdout().flush();
    match axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("demo-api: {}", Error::Io(e));
            ExitCode::FAILURE
        }
    }
}

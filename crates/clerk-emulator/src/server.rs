//! The accept loop. `axum::serve` has no read timeouts, so each connection
//! is served by hyper's HTTP/1 builder with a header read timeout, which
//! also closes connections left idle between requests (slowloris). The
//! body timeout lives in the front layer, which reads bodies.

use std::time::Duration;

use axum::serve::Listener;
use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// Serves `app` until `stop` fires (or its sender is dropped), then stops
/// accepting and waits for the open connections to finish their requests.
pub(crate) async fn serve(
    mut listener: TcpListener,
    app: Router,
    header_read_timeout: Duration,
    stop: oneshot::Receiver<()>,
) {
    let graceful = GracefulShutdown::new();
    let mut stop = std::pin::pin!(stop);
    loop {
        let (stream, _peer) = tokio::select! {
            // axum's accept retries (after a pause) on errors such as EMFILE.
            accepted = Listener::accept(&mut listener) => accepted,
            _ = &mut stop => break,
        };
        let mut builder = http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(header_read_timeout);
        let connection =
            builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app.clone()));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A connection that breaks (timeout, reset, injected drop) only
            // concerns its own client.
            let _ = connection.await;
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

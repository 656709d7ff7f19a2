//! The controller's HTTP endpoints: `/metrics` (Prometheus text), `/healthz` (the process
//! answers) and `/readyz` (see [`Health::readiness`]).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use http::{Method, Request, Response, StatusCode, header};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use super::health::Health;
use crate::metrics::Metrics;

/// Content type of the Prometheus text format.
pub const PROMETHEUS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// What the endpoints read.
#[derive(Clone, Debug)]
pub struct Endpoints {
    /// Reconcile metrics.
    pub metrics: Arc<Metrics>,
    /// Leadership and readiness.
    pub health: Arc<Health>,
}

impl Endpoints {
    /// The answer to `method path`.
    pub fn respond(&self, method: &Method, path: &str) -> Response<Full<Bytes>> {
        if method != Method::GET && method != Method::HEAD {
            return text(StatusCode::METHOD_NOT_ALLOWED, "only GET\n".to_owned());
        }
        match path {
            "/metrics" => {
                let mut body = self.metrics.render_prometheus();
                body.push_str(&self.health.render_prometheus());
                let mut response = text(StatusCode::OK, body);
                response.headers_mut().insert(
                    header::CONTENT_TYPE,
                    header::HeaderValue::from_static(PROMETHEUS_CONTENT_TYPE),
                );
                response
            }
            "/healthz" => text(StatusCode::OK, "ok\n".to_owned()),
            "/readyz" => match self.health.readiness() {
                Ok(()) => text(
                    StatusCode::OK,
                    format!("ok ({})\n", self.health.leadership().as_str()),
                ),
                Err(reason) => text(StatusCode::SERVICE_UNAVAILABLE, format!("{reason}\n")),
            },
            _ => text(
                StatusCode::NOT_FOUND,
                "not found: try /metrics, /healthz or /readyz\n".to_owned(),
            ),
        }
    }
}

fn text(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// The endpoints' listener could not be opened.
#[derive(Debug, thiserror::Error)]
#[error("listening on {address} for /metrics, /healthz and /readyz: {source}")]
pub struct BindError {
    /// The address.
    pub address: SocketAddr,
    /// What went wrong.
    #[source]
    pub source: std::io::Error,
}

/// Opens the listener (port 0 picks a free port: see `TcpListener::local_addr`).
pub async fn bind(address: SocketAddr) -> Result<TcpListener, BindError> {
    TcpListener::bind(address)
        .await
        .map_err(|source| BindError { address, source })
}

/// Serves the endpoints on `listener` until `shutdown` resolves. Connections are HTTP/1.1, each
/// on its own task; a failed connection is logged and does not stop the server.
pub async fn serve(
    listener: TcpListener,
    endpoints: Endpoints,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => return,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!(%error, "accepting a connection on the metrics port");
                    continue;
                }
            },
        };
        let endpoints = endpoints.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request: Request<Incoming>| {
                let response = endpoints.respond(request.method(), request.uri().path());
                std::future::ready(Ok::<_, std::convert::Infallible>(response))
            });
            if let Err(error) = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                tracing::debug!(%error, %peer, "metrics connection failed");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::health::Leadership;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    async fn request(address: SocketAddr, method: &str, path: &str) -> String {
        let mut stream = tokio::net::TcpStream::connect(address)
            .await
            .expect("connects");
        let request = format!("{method} {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.expect("writes");
        let mut response = String::new();
        stream.read_to_string(&mut response).await.expect("reads");
        response
    }

    #[tokio::test]
    async fn endpoints_over_http() {
        let listener = bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("binds");
        let address = listener.local_addr().expect("address");
        let health = Arc::new(Health::new(true));
        let metrics = Arc::new(Metrics::default());
        metrics.record_reconcile(std::time::Duration::from_millis(20), None);
        let endpoints = Endpoints {
            metrics,
            health: Arc::clone(&health),
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve(listener, endpoints, async {
            let _ = stopped.await;
        }));

        let healthz = request(address, "GET", "/healthz").await;
        assert!(healthz.starts_with("HTTP/1.1 200 OK\r\n"), "{healthz}");
        assert!(healthz.ends_with("\r\n\r\nok\n"), "{healthz}");

        let metrics = request(address, "GET", "/metrics").await;
        assert!(metrics.starts_with("HTTP/1.1 200 OK\r\n"), "{metrics}");
        assert!(
            metrics.contains(&format!("content-type: {PROMETHEUS_CONTENT_TYPE}\r\n")),
            "{metrics}"
        );
        for line in [
            "drover_reconciles_total 1\n",
            "drover_reconcile_duration_seconds_bucket{le=\"0.05\"} 1\n",
            "drover_leader 0\n",
            "drover_watch_errors_total 0\n",
        ] {
            assert!(metrics.contains(line), "{line:?} missing:\n{metrics}");
        }

        let not_ready = request(address, "GET", "/readyz").await;
        assert!(
            not_ready.starts_with("HTTP/1.1 503 Service Unavailable\r\n"),
            "{not_ready}"
        );
        health.set_leadership(Leadership::Leading);
        let (caches, writers) = crate::cache::Caches::new();
        crate::cache::Feeder::new(writers).mark_synced(&caches, &[]);
        health.set_caches(Some(std::sync::Arc::new(caches)));
        let ready = request(address, "GET", "/readyz").await;
        assert!(ready.starts_with("HTTP/1.1 200 OK\r\n"), "{ready}");
        assert!(ready.ends_with("ok (leading)\n"), "{ready}");

        assert!(
            request(address, "GET", "/")
                .await
                .starts_with("HTTP/1.1 404")
        );
        assert!(
            request(address, "POST", "/metrics")
                .await
                .starts_with("HTTP/1.1 405")
        );

        let _ = stop.send(());
        server.await.expect("server stops");
        assert!(
            tokio::net::TcpStream::connect(address).await.is_err(),
            "the listener is closed after shutdown"
        );
    }
}

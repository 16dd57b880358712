//! The stand-in's HTTP side: the routes, the guard in front of them (request log, counters,
//! faults, bearer check), and a listener whose connections can be cut without an answer.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use axum::Router;
use axum::body::Body;
use axum::extract::connect_info::Connected;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use super::{Call, Fault, LOG_LENGTH, Recorded, Shared, handlers, lock};

pub(super) async fn run(listener: TcpListener, shared: Arc<Shared>) {
    let app = Router::new()
        .route("/mfa/api/health/", get(handlers::health))
        .route("/mfa/api/tenant/stats/", get(handlers::stats))
        .route("/mfa/api/tenant/register/", post(handlers::register))
        .route("/mfa/api/tenant/features/", put(handlers::features))
        .route("/mfa/api/tenant/users/", get(handlers::users))
        .route("/mfa/api/tenant/auth-logs/", get(handlers::auth_logs))
        .route_layer(middleware::from_fn_with_state(shared.clone(), guard))
        .route("/_stand-in/fault", post(handlers::set_fault))
        .route("/_stand-in/state", get(handlers::state))
        .fallback(|| async { handlers::error(StatusCode::NOT_FOUND, "not_found", "no such call") })
        .with_state(shared);
    let listener = Severing(listener);
    // `serve` only ends with the task (aborted when the StandIn is dropped).
    let _ = axum::serve(listener, app.into_make_service_with_connect_info::<Cut>()).await;
}

fn call_of(path: &str) -> Option<Call> {
    Some(match path.strip_prefix("/mfa/api/")? {
        "health/" => Call::Health,
        "tenant/stats/" => Call::Stats,
        "tenant/register/" => Call::Register,
        "tenant/features/" => Call::Features,
        "tenant/users/" => Call::Users,
        "tenant/auth-logs/" => Call::AuthLogs,
        _ => return None,
    })
}

/// In front of every contract call: logs and counts it, then plays the current fault, then
/// checks the bearer token.
async fn guard(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(cut): ConnectInfo<Cut>,
    request: Request,
    next: Next,
) -> Response {
    let Some(call) = call_of(request.uri().path()) else { return next.run(request).await };
    let bearer_ok = bearer_ok(request.headers(), &shared.token);
    record(&shared, call, bearer_ok, &request);
    match shared.fault() {
        Fault::None => {}
        Fault::Slow(wait) => tokio::time::sleep(wait).await,
        Fault::ServerErrors => {
            return handlers::error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "fault: server errors");
        }
        Fault::FailNext(n) => {
            let mut fault = lock(&shared.fault);
            if let Fault::FailNext(left) = *fault {
                *fault = if left > 1 { Fault::FailNext(left - 1) } else { Fault::None };
                return handlers::error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    format!("fault: {n} to fail"),
                );
            }
        }
        Fault::RateLimited { retry_after } => {
            let mut response =
                handlers::error(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "fault: slow down");
            response.headers_mut().insert(header::RETRY_AFTER, retry_after.into());
            return response;
        }
        Fault::DropConnections => {
            shared.dropped.fetch_add(1, Ordering::Relaxed);
            cut.0.store(true, Ordering::Relaxed);
            // Never delivered: the connection fails as soon as hyper writes it.
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
        Fault::WrongToken => {
            return handlers::error(StatusCode::UNAUTHORIZED, "unauthorized", "fault: every token refused");
        }
        Fault::MalformedJson => {
            return (
                [(header::CONTENT_TYPE, "application/json")],
                Body::from(r#"{"status": "ok", "total_u"#),
            )
                .into_response();
        }
    }
    if !bearer_ok {
        return handlers::error(StatusCode::UNAUTHORIZED, "unauthorized", "missing or wrong bearer token");
    }
    next.run(request).await
}

fn bearer_ok(headers: &HeaderMap, token: &str) -> bool {
    let given = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    given.and_then(|v| v.strip_prefix("Bearer ")).is_some_and(|t| t == token)
}

fn record(shared: &Shared, call: Call, bearer_ok: bool, request: &Request) {
    shared.calls[call.index()].fetch_add(1, Ordering::Relaxed);
    let text = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let entry = Recorded {
        call,
        bearer_ok,
        tenant_id: text("x-tenant-id"),
        tenant_key: text("x-tenant-key"),
        contract: text("x-gatehouse-contract"),
        content_type: text("content-type"),
        query: request.uri().query().map(str::to_owned),
    };
    let mut log = lock(&shared.log);
    if log.len() == LOG_LENGTH {
        log.pop_front();
    }
    log.push_back(entry);
}

/// A TCP listener whose connections carry a switch that cuts them.
struct Severing(TcpListener);

impl Listener for Severing {
    type Io = Severable;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (stream, addr) = Listener::accept(&mut self.0).await;
        let _ = stream.set_nodelay(true);
        (Severable { stream, cut: Cut::default() }, addr)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Listener::local_addr(&self.0)
    }
}

/// A connection's cut switch, handed to the guard as connection info.
#[derive(Debug, Clone, Default)]
struct Cut(Arc<AtomicBool>);

impl Connected<IncomingStream<'_, Severing>> for Cut {
    fn connect_info(stream: IncomingStream<'_, Severing>) -> Self {
        stream.io().cut.clone()
    }
}

/// A TCP stream that fails every read and write once cut, so hyper drops the connection
/// without sending the answer it was about to write.
struct Severable {
    stream: TcpStream,
    cut: Cut,
}

impl Severable {
    fn check(&self) -> io::Result<()> {
        if self.cut.0.load(Ordering::Relaxed) {
            Err(io::Error::new(io::ErrorKind::ConnectionAborted, "cut by the stand-in"))
        } else {
            Ok(())
        }
    }
}

impl AsyncRead for Severable {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.check()?;
        Pin::new(&mut this.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Severable {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.check()?;
        Pin::new(&mut this.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.check()?;
        Pin::new(&mut this.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.check()?;
        Pin::new(&mut this.stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

//! Routing and the per-request pipeline: span, authentication, EAS parsing, device gate,
//! dispatch. Each step is its own function or layer.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use eas::Command;
use http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use state::DeviceKey;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::trace::TraceLayer;
use tracing::{Span, field::Empty};

use crate::Gateway;
use crate::auth::{AuthOutcome, Credentials};
use crate::request::EasRequest;
use crate::response::{self, Reject};

pub const PATH: &str = "/Microsoft-Server-ActiveSync";

/// How long a device should wait when the store or an upstream is down.
const RETRY_AFTER: Duration = Duration::from_secs(30);

/// The authenticated user of a request, with the password for the upstream sessions the
/// request may open (kept only for the request's lifetime).
#[derive(Clone)]
struct User(String, Arc<str>);

pub fn router(gateway: Arc<Gateway>) -> Router {
    let limit = usize::try_from(gateway.config.max_request_bytes).unwrap_or(usize::MAX);
    Router::new()
        .route(PATH, any(activesync))
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn_with_state(
            gateway.clone(),
            authenticate,
        ))
        .layer(CatchPanicLayer::new())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request| {
                    tracing::info_span!(
                        "request",
                        method = %req.method(),
                        user = Empty,
                        cmd = Empty,
                        device_id = Empty,
                        device_type = Empty,
                    )
                })
                .on_request(())
                .on_response(|resp: &Response, latency: Duration, _span: &Span| {
                    tracing::info!(
                        status = resp.status().as_u16(),
                        ms = latency.as_millis() as u64,
                        "done"
                    );
                }),
        )
        .layer(SetSensitiveRequestHeadersLayer::new([
            header::AUTHORIZATION,
            header::COOKIE,
        ]))
        .with_state(gateway)
}

/// HTTP Basic against the upstream, before anything else is read.
async fn authenticate(
    State(gw): State<Arc<Gateway>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut req: Request,
    next: Next,
) -> Response {
    let creds = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(Credentials::from_basic_header);
    let Some(creds) = creds else {
        return Reject::Unauthorized {
            realm: gw.auth.realm().to_owned(),
        }
        .into_response();
    };
    Span::current().record("user", creds.user.as_str());
    match gw.auth.authenticate(&creds, peer.ip()).await {
        AuthOutcome::Accepted => {
            let password: Arc<str> = Arc::from(creds.password.as_str());
            req.extensions_mut().insert(User(creds.user, password));
            next.run(req).await
        }
        AuthOutcome::Rejected => Reject::Unauthorized {
            realm: gw.auth.realm().to_owned(),
        }
        .into_response(),
        AuthOutcome::LockedOut { retry_after } => Reject::LockedOut { retry_after }.into_response(),
        AuthOutcome::Unavailable => Reject::Unavailable {
            retry_after: RETRY_AFTER,
        }
        .into_response(),
    }
}

async fn activesync(
    State(gw): State<Arc<Gateway>>,
    axum::Extension(User(user, password)): axum::Extension<User>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = match method {
        Method::OPTIONS => Ok(options(&gw)),
        Method::POST => command(gw, user, password, uri, headers, body).await,
        _ => Ok(StatusCode::METHOD_NOT_ALLOWED.into_response()),
    };
    let mut resp = result.unwrap_or_else(IntoResponse::into_response);
    resp.headers_mut()
        .insert("ms-server-activesync", HeaderValue::from_static("16.1"));
    resp
}

/// MS-ASHTTP 2.2.3: what this server speaks. `X-AspNet-Version` is there because some clients
/// (Nine) use 16.1 only when it looks like Exchange.
fn options(gw: &Gateway) -> Response {
    // The send commands only with a submission server to send through.
    let commands: Vec<&str> = engine::IMPLEMENTED
        .iter()
        .filter(|c| gw.smtp.is_some() || !engine::is_submission(**c))
        .filter(|c| gw.push.is_some() || **c != Command::Ping)
        .map(|c| c.name())
        .collect();
    let mut resp = StatusCode::OK.into_response();
    let h = resp.headers_mut();
    h.insert(header::ALLOW, HeaderValue::from_static("OPTIONS,POST"));
    h.insert("public", HeaderValue::from_static("OPTIONS,POST"));
    h.insert(
        "ms-asprotocolversions",
        HeaderValue::from_static(eas::ProtocolVersion::header_list()),
    );
    if let Ok(v) = HeaderValue::from_str(&commands.join(",")) {
        h.insert("ms-asprotocolcommands", v);
    }
    h.insert("x-aspnet-version", HeaderValue::from_static("4.0.30319"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private"));
    resp
}

async fn command(
    gw: Arc<Gateway>,
    user: String,
    password: Arc<str>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Reject> {
    let req = EasRequest::parse(uri.query(), &headers, body)?;
    let accept_multipart = req.line.accept_multipart
        || headers
            .get("ms-asacceptmultipart")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"t"));
    // The header values and the URI share hyper's read buffer: let it go before a request
    // that may be held for an hour.
    drop(headers);
    drop(uri);
    let span = Span::current();
    span.record("cmd", req.command().name());
    span.record("device_id", req.line.device_id.as_str());
    span.record("device_type", req.line.device_type.as_str());
    let device = DeviceKey::new(user, req.line.device_id.clone());

    let record = blocking({
        let gw = gw.clone();
        let device = device.clone();
        let device_type = req.line.device_type.clone();
        let user_agent = req.user_agent.clone();
        move || engine::device::seen(&gw.store, &device, &device_type, user_agent.as_deref())
    })
    .await?;

    if let Some(refusal) = gate(&gw, &req, &record) {
        return Ok(refusal);
    }

    if !engine::IMPLEMENTED.contains(&req.command()) {
        return Err(Reject::NotImplemented(req.command()));
    }
    // Each branch in a box of its own: a held Ping does not carry the size of the largest
    // command's future.
    match req.command() {
        Command::Ping => return Box::pin(ping_command(&gw, &device, password, req)).await,
        Command::Sync => {
            return Box::pin(sync_command(&gw, &device, password, &req, accept_multipart)).await;
        }
        c if engine::needs_mail(c) || engine::is_submission(c) => {
            return Box::pin(mail_command(gw, device, &password, req, accept_multipart)).await;
        }
        _ => {}
    }
    let doc = blocking(move || {
        engine::dispatch(
            &engine::Context {
                store: &gw.store,
                device: &device,
                version: req.version,
                policy: &gw.policy,
                primary_address: &gw.primary_address(&device.user),
            },
            req.command(),
            req.body.as_ref(),
        )
    })
    .await?;
    Ok(response::wbxml(&doc))
}

/// What a mail command does with the user's mail store.
enum MailWork<'a> {
    Compose(Box<eas::ComposeMailRequest>),
    Dispatch(Command, Option<&'a wbxml::Element>),
    Sync(&'a eas::SyncRequest),
}

/// What it gave: a reply (with the session a streamed one reads from), or a Sync response to
/// look at before it is sent.
enum MailDone {
    Reply(engine::mail::Reply, Box<crate::mail::ImapMail>),
    Sync(eas::SyncResponse),
}

fn unavailable() -> Reject {
    Reject::Unavailable {
        retry_after: RETRY_AFTER,
    }
}

/// A mail command (the send commands included): the device's lock, one pooled IMAP session,
/// SMTP submission with the device's credentials where one is configured, the engine.
async fn mail_command(
    gw: Arc<Gateway>,
    device: DeviceKey,
    password: &str,
    req: EasRequest,
    accept_multipart: bool,
) -> Result<Response, Reject> {
    let work = if engine::is_submission(req.command()) {
        if gw.smtp.is_none() {
            return Err(Reject::NotImplemented(req.command()));
        }
        MailWork::Compose(Box::new(crate::send::request(&req)?))
    } else {
        MailWork::Dispatch(req.command(), req.body.as_ref())
    };
    match with_mail(&gw, &device, password, req.version, accept_multipart, work).await? {
        MailDone::Reply(reply, backend) => Ok(reply_response(req.command(), reply, *backend)),
        MailDone::Sync(resp) => Ok(response::wbxml(&resp.into_element(req.version))),
    }
}

/// Runs mail work under the device's lock with a pooled IMAP session.
async fn with_mail(
    gw: &Arc<Gateway>,
    device: &DeviceKey,
    password: &str,
    version: eas::ProtocolVersion,
    accept_multipart: bool,
    work: MailWork<'_>,
) -> Result<MailDone, Reject> {
    let Some(pool) = gw.mail.as_ref() else {
        return Err(Reject::NotImplemented(match &work {
            MailWork::Compose(c) => c.kind.command(),
            MailWork::Dispatch(c, _) => *c,
            MailWork::Sync(_) => Command::Sync,
        }));
    };
    let _guard = gw.locks.lock(device).await;
    // Waits for the device's read-ahead, whose session then is back in the pool.
    let held = gw.read_ahead.take(device).await;
    let session = pool.get(&device.user, password).await.map_err(|e| {
        tracing::warn!(error = %e, "no IMAP session");
        unavailable()
    })?;
    let ahead =
        (gw.mail_config.read_ahead_bytes > 0).then(|| (Arc::clone(&gw.read_ahead), device.clone()));
    let mut backend = crate::mail::ImapMail::new(session, ahead);
    let now = unix_now();
    let identity = crate::send::identity(gw, &device.user);
    let ctx = engine::mail::MailContext {
        store: &gw.store,
        device,
        version,
        config: &gw.mail_config,
        now,
        accept_multipart,
        identity: Some(&identity),
    };
    let mut outbox = match gw.smtp.as_ref() {
        Some(client) => crate::send::AnyOutbox::Smtp(crate::send::SmtpOutbox {
            client,
            user: &device.user,
            password,
        }),
        None => crate::send::AnyOutbox::None,
    };
    let mut served = engine::mail::read_ahead::WithReadAhead::new(&mut backend, held);
    let failed = |e: engine::EngineError| match e {
        engine::EngineError::BadRequest(why) => Reject::BadRequest(why),
        e => {
            tracing::warn!(error = %e, "mail command failed; the device will retry");
            unavailable()
        }
    };
    let reply = match work {
        MailWork::Compose(c) => {
            engine::mail::send::compose_mail(&ctx, &mut served, &mut outbox, &c).await
        }
        MailWork::Dispatch(command, body) => {
            engine::mail::dispatch(&ctx, &mut served, &mut outbox, command, body).await
        }
        MailWork::Sync(request) => {
            let resp = engine::mail::sync::sync(&ctx, &mut served, &mut outbox, request)
                .await
                .map_err(failed)?;
            return Ok(MailDone::Sync(resp));
        }
    }
    .map_err(failed)?;
    Ok(MailDone::Reply(reply, Box::new(backend)))
}

fn push_context<'a>(
    gw: &'a Gateway,
    device: &'a DeviceKey,
    password: Arc<str>,
) -> engine::push::PushContext<'a> {
    engine::push::PushContext {
        store: &gw.store,
        device,
        config: &gw.push_config,
        special_names: &gw.mail_config.special_names,
        password,
    }
}

fn engine_failure(e: engine::EngineError) -> Reject {
    match e {
        engine::EngineError::BadRequest(why) => Reject::BadRequest(why),
        e => {
            tracing::warn!(error = %e, "command failed; the device will retry");
            unavailable()
        }
    }
}

/// Ping: held without the device's lock or an IMAP session; the user's push watcher tells
/// when to answer.
async fn ping_command(
    gw: &Arc<Gateway>,
    device: &DeviceKey,
    password: Arc<str>,
    req: EasRequest,
) -> Result<Response, Reject> {
    let Some(hub) = gw.push.as_ref() else {
        return Err(Reject::NotImplemented(Command::Ping));
    };
    let ctx = push_context(gw, device, password);
    let resp = engine::push::ping::ping(&ctx, hub, req.body)
        .await
        .map_err(engine_failure)?;
    tracing::debug!(status = resp.status.code(), "Ping answered");
    Ok(response::wbxml(&resp.to_element()))
}

/// Sync, with the empty and Partial forms filled in from the device's last request, and
/// Wait/HeartbeatInterval held (without the lock or a session) until a collection changes.
async fn sync_command(
    gw: &Arc<Gateway>,
    device: &DeviceKey,
    password: Arc<str>,
    req: &EasRequest,
    accept_multipart: bool,
) -> Result<Response, Reject> {
    use engine::push::sync_wait::{self, SyncPlan};
    let ctx = push_context(gw, device, password.clone());
    let plan = sync_wait::plan(&ctx, req.body.as_ref())
        .await
        .map_err(engine_failure)?;
    let (request, wait, repeated) = match plan {
        SyncPlan::Answer(resp) => return Ok(response::wbxml(&resp.into_element(req.version))),
        SyncPlan::Run {
            request,
            wait,
            repeated,
        } => (request, wait, repeated),
    };
    let run = |request| {
        let password = password.clone();
        async move {
            match with_mail(
                gw,
                device,
                &password,
                req.version,
                accept_multipart,
                MailWork::Sync(request),
            )
            .await?
            {
                MailDone::Sync(resp) => Ok(resp),
                MailDone::Reply(..) => Err(unavailable()),
            }
        }
    };
    let resp = run(&request).await?;
    if !sync_wait::nothing_for_device(&request, &resp) {
        return Ok(response::wbxml(&resp.into_element(req.version)));
    }
    let (Some(wait), Some(hub)) = (wait, gw.push.as_ref()) else {
        // Nothing to say to an empty request: the empty response (MS-ASCMD 2.2.1.21.2).
        return Ok(if repeated {
            StatusCode::OK.into_response()
        } else {
            response::wbxml(&resp.into_element(req.version))
        });
    };
    match sync_wait::wait_for_change(&ctx, hub, &request, wait)
        .await
        .map_err(engine_failure)?
    {
        engine::push::WaitEnd::Changed => {
            // The device's commands were applied by the first run.
            let again = sync_wait::without_commands(&request);
            let resp = run(&again).await?;
            Ok(if sync_wait::nothing_for_device(&again, &resp) {
                StatusCode::OK.into_response()
            } else {
                response::wbxml(&resp.into_element(req.version))
            })
        }
        // Expired, a newer request of the device, or shutdown: the empty response.
        _ => Ok(StatusCode::OK.into_response()),
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The HTTP response of a mail command's reply.
fn reply_response(
    command: eas::Command,
    reply: engine::mail::Reply,
    backend: crate::mail::ImapMail,
) -> Response {
    match reply {
        engine::mail::Reply::Document(doc) => response::wbxml(&doc),
        engine::mail::Reply::Stream(plan) => response::stream(plan, backend),
        engine::mail::Reply::Empty => http::StatusCode::OK.into_response(),
        engine::mail::Reply::Failed(eas::ErrorReply::Status(code)) => {
            match eas::command_status_response(command, code) {
                Some(doc) => response::wbxml(&doc),
                None => http::StatusCode::INTERNAL_SERVER_ERROR.into_response(),
            }
        }
        engine::mail::Reply::Failed(eas::ErrorReply::Http(code)) => {
            http::StatusCode::from_u16(code)
                .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR)
                .into_response()
        }
    }
}

/// The device gate: when provisioning is required, every command but Provision needs the final
/// policy key of the current policy (MS-ASPROV 3.1.5.1). `Some` is the refusal to send.
fn gate(gw: &Gateway, req: &EasRequest, record: &state::DeviceRecord) -> Option<Response> {
    if !gw.config.provision.required || req.command() == Command::Provision {
        return None;
    }
    let problem = engine::provision::check_policy_key(record, req.policy_key, &gw.policy).err()?;
    tracing::info!(?problem, "device must provision");
    let reply = req.version.policy_key_failure(problem);
    Some(
        Reject::Common {
            command: req.command(),
            reply,
        }
        .into_response(),
    )
}

/// Runs store work off the async threads; a store failure is a retryable 503.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, engine::EngineError> + Send + 'static,
) -> Result<T, Reject> {
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(engine::EngineError::State(e))) => {
            tracing::error!(error = %e, "state store failed");
            Err(Reject::Unavailable {
                retry_after: RETRY_AFTER,
            })
        }
        Ok(Err(engine::EngineError::BadRequest(why))) => Err(Reject::BadRequest(why)),
        Ok(Err(engine::EngineError::Unavailable(why))) => {
            tracing::warn!(%why, "unavailable");
            Err(Reject::Unavailable {
                retry_after: RETRY_AFTER,
            })
        }
        Err(e) => {
            tracing::error!(error = %e, "handler panicked");
            Err(Reject::Unavailable {
                retry_after: RETRY_AFTER,
            })
        }
    }
}

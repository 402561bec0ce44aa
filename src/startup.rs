//! The one place the application is assembled: routes, the OpenAPI document, middleware and
//! error handling. Tests build the app with the same [`build_app`].

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::middleware::{from_fn, DefaultHeaders, ErrorHandlerResponse, ErrorHandlers};
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer, ResponseError};
use tracing_actix_web::TracingLogger;
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::{scope, AppExt};
use utoipa_swagger_ui::SwaggerUi;

use crate::error::{AppError, PROBLEM_JSON};
use crate::i18n::Msg;
use crate::openapi::{
    ApiDoc, ClosedVariants, ErrorResponses, Links, NonBlankTexts, OperationSecurity,
};
use crate::request_id::{self, SamverkanRootSpan};
use crate::routes;
use crate::state::AppState;

/// Registers every documented route (health probes and `/api/v1`).
fn configure_routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    routes::health::configure(cfg);
    cfg.service(scope::scope("/api/v1").configure(routes::configure_api));
}

/// Finishes the generated document: who may call each operation, shared error responses on
/// every operation, the non-blank pattern of required texts, closed tagged-enum variants, and
/// the links between operations.
fn finish(mut api: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    OperationSecurity.modify(&mut api);
    ErrorResponses.modify(&mut api);
    NonBlankTexts.modify(&mut api);
    ClosedVariants.modify(&mut api);
    Links.modify(&mut api);
    api
}

/// The OpenAPI document exactly as the server serves it.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let (_, api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(configure_routes)
        .split_for_parts();
    finish(api)
}

/// Route templates and their methods, so an unmatched request can be told 405 from 404.
#[derive(Debug, Default)]
pub struct KnownRoutes(Vec<(Vec<String>, Vec<Method>)>);

impl KnownRoutes {
    fn from_openapi(api: &utoipa::openapi::OpenApi) -> Self {
        let mut routes = Vec::new();
        for (path, item) in &api.paths.paths {
            let mut methods = Vec::new();
            for (m, op) in [
                (Method::GET, &item.get),
                (Method::POST, &item.post),
                (Method::PUT, &item.put),
                (Method::PATCH, &item.patch),
                (Method::DELETE, &item.delete),
            ] {
                if op.is_some() {
                    methods.push(m);
                }
            }
            routes.push((path.split('/').map(str::to_string).collect(), methods));
        }
        routes.push((
            vec!["".into(), "api-docs".into(), "openapi.json".into()],
            vec![Method::GET],
        ));
        Self(routes)
    }

    /// Methods allowed on `path`, if any route template matches it. Only the most specific
    /// templates count: `/patients/lookup` is its own resource, not a patient id for
    /// `/patients/{id}`.
    fn allowed(&self, path: &str) -> Vec<Method> {
        let segments: Vec<&str> = path.split('/').collect();
        let mut allowed = Vec::new();
        let mut best_literals = 0;
        for (template, methods) in &self.0 {
            let matches = template.len() == segments.len()
                && template.iter().zip(&segments).all(|(t, s)| {
                    if t.starts_with('{') {
                        !s.is_empty()
                    } else {
                        t == s
                    }
                });
            if !matches {
                continue;
            }
            let literals = template.iter().filter(|t| !t.starts_with('{')).count();
            if literals > best_literals {
                best_literals = literals;
                allowed.clear();
            }
            if literals == best_literals {
                allowed.extend(methods.iter().cloned());
            }
        }
        allowed
    }
}

fn no_such_route() -> Msg {
    Msg::new("Ingen sådan adress i API:t.", "No such route.")
}

/// Answers every request no route took: 405 with `Allow` when the path exists, else 404.
async fn fallback(req: HttpRequest) -> HttpResponse {
    method_not_allowed(&req).unwrap_or_else(|| AppError::NotFound(no_such_route()).error_response())
}

/// 405 with `Allow` when the request's path is a documented resource that does not take the
/// request's method. Also used when a path parameter does not parse: `GET /patients/lookup`
/// reaches `GET /patients/{id}` with the id `lookup`, but `/patients/lookup` is a resource of
/// its own that only takes POST.
pub fn method_not_allowed(req: &HttpRequest) -> Option<HttpResponse> {
    let routes = req.app_data::<web::Data<KnownRoutes>>()?;
    let allowed = routes.allowed(req.path());
    if allowed.is_empty() || allowed.contains(req.method()) {
        return None;
    }
    let mut res = AppError::MethodNotAllowed.error_response();
    let list = allowed
        .iter()
        .map(Method::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if let Ok(v) = header::HeaderValue::from_str(&list) {
        res.headers_mut().insert(header::ALLOW, v);
    }
    Some(res)
}

/// Safety net: any error answer that is not problem+json yet (actix's own 400s, 413s…) is
/// rewritten into one, so a client never sees HTML or plain text.
fn ensure_problem<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(PROBLEM_JSON));
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let err = match status {
        StatusCode::NOT_FOUND => AppError::NotFound(no_such_route()),
        StatusCode::METHOD_NOT_ALLOWED => AppError::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge { limit: 0 },
        StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::UnsupportedMediaType,
        StatusCode::UNAUTHORIZED => AppError::Unauthenticated {
            code: "UNAUTHENTICATED",
            detail: crate::auth::missing_token_detail(),
        },
        StatusCode::SERVICE_UNAVAILABLE => AppError::db_unavailable(),
        s if s.is_client_error() => AppError::BadRequest {
            code: "BAD_REQUEST",
            detail: Msg::new(
                "Begäran kunde inte tas emot som den är skriven.",
                "The request could not be accepted as written.",
            ),
        },
        _ => AppError::Internal(anyhow::anyhow!("unhandled error response {status}")),
    };
    let (req, _) = res.into_parts();
    let mut new = err.error_response();
    *new.status_mut() = status;
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, new).map_into_right_body(),
    ))
}

/// Builds the application with its state; the server and the tests call this.
pub fn build_app(
    state: web::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    // The recorder exists before the first request is counted.
    crate::instrument::handle();
    let metrics_here = state.metrics_on_api_port;
    let (app, api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(configure_routes)
        .split_for_parts();
    let api = finish(api);
    let known = web::Data::new(KnownRoutes::from_openapi(&api));
    // Inside the problem+json handler, so a refused preflight is a problem document too.
    let cors = actix_web::middleware::Condition::new(
        !state.cors_origins.is_empty(),
        crate::cors::middleware(&state.cors_origins),
    );
    app.app_data(state)
        .app_data(known)
        .app_data(web::QueryConfig::default().error_handler(crate::extract::query_error))
        .app_data(web::PathConfig::default().error_handler(crate::extract::path_error))
        .service(SwaggerUi::new("/swagger-ui/{_:.*}").url("/api-docs/openapi.json", api))
        .service(web::redirect("/swagger-ui", "/swagger-ui/"))
        .configure(crate::web::configure)
        .configure(|cfg| {
            if metrics_here {
                crate::instrument::configure(cfg);
            }
        })
        .default_service(web::to(fallback))
        .wrap(cors)
        .wrap(ErrorHandlers::new().default_handler(ensure_problem))
        .wrap(
            DefaultHeaders::new()
                .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                .add((header::X_FRAME_OPTIONS, "DENY"))
                .add((header::REFERRER_POLICY, "no-referrer"))
                .add((header::CACHE_CONTROL, "no-store")),
        )
        // Sees the final status (after the problem+json handler) and the route that answered.
        .wrap(from_fn(crate::instrument::middleware))
        .wrap(TracingLogger::<SamverkanRootSpan>::new())
        .wrap(from_fn(request_id::middleware))
        // Outermost, so every text rendered further in — errors that escape the chain
        // included — is in the request's language.
        .wrap(from_fn(crate::i18n::middleware))
}

/// Blocking threads per worker: the worker's share of the pool's connections, plus one.
fn blocking_threads_per_worker(pool_size: u32, workers: usize) -> usize {
    let pool = pool_size.max(1) as usize;
    pool.div_ceil(workers.max(1)) + 1
}

/// Serves until SIGTERM/SIGINT, then lets requests in flight finish (up to 30 s).
pub async fn run(config: crate::config::Config, state: AppState) -> std::io::Result<()> {
    let state = web::Data::new(state);
    spawn_housekeeping(state.pool.clone());
    spawn_statistics(state.pool.clone());
    crate::instrument::spawn_upkeep();
    // Every process delivers webhooks unless told not to; replicas share the due deliveries
    // (SKIP LOCKED). The client is built either way, so a bad CA file stops every process.
    let dispatcher = crate::webhooks::dispatcher::Dispatcher::new(
        state.pool.clone(),
        config.webhooks.clone(),
        state.clock,
    )
    .map_err(std::io::Error::other)?;
    if config.webhook_dispatch {
        actix_web::rt::spawn(dispatcher.run());
    } else {
        tracing::info!(
            "webhook dispatch is off in this process (SAMVERKAN_WEBHOOK_DISPATCH=false)"
        );
    }
    match state.verifier.provider() {
        Some(keys) => {
            // Fetch before serving so the first tokens are checked at once; a provider that
            // is down does not stop the start: /health/ready answers 503 and token checks
            // 503 IDP_UNAVAILABLE until the keys arrive (the refresher keeps trying).
            if let Err(e) = keys.refresh().await {
                tracing::warn!(error = %e, "identity provider unreachable at start-up; not ready until its keys are fetched");
            }
            actix_web::rt::spawn(keys.clone().run());
            if config.jwt.hs256_secret.is_some() {
                tracing::warn!("HS256 development tokens are accepted beside the identity provider (SAMVERKAN_ALLOW_DEV_TOKENS_WITH_OIDC=true): never in production");
            }
        }
        None => tracing::warn!(
            "tokens are checked with the HS256 development secret only: a development setup, not production (set SAMVERKAN_OIDC_ISSUER)"
        ),
    }
    tracing::info!(bind = %config.bind, workers = config.workers, "serving");
    let metrics_server = match config.metrics_bind {
        Some(addr) => {
            let state = state.clone();
            tracing::info!(%addr, "metrics served on their own listener");
            Some(
                HttpServer::new(move || {
                    App::new()
                        .app_data(state.clone())
                        .configure(crate::instrument::configure)
                        .default_service(web::to(|| async {
                            Err::<HttpResponse, _>(AppError::NotFound(no_such_route()))
                        }))
                })
                .workers(1)
                .shutdown_timeout(5)
                .bind(addr)?
                .run(),
            )
        }
        None => None,
    };
    let api = HttpServer::new(move || build_app(state.clone()))
        .workers(config.workers)
        // Database work runs on each worker's blocking threads, at most one per pooled
        // connection at a time (db::run's gate), and actix spreads connections evenly over
        // the workers: a worker needs its share of the pool, plus one. More threads only
        // waited, and each kept its own allocator cache (32 of them: 110 MB of RSS under the
        // benchmark; one per connection per worker: up to 100 MB).
        .worker_max_blocking_threads(blocking_threads_per_worker(
            config.db_pool_size,
            config.workers,
        ))
        // A client must send its request head within 5 s and is dropped 1 s after it stops
        // reading; idle keep-alive connections close after 30 s.
        .client_request_timeout(std::time::Duration::from_secs(5))
        .client_disconnect_timeout(std::time::Duration::from_secs(1))
        .keep_alive(std::time::Duration::from_secs(30))
        .shutdown_timeout(30)
        .bind(config.bind)?
        .run();
    match metrics_server {
        // Both stop on SIGTERM/SIGINT (each server listens for the signals).
        Some(metrics) => {
            let (a, m) = futures_util::future::join(api, metrics).await;
            a.and(m)
        }
        None => api.await,
    }
}

/// Every 10 s: the statistics follow the feed (see `models::statistics::catch_up`), so a
/// statistics request finds only seconds of backlog. A failure is logged and retried.
fn spawn_statistics(pool: crate::db::DbPool) {
    actix_web::rt::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(10));
        loop {
            every.tick().await;
            let batch = crate::routes::statistics::CATCH_UP_BATCH;
            if let Err(e) = crate::db::run(&pool, move |conn| {
                Ok(crate::models::statistics::catch_up(conn, batch, 20)?)
            })
            .await
            {
                tracing::warn!(error = %e, "statistics could not catch up with the feed");
            }
        }
    });
}

/// At start and hourly: creates the access log's partitions ahead (see
/// `models::access_log::partitions::maintain`), removes idempotency keys past their 48 hours
/// (they are promised for 24) and expired stream tickets.
fn spawn_housekeeping(pool: crate::db::DbPool) {
    actix_web::rt::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            every.tick().await;
            maintain_access_log(&pool).await;
            match crate::db::run(&pool, |conn| Ok(crate::idempotency::purge_expired(conn)?)).await {
                Ok(n) if n > 0 => tracing::info!(removed = n, "expired idempotency keys removed"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "idempotency housekeeping failed"),
            }
            let now = time::OffsetDateTime::now_utc();
            if let Err(e) = crate::db::run(&pool, move |conn| {
                Ok(crate::models::stream_ticket::purge_expired(conn, now)?)
            })
            .await
            {
                tracing::warn!(error = %e, "stream ticket housekeeping failed");
            }
        }
    });
}

/// The access log's months ahead. A failure is logged and tried again in an hour: until a
/// month has its partition, its entries go to the default partition, so no write fails.
async fn maintain_access_log(pool: &crate::db::DbPool) {
    use crate::models::access_log::partitions;
    match crate::db::run(pool, |conn| Ok(partitions::maintain(conn)?)).await {
        Ok(report) => {
            for (month, moved) in &report.created {
                tracing::info!(partition = %month.partition_name(), moved, "access-log partition created");
            }
            if report.default_created {
                tracing::error!("access-log default partition was missing (dropped outside the purge); created again");
            }
            for month in &report.missing_inside {
                tracing::error!(partition = %month.partition_name(), "access-log partition was missing between other months (dropped or detached outside the purge); created again");
            }
            for name in &report.guarded {
                tracing::warn!(partition = %name, "access-log partition could be truncated; guarded now");
            }
            if report.waiting > 0 {
                tracing::warn!(entries = report.waiting, "access-log entries wait in the default partition (their month has no partition); see `samverkan audit maintain`");
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "access-log partition maintenance failed; trying again in an hour")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::blocking_threads_per_worker;

    #[test]
    fn each_worker_gets_its_share_of_the_pool_plus_one() {
        assert_eq!(blocking_threads_per_worker(8, 2), 5);
        assert_eq!(blocking_threads_per_worker(8, 3), 4);
        assert_eq!(blocking_threads_per_worker(8, 1), 9);
        assert_eq!(blocking_threads_per_worker(1, 4), 2);
        assert_eq!(blocking_threads_per_worker(0, 0), 2);
    }
}

//! A webhook receiver for bench/webhooks: answers every POST with 204 as fast as it can and
//! counts them (`GET /count`), so the benchmark measures the dispatcher, not the receiver.
//! It does not verify signatures (script/webhooks-check does, with the reference library).
//!
//!     cargo run --release --example webhook_sink -- 127.0.0.1:PORT

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use actix_web::{web, App, HttpResponse, HttpServer};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let bind = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9999".into());
    let count = Arc::new(AtomicU64::new(0));
    let data = web::Data::new(count);
    eprintln!("webhook sink on http://{bind}/ (GET /count)");
    HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route(
                "/count",
                web::get().to(|c: web::Data<Arc<AtomicU64>>| async move {
                    HttpResponse::Ok().body(c.load(Ordering::Relaxed).to_string())
                }),
            )
            .default_service(web::to(
                |c: web::Data<Arc<AtomicU64>>, _body: web::Bytes| async move {
                    c.fetch_add(1, Ordering::Relaxed);
                    HttpResponse::NoContent().finish()
                },
            ))
    })
    .workers(1)
    .bind(bind)?
    .run()
    .await
}

//! A test OpenID provider on 127.0.0.1, in its own server thread: OpenID discovery, a JWKS that
//! a test swaps at run time, an optional `Cache-Control`, a switch that makes it answer 503 (the
//! provider down), counters of what it was asked, and a trap URL for `jku`/`x5u` headers that
//! serves the attacker's key and counts every hit.
//!
//! Hand-written on purpose: it serves exactly what a test says. The real provider (npm
//! oidc-provider) is exercised by `script/oidc-check`.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpResponse, HttpServer};
use serde_json::{json, Value};

/// What the provider serves, shared with its server thread.
struct Shared {
    base: String,
    jwks: Mutex<Value>,
    cache_control: Mutex<Option<String>>,
    trap_jwks: Value,
    down: AtomicBool,
    discovery_fetches: AtomicUsize,
    jwks_fetches: AtomicUsize,
    trap_hits: AtomicUsize,
}

/// A running test provider; stopped when dropped.
pub struct Provider {
    /// The issuer, `http://127.0.0.1:{port}` (no trailing slash).
    pub base: String,
    shared: Arc<Shared>,
    handle: actix_web::dev::ServerHandle,
}

fn down() -> HttpResponse {
    HttpResponse::ServiceUnavailable().json(json!({"error": "temporarily_unavailable"}))
}

async fn discovery(s: web::Data<Arc<Shared>>) -> HttpResponse {
    s.discovery_fetches.fetch_add(1, Ordering::SeqCst);
    if s.down.load(Ordering::SeqCst) {
        return down();
    }
    HttpResponse::Ok().json(json!({
        "issuer": s.base,
        "jwks_uri": format!("{}/jwks", s.base),
        "id_token_signing_alg_values_supported": ["RS256", "PS256", "ES256"],
    }))
}

async fn jwks(s: web::Data<Arc<Shared>>) -> HttpResponse {
    s.jwks_fetches.fetch_add(1, Ordering::SeqCst);
    if s.down.load(Ordering::SeqCst) {
        return down();
    }
    let body = s.jwks.lock().unwrap().clone();
    let mut res = HttpResponse::Ok();
    if let Some(cc) = s.cache_control.lock().unwrap().clone() {
        res.insert_header(("cache-control", cc));
    }
    res.content_type("application/jwk-set+json").json(body)
}

async fn trap(s: web::Data<Arc<Shared>>) -> HttpResponse {
    s.trap_hits.fetch_add(1, Ordering::SeqCst);
    HttpResponse::Ok().json(s.trap_jwks.clone())
}

impl Provider {
    /// Starts a provider serving `keys` as its JWKS; `trap_jwks` is what the trap URL serves.
    pub fn start(keys: Value, trap_jwks: Value) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let base = format!("http://127.0.0.1:{port}");
        let shared = Arc::new(Shared {
            base: base.clone(),
            jwks: Mutex::new(keys),
            cache_control: Mutex::new(None),
            trap_jwks,
            down: AtomicBool::new(false),
            discovery_fetches: AtomicUsize::new(0),
            jwks_fetches: AtomicUsize::new(0),
            trap_hits: AtomicUsize::new(0),
        });
        let data = web::Data::new(shared.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route(
                    "/.well-known/openid-configuration",
                    web::get().to(discovery),
                )
                .route("/jwks", web::get().to(jwks))
                .route("/trap/{tail:.*}", web::to(trap))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        std::thread::spawn(move || actix_web::rt::System::new().block_on(server));
        Self {
            base,
            shared,
            handle,
        }
    }

    /// Serves another key set from now on (key rotation).
    pub fn set_keys(&self, keys: Value) {
        *self.shared.jwks.lock().unwrap() = keys;
    }

    /// Sends this `Cache-Control` with the JWKS (`None`: no header).
    pub fn set_cache_control(&self, value: Option<&str>) {
        *self.shared.cache_control.lock().unwrap() = value.map(String::from);
    }

    /// `true`: discovery and the JWKS answer 503 until set back.
    pub fn set_down(&self, down: bool) {
        self.shared.down.store(down, Ordering::SeqCst);
    }

    /// JWKS requests so far (answered or not).
    pub fn jwks_fetches(&self) -> usize {
        self.shared.jwks_fetches.load(Ordering::SeqCst)
    }

    /// Discovery requests so far.
    pub fn discovery_fetches(&self) -> usize {
        self.shared.discovery_fetches.load(Ordering::SeqCst)
    }

    /// Requests to the trap so far.
    pub fn trap_hits(&self) -> usize {
        self.shared.trap_hits.load(Ordering::SeqCst)
    }

    /// A URL of the trap (any path below `/trap/` is counted and serves the attacker's keys).
    pub fn trap_url(&self, name: &str) -> String {
        format!("{}/trap/{name}", self.base)
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

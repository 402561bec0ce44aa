#![allow(dead_code)] // helpers serve every test module; not each uses all of them
//! Test harness: a per-test database cloned from a migrated, demo-seeded template, the app built
//! by `startup::build_app`, tokens for named personas, and one helper per request shape.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::test::{self, TestRequest};
use actix_web::web;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};
use serde_json::Value;

use samverkan::auth::{mint_hs256, JwtVerifier, TokenRequest};
use samverkan::config::JwtConfig;
use samverkan::db::{self, DbPool};
use samverkan::state::AppState;
use samverkan::{seed, startup};

/// Secret of the test tokens.
pub const TEST_SECRET: &str = "test-secret-for-samverkan-tests-0123456789";
/// Issuer of the test tokens.
pub const TEST_ISSUER: &str = "samverkan-test";
/// Audience of the test tokens.
pub const TEST_AUDIENCE: &str = "samverkan";

/// Demo unit HSA-ids (from `seed::DEMO_UNITS`).
pub const HALMSTAD_KOMMUN: &str = "SE2321000115-DEMOK1380";
pub const VARBERG_KOMMUN: &str = "SE2321000115-DEMOK1383";
pub const VC_HALMSTAD: &str = "SE2321000115-DEMOVC01";
pub const VC_VARBERG: &str = "SE2321000115-DEMOVC02";
pub const PSYKIATRI: &str = "SE2321000115-DEMOPSY1";
pub const HABILITERING: &str = "SE2321000115-DEMOHAB1";
pub const PALLIATIV_DELTAR: &str = "SE2321000115-DEMOPAL1";
pub const PALLIATIV_DELTAR_EJ: &str = "SE2321000115-DEMOPAL2";

/// The test JWT configuration.
pub fn jwt_config() -> JwtConfig {
    JwtConfig::development(TEST_SECRET.as_bytes(), TEST_ISSUER, TEST_AUDIENCE)
}

fn base_url() -> String {
    std::env::var("DATABASE_URL").expect(
        "DATABASE_URL must point at a PostgreSQL cluster (script/test sets it via script/bootstrap)",
    )
}

/// `DATABASE_URL` with its database name replaced.
pub fn url_for(db_name: &str) -> String {
    let base = base_url();
    let (head, tail) = match base.find('?') {
        Some(i) => base.split_at(i),
        None => (base.as_str(), ""),
    };
    let slash = head.rfind('/').expect("DATABASE_URL has no database name");
    format!("{}/{}{}", &head[..slash], db_name, tail)
}

/// Name of the template for this test build: the migrations compiled into it, the demo seed
/// and the build itself (a test binary built before a new migration must never share a
/// template with one built after it).
fn template_name() -> String {
    use diesel::migration::MigrationSource;
    let mut h = DefaultHasher::new();
    let migrations = MigrationSource::<diesel::pg::Pg>::migrations(&db::MIGRATIONS)
        .expect("embedded migrations");
    for m in migrations {
        m.name().to_string().hash(&mut h);
    }
    include_str!("../../src/seed.rs").hash(&mut h);
    if let Ok(meta) = std::env::current_exe().and_then(std::fs::metadata) {
        meta.len().hash(&mut h);
        meta.modified().ok().hash(&mut h);
    }
    format!("samverkan_tpl_{:016x}", h.finish())
}

#[derive(QueryableByName)]
struct Exists {
    #[diesel(sql_type = Bool)]
    exists: bool,
}

/// Creates the template once per migration set; concurrent test processes wait on an
/// advisory lock instead of racing.
fn ensure_template(admin: &mut PgConnection) -> String {
    let name = template_name();
    diesel::sql_query("SELECT pg_advisory_lock($1)")
        .bind::<BigInt, _>(0x5a4d_7e11_i64)
        .execute(admin)
        .expect("advisory lock");
    let exists =
        diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists")
            .bind::<diesel::sql_types::Text, _>(&name)
            .get_result::<Exists>(admin)
            .expect("pg_database")
            .exists;
    if !exists {
        let building = format!("{name}_building");
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
            .expect("drop stale template");
        admin
            .batch_execute(&format!("CREATE DATABASE {building}"))
            .expect("create template");
        {
            let mut conn = PgConnection::establish(&url_for(&building)).expect("connect template");
            db::migrate(&mut conn).expect("migrate template");
            seed::demo(&mut conn).expect("seed template");
        }
        admin
            .batch_execute(&format!("ALTER DATABASE {building} RENAME TO {name}"))
            .expect("rename template");
    }
    diesel::sql_query("SELECT pg_advisory_unlock($1)")
        .bind::<BigInt, _>(0x5a4d_7e11_i64)
        .execute(admin)
        .expect("advisory unlock");
    name
}

/// A test's own database, dropped when the test ends.
pub struct TestDb {
    pub name: String,
    pub url: String,
}

impl TestDb {
    /// Clones the template into a fresh database.
    pub fn new() -> Self {
        let mut admin =
            PgConnection::establish(&url_for("postgres")).expect("connect to postgres db");
        let template = ensure_template(&mut admin);
        let name = format!("t_{}", uuid::Uuid::new_v4().simple());
        admin
            .batch_execute(&format!(
                "CREATE DATABASE {name} TEMPLATE {template} STRATEGY = FILE_COPY"
            ))
            .expect("create test database");
        let url = url_for(&name);
        Self { name, url }
    }

    /// An empty database, no migration run (for tests of the migrations themselves).
    pub fn empty() -> Self {
        let mut admin =
            PgConnection::establish(&url_for("postgres")).expect("connect to postgres db");
        let name = format!("t_{}", uuid::Uuid::new_v4().simple());
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create test database");
        let url = url_for(&name);
        Self { name, url }
    }

    /// A direct connection, for arranging and asserting.
    pub fn conn(&self) -> PgConnection {
        PgConnection::establish(&self.url).expect("connect test database")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut admin) = PgConnection::establish(&url_for("postgres")) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// A persona: who a test acts as.
#[derive(Clone, Debug)]
pub struct Persona {
    pub sub: &'static str,
    pub unit: Option<&'static str>,
    pub name: &'static str,
    pub roles: &'static [&'static str],
    pub legitimerad: bool,
    pub profession: Option<&'static str>,
}

impl Persona {
    /// A licensed nurse in a unit.
    pub const fn nurse(unit: &'static str) -> Self {
        Self {
            sub: "SE2321000115-DEMOP0001",
            unit: Some(unit),
            name: "Kerstin Demo",
            roles: &["personal"],
            legitimerad: true,
            profession: Some("sjukskoterska"),
        }
    }

    /// A licensed doctor in a unit.
    pub const fn doctor(unit: &'static str) -> Self {
        Self {
            sub: "SE2321000115-DEMOP0002",
            unit: Some(unit),
            name: "Doktor Demo",
            roles: &["personal"],
            legitimerad: true,
            profession: Some("lakare"),
        }
    }

    /// Unlicensed staff (undersköterska) in a unit.
    pub const fn assistant(unit: &'static str) -> Self {
        Self {
            sub: "SE2321000115-DEMOP0005",
            unit: Some(unit),
            name: "Undersköterska Demo",
            roles: &["personal"],
            legitimerad: false,
            profession: Some("underskoterska"),
        }
    }

    /// A directory admin without a directory unit.
    pub const fn admin() -> Self {
        Self {
            sub: "SE2321000115-DEMOP0003",
            unit: Some("SE2321000115-DEMOADM1"),
            name: "Admin Demo",
            roles: &["admin"],
            legitimerad: false,
            profession: None,
        }
    }

    /// An auditor (granskare) in a unit.
    pub const fn auditor(unit: &'static str) -> Self {
        Self {
            sub: "SE2321000115-DEMOP0004",
            unit: Some(unit),
            name: "Granskare Demo",
            roles: &["granskare"],
            legitimerad: false,
            profession: None,
        }
    }

    /// A signed token for this persona.
    pub fn token(&self) -> String {
        mint_hs256(
            &jwt_config(),
            &TokenRequest {
                sub: self.sub.into(),
                unit: self.unit.map(Into::into),
                name: Some(self.name.into()),
                roles: self.roles.iter().map(|r| r.to_string()).collect(),
                legitimerad: self.legitimerad,
                profession: self.profession.map(Into::into),
                units: Vec::new(),
                ttl_minutes: 30,
            },
        )
        .expect("mint token")
    }
}

/// A response as tests see it.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: actix_web::http::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    /// The body as JSON (panics with the body text when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&self.body)))
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(String::from)
    }

    /// Asserts this is a problem+json answer with `status` and `code`; returns the body.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, code: &str) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "status; body: {}",
            String::from_utf8_lossy(&self.body)
        );
        let ct = self.header("content-type").unwrap_or_default();
        assert!(
            ct.starts_with("application/problem+json"),
            "content type {ct}"
        );
        let body = self.json();
        assert_eq!(body["code"], code, "code; body: {body}");
        assert_eq!(body["status"], status);
        for key in ["type", "title", "detail", "request_id"] {
            assert!(body[key].is_string(), "problem lacks {key}: {body}");
        }
        assert!(!body["request_id"].as_str().unwrap_or_default().is_empty());
        body
    }

    /// Asserts the status; returns the JSON body.
    #[track_caller]
    pub fn assert_status(&self, status: u16) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "status; body: {}",
            String::from_utf8_lossy(&self.body)
        );
        if self.body.is_empty() {
            Value::Null
        } else {
            self.json()
        }
    }
}

/// A response on its way.
type RespFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Resp>>>;
type RawFuture =
    std::pin::Pin<Box<dyn std::future::Future<Output = ServiceResponse<actix_web::body::BoxBody>>>>;

/// A response whose body is read as it comes (an event stream).
pub struct Streaming {
    pub status: StatusCode,
    pub headers: actix_web::http::header::HeaderMap,
    body: actix_web::body::BoxBody,
    buf: String,
}

/// One server-sent event block: its `id:`, `event:` and `data:` (joined), and comments.
#[derive(Debug, Default, Clone)]
pub struct SseBlock {
    pub id: Option<String>,
    pub event: Option<String>,
    pub data: Option<String>,
    pub retry: Option<String>,
    pub comments: Vec<String>,
}

impl Streaming {
    /// The next block, or `None` when the stream ends or nothing comes within `within`.
    pub async fn next_block(&mut self, within: Duration) -> Option<SseBlock> {
        use actix_web::body::MessageBody;
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let raw: String = self.buf.drain(..end + 2).collect();
                let mut block = SseBlock::default();
                for line in raw.lines() {
                    if let Some(c) = line.strip_prefix(':') {
                        block.comments.push(c.trim().to_string());
                    } else if let Some((k, v)) = line.split_once(':') {
                        let v = v.strip_prefix(' ').unwrap_or(v).to_string();
                        match k {
                            "id" => block.id = Some(v),
                            "event" => block.event = Some(v),
                            "retry" => block.retry = Some(v),
                            "data" => {
                                block.data = Some(match block.data.take() {
                                    Some(d) => format!("{d}\n{v}"),
                                    None => v,
                                })
                            }
                            _ => {}
                        }
                    }
                }
                return Some(block);
            }
            let chunk = tokio::time::timeout_at(
                deadline,
                futures_util::future::poll_fn(|cx| {
                    std::pin::Pin::new(&mut self.body).poll_next(cx)
                }),
            )
            .await
            .ok()??;
            let bytes = chunk.ok()?;
            self.buf.push_str(&String::from_utf8_lossy(&bytes));
        }
    }

    /// The next event that carries data (keep-alive comments and retry advice skipped).
    pub async fn next_event(&mut self, within: Duration) -> Option<SseBlock> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let block = self.next_block(left).await?;
            if block.data.is_some() {
                return Some(block);
            }
        }
    }
}

/// The application under test at a fixed moment, on another app's database (see `TestApp::at`).
pub struct AppAt {
    service: Box<dyn Fn(actix_http::Request) -> RespFuture>,
}

impl AppAt {
    /// Sends a prepared request.
    pub async fn send(&self, req: TestRequest) -> Resp {
        (self.service)(req.to_request()).await
    }

    /// GET as a persona.
    pub async fn get(&self, path: &str, who: &Persona) -> Resp {
        self.send(TestApp::request(Method::GET, path, Some(&who.token())))
            .await
    }

    /// POST a JSON body as a persona.
    pub async fn post(&self, path: &str, who: &Persona, body: &Value) -> Resp {
        self.send(TestApp::request(Method::POST, path, Some(&who.token())).set_json(body))
            .await
    }
}

/// The state the server builds, on `pool`, with the test settings: the test token issuer, a
/// 64 KiB body limit, the system clock, the default webhook policy and stream bounds, no CORS,
/// `/metrics` on the API's port. Tests change what they need with `..app_state(pool)`.
pub fn app_state(pool: DbPool) -> AppState {
    AppState {
        pool,
        verifier: JwtVerifier::new(&jwt_config()).expect("verifier"),
        body_limit: 64 * 1024,
        narcotics: Default::default(),
        clock: samverkan::clock::Clock::system(),
        webhook_policy: Default::default(),
        cors_origins: Vec::new(),
        streams: Default::default(),
        metrics_on_api_port: true,
    }
}

/// The application under test, on its own database.
pub struct TestApp {
    pub db: TestDb,
    pub pool: DbPool,
    /// The identity provider's key store, when the app trusts one (see `spawn_with_jwt`).
    pub idp_keys: Option<std::sync::Arc<samverkan::auth::keys::KeyStore>>,
    service: Box<dyn Fn(actix_http::Request) -> RespFuture>,
    raw: Box<dyn Fn(actix_http::Request) -> RawFuture>,
}

impl TestApp {
    /// Builds the app exactly as the server does, on a fresh database.
    pub async fn spawn() -> Self {
        Self::spawn_with_body_limit(64 * 1024).await
    }

    /// Same, with another body limit.
    pub async fn spawn_with_body_limit(body_limit: usize) -> Self {
        Self::spawn_with(
            body_limit,
            samverkan::clock::Clock::system(),
            Default::default(),
            jwt_config(),
            Vec::new(),
        )
        .await
    }

    /// An app verifying tokens as `jwt` says (e.g. trusting a test identity provider). Fetches
    /// no keys: call `refresh()` on [`TestApp::idp_keys`] as `startup::run` does.
    pub async fn spawn_with_jwt(jwt: JwtConfig) -> Self {
        Self::spawn_with(
            64 * 1024,
            samverkan::clock::Clock::system(),
            Default::default(),
            jwt,
            Vec::new(),
        )
        .await
    }

    /// An app that answers CORS for these browser origins.
    pub async fn spawn_with_cors(origins: &[&str]) -> Self {
        Self::spawn_with(
            64 * 1024,
            samverkan::clock::Clock::system(),
            Default::default(),
            jwt_config(),
            origins.iter().map(|o| o.to_string()).collect(),
        )
        .await
    }

    /// An app whose clock always says `at` (for answers that depend on the sending time).
    pub async fn spawn_at(at: time::OffsetDateTime) -> Self {
        Self::spawn_with(
            64 * 1024,
            samverkan::clock::Clock::fixed(at),
            Default::default(),
            jwt_config(),
            Vec::new(),
        )
        .await
    }

    /// An app whose webhook destinations may be `http` and on loopback (tests' receivers).
    pub async fn spawn_for_local_webhooks() -> Self {
        let policy = samverkan::webhooks::destination::DestinationPolicy {
            allow_http: true,
            allow_private: true,
        };
        Self::spawn_with(
            64 * 1024,
            samverkan::clock::Clock::system(),
            policy,
            jwt_config(),
            Vec::new(),
        )
        .await
    }

    async fn spawn_with(
        body_limit: usize,
        clock: samverkan::clock::Clock,
        webhook_policy: samverkan::webhooks::destination::DestinationPolicy,
        jwt: JwtConfig,
        cors_origins: Vec<String>,
    ) -> Self {
        let db = TestDb::new();
        let pool = db::build_pool(&db.url, 4, Duration::from_secs(2));
        let verifier = JwtVerifier::new(&jwt).expect("verifier");
        let idp_keys = verifier.provider().cloned();
        let state = AppState {
            verifier,
            body_limit,
            clock,
            webhook_policy,
            cors_origins,
            ..app_state(pool.clone())
        };
        let app = test::init_service(startup::build_app(web::Data::new(state))).await;
        let app = std::rc::Rc::new(app);
        let raw_app = app.clone();
        let raw = Box::new(move |req: actix_http::Request| {
            let app = raw_app.clone();
            Box::pin(async move {
                app.call(req)
                    .await
                    .expect("service error")
                    .map_into_boxed_body()
            }) as RawFuture
        });
        let service = Box::new(move |req: actix_http::Request| {
            let app = app.clone();
            Box::pin(async move {
                let res: ServiceResponse<_> = app.call(req).await.expect("service error");
                into_resp(res).await
            }) as RespFuture
        });
        Self {
            db,
            pool,
            idp_keys,
            service,
            raw,
        }
    }

    /// The same application on the same database, with its clock fixed at `at`: a test that
    /// needs messages sent and answered at chosen moments sends each through the app of its
    /// moment.
    pub async fn at(&self, at: time::OffsetDateTime) -> AppAt {
        let state = AppState {
            clock: samverkan::clock::Clock::fixed(at),
            ..app_state(self.pool.clone())
        };
        let app =
            std::rc::Rc::new(test::init_service(startup::build_app(web::Data::new(state))).await);
        AppAt {
            service: Box::new(move |req: actix_http::Request| {
                let app = app.clone();
                Box::pin(async move {
                    let res: ServiceResponse<_> = app.call(req).await.expect("service error");
                    into_resp(res).await
                }) as RespFuture
            }),
        }
    }

    /// Sends a request whose answer is read as it comes (an event stream).
    pub async fn open(&self, req: TestRequest) -> Streaming {
        let res = (self.raw)(req.to_request()).await;
        let status = res.status();
        let headers = res.headers().clone();
        Streaming {
            status,
            headers,
            body: res.into_body(),
            buf: String::new(),
        }
    }

    /// Sends a prepared request.
    pub async fn send(&self, req: TestRequest) -> Resp {
        (self.service)(req.to_request()).await
    }

    /// A request with a bearer token (or none).
    pub fn request(method: Method, path: &str, token: Option<&str>) -> TestRequest {
        let mut req = TestRequest::default().method(method).uri(path);
        if let Some(t) = token {
            req = req.insert_header((header::AUTHORIZATION, format!("Bearer {t}")));
        }
        req
    }

    /// GET as a persona.
    pub async fn get(&self, path: &str, who: &Persona) -> Resp {
        self.send(Self::request(Method::GET, path, Some(&who.token())))
            .await
    }

    /// POST a JSON body as a persona.
    pub async fn post(&self, path: &str, who: &Persona, body: &Value) -> Resp {
        self.send(Self::request(Method::POST, path, Some(&who.token())).set_json(body))
            .await
    }

    /// PATCH a JSON body as a persona.
    pub async fn patch(&self, path: &str, who: &Persona, body: &Value) -> Resp {
        self.send(Self::request(Method::PATCH, path, Some(&who.token())).set_json(body))
            .await
    }

    /// A safe test identity (DOMAIN.md's list) that is not registered in this test's database:
    /// the demo seed's 20121212-1212 is removed first (with the units' relations to it). Tests
    /// never invent numbers, which could belong to a real person.
    pub fn unregistered_number(&self) -> &'static str {
        use samverkan::schema::{patient_relations, patients};
        let mut conn = self.db.conn();
        diesel::delete(
            patient_relations::table.filter(
                patient_relations::patient_id.eq_any(
                    patients::table
                        .filter(patients::personal_identity_number.eq("201212121212"))
                        .select(patients::id),
                ),
            ),
        )
        .execute(&mut conn)
        .expect("remove relations to the seeded patient");
        diesel::delete(
            patients::table.filter(patients::personal_identity_number.eq("201212121212")),
        )
        .execute(&mut conn)
        .expect("remove seeded patient");
        "20121212-1212"
    }

    /// The id of a demo unit by HSA-id.
    pub fn unit_id(&self, hsa: &str) -> uuid::Uuid {
        use samverkan::schema::units;
        let mut conn = self.db.conn();
        units::table
            .filter(units::hsa_id_norm.eq(hsa.to_uppercase()))
            .select(units::id)
            .first(&mut conn)
            .expect("demo unit")
    }
}

async fn into_resp<B: MessageBody>(res: ServiceResponse<B>) -> Resp {
    let status = res.status();
    let headers = res.headers().clone();
    let body = match actix_web::body::to_bytes(res.into_body()).await {
        Ok(b) => b.to_vec(),
        Err(_) => panic!("response body could not be read"),
    };
    Resp {
        status,
        headers,
        body,
    }
}

// ---- Additions for the message tests -------------------------------------------------------

impl TestApp {
    /// POST raw bytes (e.g. malformed JSON) as a persona, with a content type.
    pub async fn post_raw(
        &self,
        path: &str,
        who: &Persona,
        body: &[u8],
        content_type: &str,
    ) -> Resp {
        self.send(
            Self::request(Method::POST, path, Some(&who.token()))
                .insert_header((header::CONTENT_TYPE, content_type.to_string()))
                .set_payload(body.to_vec()),
        )
        .await
    }

    /// A request without any token.
    pub async fn send_anonymous(&self, method: Method, path: &str, body: Option<&Value>) -> Resp {
        let mut req = Self::request(method, path, None);
        if let Some(b) = body {
            req = req.set_json(b);
        }
        self.send(req).await
    }

    /// The id of a registered patient by normalised 12-digit number (the demo seed registers
    /// every safe test identity).
    pub fn patient_id(&self, number12: &str) -> uuid::Uuid {
        use samverkan::schema::patients;
        let mut conn = self.db.conn();
        patients::table
            .filter(patients::personal_identity_number.eq(number12))
            .select(patients::id)
            .first(&mut conn)
            .expect("registered patient")
    }
}

// ---- Additions for the audit, events and FHIR tests ----------------------------------------

/// A token of an integration platform reading the change feed: role `integration`, acting
/// unit Vårdcentralen Halmstad, and `units` naming the units whose events it may read.
pub fn integration_token(units: &[&str]) -> String {
    integration_token_for("SE2321000115-DEMOINT1", units)
}

/// A receptförnyelse of Enalapril (not narcotic) from a kommun unit, correct in every way.
pub fn recept_draft(patient_id: uuid::Uuid, recipient_unit_id: uuid::Uuid) -> Value {
    serde_json::json!({
        "patient_id": patient_id,
        "recipient_unit_id": recipient_unit_id,
        "subject": "Receptförnyelse Enalapril",
        "body": "Patienten har tabletter kvar i en vecka. Ej akut. Tacksam för förnyelse.",
        "details": {"drug_name": "Enalapril", "strength": "10 mg", "dosage": "1x1", "kind": "fornyelse"}
    })
}

impl TestApp {
    /// Sends a request as a persona with a client-chosen `X-Request-Id`.
    pub async fn send_as(
        &self,
        method: Method,
        path: &str,
        who: &Persona,
        body: Option<&Value>,
        request_id: &str,
    ) -> Resp {
        let mut req = Self::request(method, path, Some(&who.token()))
            .insert_header(("x-request-id", request_id.to_string()));
        if let Some(b) = body {
            req = req.set_json(b);
        }
        self.send(req).await
    }

    /// GET with a ready-made bearer token.
    pub async fn get_with_token(&self, path: &str, token: &str) -> Resp {
        self.send(Self::request(Method::GET, path, Some(token)))
            .await
    }

    /// Every access-log row, oldest first (read directly from the database).
    pub fn access_log_rows(&self) -> Vec<samverkan::models::access_log::AccessLogRow> {
        use samverkan::models::access_log::AccessLogRow;
        use samverkan::schema::access_log;
        let mut conn = self.db.conn();
        access_log::table
            .select(AccessLogRow::as_select())
            .order(access_log::id.asc())
            .load(&mut conn)
            .expect("read access_log")
    }
}

// ---- Additions for inre sekretess (patient relations) ---------------------------------------

impl TestApp {
    /// `who`'s unit takes the patient up the way a frontend does: a lookup by number
    /// (`POST /api/v1/patients/lookup`, asserting 200), which records the unit's relation to
    /// the patient (inre sekretess). Returns the patient's id.
    pub async fn take_up(&self, who: &Persona, number: &str) -> uuid::Uuid {
        let res = self
            .post(
                "/api/v1/patients/lookup",
                who,
                &serde_json::json!({ "personal_identity_number": number }),
            )
            .await;
        assert_eq!(
            res.status.as_u16(),
            200,
            "lookup of {number} as {:?}; body: {}",
            who.unit,
            String::from_utf8_lossy(&res.body)
        );
        res.json()["id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("patient id in the lookup answer")
    }
}

// ---- Additions for webhooks ------------------------------------------------------------------

/// An integration platform's token (role `integration`, acting unit Vårdcentralen Halmstad,
/// `units` as given) for the client `sub`.
pub fn integration_token_for(sub: &str, units: &[&str]) -> String {
    mint_hs256(
        &jwt_config(),
        &TokenRequest {
            sub: sub.into(),
            unit: Some(VC_HALMSTAD.into()),
            name: Some("Integrationsplattform Demo".into()),
            roles: vec!["integration".into()],
            legitimerad: false,
            profession: None,
            units: units.iter().map(|u| u.to_string()).collect(),
            ttl_minutes: 30,
        },
    )
    .expect("mint integration token")
}

impl TestApp {
    /// Any method with a ready-made bearer token and an optional JSON body.
    pub async fn send_with_token(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<&Value>,
    ) -> Resp {
        let mut req = Self::request(method, path, Some(token));
        if let Some(b) = body {
            req = req.set_json(b);
        }
        self.send(req).await
    }
}

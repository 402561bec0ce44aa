use std::time::Duration;

use clap::Parser;

use crate::cli::Cli;
use crate::webhooks::destination::DestinationPolicy;
use crate::webhooks::schedule::RetrySchedule;

fn settings(args: &[&str]) -> super::Settings {
    let mut argv = vec!["samverkan"];
    argv.extend_from_slice(args);
    Cli::try_parse_from(argv).expect("flags parse").settings
}

#[test]
fn webhooks_default_to_https_public_destinations_and_the_documented_schedule() {
    let w = settings(&[]).webhooks().unwrap();
    assert_eq!(w.policy, DestinationPolicy::default());
    assert!(!w.policy.allow_http && !w.policy.allow_private);
    assert_eq!(w.schedule, RetrySchedule::default());
    assert_eq!(w.timeout, Duration::from_secs(15));
    assert_eq!(w.disable_after, Duration::from_secs(5 * 86400));
    assert_eq!(w.lease(), Duration::from_secs(35));
    assert!(w.ca_pem.is_none());
}

#[test]
fn development_may_allow_http_and_private_destinations() {
    let w = settings(&[
        "--webhook-allow-http",
        "true",
        "--webhook-allow-private",
        "true",
    ])
    .webhooks()
    .unwrap();
    assert!(w.policy.allow_http && w.policy.allow_private);
}

#[test]
fn a_bad_webhook_setting_names_its_variable() {
    for (args, variable) in [
        (
            ["--webhook-retry-schedule", "5s,soon"],
            "SAMVERKAN_WEBHOOK_RETRY_SCHEDULE",
        ),
        (["--webhook-timeout", "61s"], "SAMVERKAN_WEBHOOK_TIMEOUT"),
        (["--webhook-timeout", "50ms"], "SAMVERKAN_WEBHOOK_TIMEOUT"),
        (
            ["--webhook-disable-after", "5"],
            "SAMVERKAN_WEBHOOK_DISABLE_AFTER",
        ),
        (
            ["--webhook-ca-file", "/nonexistent/ca.pem"],
            "SAMVERKAN_WEBHOOK_CA_FILE",
        ),
    ] {
        let err = settings(&args).webhooks().unwrap_err().to_string();
        assert!(err.contains(variable), "{args:?}: {err}");
    }
    assert!(settings(&["--webhook-timeout", "100ms"]).webhooks().is_ok());
    assert!(settings(&["--webhook-timeout", "60s"]).webhooks().is_ok());
}

#[test]
fn a_ca_file_without_certificates_stops_the_dispatcher_from_starting() {
    let dir = std::env::temp_dir().join(format!("samverkan-ca-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("ca.pem");
    std::fs::write(&path, "not a certificate\n").unwrap();
    let w = settings(&["--webhook-ca-file", path.to_str().unwrap()])
        .webhooks()
        .unwrap();
    let pool = crate::db::build_pool(
        "postgres://nobody@127.0.0.1:1/none",
        1,
        Duration::from_millis(100),
    );
    let err = crate::webhooks::dispatcher::Dispatcher::new(pool, w, crate::clock::Clock::system())
        .err()
        .expect("refused");
    assert!(
        err.to_string().contains("SAMVERKAN_WEBHOOK_CA_FILE"),
        "{err}"
    );
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_ca_file_with_a_certificate_is_trusted_beside_the_public_roots() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/webhook-ca.pem");
    let w = settings(&["--webhook-ca-file", path]).webhooks().unwrap();
    assert!(w
        .ca_pem
        .as_ref()
        .is_some_and(|p| p.starts_with(b"-----BEGIN CERTIFICATE-----")));
    let pool = crate::db::build_pool(
        "postgres://nobody@127.0.0.1:1/none",
        1,
        Duration::from_millis(100),
    );
    assert!(
        crate::webhooks::dispatcher::Dispatcher::new(pool, w, crate::clock::Clock::system())
            .is_ok()
    );
}

/// Settings from `args` alone: the token sources a developer's or script/test's environment
/// sets (SAMVERKAN_JWT_*, SAMVERKAN_OIDC_ISSUER, …) are dropped unless `args` names them.
fn token_settings(args: &[&str]) -> super::Settings {
    let mut s = settings(args);
    let named = |flag: &str| args.contains(&flag);
    if !named("--jwt-hs256-secret") {
        s.jwt_hs256_secret = None;
    }
    if !named("--jwt-issuer") {
        s.jwt_issuer = None;
    }
    if !named("--oidc-issuer") {
        s.identity.oidc_issuer = None;
    }
    if !named("--jwks-url") {
        s.identity.jwks_url = None;
    }
    if !named("--allow-dev-tokens-with-oidc") {
        s.identity.allow_dev_tokens_with_oidc = false;
    }
    s
}

#[test]
fn no_token_source_is_a_configuration_error() {
    let err = token_settings(&[]).jwt().unwrap_err().to_string();
    assert!(err.contains("SAMVERKAN_OIDC_ISSUER"), "{err}");
    assert!(err.contains("SAMVERKAN_JWT_HS256_SECRET"), "{err}");
}

const SECRET: &str = "0123456789abcdef0123456789abcdef";

#[test]
fn the_development_secret_alone_needs_its_issuer() {
    let err = token_settings(&["--jwt-hs256-secret", SECRET])
        .jwt()
        .unwrap_err();
    assert!(err.to_string().contains("SAMVERKAN_JWT_ISSUER"));
    let jwt = token_settings(&["--jwt-hs256-secret", SECRET, "--jwt-issuer", "dev"])
        .jwt()
        .unwrap();
    assert!(jwt.provider.is_none());
    assert_eq!(jwt.leeway, Duration::from_secs(30));
}

#[test]
fn a_provider_uses_inera_names_and_the_documented_timings_by_default() {
    use super::identity::{ClaimNames, KeySource, KeyTimings};
    let jwt = token_settings(&["--oidc-issuer", "https://idp.example.se/oidc/"])
        .jwt()
        .unwrap();
    let p = jwt.provider.expect("provider");
    assert_eq!(p.issuer, "https://idp.example.se/oidc");
    assert_eq!(
        p.source,
        KeySource::Discovery("https://idp.example.se/oidc".into())
    );
    assert_eq!(p.claims, ClaimNames::default());
    assert_eq!(p.claims.person, "employeeHsaId");
    assert_eq!(p.timings, KeyTimings::default());
    assert_eq!(p.timings.refetch_cooldown, Duration::from_secs(30));
    assert_eq!(p.commission_purpose, "Vård och behandling");
    assert!(jwt.hs256_secret.is_none());
}

#[test]
fn an_http_provider_is_refused_unless_allowed() {
    let err = token_settings(&["--oidc-issuer", "http://127.0.0.1:9/"])
        .jwt()
        .unwrap_err();
    assert!(
        err.to_string().contains("SAMVERKAN_OIDC_ALLOW_HTTP"),
        "{err}"
    );
    assert!(token_settings(&[
        "--oidc-issuer",
        "http://127.0.0.1:9/",
        "--oidc-allow-http",
        "true"
    ])
    .jwt()
    .is_ok());
    let err = token_settings(&["--oidc-issuer", "ftp://idp"])
        .jwt()
        .unwrap_err();
    assert!(err.to_string().contains("SAMVERKAN_OIDC_ISSUER"), "{err}");
}

#[test]
fn a_provider_and_the_development_secret_together_need_the_explicit_flag() {
    let both = [
        "--oidc-issuer",
        "https://idp.example.se",
        "--jwt-hs256-secret",
        SECRET,
        "--jwt-issuer",
        "dev",
    ];
    let err = token_settings(&both).jwt().unwrap_err();
    assert!(
        err.to_string()
            .contains("SAMVERKAN_ALLOW_DEV_TOKENS_WITH_OIDC"),
        "{err}"
    );
    let mut allowed = both.to_vec();
    allowed.extend(["--allow-dev-tokens-with-oidc", "true"]);
    let jwt = token_settings(&allowed).jwt().unwrap();
    assert!(jwt.provider.is_some() && jwt.hs256_secret.is_some());
}

#[test]
fn a_bare_jwks_url_takes_its_issuer_from_the_oidc_or_jwt_issuer() {
    use super::identity::KeySource;
    let err = token_settings(&["--jwks-url", "https://idp.example.se/jwks"])
        .jwt()
        .unwrap_err();
    assert!(err.to_string().contains("SAMVERKAN_OIDC_ISSUER"), "{err}");
    let jwt = token_settings(&[
        "--jwks-url",
        "https://idp.example.se/jwks",
        "--jwt-issuer",
        "https://idp.example.se",
    ])
    .jwt()
    .unwrap();
    let p = jwt.provider.unwrap();
    assert_eq!(p.issuer, "https://idp.example.se");
    assert_eq!(
        p.source,
        KeySource::Jwks("https://idp.example.se/jwks".into())
    );
}

#[test]
fn claim_names_role_values_and_timings_are_configurable_and_checked() {
    use crate::auth::Role;
    let p = token_settings(&[
        "--oidc-issuer",
        "https://idp.example.se",
        "--claim-person",
        "http://sambi.se/attributes/1/employeeHsaId",
        "--role-values",
        "admin=samverkan-admin, granskare=samverkan-granskare",
        "--oidc-refetch-cooldown",
        "10s",
        "--jwt-leeway",
        "0s",
    ])
    .jwt()
    .unwrap();
    assert_eq!(p.leeway, Duration::ZERO);
    let p = p.provider.unwrap();
    assert_eq!(
        p.claims.person,
        "http://sambi.se/attributes/1/employeeHsaId"
    );
    assert_eq!(
        p.role_values,
        vec![
            (Role::Admin, "samverkan-admin".to_string()),
            (Role::Granskare, "samverkan-granskare".to_string())
        ]
    );
    assert_eq!(p.timings.refetch_cooldown, Duration::from_secs(10));
    for (args, variable) in [
        (["--role-values", "integration=x"], "SAMVERKAN_ROLE_VALUES"),
        (["--role-values", "admin"], "SAMVERKAN_ROLE_VALUES"),
        (["--claim-unit", " "], "SAMVERKAN_CLAIM_UNIT"),
        (["--oidc-keys-min-age", "2d"], "SAMVERKAN_OIDC_KEYS_MIN_AGE"),
        (
            ["--oidc-refetch-cooldown", "500ms"],
            "SAMVERKAN_OIDC_REFETCH_COOLDOWN",
        ),
        (["--jwt-leeway", "10m"], "SAMVERKAN_JWT_LEEWAY"),
        (
            ["--oidc-ca-file", "/nonexistent/ca.pem"],
            "SAMVERKAN_OIDC_CA_FILE",
        ),
    ] {
        let mut argv = vec!["--oidc-issuer", "https://idp.example.se"];
        argv.extend(args);
        let err = token_settings(&argv).jwt().unwrap_err().to_string();
        assert!(err.contains(variable), "{args:?}: {err}");
    }
}

fn server_settings(metrics_bind: Option<&str>) -> super::Settings {
    let mut s = token_settings(&[
        "--database-url",
        "postgres://localhost/x",
        "--jwt-hs256-secret",
        SECRET,
        "--jwt-issuer",
        "dev",
        "--bind",
        "127.0.0.1:8080",
    ]);
    s.metrics_bind = metrics_bind.map(str::to_string);
    s
}

#[test]
fn metrics_are_on_the_api_port_unless_a_separate_address_is_given() {
    assert_eq!(server_settings(None).server().unwrap().metrics_bind, None);
    assert_eq!(
        server_settings(Some("")).server().unwrap().metrics_bind,
        None
    );
    assert_eq!(
        server_settings(Some("10.0.0.5:9464"))
            .server()
            .unwrap()
            .metrics_bind,
        Some("10.0.0.5:9464".parse().unwrap())
    );
    let err = server_settings(Some("metrics"))
        .server()
        .unwrap_err()
        .to_string();
    assert!(err.contains("SAMVERKAN_METRICS_BIND"), "{err}");
    let err = server_settings(Some("127.0.0.1:8080"))
        .server()
        .unwrap_err()
        .to_string();
    assert!(err.contains("must differ"), "{err}");
}

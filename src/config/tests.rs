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

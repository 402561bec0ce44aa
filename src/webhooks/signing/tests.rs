use super::*;

/// The specification's own example (standard-webhooks, README "Signature scheme"), which the
/// reference library (PyPI `standardwebhooks` 1.1.0) signs the same way.
#[test]
fn signs_the_specifications_example() {
    let sig = sign(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        1614265330,
        br#"{"test": 2432232314}"#,
    );
    assert_eq!(
        sig.as_deref(),
        Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    );
}

#[test]
fn a_new_secret_has_the_prefix_and_32_random_bytes() {
    let a = new_secret().unwrap();
    let b = new_secret().unwrap();
    assert!(a.starts_with("whsec_"));
    assert_eq!(STANDARD.decode(&a[6..]).unwrap().len(), 32);
    assert_ne!(a, b);
}

#[test]
fn every_secret_signs_and_the_signatures_are_space_separated() {
    let old = new_secret().unwrap();
    let new = new_secret().unwrap();
    let header = signature_header(&[&new, &old], "msg_1", 1, b"{}");
    let parts: Vec<&str> = header.split(' ').collect();
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[0], sign(&new, "msg_1", 1, b"{}").unwrap());
    assert_eq!(parts[1], sign(&old, "msg_1", 1, b"{}").unwrap());
    assert!(parts.iter().all(|p| p.starts_with("v1,")));
}

#[test]
fn the_signature_covers_id_timestamp_and_body() {
    let s = new_secret().unwrap();
    let base = sign(&s, "msg_1", 100, b"{}").unwrap();
    assert_ne!(base, sign(&s, "msg_2", 100, b"{}").unwrap());
    assert_ne!(base, sign(&s, "msg_1", 101, b"{}").unwrap());
    assert_ne!(base, sign(&s, "msg_1", 100, b"{ }").unwrap());
}

#[test]
fn a_secret_without_the_prefix_or_not_base64_signs_nothing() {
    assert_eq!(sign("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "m", 1, b""), None);
    assert_eq!(sign("whsec_***", "m", 1, b""), None);
}

use super::*;

const STRICT: DestinationPolicy = DestinationPolicy {
    allow_http: false,
    allow_private: false,
};
const DEV: DestinationPolicy = DestinationPolicy {
    allow_http: true,
    allow_private: true,
};

fn refused(url: &str, policy: DestinationPolicy) -> Option<&'static str> {
    check_form(url, policy).err().map(|e| e.code())
}

#[test]
fn https_to_a_public_address_or_name_passes() {
    assert_eq!(
        refused(
            "https://integration.regionhalland.se/hooks/samverkan",
            STRICT
        ),
        None
    );
    assert_eq!(refused("https://93.184.216.34:8443/x?y=1", STRICT), None);
    assert_eq!(refused("https://[2606:4700::1111]/", STRICT), None);
}

#[test]
fn http_only_when_allowed() {
    assert_eq!(
        refused("http://example.org/", STRICT),
        Some("WEBHOOK_URL_NOT_HTTPS")
    );
    assert_eq!(refused("http://example.org/", DEV), None);
    assert_eq!(
        refused("ftp://example.org/", DEV),
        Some("WEBHOOK_URL_NOT_HTTPS")
    );
    assert_eq!(
        refused("file:///etc/passwd", DEV),
        Some("WEBHOOK_URL_NOT_HTTPS")
    );
}

#[test]
fn malformed_credentials_and_fragments_are_refused() {
    assert_eq!(refused("not a url", DEV), Some("WEBHOOK_URL_INVALID"));
    assert_eq!(refused("/relative/path", DEV), Some("WEBHOOK_URL_INVALID"));
    assert_eq!(
        refused("https://user:pw@example.org/", DEV),
        Some("WEBHOOK_URL_CREDENTIALS")
    );
    assert_eq!(
        refused("https://example.org/#frag", DEV),
        Some("WEBHOOK_URL_INVALID")
    );
    let long = format!("https://example.org/{}", "a".repeat(MAX_URL_LEN));
    assert_eq!(refused(&long, DEV), Some("WEBHOOK_URL_INVALID"));
}

#[test]
fn inside_addresses_are_refused_unless_allowed() {
    for url in [
        "https://127.0.0.1/",
        "https://127.1/",
        "https://2130706433/",
        "https://10.1.2.3/",
        "https://172.16.0.1/",
        "https://172.31.255.255/",
        "https://192.168.1.1/",
        "https://169.254.10.10/",
        "https://100.64.0.1/",
        "https://[::1]/",
        "https://[fd12::1]/",
        "https://[fe80::1]/",
        "https://[::ffff:10.0.0.1]/",
        "https://[64:ff9b::7f00:1]/",
    ] {
        assert_eq!(refused(url, STRICT), Some("WEBHOOK_URL_PRIVATE"), "{url}");
        assert_eq!(refused(url, DEV), None, "{url} under allow_private");
    }
    // The edges of the private ranges are public.
    assert_eq!(refused("https://172.32.0.1/", STRICT), None);
    assert_eq!(refused("https://172.15.255.255/", STRICT), None);
    assert_eq!(refused("https://100.128.0.1/", STRICT), None);
    assert_eq!(refused("https://11.0.0.1/", STRICT), None);
}

#[test]
fn metadata_unspecified_and_multicast_are_refused_whatever_the_policy() {
    for url in [
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:169.254.169.254]/",
        "http://168.63.129.16/",
        "http://100.100.100.200/",
        "http://[fd00:ec2::254]/",
        "http://0.0.0.0/",
        "http://[::]/",
        "http://224.0.0.1/",
        "http://255.255.255.255/",
    ] {
        assert_eq!(refused(url, DEV), Some("WEBHOOK_URL_PRIVATE"), "{url}");
    }
}

#[actix_rt::test]
async fn a_name_is_judged_by_every_address_it_resolves_to() {
    let url = check_form("https://localhost:9/hook", STRICT).unwrap();
    assert_eq!(
        check_resolved(&url, STRICT).await.map_err(|e| e.code()),
        Err("WEBHOOK_URL_PRIVATE")
    );
    assert_eq!(check_resolved(&url, DEV).await, Ok(()));
    let nowhere = check_form("https://no-such-host.invalid/", STRICT).unwrap();
    assert_eq!(
        check_resolved(&nowhere, STRICT).await.map_err(|e| e.code()),
        Err("WEBHOOK_URL_UNRESOLVABLE")
    );
}

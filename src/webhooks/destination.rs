//! Where a webhook may be sent. A destination is refused when it could reach inside the
//! region's network or the host the API runs on (server-side request forgery): only `https`
//! (`http` too when [`DestinationPolicy::allow_http`]), no credentials in the URL, and no
//! address that is loopback, private, link-local, shared (CGNAT), unique-local, multicast or
//! unspecified unless [`DestinationPolicy::allow_private`] — and never a cloud metadata
//! address. The check runs when an endpoint is registered or changed (a clear 422) and again on
//! every delivery, inside the HTTP client's name resolution ([`SafeResolver`]), so a name that
//! later resolves somewhere else (DNS rebinding) is still refused.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use crate::i18n::Msg;
use crate::text;
use url::{Host, Url};

/// Longest accepted URL.
pub const MAX_URL_LEN: usize = 2048;

/// What destinations the operator allows (`SAMVERKAN_WEBHOOK_ALLOW_HTTP`, `…_ALLOW_PRIVATE`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DestinationPolicy {
    /// Plain `http` URLs (development and tests).
    pub allow_http: bool,
    /// Loopback, private and link-local addresses (development and tests).
    pub allow_private: bool,
}

/// Why a destination is refused; `code()` is the stable violation code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// Not an absolute URL.
    #[error("not an absolute URL: {0}")]
    Malformed(String),
    /// Longer than [`MAX_URL_LEN`].
    #[error("longer than {MAX_URL_LEN} characters")]
    TooLong,
    /// Not `https` (or `http` where allowed).
    #[error("the scheme must be https")]
    Scheme,
    /// User name or password in the URL.
    #[error("the URL must not carry a user name or password")]
    Credentials,
    /// A fragment, which is never sent.
    #[error("the URL must not have a #fragment")]
    Fragment,
    /// The name does not resolve.
    #[error("the host name does not resolve: {0}")]
    Unresolvable(String),
    /// An address inside the network or of a metadata service.
    #[error("{0} is a {1} address, which webhooks may not reach")]
    Address(IpAddr, &'static str),
}

impl Refused {
    /// Why the URL is refused, for the person registering it.
    pub fn message(&self) -> Msg {
        match self {
            Self::Malformed(why) => Msg::owned(
                "Webbadressen är inte en giltig absolut URL.".into(),
                format!("The webhook URL is not an absolute URL: {why}."),
            ),
            Self::TooLong => text!(
                "Webbadressen är längre än {MAX_URL_LEN} tecken.",
                "The webhook URL is longer than {MAX_URL_LEN} characters."
            ),
            Self::Scheme => Msg::new(
                "Webbadressen måste börja med https.",
                "The webhook URL's scheme must be https.",
            ),
            Self::Credentials => Msg::new(
                "Webbadressen får inte innehålla användarnamn eller lösenord.",
                "The webhook URL must not carry a user name or password.",
            ),
            Self::Fragment => Msg::new(
                "Webbadressen får inte ha ett #fragment.",
                "The webhook URL must not have a #fragment.",
            ),
            Self::Unresolvable(host) => text!(
                "Värdnamnet {host} går inte att slå upp.",
                "The host name {host} does not resolve."
            ),
            Self::Address(ip, kind) => {
                let kind_sv = match *kind {
                    "multicast or broadcast" => "en multicast- eller broadcast",
                    "loopback" => "en loopback",
                    "private" => "en privat",
                    "link-local" => "en länklokal",
                    "shared (CGNAT)" => "en delad (CGNAT-)",
                    "reserved" => "en reserverad",
                    "unique-local" => "en unik lokal",
                    "cloud metadata" => "en molnmetadata",
                    "unspecified" => "en ospecificerad ",
                    _ => "en otillåten",
                };
                text!(
                    "{ip} är {kind_sv}adress, som webhooks inte får nå.",
                    "{ip} is a {kind} address, which webhooks may not reach."
                )
            }
        }
    }

    /// The violation code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed(_) | Self::TooLong | Self::Fragment => "WEBHOOK_URL_INVALID",
            Self::Scheme => "WEBHOOK_URL_NOT_HTTPS",
            Self::Credentials => "WEBHOOK_URL_CREDENTIALS",
            Self::Unresolvable(_) => "WEBHOOK_URL_UNRESOLVABLE",
            Self::Address(..) => "WEBHOOK_URL_PRIVATE",
        }
    }
}

/// Addresses of cloud metadata services, refused whatever the policy.
const METADATA: &[IpAddr] = &[
    IpAddr::V4(Ipv4Addr::new(169, 254, 169, 254)), // AWS, GCP, Azure, OpenStack
    IpAddr::V4(Ipv4Addr::new(169, 254, 170, 2)),   // AWS ECS task metadata
    IpAddr::V4(Ipv4Addr::new(168, 63, 129, 16)),   // Azure wire server
    IpAddr::V4(Ipv4Addr::new(100, 100, 100, 200)), // Alibaba Cloud
    IpAddr::V4(Ipv4Addr::new(192, 0, 0, 192)),     // Oracle Cloud
    IpAddr::V6(Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254)), // AWS over IPv6
];

/// What kind of address `ip` is when a webhook may not reach it under `policy`; `None` when it
/// may.
pub fn forbidden(ip: IpAddr, policy: DestinationPolicy) -> Option<&'static str> {
    let ip = canonical(ip);
    if METADATA.contains(&ip) {
        return Some("cloud metadata");
    }
    if ip.is_unspecified() {
        return Some("unspecified");
    }
    if ip.is_multicast() || matches!(ip, IpAddr::V4(v4) if v4.is_broadcast()) {
        return Some("multicast or broadcast");
    }
    if policy.allow_private {
        return None;
    }
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            if v4.is_loopback() {
                Some("loopback")
            } else if v4.is_private() {
                Some("private")
            } else if v4.is_link_local() {
                Some("link-local")
            } else if a == 100 && (64..128).contains(&b) {
                Some("shared (CGNAT)")
            } else if a == 0
                || a >= 240
                || (a == 192 && b == 0 && c == 0)
                || (a == 198 && (b & 0xfe) == 18)
            {
                Some("reserved")
            } else {
                None
            }
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            if v6.is_loopback() {
                Some("loopback")
            } else if (first & 0xfe00) == 0xfc00 {
                Some("unique-local")
            } else if (first & 0xffc0) == 0xfe80 || (first & 0xffc0) == 0xfec0 {
                Some("link-local")
            } else {
                None
            }
        }
    }
}

/// An IPv4 address written as IPv6 (`::ffff:a.b.c.d`, or NAT64's `64:ff9b::a.b.c.d`) is
/// judged as the IPv4 address it reaches.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return IpAddr::V4(v4);
            }
            let s = v6.segments();
            if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
                let [.., a, b, c, d] = v6.octets();
                return IpAddr::V4(Ipv4Addr::new(a, b, c, d));
            }
            ip
        }
        v4 => v4,
    }
}

/// Checks a URL's form (scheme, credentials, fragment, length) and, when its host is an
/// address, the address. Names are checked by [`check_resolved`].
pub fn check_form(raw: &str, policy: DestinationPolicy) -> Result<Url, Refused> {
    if raw.chars().count() > MAX_URL_LEN {
        return Err(Refused::TooLong);
    }
    let url = Url::parse(raw.trim()).map_err(|e| Refused::Malformed(e.to_string()))?;
    match url.scheme() {
        "https" => {}
        "http" if policy.allow_http => {}
        _ => return Err(Refused::Scheme),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Refused::Credentials);
    }
    if url.fragment().is_some() {
        return Err(Refused::Fragment);
    }
    match url.host() {
        None => return Err(Refused::Malformed("no host".into())),
        Some(Host::Ipv4(v4)) => check_ip(IpAddr::V4(v4), policy)?,
        Some(Host::Ipv6(v6)) => check_ip(IpAddr::V6(v6), policy)?,
        Some(Host::Domain(_)) => {}
    }
    Ok(url)
}

fn check_ip(ip: IpAddr, policy: DestinationPolicy) -> Result<(), Refused> {
    match forbidden(ip, policy) {
        Some(kind) => Err(Refused::Address(ip, kind)),
        None => Ok(()),
    }
}

/// Resolves the URL's host and refuses it when any address it resolves to is forbidden (an
/// attacker's name may list a public and a private address).
pub async fn check_resolved(url: &Url, policy: DestinationPolicy) -> Result<(), Refused> {
    let Some(Host::Domain(name)) = url.host() else {
        return Ok(());
    };
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((name, port))
        .await
        .map_err(|e| {
            tracing::info!(host = name, error = %e, "webhook host does not resolve");
            Refused::Unresolvable(name.to_string())
        })?
        .collect();
    if addrs.is_empty() {
        return Err(Refused::Unresolvable(name.to_string()));
    }
    for a in &addrs {
        check_ip(a.ip(), policy)?;
    }
    Ok(())
}

/// The HTTP client's name resolution: the system resolver, then every address checked, so a
/// delivery never connects to a forbidden address whatever the name resolves to by then.
#[derive(Debug, Clone, Copy)]
pub struct SafeResolver(pub DestinationPolicy);

impl reqwest::dns::Resolve for SafeResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.0;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            for a in &addrs {
                check_ip(a.ip(), policy)?;
            }
            if addrs.is_empty() {
                return Err(Refused::Unresolvable(host).into());
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests;

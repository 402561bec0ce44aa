//! CORS for browser frontends on other origins (`SAMVERKAN_CORS_ORIGINS`): exact origins only,
//! never `*`; an origin not on the list gets no CORS headers (and a refused preflight), so the
//! browser keeps it out. Without origins no CORS header is ever sent.

use actix_cors::Cors;
use actix_web::http::{header, Method};

/// Request headers a frontend may send.
pub const ALLOWED_HEADERS: &[&str] = &[
    "authorization",
    "content-type",
    "idempotency-key",
    "x-request-id",
    "if-none-match",
    "if-match",
    "last-event-id",
    "accept-language",
];

/// Response headers a frontend may read.
pub const EXPOSED_HEADERS: &[&str] = &[
    "location",
    "x-request-id",
    "etag",
    "idempotent-replayed",
    "retry-after",
];

/// Parses a comma-separated list of origins (`https://vard.example.se,http://localhost:5173`):
/// each `scheme://host[:port]`, http or https, nothing after the authority; `*` and `null` are
/// refused. Returns them in their serialised form (lower-case host, default port dropped).
pub fn parse_origins(text: &str) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if part == "*" || part.eq_ignore_ascii_case("null") {
            return Err(format!("`{part}` is not an origin: list the exact origins"));
        }
        let url = url::Url::parse(part).map_err(|e| format!("`{part}` is not an origin: {e}"))?;
        // `https://host` parses with the path `/`; `https://host/` is refused like any path.
        let bare = url.path() == "/" && !part.ends_with('/');
        if !matches!(url.scheme(), "http" | "https")
            || url.host_str().is_none()
            || !url.username().is_empty()
            || url.password().is_some()
            || url.query().is_some()
            || url.fragment().is_some()
            || !bare
        {
            return Err(format!(
                "`{part}` is not an origin: write scheme://host[:port], nothing more"
            ));
        }
        let origin = url.origin().ascii_serialization();
        if !out.contains(&origin) {
            out.push(origin);
        }
    }
    Ok(out)
}

/// The CORS middleware for these origins (see [`parse_origins`]).
pub fn middleware(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods([
            Method::GET,
            Method::POST,
            Method::PATCH,
            Method::PUT,
            Method::DELETE,
        ])
        .allowed_headers(
            ALLOWED_HEADERS
                .iter()
                .filter_map(|h| header::HeaderName::from_lowercase(h.as_bytes()).ok()),
        )
        .expose_headers(
            EXPOSED_HEADERS
                .iter()
                .filter_map(|h| header::HeaderName::from_lowercase(h.as_bytes()).ok()),
        )
        .max_age(600)
        .block_on_origin_mismatch(false);
    for o in origins {
        cors = cors.allowed_origin(o);
    }
    cors
}

#[cfg(test)]
mod tests {
    use super::parse_origins;

    #[test]
    fn exact_origins_are_kept_in_their_serialised_form() {
        assert_eq!(
            parse_origins(
                " https://Vard.Example.se , http://localhost:5173,https://vard.example.se:443"
            )
            .unwrap(),
            vec!["https://vard.example.se", "http://localhost:5173"]
        );
        assert_eq!(parse_origins("").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn wildcards_paths_and_other_schemes_are_refused() {
        for bad in [
            "*",
            "null",
            "https://vard.example.se/app",
            "https://vard.example.se/",
            "https://vard.example.se?x=1",
            "ftp://vard.example.se",
            "https://user@vard.example.se",
            "vard.example.se",
        ] {
            assert!(parse_origins(bad).is_err(), "{bad}");
        }
    }
}

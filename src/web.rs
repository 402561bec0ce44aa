//! The static web pages the API serves from the repository's `web/` folder: the reference
//! client at `/app/` and the statistics dashboard at `/statistik/`. Release builds embed the files; debug builds read them from disk, so a
//! page can be edited without rebuilding.
//!
//! Pages call only the public API, from the same origin; a strict Content-Security-Policy
//! (no inline scripts or styles, no other origins) keeps an injected text from running.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};
use rust_embed::RustEmbed;

use crate::error::{AppError, Missing};

#[derive(RustEmbed)]
#[folder = "web/"]
struct Pages;

/// The policy of every page: its own scripts, styles and API only.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
frame-ancestors 'none'";

/// The media type of a page file, by its extension; other files are not served.
fn content_type(path: &str) -> Option<&'static str> {
    let ext = path.rsplit_once('.')?.1;
    Some(match ext {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        _ => return None,
    })
}

/// Maps a request path under a site (`/app/`, `/app/js/x.js`) to the file in `web/`.
fn file_of(site: &str, rest: &str) -> Option<String> {
    if rest.split('/').any(|s| s == ".." || s.starts_with('.')) {
        return None;
    }
    let rest = if rest.is_empty() || rest.ends_with('/') {
        format!("{rest}index.html")
    } else {
        rest.to_string()
    };
    Some(format!("{site}/{rest}"))
}

/// Answers one file of a site, with an `ETag` so a browser revalidates instead of refetching.
fn serve(req: &HttpRequest, site: &str, rest: &str) -> Result<HttpResponse, AppError> {
    let path = file_of(site, rest).ok_or_else(|| AppError::not_found(Missing::Page))?;
    let kind = content_type(&path).ok_or_else(|| AppError::not_found(Missing::Page))?;
    let file = Pages::get(&path).ok_or_else(|| AppError::not_found(Missing::Page))?;
    let etag = format!(
        "\"{}\"",
        file.metadata
            .sha256_hash()
            .iter()
            .take(12)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut res = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        .insert_header((header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")));
    if fresh {
        return Ok(res.finish());
    }
    Ok(res
        .insert_header((header::CONTENT_TYPE, kind))
        .body(file.data.into_owned()))
}

/// `GET /app/…`: the reference client.
async fn app(req: HttpRequest, rest: web::Path<String>) -> Result<HttpResponse, AppError> {
    serve(&req, "app", &rest)
}

/// `GET /statistik/…`: the routine owners' dashboard.
async fn statistik(req: HttpRequest, rest: web::Path<String>) -> Result<HttpResponse, AppError> {
    serve(&req, "statistik", &rest)
}

/// Registers the sites (outside the documented API: they are pages, not operations).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::redirect("/app", "/app/"))
        .route("/app/{rest:.*}", web::get().to(app))
        .service(web::redirect("/statistik", "/statistik/"))
        .route("/statistik/{rest:.*}", web::get().to(statistik));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_maps_to_its_file_and_a_folder_to_its_index() {
        assert_eq!(file_of("app", "").as_deref(), Some("app/index.html"));
        assert_eq!(
            file_of("app", "js/app.js").as_deref(),
            Some("app/js/app.js")
        );
        assert_eq!(
            file_of("app", "sub/").as_deref(),
            Some("app/sub/index.html")
        );
    }

    #[test]
    fn no_path_leaves_the_site_or_reaches_a_hidden_file() {
        assert_eq!(file_of("app", "../Cargo.toml"), None);
        assert_eq!(file_of("app", "js/../../x"), None);
        assert_eq!(file_of("app", ".env"), None);
    }

    #[test]
    fn only_known_kinds_of_file_are_served() {
        assert_eq!(
            content_type("app/index.html"),
            Some("text/html; charset=utf-8")
        );
        assert_eq!(content_type("app/x.map"), None);
        assert_eq!(content_type("app/README"), None);
    }
}

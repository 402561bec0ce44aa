//! One language for people: every text a nurse may read — problem titles and details, rule
//! violations, field problems — exists in Swedish and English. Swedish is the default; a request
//! whose `Accept-Language` prefers English (`en`, `en-GB`…) over Swedish gets English. Codes
//! never change with the language.
//!
//! A [`Msg`] carries both versions from where it is made (often a blocking database closure)
//! to where it is written out; the language of the request being answered lives in a
//! task-local, set by [`middleware`], and [`Msg`]'s `Serialize` and `Display` use it. Outside a
//! request (logs, background tasks, unit tests) texts are Swedish.

pub mod serde_sv;

use std::borrow::Cow;
use std::fmt;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, Header, HeaderValue, Preference, Quality};
use actix_web::middleware::Next;
use actix_web::Error;
use serde::{Serialize, Serializer};

/// A language people read our texts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Swedish, the default.
    #[default]
    Sv,
    /// English, on request.
    En,
}

impl Lang {
    /// The language tag (`sv`, `en`), as sent in `Content-Language`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Sv => "sv",
            Lang::En => "en",
        }
    }

    /// The language an `Accept-Language` header asks for: the highest-ranked of Swedish and
    /// English (on a tie the one listed first); Swedish when neither is named, when the header
    /// is missing or malformed, or for `*`.
    pub fn from_accept_language(accept: &header::AcceptLanguage) -> Self {
        let mut best: Option<(Quality, Lang)> = None;
        for item in &accept.0 {
            if item.quality == Quality::ZERO {
                continue;
            }
            let lang = match &item.item {
                Preference::Any => Lang::Sv,
                Preference::Specific(tag) => match tag.primary_language() {
                    p if p.eq_ignore_ascii_case("sv") => Lang::Sv,
                    p if p.eq_ignore_ascii_case("en") => Lang::En,
                    _ => continue,
                },
            };
            if best.is_none_or(|(q, _)| item.quality > q) {
                best = Some((item.quality, lang));
            }
        }
        best.map_or(Lang::Sv, |(_, lang)| lang)
    }
}

tokio::task_local! {
    static CURRENT: Lang;
}

/// The language of the request being answered (Swedish outside a request).
pub fn current() -> Lang {
    CURRENT.try_with(|l| *l).unwrap_or_default()
}

/// Runs `f` as if answering a request in `lang` (for code that renders texts off the request's
/// task, and for tests).
pub async fn scope<F: std::future::Future>(lang: Lang, f: F) -> F::Output {
    CURRENT.scope(lang, f).await
}

/// A text for people, in Swedish and English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    sv: Cow<'static, str>,
    en: Cow<'static, str>,
}

impl Msg {
    /// A fixed text.
    pub const fn new(sv: &'static str, en: &'static str) -> Self {
        Self {
            sv: Cow::Borrowed(sv),
            en: Cow::Borrowed(en),
        }
    }

    /// A text made at run time (see the [`text!`](crate::text) macro).
    pub fn owned(sv: String, en: String) -> Self {
        Self {
            sv: Cow::Owned(sv),
            en: Cow::Owned(en),
        }
    }

    /// The text in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Sv => &self.sv,
            Lang::En => &self.en,
        }
    }

    /// The Swedish text.
    pub fn sv(&self) -> &str {
        &self.sv
    }

    /// The English text.
    pub fn en(&self) -> &str {
        &self.en
    }
}

/// Writes the text in the language of the request being answered.
impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.get(current()))
    }
}

/// Serialises as a plain string in the language of the request being answered.
impl Serialize for Msg {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.get(current()))
    }
}

/// A [`Msg`] from a Swedish and an English format string, each with `format!`'s syntax:
/// `text!("Högst {max} tecken.", "At most {max} characters.")`.
#[macro_export]
macro_rules! text {
    ($sv:literal, $en:literal $(,)?) => {
        $crate::i18n::Msg::owned(format!($sv), format!($en))
    };
    ($sv:literal, $en:literal, $($arg:tt)+) => {
        $crate::i18n::Msg::owned(format!($sv, $($arg)+), format!($en, $($arg)+))
    };
}

/// Middleware: answers the request in the language its `Accept-Language` asks for. Every
/// response says it varies with that header; a problem document says which language it is in.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let lang = header::AcceptLanguage::parse(req.request())
        .map(|h| Lang::from_accept_language(&h))
        .unwrap_or_default();
    let res = CURRENT.scope(lang, next.call(req)).await?;
    let mut res = res.map_into_boxed_body();
    let headers = res.headers_mut();
    headers.append(header::VARY, HeaderValue::from_static("Accept-Language"));
    let is_problem = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(crate::error::PROBLEM_JSON));
    if is_problem {
        headers.insert(
            header::CONTENT_LANGUAGE,
            HeaderValue::from_static(lang.tag()),
        );
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn lang_of(value: &str) -> Lang {
        let req = TestRequest::default()
            .insert_header((header::ACCEPT_LANGUAGE, value))
            .to_http_request();
        header::AcceptLanguage::parse(&req)
            .map(|h| Lang::from_accept_language(&h))
            .unwrap_or_default()
    }

    #[test]
    fn english_only_when_it_is_preferred_over_swedish() {
        assert_eq!(lang_of("en"), Lang::En);
        assert_eq!(lang_of("en-GB"), Lang::En);
        assert_eq!(lang_of("EN-us"), Lang::En);
        assert_eq!(lang_of("de, en;q=0.8"), Lang::En);
        assert_eq!(lang_of("en;q=0.9, sv;q=0.8"), Lang::En);
        assert_eq!(lang_of("sv;q=0.8, en;q=0.9"), Lang::En);
        assert_eq!(lang_of("sv-SE,sv;q=0.9,en-US;q=0.8,en;q=0.7"), Lang::Sv);
        assert_eq!(
            lang_of("sv, en"),
            Lang::Sv,
            "a tie goes to the first listed"
        );
        assert_eq!(lang_of("en, sv"), Lang::En);
    }

    #[test]
    fn swedish_when_english_is_not_asked_for() {
        assert_eq!(lang_of(""), Lang::Sv);
        assert_eq!(lang_of("*"), Lang::Sv);
        assert_eq!(lang_of("de, fr;q=0.5"), Lang::Sv);
        assert_eq!(lang_of("en;q=0"), Lang::Sv, "q=0 means not acceptable");
        assert_eq!(lang_of("*;q=0.9, en;q=0.5"), Lang::Sv);
        assert_eq!(lang_of("%%% nonsense ;;;"), Lang::Sv);
    }

    #[tokio::test]
    async fn a_text_is_written_in_the_language_of_its_request() {
        let t = text!("Högst {} tecken.", "At most {} characters.", 5);
        assert_eq!(
            t.to_string(),
            "Högst 5 tecken.",
            "Swedish outside a request"
        );
        let en = scope(Lang::En, async { serde_json::to_string(&t).unwrap() }).await;
        assert_eq!(en, "\"At most 5 characters.\"");
        let sv = scope(Lang::Sv, async { t.to_string() }).await;
        assert_eq!(sv, "Högst 5 tecken.");
    }
}

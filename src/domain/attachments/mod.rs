//! BILAGA: documents smuggled into free text, and attachment-like JSON field names.
//!
//! The routine forbids attaching record documents ("bifoga journalhandlingar såsom
//! läkemedelslistor eller ordinationer … eller annan originalhandling"). The API has no
//! attachment field, so what remains is content pasted into text. Detected:
//! - data URIs with a real media type: `data:image/png;base64,…`, `data:text/html,…`
//!   (case-insensitive). "data: 120/80" in a sentence is not one: the media type must be
//!   one of the registered top-level types;
//! - PEM-style blocks (`-----BEGIN …`);
//! - HTML that embeds content: `<img`, `<embed`, `<object`, `<iframe`, `<svg`;
//! - raw PDF (`%PDF-`);
//! - a base64/base64url run of at least [`MIN_BLOB_LEN`] characters without whitespace.
//!
//! Decisions for the blob rule:
//! - Links are not attachments: a whitespace-delimited word starting with `http://` or
//!   `https://` is skipped, however long. (A `data:` URI is still caught by its own rule.)
//! - A long run with little variety ("-----…", "aaaa…", "1111…") is a separator line or
//!   keyboard noise, not an encoding: at least [`MIN_BLOB_DISTINCT`] different characters
//!   are required. A hex dump (16 symbols) still counts: it is an encoded file too.
//! - `=` is base64 padding, never part of a run, so "=====" lines are harmless.

/// The shortest base64 run treated as an embedded document (150 bytes of binary data).
pub const MIN_BLOB_LEN: usize = 200;

/// The fewest distinct characters a run needs to count as encoded data.
pub const MIN_BLOB_DISTINCT: usize = 10;

/// Shortest line counted as part of a wrapped blob (MIME wraps at 76, PEM at 64).
pub const MIN_WRAPPED_LINE: usize = 40;

/// JSON field names that mean "an attachment"; the API maps an unknown field with one of
/// these names (compared case-insensitively) to BILAGA instead of a generic 400.
pub const ATTACHMENT_FIELD_NAMES: &[&str] = &[
    "attachments",
    "attachment",
    "bilaga",
    "bilagor",
    "files",
    "file",
    "document",
    "documents",
    "dokument",
];

/// What kind of embedded document was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EmbeddedKind {
    /// A `data:` URI.
    DataUri,
    /// A `-----BEGIN` block.
    PemBlock,
    /// An HTML element that embeds content.
    HtmlEmbed,
    /// Raw PDF data.
    Pdf,
    /// A long base64 run.
    Base64Blob,
}

impl EmbeddedKind {
    /// A Swedish description for messages ("en inbäddad bild eller fil (data-URI)").
    pub fn description_sv(&self) -> &'static str {
        match self {
            EmbeddedKind::DataUri => "en inbäddad fil (data-URI)",
            EmbeddedKind::PemBlock => "ett inklistrat kodat dokument (-----BEGIN)",
            EmbeddedKind::HtmlEmbed => "inbäddat innehåll (HTML-bild eller -objekt)",
            EmbeddedKind::Pdf => "ett inklistrat PDF-dokument",
            EmbeddedKind::Base64Blob => "en lång kodad textsträng (base64), troligen en fil",
        }
    }

    /// The same in English.
    pub fn description_en(&self) -> &'static str {
        match self {
            EmbeddedKind::DataUri => "an embedded file (data URI)",
            EmbeddedKind::PemBlock => "a pasted encoded document (-----BEGIN)",
            EmbeddedKind::HtmlEmbed => "embedded content (an HTML image or object)",
            EmbeddedKind::Pdf => "a pasted PDF document",
            EmbeddedKind::Base64Blob => "a long encoded string (base64), probably a file",
        }
    }
}

/// Whether `name` is one of [`ATTACHMENT_FIELD_NAMES`] (ASCII case-insensitive).
pub fn is_attachment_field_name(name: &str) -> bool {
    ATTACHMENT_FIELD_NAMES
        .iter()
        .any(|known| known.eq_ignore_ascii_case(name))
}

/// The first kind of embedded document found in `text`, checked in the order of
/// [`EmbeddedKind`]'s variants.
pub fn find_embedded_document(text: &str) -> Option<EmbeddedKind> {
    // ASCII lower-casing keeps byte offsets, so positions in `lower` are valid in `text`.
    let lower = text.to_ascii_lowercase();
    if has_data_uri(&lower) {
        Some(EmbeddedKind::DataUri)
    } else if lower.contains("-----begin") {
        Some(EmbeddedKind::PemBlock)
    } else if has_embedding_html(&lower) {
        Some(EmbeddedKind::HtmlEmbed)
    } else if lower.contains("%pdf-") {
        Some(EmbeddedKind::Pdf)
    } else if has_base64_blob(text) || has_wrapped_base64_blob(text) {
        Some(EmbeddedKind::Base64Blob)
    } else {
        None
    }
}

const MEDIA_TOP_LEVEL_TYPES: &[&str] = &[
    "application",
    "audio",
    "font",
    "image",
    "message",
    "model",
    "multipart",
    "text",
    "video",
];

fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b)
}

/// `data:` + type `/` subtype + optional `;param` parts + `,`.
fn has_data_uri(lower: &str) -> bool {
    lower.match_indices("data:").any(|(i, _)| {
        let rest = &lower.as_bytes()[i + 5..];
        let top_len = rest.iter().take_while(|b| is_token_char(**b)).count();
        let top = &lower[i + 5..i + 5 + top_len];
        if !MEDIA_TOP_LEVEL_TYPES.contains(&top) || rest.get(top_len) != Some(&b'/') {
            return false;
        }
        let after_slash = &rest[top_len + 1..];
        let sub_len = after_slash
            .iter()
            .take_while(|b| is_token_char(**b))
            .count();
        if sub_len == 0 {
            return false;
        }
        let params = &after_slash[sub_len..];
        let params_len = params
            .iter()
            .take_while(|b| is_token_char(**b) || **b == b';' || **b == b'=')
            .count();
        params.get(params_len) == Some(&b',')
            && params[..params_len].first().is_none_or(|b| *b == b';')
    })
}

fn has_embedding_html(lower: &str) -> bool {
    ["<img", "<embed", "<object", "<iframe", "<svg"]
        .iter()
        .any(|tag| {
            lower.match_indices(tag).any(|(i, _)| {
                // "<img" must end there: "<imgur" is a word, "<img src" is a tag.
                match lower.as_bytes().get(i + tag.len()) {
                    None => true,
                    Some(b) => b.is_ascii_whitespace() || *b == b'>' || *b == b'/',
                }
            })
        })
}

fn is_base64_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '-' | '_')
}

fn has_base64_blob(text: &str) -> bool {
    text.split_whitespace()
        .filter(|word| {
            let lower = word.to_ascii_lowercase();
            !(lower.starts_with("http://") || lower.starts_with("https://"))
        })
        .flat_map(|word| word.split(|c: char| !is_base64_char(c)))
        .any(|run| run.len() >= MIN_BLOB_LEN && distinct_chars(run) >= MIN_BLOB_DISTINCT)
}

/// A blob wrapped into lines (MIME and PEM wrap base64 at 64 or 76 columns): consecutive lines
/// made only of base64 characters, together long enough to be a document.
fn has_wrapped_base64_blob(text: &str) -> bool {
    let mut run = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.len() >= MIN_WRAPPED_LINE && line.chars().all(is_base64_char) {
            run.push_str(line);
            if run.len() >= MIN_BLOB_LEN && distinct_chars(&run) >= MIN_BLOB_DISTINCT {
                return true;
            }
        } else {
            run.clear();
        }
    }
    false
}

fn distinct_chars(run: &str) -> usize {
    let mut seen = [false; 128];
    for b in run.bytes() {
        seen[usize::from(b & 0x7f)] = true;
    }
    seen.iter().filter(|s| **s).count()
}

#[cfg(test)]
mod tests;

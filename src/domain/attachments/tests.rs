//! Attachment fields and embedded documents found, and ordinary prose left alone.

use super::*;

/// 300 characters of real-looking base64 (every symbol of the alphabet, cycled).
fn base64_run(len: usize) -> String {
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    alphabet.chars().cycle().take(len).collect()
}

#[test]
fn a_data_uri_with_base64_is_an_attachment_in_any_case() {
    let text = "Se bild: data:image/png;base64,iVBORw0KGgo=";
    assert_eq!(find_embedded_document(text), Some(EmbeddedKind::DataUri));
    let upper = "DATA:APPLICATION/PDF;BASE64,JVBERi0x";
    assert_eq!(find_embedded_document(upper), Some(EmbeddedKind::DataUri));
    let plain = "data:text/html;charset=utf-8,<p>hej</p>";
    assert_eq!(find_embedded_document(plain), Some(EmbeddedKind::DataUri));
}

#[test]
fn the_word_data_followed_by_a_colon_is_not_a_data_uri() {
    assert_eq!(find_embedded_document("Mätdata: 120/80, puls 72"), None);
    assert_eq!(find_embedded_document("data:120/80,"), None);
    assert_eq!(find_embedded_document("data:image/"), None);
}

#[test]
fn a_pem_block_is_an_attachment() {
    let text = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
    assert_eq!(find_embedded_document(text), Some(EmbeddedKind::PemBlock));
    assert_eq!(find_embedded_document("---- begin här ----"), None);
}

#[test]
fn embedding_html_is_an_attachment_but_a_word_starting_alike_is_not() {
    for html in [
        "<img src=x>",
        "<IFRAME src=y>",
        "<embed/>",
        "<object",
        "<svg>",
    ] {
        assert_eq!(
            find_embedded_document(html),
            Some(EmbeddedKind::HtmlEmbed),
            "{html}"
        );
    }
    assert_eq!(find_embedded_document("<imgur> <objective>"), None);
    assert_eq!(find_embedded_document("<b>fet</b>"), None);
}

#[test]
fn raw_pdf_data_is_an_attachment() {
    assert_eq!(
        find_embedded_document("%PDF-1.7\n%âãÏÓ"),
        Some(EmbeddedKind::Pdf)
    );
}

#[test]
fn a_base64_run_is_an_attachment_from_200_characters() {
    let at_limit = format!("Bifogar {}", base64_run(MIN_BLOB_LEN));
    let below = format!("Bifogar {}", base64_run(MIN_BLOB_LEN - 1));
    assert_eq!(
        find_embedded_document(&at_limit),
        Some(EmbeddedKind::Base64Blob)
    );
    assert_eq!(find_embedded_document(&below), None);
}

#[test]
fn a_hex_dump_counts_but_a_separator_line_does_not() {
    let hex: String = "0123456789abcdef".chars().cycle().take(256).collect();
    assert_eq!(find_embedded_document(&hex), Some(EmbeddedKind::Base64Blob));
    assert_eq!(find_embedded_document(&"-".repeat(400)), None);
    assert_eq!(find_embedded_document(&"=".repeat(400)), None);
    assert_eq!(find_embedded_document(&"ab".repeat(200)), None);
}

#[test]
fn a_long_https_link_is_not_an_attachment() {
    let link = format!("Se https://example.se/dok?id={} tack", base64_run(300));
    assert_eq!(find_embedded_document(&link), None);
}

#[test]
fn a_long_ordinary_swedish_body_is_not_an_attachment() {
    let sentence = "Hej! Patienten behöver förnyat recept på Enalapril 5 mg, 1x1. \
                    Blodtrycket har varit stabilt 130/80 senaste veckorna. Tack på förhand. ";
    let body = sentence.repeat(4000 / sentence.len() + 1);
    assert!(body.len() >= 4000);
    assert_eq!(find_embedded_document(&body), None);
}

#[test]
fn attachment_field_names_are_recognised_case_insensitively() {
    assert!(is_attachment_field_name("Bilaga"));
    assert!(is_attachment_field_name("ATTACHMENTS"));
    assert!(!is_attachment_field_name("body"));
    assert!(!is_attachment_field_name("bilagan"));
}

#[test]
fn a_blob_wrapped_at_76_columns_is_an_attachment() {
    let blob = base64_run(760);
    let wrapped: Vec<&str> = (0..10).map(|i| &blob[i * 76..(i + 1) * 76]).collect();
    let text = format!("Bifogar listan:\n{}\n", wrapped.join("\n"));
    assert_eq!(
        find_embedded_document(&text),
        Some(EmbeddedKind::Base64Blob)
    );
}

#[test]
fn short_wrapped_runs_and_prose_lines_are_not_attachments() {
    let blob = base64_run(150);
    let wrapped: Vec<&str> = (0..2).map(|i| &blob[i * 75..(i + 1) * 75]).collect();
    assert_eq!(find_embedded_document(&wrapped.join("\n")), None);
    let prose = "Patienten har haft bra blodtryck hela veckan och mår bra.\n".repeat(20);
    assert_eq!(find_embedded_document(&prose), None);
}

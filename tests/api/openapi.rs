//! Contract checks: `openapi.yaml` is exactly what the code generates, and every operation is
//! documented well enough for a client team.

use samverkan::startup::openapi_document;

#[test]
fn openapi_yaml_matches_the_generated_document() {
    let generated = openapi_document().to_yaml().expect("yaml");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.yaml");
    if std::env::var("UPDATE_OPENAPI").as_deref() == Ok("1") {
        std::fs::write(path, &generated).expect("write openapi.yaml");
        return;
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi.yaml is out of date: run `UPDATE_OPENAPI=1 cargo test --test api openapi` and commit it"
    );
}

#[test]
fn every_operation_has_a_summary_a_description_and_its_error_responses() {
    let doc = serde_json::to_value(openapi_document()).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    assert!(!paths.is_empty());
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let name = format!("{method} {path}");
            let summary = op["summary"].as_str().unwrap_or_default();
            let description = op["description"].as_str().unwrap_or_default();
            assert!(!summary.is_empty(), "{name} has no summary");
            assert!(!description.is_empty(), "{name} has no description");
            let responses = op["responses"].as_object().unwrap();
            if path.starts_with("/api/v1/") {
                for status in ["401", "403", "503"] {
                    assert!(responses.contains_key(status), "{name} lacks {status}");
                }
                assert!(op["security"].is_array(), "{name} declares no security");
            } else {
                // The health probes: no token, and the document says so rather than leaving
                // it unsaid (Redocly's security-defined rule).
                assert_eq!(
                    op["security"],
                    serde_json::json!([]),
                    "{name}: security: []"
                );
            }
            if op.get("requestBody").is_some() {
                for status in ["400", "413", "415", "422"] {
                    assert!(responses.contains_key(status), "{name} lacks {status}");
                }
            }
            if path.contains('{') {
                assert!(responses.contains_key("404"), "{name} lacks 404");
            }
            assert!(
                responses.keys().any(|s| s.starts_with('2')),
                "{name} has no success response"
            );
        }
    }
}

#[test]
fn the_document_is_openapi_3_1_with_a_bearer_scheme() {
    let doc = serde_json::to_value(openapi_document()).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}

/// Every `$ref` points at something the document has: a parameter's schema that utoipa only
/// refers to (an enum in `IntoParams` without `#[param(inline)]`) is not added to the
/// components on its own.
#[test]
fn every_reference_in_the_document_resolves() {
    fn refs<'a>(value: &'a serde_json::Value, out: &mut Vec<&'a str>) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::String(r)) = map.get("$ref") {
                    out.push(r);
                }
                map.values().for_each(|v| refs(v, out));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let doc = serde_json::to_value(openapi_document()).unwrap();
    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(found.len() > 100, "{} references", found.len());
    let dangling: Vec<&str> = found
        .into_iter()
        .filter(|r| r.strip_prefix('#').and_then(|p| doc.pointer(p)).is_none())
        .collect();
    assert!(dangling.is_empty(), "references to nothing: {dangling:?}");
}

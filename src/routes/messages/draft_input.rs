//! What reading a message draft and reading a reply share: attachment-like and unknown keys
//! taken out of the JSON before it is typed (so an attachment is the routine's `BILAGA`, not a
//! serde error), the routine's violations as API violations, and the 422 of a refused draft.

use serde_json::{Map, Value};

use crate::domain::attachments::is_attachment_field_name;
use crate::domain::rules::{self, RuleViolation};
use crate::error::{AppError, Violation};
use crate::i18n::Msg;
use crate::state::AppState;

/// Moves attachment-like and unknown keys out of `obj`: attachment-like keys are collected in
/// `attachments` (for the `BILAGA` rule), other unknown keys are reported as `UNKNOWN_FIELD`.
pub fn scan_keys(
    obj: &mut Map<String, Value>,
    allowed: &[&str],
    prefix: &str,
    attachments: &mut Vec<String>,
    out: &mut Vec<Violation>,
) {
    let unknown: Vec<String> = obj
        .keys()
        .filter(|k| !allowed.contains(&k.as_str()))
        .cloned()
        .collect();
    for key in unknown {
        obj.remove(&key);
        let field = format!("{prefix}{key}");
        if is_attachment_field_name(&key) {
            attachments.push(field);
        } else {
            out.push(Violation::new(
                "UNKNOWN_FIELD",
                field,
                Msg::new("Okänt fält; ta bort det.", "Unknown field; remove it."),
            ));
        }
    }
}

/// Finds attachment-like keys anywhere below `value` (e.g. inside a measurement).
pub fn scan_nested_attachments(value: &mut Value, path: &str, attachments: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            let hits: Vec<String> = map
                .keys()
                .filter(|k| is_attachment_field_name(k))
                .cloned()
                .collect();
            for key in hits {
                map.remove(&key);
                attachments.push(format!("{path}.{key}"));
            }
            for (k, v) in map.iter_mut() {
                scan_nested_attachments(v, &format!("{path}.{k}"), attachments);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter_mut().enumerate() {
                scan_nested_attachments(v, &format!("{path}[{i}]"), attachments);
            }
        }
        _ => {}
    }
}

/// The routine's violations as the API reports them (the patient rule on `patient_id`, the
/// body field that names it).
pub fn rule_violations(found: Vec<RuleViolation>, out: &mut Vec<Violation>) {
    for v in found {
        let field = if v.field == rules::FIELD_PATIENT {
            "patient_id".to_string()
        } else {
            v.field
        };
        out.push(Violation::new(v.code.as_str(), field, v.message));
    }
}

/// The rules of the routine among a refusal's violations, each once, in reporting order —
/// what the statistics count. Empty for any other error.
///
/// Each is counted in the metrics (`samverkan_rule_refusals_total`) under `operation`
/// (`create` or `reply`), whoever the caller is.
pub fn refusing_rules(err: &AppError, operation: &'static str) -> Vec<String> {
    let AppError::Unprocessable { violations, .. } = err else {
        return Vec::new();
    };
    rules::RuleCode::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| violations.iter().any(|v| v.code == *c))
        .inspect(|c| crate::instrument::rule_refused(c, operation))
        .map(str::to_string)
        .collect()
}

/// Counts a refusal for the statistics, after the refused request's transaction rolled back.
/// Counting must not change the answer: a failure is logged and the refusal stands.
pub async fn count_refusal<F>(state: &AppState, rules: Vec<String>, write: F)
where
    F: FnOnce(&mut diesel::PgConnection, &[String]) -> diesel::QueryResult<usize> + Send + 'static,
{
    if rules.is_empty() {
        return;
    }
    if let Err(e) = crate::db::run(&state.pool, move |conn| Ok(write(conn, &rules)?)).await {
        tracing::warn!(error = %e, "a refusal could not be counted for the statistics");
    }
}

/// What was refused: a new message or a reply.
#[derive(Debug, Clone, Copy)]
pub enum Refused {
    Message,
    Reply,
}

/// The 422 for a refused draft: `ROUTINE_VIOLATION` when a rule of the routine is broken,
/// `VALIDATION_FAILED` when only fields are wrong. `what` names the draft in the detail.
pub fn refused(what: Refused, violations: Vec<Violation>) -> AppError {
    let routine = violations
        .iter()
        .any(|v| rules::RuleCode::ALL.iter().any(|c| c.as_str() == v.code));
    if routine {
        AppError::Unprocessable {
            code: "ROUTINE_VIOLATION",
            detail: match what {
                Refused::Message => Msg::new(
                    "Meddelandet bryter mot rutinen för Samverkan; se `violations` för vad som \
                     behöver ändras.",
                    "The message breaks the Samverkan routine; see `violations` for what to \
                     change.",
                ),
                Refused::Reply => Msg::new(
                    "Svaret bryter mot rutinen för Samverkan; se `violations` för vad som behöver \
                     ändras.",
                    "The reply breaks the Samverkan routine; see `violations` for what to \
                     change.",
                ),
            },
            violations,
        }
    } else {
        AppError::validation(violations)
    }
}

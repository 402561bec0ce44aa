//! OpenAPI links from what an operation creates or returns to what can be done with it next.

use utoipa::openapi::RefOr;
use utoipa::Modify;

/// OpenAPI links from what an operation creates or returns to what can be done with it next
/// (message → read, reply, close, cancel, FHIR; patient → enrollments; unit → change), so
/// clients and the stateful phase of contract fuzzing can follow them.
pub struct Links;

/// (operation, status, link name, target operation, [(parameter, runtime expression)]).
type LinkSpec = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const BODY_ID: &[(&str, &str)] = &[("id", "$response.body#/id")];
const FIRST_ITEM_ID: &[(&str, &str)] = &[("id", "$response.body#/items/0/id")];

/// The message operations a message answer links to.
const MESSAGE_NEXT: &[(&str, &str)] = &[
    ("GetMessage", "get_message"),
    ("GetMessageFhir", "get_message_fhir"),
    ("ReadMessage", "read_message"),
    ("ReplyToMessage", "reply_to_message"),
    ("CloseMessage", "close_message"),
    ("CancelMessage", "cancel_message"),
];

const OTHER_LINKS: &[LinkSpec] = &[
    (
        "register_patient",
        "201",
        "GetPatient",
        "get_patient",
        BODY_ID,
    ),
    (
        "register_patient",
        "201",
        "ListEnrollments",
        "list_enrollments",
        BODY_ID,
    ),
    (
        "register_patient",
        "201",
        "CreateEnrollment",
        "create_enrollment",
        BODY_ID,
    ),
    (
        "register_patient",
        "201",
        "PatientAccessLog",
        "patient_access_log",
        BODY_ID,
    ),
    (
        "register_patient",
        "200",
        "GetPatient",
        "get_patient",
        BODY_ID,
    ),
    (
        "register_patient",
        "200",
        "ListEnrollments",
        "list_enrollments",
        BODY_ID,
    ),
    (
        "register_patient",
        "200",
        "CreateEnrollment",
        "create_enrollment",
        BODY_ID,
    ),
    (
        "lookup_patient",
        "200",
        "GetPatient",
        "get_patient",
        BODY_ID,
    ),
    (
        "lookup_patient",
        "200",
        "ListEnrollments",
        "list_enrollments",
        BODY_ID,
    ),
    (
        "lookup_patient",
        "200",
        "CreateEnrollment",
        "create_enrollment",
        BODY_ID,
    ),
    (
        "get_patient",
        "200",
        "ListEnrollments",
        "list_enrollments",
        BODY_ID,
    ),
    (
        "create_enrollment",
        "201",
        "EndEnrollment",
        "end_enrollment",
        &[
            ("id", "$response.body#/patient_id"),
            ("eid", "$response.body#/id"),
        ],
    ),
    (
        "create_enrollment",
        "201",
        "GetPatient",
        "get_patient",
        &[("id", "$response.body#/patient_id")],
    ),
    ("create_unit", "201", "GetUnit", "get_unit", BODY_ID),
    ("create_unit", "201", "PatchUnit", "patch_unit", BODY_ID),
    ("patch_unit", "200", "GetUnit", "get_unit", BODY_ID),
    (
        "list_units",
        "200",
        "GetFirstUnit",
        "get_unit",
        FIRST_ITEM_ID,
    ),
    (
        "list_messages",
        "200",
        "GetFirstMessage",
        "get_message",
        FIRST_ITEM_ID,
    ),
];

/// Operations answering with a message, and the status of that answer.
const MESSAGE_ANSWERS: &[(&str, &str)] = &[
    ("create_recept", "201"),
    ("create_provtagning", "201"),
    ("create_uppfoljning", "201"),
    ("create_bokning", "201"),
    ("get_message", "200"),
    ("read_message", "200"),
    ("reply_to_message", "201"),
];

impl Modify for Links {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let mut specs: Vec<LinkSpec> = OTHER_LINKS.to_vec();
        for &(op, status) in MESSAGE_ANSWERS {
            for &(name, target) in MESSAGE_NEXT {
                if op != target {
                    specs.push((op, status, name, target, BODY_ID));
                }
            }
        }
        for item in openapi.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                let Some(id) = op.operation_id.clone() else {
                    continue;
                };
                for (_, status, name, target, params) in specs.iter().filter(|s| s.0 == id) {
                    let Some(RefOr::T(response)) = op.responses.responses.get_mut(*status) else {
                        continue;
                    };
                    response
                        .links
                        .insert((*name).to_string(), RefOr::T(link(target, params)));
                }
            }
        }
    }
}

/// A link to `target` with these parameters. utoipa 5 serialises `Link::operation_id` as
/// `operation_id` (fixed in utoipa 6), which no OpenAPI tool reads, so the id goes into the
/// flattened extensions under its proper name `operationId`.
fn link(target: &str, params: &[(&str, &str)]) -> utoipa::openapi::link::Link {
    let mut link = utoipa::openapi::link::LinkBuilder::new().extensions(Some(
        utoipa::openapi::extensions::Extensions::from_iter([("operationId", target)]),
    ));
    for (param, expr) in params {
        link = link.parameter(*param, *expr);
    }
    link.build()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    /// Every link names operations that exist, and every linking operation exists.
    #[test]
    fn links_name_existing_operations() {
        let api = crate::startup::openapi_document();
        let ops: Vec<&utoipa::openapi::path::Operation> = api
            .paths
            .paths
            .values()
            .flat_map(|i| [&i.get, &i.post, &i.put, &i.patch, &i.delete])
            .flatten()
            .collect();
        let ids: BTreeSet<&str> = ops
            .iter()
            .filter_map(|o| o.operation_id.as_deref())
            .collect();
        for (source, ..) in super::OTHER_LINKS {
            assert!(ids.contains(source), "no operation {source}");
        }
        for (source, _) in super::MESSAGE_ANSWERS {
            assert!(ids.contains(source), "no operation {source}");
        }
        let mut links = 0;
        for op in ops {
            for response in op.responses.responses.values() {
                let utoipa::openapi::RefOr::T(r) = response else {
                    continue;
                };
                for link in r.links.values() {
                    let utoipa::openapi::RefOr::T(link) = link else {
                        continue;
                    };
                    let target = serde_json::to_value(link).unwrap()["operationId"].clone();
                    assert!(
                        target.as_str().is_some_and(|t| ids.contains(t)),
                        "link to {target}"
                    );
                    links += 1;
                }
            }
        }
        // Each one landed on a response the operation really has.
        let expected = super::OTHER_LINKS.len()
            + super::MESSAGE_ANSWERS
                .iter()
                .map(|(op, _)| super::MESSAGE_NEXT.iter().filter(|(_, t)| t != op).count())
                .sum::<usize>();
        assert_eq!(links, expected);
    }
}

//! The rules decided on drafts built by hand: each rule on both sides of its edge, replies
//! judged like messages, and the reporting order.

use super::*;
use crate::domain::narcotics::NarcoticEntry;

fn index() -> NarcoticsIndex {
    NarcoticsIndex::new(vec![NarcoticEntry {
        substance: "oxikodon".into(),
        names: vec!["oxikodon".into(), "OxyNorm".into()],
        atc_codes: vec!["N02AA05".into()],
        npl_ids: vec!["20141129000084".into()],
        schedule: "II".into(),
    }])
}

fn unit(kind: UnitKind) -> UnitFacts {
    UnitFacts {
        kind,
        active: true,
        participating: true,
    }
}

/// A licensed kommun nurse renewing Enalapril for an enrolled patient at a vårdcentral.
fn clean_renewal<'a>() -> Draft<'a> {
    Draft {
        sender_licensed: true,
        sender_unit: unit(UnitKind::Kommun),
        recipient_unit: Some(unit(UnitKind::Narsjukvard)),
        patient_enrolled_in_kommun_party: true,
        texts: vec![
            ("subject", "Receptförnyelse"),
            ("body", "Ej akut. Räcker en vecka till."),
        ],
        recept: Some(ReceptFacts {
            drug_name: "Enalapril 5 mg",
            atc_code: Some("C09AA02"),
            npl_id: None,
            kind: ReceptKind::Fornyelse,
        }),
        attachment_fields: vec![],
    }
}

fn codes_and_fields(draft: &Draft<'_>) -> Vec<(RuleCode, String)> {
    evaluate(draft, &index())
        .into_iter()
        .map(|v| (v.code, v.field))
        .collect()
}

fn only(code: RuleCode, field: &str) -> Vec<(RuleCode, String)> {
    vec![(code, field.to_string())]
}

#[test]
fn a_clean_renewal_breaks_no_rule() {
    assert!(evaluate(&clean_renewal(), &index()).is_empty());
}

#[test]
fn urgency_in_any_text_is_akut_and_the_message_names_the_word() {
    let mut draft = clean_renewal();
    draft.texts = vec![("subject", "Recept"), ("details.comment", "Behövs GENAST")];
    let found = evaluate(&draft, &index());
    assert_eq!(found.len(), 1);
    assert_eq!(
        (found[0].code, found[0].field.as_str()),
        (RuleCode::Akut, "details.comment")
    );
    assert!(found[0].message.sv().contains("\"GENAST\""));
    assert!(found[0].message.sv().contains("ring"));
}

#[test]
fn an_attachment_field_and_an_embedded_document_are_bilaga() {
    let mut draft = clean_renewal();
    draft.attachment_fields = vec!["bilaga".into()];
    draft.texts = vec![("body", "Se data:image/png;base64,iVBORw0KGgo=")];
    assert_eq!(
        codes_and_fields(&draft),
        [
            (RuleCode::Bilaga, "bilaga".into()),
            (RuleCode::Bilaga, "body".into())
        ]
    );
}

#[test]
fn a_narcotic_recept_is_refused_on_the_field_that_identified_it() {
    let cases = [
        ("OxyNorm 5 mg", None, None, FIELD_DRUG_NAME),
        ("Okänt", Some("n02aa05"), None, FIELD_ATC_CODE),
        ("Okänt", None, Some("20141129000084"), FIELD_NPL_ID),
    ];
    for (drug_name, atc_code, npl_id, field) in cases {
        let mut draft = clean_renewal();
        draft.recept = Some(ReceptFacts {
            drug_name,
            atc_code,
            npl_id,
            kind: ReceptKind::Fornyelse,
        });
        assert_eq!(
            codes_and_fields(&draft),
            only(RuleCode::Narkotika, field),
            "{drug_name}"
        );
    }
}

#[test]
fn the_narcotics_message_names_the_drug_and_says_to_call() {
    let mut draft = clean_renewal();
    draft.recept = Some(ReceptFacts {
        drug_name: "OxyNorm",
        atc_code: None,
        npl_id: None,
        kind: ReceptKind::Fornyelse,
    });
    let found = evaluate(&draft, &index());
    assert!(found[0].message.sv().contains("\"OxyNorm\" (oxikodon)"));
    assert!(found[0].message.sv().contains("telefon"));
}

#[test]
fn a_renewal_of_a_narcotic_asked_for_in_the_text_is_refused_in_every_category() {
    for recept in [clean_renewal().recept, None] {
        let mut draft = clean_renewal();
        draft.recept = recept;
        draft.texts = vec![("body", "Och förnya även oxikodon.")];
        assert_eq!(codes_and_fields(&draft), only(RuleCode::Narkotika, "body"));
    }
}

#[test]
fn a_narcotic_only_mentioned_in_the_text_is_allowed_in_every_category() {
    for recept in [clean_renewal().recept, None] {
        let mut draft = clean_renewal();
        draft.recept = recept;
        draft.texts = vec![
            ("body", "Blodtrycket stabilt, tar OxyNorm vid behov."),
            ("details.dosage", "1 x 1, OxyNorm oförändrat"),
        ];
        assert!(evaluate(&draft, &index()).is_empty());
    }
}

fn reply(body: &str) -> ReplyDraft<'_> {
    ReplyDraft {
        author_licensed: true,
        texts: vec![("body", body)],
        attachment_fields: vec![],
    }
}

#[test]
fn a_reply_is_judged_with_the_messages_codes_fields_and_words() {
    let as_message = |body: &'static str| {
        let mut draft = clean_renewal();
        draft.texts = vec![("body", body)];
        evaluate(&draft, &index())
    };
    for body in [
        "Klart. Ring snarast.",
        "Se data:image/png;base64,iVBORw0KGgo=",
        "Jag förnyar OxyNorm i dag.",
    ] {
        let from_reply = evaluate_reply(&reply(body), &index());
        assert_eq!(from_reply.len(), 1, "{body}: {from_reply:?}");
        assert_eq!(from_reply, as_message(body), "{body}");
    }
}

#[test]
fn a_clean_reply_passes_and_a_mention_of_a_narcotic_is_not_a_renewal() {
    assert!(evaluate_reply(&reply("Utfört, Enalapril förnyat."), &index()).is_empty());
    assert!(evaluate_reply(&reply("Förnyat. Fortsätter med OxyNorm v.b."), &index()).is_empty());
}

#[test]
fn a_reply_with_an_attachment_field_by_an_unlicensed_author_breaks_both_rules() {
    let mut draft = reply("Klart.");
    draft.author_licensed = false;
    draft.attachment_fields = vec!["bilaga".into()];
    let codes: Vec<(RuleCode, String)> = evaluate_reply(&draft, &index())
        .into_iter()
        .map(|v| (v.code, v.field))
        .collect();
    assert_eq!(
        codes,
        [
            (RuleCode::Bilaga, "bilaga".to_string()),
            (RuleCode::EjLegitimerad, FIELD_SENDER.to_string())
        ]
    );
}

#[test]
fn a_new_prescription_is_nyforskrivning_and_a_renewal_is_not() {
    let mut draft = clean_renewal();
    if let Some(recept) = draft.recept.as_mut() {
        recept.kind = ReceptKind::Nyforskrivning;
    }
    assert_eq!(
        codes_and_fields(&draft),
        only(RuleCode::Nyforskrivning, FIELD_RECEPT_KIND)
    );
}

#[test]
fn a_patient_not_enrolled_is_ej_inskriven_when_routing_is_valid() {
    let mut draft = clean_renewal();
    draft.patient_enrolled_in_kommun_party = false;
    assert_eq!(
        codes_and_fields(&draft),
        only(RuleCode::EjInskriven, FIELD_PATIENT)
    );
}

#[test]
fn enrollment_is_not_judged_when_routing_fails() {
    let mut draft = clean_renewal();
    draft.patient_enrolled_in_kommun_party = false;
    draft.recipient_unit = Some(unit(UnitKind::Kommun));
    assert_eq!(
        codes_and_fields(&draft),
        only(RuleCode::OgiltigMottagare, FIELD_RECIPIENT)
    );
}

#[test]
fn each_routing_failure_is_ogiltig_mottagare() {
    let inactive = UnitFacts {
        active: false,
        ..unit(UnitKind::Narsjukvard)
    };
    let outside = UnitFacts {
        participating: false,
        ..unit(UnitKind::Specialist)
    };
    for recipient in [
        None,
        Some(inactive),
        Some(outside),
        Some(unit(UnitKind::Kommun)),
    ] {
        let mut draft = clean_renewal();
        draft.recipient_unit = recipient;
        assert_eq!(
            codes_and_fields(&draft),
            only(RuleCode::OgiltigMottagare, FIELD_RECIPIENT)
        );
    }
}

#[test]
fn a_region_to_kommun_message_is_valid_too() {
    let mut draft = clean_renewal();
    draft.sender_unit = unit(UnitKind::Psykiatri);
    draft.recipient_unit = Some(unit(UnitKind::Kommun));
    assert!(evaluate(&draft, &index()).is_empty());
}

#[test]
fn an_unlicensed_sender_is_ej_legitimerad() {
    let mut draft = clean_renewal();
    draft.sender_licensed = false;
    assert_eq!(
        codes_and_fields(&draft),
        only(RuleCode::EjLegitimerad, FIELD_SENDER)
    );
}

#[test]
fn a_draft_breaking_four_rules_reports_all_four_in_stable_order() {
    let mut draft = clean_renewal();
    draft.sender_licensed = false;
    draft.texts = vec![("body", "Akut! Se bifogad lista.")];
    draft.attachment_fields = vec!["attachments".into()];
    if let Some(recept) = draft.recept.as_mut() {
        recept.kind = ReceptKind::Nyforskrivning;
    }
    let codes: Vec<RuleCode> = evaluate(&draft, &index()).iter().map(|v| v.code).collect();
    assert_eq!(
        codes,
        [
            RuleCode::Akut,
            RuleCode::Bilaga,
            RuleCode::Nyforskrivning,
            RuleCode::EjLegitimerad
        ]
    );
}

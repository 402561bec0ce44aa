//! A provider token's claims, mapped by name onto who the caller is.
//!
//! - **A person** is a token with the person claim (`employeeHsaId`). It may be a string or an
//!   array; an array must hold exactly one distinct HSA-id — Inera's IdP issues the token after
//!   the user chose one identity and medarbetaruppdrag, so two ids mean nothing was chosen and
//!   the token is refused (401 `AMBIGUOUS_IDENTITY`), as are several units or commissions.
//!   A person with a care unit (`healthCareUnitHsaId`) acts as care staff (`personal`) for
//!   it, under the commission `commissionHsaId`, whose purpose must be the configured one
//!   ("Vård och behandling"). Licensed = `healthcareProfessionalLicense` non-empty; the
//!   profession is the first code [`profession`] knows. Roles `admin`/`granskare`/`statistik` come from
//!   the roles claim by the configured values.
//! - **A machine client** is a token without a person claim whose client-id claim names a
//!   client registered in our directory (`POST /api/v1/integration-clients`); the directory
//!   gives its units. The lookup happens in the verifier, which has the pool.

use serde_json::{Map, Value};

use super::{AuthError, Caller, Role, TokenSource};
use crate::config::identity::ProviderConfig;

/// Who a provider token names.
#[derive(Debug, Clone)]
pub enum Identity {
    /// A person (care staff, an admin, a reviewer).
    Person(Box<Caller>),
    /// A machine client, to be looked up among the registered integration clients.
    Client {
        /// Its client id.
        client_id: String,
        /// Token expiry.
        expires_at: i64,
    },
}

/// Legitimation codes (Socialstyrelsen's HOSP *legitimerad yrkesgrupp*, the code system HSA
/// and Inera's `healthcareProfessionalLicense` carry, OID 1.2.752.116.3.1.3) and the
/// profession we record. Unknown codes still make the caller licensed; the profession is then
/// the code itself, lower-cased.
pub const PROFESSIONS: &[(&str, &str)] = &[
    ("LK", "lakare"),
    ("SJ", "sjukskoterska"),
    ("BM", "barnmorska"),
    ("RS", "rontgensjukskoterska"),
    ("AP", "apotekare"),
    ("RC", "receptarie"),
    ("AT", "arbetsterapeut"),
    ("FT", "fysioterapeut"),
    ("SG", "fysioterapeut"),
    ("DT", "dietist"),
    ("PS", "psykolog"),
    ("PT", "psykoterapeut"),
    ("LO", "logoped"),
    ("BA", "biomedicinsk_analytiker"),
    ("AU", "audionom"),
    ("OP", "optiker"),
    ("OT", "ortopedingenjor"),
    ("KP", "kiropraktor"),
    ("NA", "naprapat"),
    ("SH", "sjukhusfysiker"),
    ("TL", "tandlakare"),
    ("TH", "tandhygienist"),
];

/// The profession of a set of licence codes: the first code the table knows, else the first
/// code lower-cased; `None` when there is none.
pub fn profession(codes: &[String]) -> Option<String> {
    codes
        .iter()
        .find_map(|c| {
            PROFESSIONS
                .iter()
                .find(|(code, _)| code.eq_ignore_ascii_case(c.trim()))
                .map(|(_, p)| (*p).to_string())
        })
        .or_else(|| codes.first().map(|c| c.trim().to_ascii_lowercase()))
}

/// A claim as a list of strings: a string is one; an array must hold only strings; absent or
/// null is none. Blank entries are dropped and duplicates removed.
fn strings(claims: &Map<String, Value>, name: &str) -> Result<Vec<String>, AuthError> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |s: &str| {
        let s = s.trim();
        if !s.is_empty() && !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    };
    match claims.get(name) {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => push(s),
        Some(Value::Array(items)) => {
            for item in items {
                match item {
                    Value::String(s) => push(s),
                    _ => {
                        return Err(AuthError::Invalid(format!(
                            "claim {name} holds a non-string"
                        )))
                    }
                }
            }
        }
        Some(_) => {
            return Err(AuthError::Invalid(format!(
                "claim {name} is neither a string nor an array of strings"
            )))
        }
    }
    Ok(out)
}

/// At most one distinct value.
fn one(claims: &Map<String, Value>, name: &str) -> Result<Option<String>, AuthError> {
    let mut values = strings(claims, name)?;
    if values.len() > 1 {
        return Err(AuthError::Ambiguous {
            claim: name.to_string(),
            values: values.len(),
        });
    }
    Ok(values.pop())
}

/// An HSA-id as we store it: 1–64 visible ASCII characters.
fn hsa_like(name: &str, value: String) -> Result<String, AuthError> {
    if value.len() <= 64 && value.bytes().all(|b| b.is_ascii_graphic()) {
        Ok(value)
    } else {
        Err(AuthError::Invalid(format!("claim {name} is not an HSA-id")))
    }
}

/// Maps a verified provider token's claims.
pub fn identify(
    cfg: &ProviderConfig,
    claims: &Map<String, Value>,
    expires_at: i64,
) -> Result<Identity, AuthError> {
    let names = &cfg.claims;
    let Some(person) = one(claims, &names.person)? else {
        return match one(claims, &names.client_id)? {
            Some(client_id) if client_id.len() <= 200 => Ok(Identity::Client {
                client_id,
                expires_at,
            }),
            _ => Err(AuthError::Invalid(format!(
                "the token names neither a person ({}) nor a client ({})",
                names.person, names.client_id
            ))),
        };
    };
    let person = hsa_like(&names.person, person)?;
    let unit = one(claims, &names.unit)?
        .map(|u| hsa_like(&names.unit, u))
        .transpose()?;
    let commission = one(claims, &names.commission)?
        .map(|c| hsa_like(&names.commission, c))
        .transpose()?;
    let purpose = one(claims, &names.commission_purpose)?;
    let care_provider = one(claims, &names.care_provider)?
        .map(|c| hsa_like(&names.care_provider, c))
        .transpose()?;
    let licences = strings(claims, &names.license)?;
    let granted = strings(claims, &names.roles)?;
    let mut roles = Vec::new();
    if unit.is_some() {
        roles.push(Role::Personal);
    }
    for (role, value) in &cfg.role_values {
        if granted.iter().any(|g| g == value) && !roles.contains(role) {
            roles.push(*role);
        }
    }
    let name = [&names.given_name, &names.family_name]
        .into_iter()
        .filter_map(|n| one(claims, n).ok().flatten())
        .collect::<Vec<_>>()
        .join(" ");
    let purpose_refused = unit.is_some()
        && !purpose
            .as_deref()
            .is_some_and(|p| p.trim().eq_ignore_ascii_case(cfg.commission_purpose.trim()));
    Ok(Identity::Person(Box::new(Caller {
        hsa_id: person,
        name: (!name.is_empty()).then(|| name.chars().take(200).collect()),
        unit_hsa_id: unit,
        roles,
        legitimerad: !licences.is_empty(),
        profession: profession(&licences),
        units: Vec::new(),
        expires_at,
        commission_hsa_id: commission,
        commission_purpose: purpose,
        purpose_refused,
        care_provider_hsa_id: care_provider,
        source: TokenSource::Provider,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::identity::{KeySource, ProviderConfig};
    use serde_json::json;

    fn cfg() -> ProviderConfig {
        ProviderConfig::new("https://idp.example", KeySource::Discovery("x".into()))
    }

    fn kerstin() -> Value {
        json!({
            "employeeHsaId": "SE2321000115-P1",
            "commissionHsaId": "SE2321000115-C1",
            "commissionPurpose": "Vård och behandling",
            "healthCareProviderHsaId": "SE2321000115-VG1",
            "healthCareUnitHsaId": "SE2321000115-K1380",
            "healthcareProfessionalLicense": ["SJ"],
            "given_name": "Kerstin",
            "family_name": "Svensson",
        })
    }

    fn person(v: &Value) -> Result<Caller, AuthError> {
        match identify(&cfg(), v.as_object().unwrap(), 10)? {
            Identity::Person(c) => Ok(*c),
            other => panic!("not a person: {other:?}"),
        }
    }

    fn with(mut v: Value, k: &str, x: Value) -> Value {
        v[k] = x;
        v
    }

    #[test]
    fn inera_claims_make_licensed_care_staff_of_the_commission_unit() {
        let c = person(&kerstin()).unwrap();
        assert_eq!(c.hsa_id, "SE2321000115-P1");
        assert_eq!(c.unit_hsa_id.as_deref(), Some("SE2321000115-K1380"));
        assert_eq!(c.commission_hsa_id.as_deref(), Some("SE2321000115-C1"));
        assert_eq!(c.roles, vec![Role::Personal]);
        assert!(c.legitimerad && !c.purpose_refused);
        assert_eq!(c.profession.as_deref(), Some("sjukskoterska"));
        assert_eq!(c.name.as_deref(), Some("Kerstin Svensson"));
        assert_eq!(c.source, TokenSource::Provider);
    }

    #[test]
    fn one_id_in_an_array_is_that_person_two_are_ambiguous() {
        let one = with(kerstin(), "employeeHsaId", json!(["SE2321000115-P1"]));
        assert_eq!(person(&one).unwrap().hsa_id, "SE2321000115-P1");
        let same = with(
            kerstin(),
            "employeeHsaId",
            json!(["SE2321000115-P1", "SE2321000115-P1"]),
        );
        assert!(person(&same).is_ok());
        let two = with(
            kerstin(),
            "employeeHsaId",
            json!(["SE2321000115-P1", "SE2321000115-P2"]),
        );
        assert!(matches!(person(&two), Err(AuthError::Ambiguous { .. })));
        let units = with(kerstin(), "healthCareUnitHsaId", json!(["SE-A", "SE-B"]));
        assert!(matches!(person(&units), Err(AuthError::Ambiguous { .. })));
    }

    #[test]
    fn another_purpose_is_marked_and_no_purpose_is_refused_too() {
        let admin = with(kerstin(), "commissionPurpose", json!("Administration"));
        assert!(person(&admin).unwrap().purpose_refused);
        let mut none = kerstin();
        none.as_object_mut().unwrap().remove("commissionPurpose");
        assert!(person(&none).unwrap().purpose_refused);
        let cased = with(
            kerstin(),
            "commissionPurpose",
            json!(" vård och behandling "),
        );
        assert!(!person(&cased).unwrap().purpose_refused);
    }

    #[test]
    fn an_empty_or_absent_licence_is_unlicensed() {
        for v in [json!([]), json!(null), json!("")] {
            let c = person(&with(kerstin(), "healthcareProfessionalLicense", v)).unwrap();
            assert!(!c.legitimerad && c.profession.is_none());
        }
        let c = person(&with(
            kerstin(),
            "healthcareProfessionalLicense",
            json!("LK"),
        ))
        .unwrap();
        assert_eq!(c.profession.as_deref(), Some("lakare"));
        let c = person(&with(
            kerstin(),
            "healthcareProfessionalLicense",
            json!(["XX", "BM"]),
        ))
        .unwrap();
        assert_eq!(c.profession.as_deref(), Some("barnmorska"));
        let c = person(&with(
            kerstin(),
            "healthcareProfessionalLicense",
            json!(["XX"]),
        ))
        .unwrap();
        assert!(c.legitimerad);
        assert_eq!(c.profession.as_deref(), Some("xx"));
    }

    #[test]
    fn roles_come_from_the_configured_values_never_integration() {
        let mut v = json!({"employeeHsaId": "SE-P9", "roles": ["admin", "integration", "x"]});
        let c = person(&v).unwrap();
        assert_eq!(c.roles, vec![Role::Admin]);
        assert!(!c.purpose_refused, "no unit: not acting as care staff");
        v["roles"] = json!("granskare");
        assert_eq!(person(&v).unwrap().roles, vec![Role::Granskare]);
    }

    #[test]
    fn sambi_uris_work_when_configured() {
        let mut cfg = cfg();
        cfg.claims.person = "http://sambi.se/attributes/1/employeeHsaId".into();
        let v = json!({"http://sambi.se/attributes/1/employeeHsaId": "SE-P7"});
        match identify(&cfg, v.as_object().unwrap(), 1).unwrap() {
            Identity::Person(c) => assert_eq!(c.hsa_id, "SE-P7"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn no_person_is_a_client_or_nothing() {
        let v = json!({"client_id": "platform-1", "sub": "platform-1"});
        assert!(matches!(
            identify(&cfg(), v.as_object().unwrap(), 1),
            Ok(Identity::Client { client_id, .. }) if client_id == "platform-1"
        ));
        let v = json!({"sub": "x"});
        assert!(matches!(
            identify(&cfg(), v.as_object().unwrap(), 1),
            Err(AuthError::Invalid(_))
        ));
        let v = json!({"employeeHsaId": 5});
        assert!(identify(&cfg(), v.as_object().unwrap(), 1).is_err());
        let v = json!({"employeeHsaId": "has space"});
        assert!(identify(&cfg(), v.as_object().unwrap(), 1).is_err());
    }
}

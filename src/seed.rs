//! `samverkan seed-demo`: an idempotent demo directory for a local server — the six Halland
//! kommun home-care units, vårdcentraler, psykiatri, Habiliteringen, two palliative teams (one
//! participating), and patients from the safe test-identity list, Tolvan enrolled in Halmstad.
//!
//! All HSA-ids are under Region Halland's organisation number with a `DEMO` suffix, so nobody
//! can mistake them for real units. Never run by a migration.

use diesel::prelude::*;
use diesel::PgConnection;
use time::macros::date;
use uuid::Uuid;

use crate::domain::personnummer::IdKind;
use crate::domain::unit_kind::{Specialty, UnitKind};
use crate::models::enrollment::{self, NewEnrollment};
use crate::models::patient::{self, NewPatient};
use crate::models::patient_relation;
use crate::models::unit::{self, NewUnit};
use crate::schema::units;

/// (HSA-id, name, kind, municipality, specialty, participating)
type DemoUnit = (
    &'static str,
    &'static str,
    UnitKind,
    Option<&'static str>,
    Option<Specialty>,
    bool,
);

/// The demo directory.
pub const DEMO_UNITS: &[DemoUnit] = &[
    (
        "SE2321000115-DEMOK1315",
        "Hylte kommun hemsjukvård (demo)",
        UnitKind::Kommun,
        Some("1315"),
        None,
        false,
    ),
    (
        "SE2321000115-DEMOK1380",
        "Halmstads kommun hemsjukvård (demo)",
        UnitKind::Kommun,
        Some("1380"),
        None,
        false,
    ),
    (
        "SE2321000115-DEMOK1381",
        "Laholms kommun hemsjukvård (demo)",
        UnitKind::Kommun,
        Some("1381"),
        None,
        false,
    ),
    (
        "SE2321000115-DEMOK1382",
        "Falkenbergs kommun hemsjukvård (demo)",
        UnitKind::Kommun,
        Some("1382"),
        None,
        false,
    ),
    (
        "SE2321000115-DEMOK1383",
        "Varbergs kommun hemsjukvård (demo)",
        UnitKind::Kommun,
        Some("1383"),
        None,
        false,
    ),
    (
        "SE2321000115-DEMOK1384",
        "Kungsbacka kommun hemsjukvård (demo)",
        UnitKind::Kommun,
        Some("1384"),
        None,
        false,
    ),
    (
        "SE2321000115-DEMOVC01",
        "Vårdcentralen Halmstad (demo)",
        UnitKind::Narsjukvard,
        None,
        None,
        false,
    ),
    (
        "SE2321000115-DEMOVC02",
        "Vårdcentralen Varberg (demo)",
        UnitKind::Narsjukvard,
        None,
        None,
        false,
    ),
    (
        "SE2321000115-DEMOVC03",
        "Vårdcentralen Kungsbacka (demo)",
        UnitKind::Narsjukvard,
        None,
        None,
        false,
    ),
    (
        "SE2321000115-DEMOPSY1",
        "Psykiatrisk öppenvård Halmstad (demo)",
        UnitKind::Psykiatri,
        None,
        None,
        false,
    ),
    (
        "SE2321000115-DEMOHAB1",
        "Habiliteringen Halland (demo)",
        UnitKind::Specialist,
        None,
        Some(Specialty::Habilitering),
        true,
    ),
    (
        "SE2321000115-DEMOPAL1",
        "Palliativa konsultteamet Halmstad (demo)",
        UnitKind::Specialist,
        None,
        Some(Specialty::Palliativ),
        true,
    ),
    (
        "SE2321000115-DEMOPAL2",
        "Palliativa konsultteamet Varberg (demo, deltar ej)",
        UnitKind::Specialist,
        None,
        Some(Specialty::Palliativ),
        false,
    ),
];

/// (12-digit number, kind, name) — only DOMAIN.md's safe test identities.
pub const DEMO_PATIENTS: &[(&str, IdKind, &str)] = &[
    ("191212121212", IdKind::Personnummer, "Tolvan Tolvansson"),
    (
        "201212121212",
        IdKind::Personnummer,
        "Tolvan Tolvansson d.y.",
    ),
    ("201701012393", IdKind::Personnummer, "Test Testsson"),
    (
        "197010632391",
        IdKind::Samordningsnummer,
        "Samordnad Testperson",
    ),
];

/// What the seed did.
#[derive(Debug, Default)]
pub struct SeedReport {
    pub units_created: usize,
    pub patients_created: usize,
    pub enrollments_created: usize,
}

/// Seeds the demo data; running it again changes nothing.
pub fn demo(conn: &mut PgConnection) -> QueryResult<SeedReport> {
    conn.transaction(|conn| {
        let mut report = SeedReport::default();
        for (hsa, name, kind, muni, spec, participating) in DEMO_UNITS {
            let n = diesel::insert_into(units::table)
                .values(&NewUnit {
                    id: Uuid::now_v7(),
                    hsa_id: (*hsa).into(),
                    name: (*name).into(),
                    kind: kind.as_str(),
                    municipality_code: muni.map(Into::into),
                    specialty: spec.map(Specialty::as_str),
                    participating: *participating,
                    active: true,
                })
                .on_conflict(units::hsa_id_norm)
                .do_nothing()
                .execute(conn)?;
            report.units_created += n;
        }
        for (number, kind, name) in DEMO_PATIENTS {
            let (_, created) = patient::insert_or_get(
                conn,
                &NewPatient {
                    id: Uuid::now_v7(),
                    personal_identity_number: (*number).into(),
                    id_kind: kind.as_str(),
                    name: Some((*name).into()),
                },
            )?;
            report.patients_created += usize::from(created);
        }
        // Vårdcentralen Halmstad takes part in the care of every demo patient (they are listed
        // there); Halmstad's home health care gets its relation from Tolvan's enrollment.
        let vc = unit::find_by_hsa_id(conn, "SE2321000115-DEMOVC01")?
            .ok_or(diesel::result::Error::NotFound)?;
        for (number, _, _) in DEMO_PATIENTS {
            if let Some(p) = patient::find_by_number(conn, number)? {
                patient_relation::note(conn, vc.id, p.id)?;
            }
        }
        // Tolvan is enrolled in Halmstad's home health care.
        let tolvan = patient::find_by_number(conn, "191212121212")?
            .ok_or(diesel::result::Error::NotFound)?;
        let halmstad = unit::find_by_hsa_id(conn, "SE2321000115-DEMOK1380")?
            .ok_or(diesel::result::Error::NotFound)?;
        if enrollment::history(conn, tolvan.id)?.is_empty() {
            enrollment::insert(
                conn,
                &NewEnrollment {
                    id: Uuid::now_v7(),
                    patient_id: tolvan.id,
                    unit_id: halmstad.id,
                    municipality_code: "1380".into(),
                    start_date: date!(2026 - 01 - 01),
                    started_by: "SE2321000115-DEMOP0001".into(),
                },
            )?;
            report.enrollments_created += 1;
        }
        Ok(report)
    })
}

//! Who may do what: the acting-unit resolution every authenticated call makes, and the role
//! and licence checks. Handlers call these inside their database work so the lookup shares the
//! request's connection.

use diesel::PgConnection;

use crate::access_log::Subject;
use crate::auth::{Caller, Role};
use crate::error::{AppError, AppResult, Missing};
use crate::i18n::Msg;
use crate::models::patient::{self, PatientRow};
use crate::models::patient_relation;
use crate::models::unit::{self, UnitRow};
use crate::text;

fn unit_not_authorised(detail: Msg) -> AppError {
    AppError::Forbidden {
        code: "UNIT_NOT_AUTHORISED",
        detail,
    }
}

/// The caller's acting unit: the token's `unit`, which must be an active directory unit. A
/// provider token's commission must be for care ("Vård och behandling"): another purpose is
/// 403 `COMMISSION_PURPOSE` before the unit is looked at.
pub fn acting_unit(conn: &mut PgConnection, caller: &Caller) -> AppResult<UnitRow> {
    if caller.purpose_refused {
        return Err(AppError::Forbidden {
            code: "COMMISSION_PURPOSE",
            detail: {
                let purpose = caller.commission_purpose.as_deref();
                Msg::owned(
                    format!(
                        "Inloggningens medarbetaruppdrag har syftet {:?}; meddelanden om patienter \
                         kräver ett medarbetaruppdrag för vård (\"Vård och behandling\").",
                        purpose.unwrap_or("(inget)")
                    ),
                    format!(
                        "The token's medarbetaruppdrag has the purpose {:?}; messages about \
                         patients need a medarbetaruppdrag for care (\"Vård och behandling\").",
                        purpose.unwrap_or("(none)")
                    ),
                )
            },
        });
    }
    let hsa = caller.unit_hsa_id.as_deref().ok_or_else(|| {
        unit_not_authorised(Msg::new(
            "Inloggningen anger ingen agerande enhet (anspråket `unit`).",
            "The token names no acting unit (`unit` claim).",
        ))
    })?;
    match unit::find_by_hsa_id(conn, hsa)? {
        Some(u) if u.active => Ok(u),
        Some(_) => Err(unit_not_authorised(Msg::new(
            "Inloggningens agerande enhet är inaktiv i katalogen.",
            "The token's acting unit is inactive in the directory.",
        ))),
        None => Err(unit_not_authorised(Msg::new(
            "Inloggningens agerande enhet finns inte i katalogen.",
            "The token's acting unit is not in the directory.",
        ))),
    }
}

/// Like [`acting_unit`], but an `admin` may act without a directory unit (that is how the
/// first units get in): then `None`.
pub fn acting_unit_or_admin(
    conn: &mut PgConnection,
    caller: &Caller,
) -> AppResult<Option<UnitRow>> {
    match acting_unit(conn, caller) {
        Ok(u) => Ok(Some(u)),
        Err(AppError::Forbidden { .. }) if caller.has_role(Role::Admin) => Ok(None),
        Err(e) => Err(e),
    }
}

/// For reads open to every authenticated caller (`/me`, the directory, the rules): like
/// [`acting_unit_or_admin`], and the routine's owners (`statistik`), who follow the routine up
/// for the whole region, need no acting unit either.
pub fn acting_unit_or_unitless_reader(
    conn: &mut PgConnection,
    caller: &Caller,
) -> AppResult<Option<UnitRow>> {
    match acting_unit(conn, caller) {
        Ok(u) => Ok(Some(u)),
        Err(AppError::Forbidden { .. })
            if caller.has_role(Role::Admin)
                || (caller.has_role(Role::Statistik) && caller.unit_hsa_id.is_none()) =>
        {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// Refuses with 403 `ROLE_REQUIRED` unless the token grants `role`.
pub fn require_role(caller: &Caller, role: Role) -> AppResult<()> {
    if caller.has_role(role) {
        Ok(())
    } else {
        let name = role.as_str();
        Err(AppError::Forbidden {
            code: "ROLE_REQUIRED",
            detail: text!(
                "Detta kräver rollen `{name}`.",
                "This needs the role `{name}`."
            ),
        })
    }
}

/// Refuses with 403 `LICENCE_REQUIRED` unless the caller is licensed staff.
pub fn require_licensed(caller: &Caller) -> AppResult<()> {
    if caller.legitimerad {
        Ok(())
    } else {
        Err(AppError::Forbidden {
            code: "LICENCE_REQUIRED",
            detail: Msg::new(
                "Bara legitimerad personal får göra detta.",
                "Only licensed staff (legitimerad personal) may do this.",
            ),
        })
    }
}

/// The patient, if the unit takes part in their care (inre sekretess); otherwise the same 404
/// as for an id that does not exist.
pub fn patient_in_care(
    conn: &mut PgConnection,
    unit: &UnitRow,
    patient_id: uuid::Uuid,
) -> AppResult<PatientRow> {
    let patient =
        patient::find(conn, patient_id)?.ok_or_else(|| AppError::not_found(Missing::Patient))?;
    if patient_relation::exists_for(conn, unit, patient_id)? {
        Ok(patient)
    } else {
        Err(AppError::not_found(Missing::Patient))
    }
}

/// Care staff acting for their unit: role `personal` and an active acting unit, which is
/// noted on the access-log subject.
pub fn staff_unit(
    conn: &mut PgConnection,
    caller: &Caller,
    subject: &mut Subject,
) -> AppResult<UnitRow> {
    acting_as(conn, caller, Role::Personal, subject)
}

/// The caller acting in `role` for its active acting unit; both are noted on the access-log
/// subject.
fn acting_as(
    conn: &mut PgConnection,
    caller: &Caller,
    role: Role,
    subject: &mut Subject,
) -> AppResult<UnitRow> {
    require_role(caller, role)?;
    let unit = acting_unit(conn, caller)?;
    subject.unit_id = Some(unit.id);
    subject.role = Some(role);
    Ok(unit)
}

/// An integration platform acting for its units — a registered client's (the directory's
/// `integration_clients`), or a development token's `units` claim: role `integration`, the
/// acting unit when the token names one (it must then be active; a registered client names
/// none), noted on the access-log subject with the role, and the directory ids of its units
/// that exist (403 `NO_FEED_UNITS` when none does).
pub fn integration_units(
    conn: &mut PgConnection,
    caller: &Caller,
    subject: &mut Subject,
) -> AppResult<Vec<uuid::Uuid>> {
    if caller.unit_hsa_id.is_some() {
        acting_as(conn, caller, Role::Integration, subject)?;
    } else {
        require_role(caller, Role::Integration)?;
        subject.role = Some(Role::Integration);
    }
    let ids = unit::ids_of_hsa_ids(conn, &caller.units)?;
    if ids.is_empty() {
        return Err(AppError::Forbidden {
            code: "NO_FEED_UNITS",
            detail: Msg::new(
                "Klienten har ingen aktiv enhet i katalogen (i sin registrering, eller i ett \
                 utvecklingstokens anspråk `units`).",
                "The client has no active unit of the directory (its registration, or a \
                 development token's `units` claim).",
            ),
        });
    }
    Ok(ids)
}

/// A log reviewer: role `granskare` and an active acting unit, noted on the access-log subject
/// with the role.
pub fn reviewer_unit(
    conn: &mut PgConnection,
    caller: &Caller,
    subject: &mut Subject,
) -> AppResult<UnitRow> {
    acting_as(conn, caller, Role::Granskare, subject)
}

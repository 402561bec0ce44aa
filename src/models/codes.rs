//! The domain's code enums as they are stored: text columns holding the lower-case codes
//! (`messages.status`, `messages.category`, `units.kind`, `units.specialty`,
//! `patients.id_kind`), whose CHECK
//! constraints list the same codes. Rows read them typed; a code the enum does not know is a
//! deserialisation error, never a silent fallback. Writes bind `as_str()`.
//!
//! Each enum gets `FromSql<Text, Pg>` (decode the code) and `Queryable<Text, Pg>` (so a row
//! struct can hold it, as diesel's `FromSqlRow` derive would generate — written here because
//! `src/domain/` knows nothing of diesel).

use diesel::deserialize::{self, FromSql, Queryable};
use diesel::pg::{Pg, PgValue};
use diesel::sql_types::Text;

use crate::domain::category::Category;
use crate::domain::lifecycle::Status;
use crate::domain::personnummer::IdKind;
use crate::domain::unit_kind::{Specialty, UnitKind};

/// Reads a text value and maps it to `T` with `from_code`.
fn decode<T>(
    value: PgValue<'_>,
    what: &str,
    from_code: fn(&str) -> Option<T>,
) -> deserialize::Result<T> {
    let code = <String as FromSql<Text, Pg>>::from_sql(value)?;
    from_code(&code).ok_or_else(|| format!("unknown {what} code {code:?} in the database").into())
}

impl FromSql<Text, Pg> for Status {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        decode(value, "status", Status::from_code)
    }
}

impl Queryable<Text, Pg> for Status {
    type Row = Self;
    fn build(row: Self) -> deserialize::Result<Self> {
        Ok(row)
    }
}

impl FromSql<Text, Pg> for Category {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        decode(value, "category", Category::from_code)
    }
}

impl Queryable<Text, Pg> for Category {
    type Row = Self;
    fn build(row: Self) -> deserialize::Result<Self> {
        Ok(row)
    }
}

impl FromSql<Text, Pg> for UnitKind {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        decode(value, "unit kind", UnitKind::from_code)
    }
}

impl Queryable<Text, Pg> for UnitKind {
    type Row = Self;
    fn build(row: Self) -> deserialize::Result<Self> {
        Ok(row)
    }
}

impl FromSql<Text, Pg> for Specialty {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        decode(value, "specialty", Specialty::from_code)
    }
}

impl Queryable<Text, Pg> for Specialty {
    type Row = Self;
    fn build(row: Self) -> deserialize::Result<Self> {
        Ok(row)
    }
}

impl FromSql<Text, Pg> for IdKind {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        decode(value, "identity number kind", IdKind::from_code)
    }
}

impl Queryable<Text, Pg> for IdKind {
    type Row = Self;
    fn build(row: Self) -> deserialize::Result<Self> {
        Ok(row)
    }
}

//! A `jsonb` column read and written as JSON text, never as a `serde_json::Value` tree.
//!
//! Message details are validated once, when written (typed bodies in
//! `routes::messages::details`); when read they are only passed through to the response.
//! Parsing them into a `Value` map and serialising that again cost a tenth of a mailbox page's
//! CPU (bench/README.md), so they travel as the text PostgreSQL sends.

use std::io::Write;

use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::Jsonb;
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

/// The binary `jsonb` format's version byte (the only one PostgreSQL has).
const JSONB_VERSION: u8 = 1;

/// Valid JSON text, stored in a `jsonb` column.
#[derive(Debug, Clone, AsExpression, FromSqlRow)]
#[diesel(sql_type = Jsonb)]
pub struct RawJson(Box<RawValue>);

impl RawJson {
    /// Serialises `value` (which cannot fail for the plain data types the API stores).
    pub fn to_json<T: Serialize>(value: &T) -> serde_json::Result<Self> {
        serde_json::value::to_raw_value(value).map(RawJson)
    }

    /// The JSON text.
    pub fn get(&self) -> &str {
        self.0.get()
    }
}

impl Serialize for RawJson {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl FromSql<Jsonb, Pg> for RawJson {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        let bytes = value.as_bytes();
        match bytes.split_first() {
            Some((&JSONB_VERSION, text)) => {
                let text = std::str::from_utf8(text)?;
                // PostgreSQL sends valid JSON; this checks it without building a tree.
                Ok(RawJson(RawValue::from_string(text.to_owned())?))
            }
            Some((v, _)) => Err(format!("unsupported jsonb version {v}").into()),
            None => Err("empty jsonb value".into()),
        }
    }
}

impl ToSql<Jsonb, Pg> for RawJson {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        out.write_all(&[JSONB_VERSION])?;
        out.write_all(self.get().as_bytes())?;
        Ok(IsNull::No)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_the_json_it_holds() {
        let raw = RawJson::to_json(&serde_json::json!({"a": [1, "å\"ö"]})).unwrap();
        assert_eq!(raw.get(), r#"{"a":[1,"å\"ö"]}"#);
        let outer = serde_json::to_string(&serde_json::json!({ "x": 1 })).unwrap();
        assert_eq!(outer, r#"{"x":1}"#);
        let wrapped = serde_json::to_string(&vec![raw.clone()]).unwrap();
        assert_eq!(wrapped, r#"[{"a":[1,"å\"ö"]}]"#);
        let parsed: serde_json::Value = serde_json::from_str(raw.get()).unwrap();
        assert_eq!(parsed["a"][1], "å\"ö");
    }
}

//! Loading the narcotics table (`data/narcotics.csv`), an operator-replaceable file, so a
//! broken edit fails at startup with a line number instead of silently missing a drug.
//!
//! Header names locate the columns `substance`, `names`, `atc_codes`, `npl_ids`,
//! `schedule` (others, such as `status` and `source`, are ignored); lists inside a field are
//! `;`-separated. Every row is validated: ATC codes must look like `N02AA05`, NPL ids must be
//! 14 digits, the schedule must be I–V, and a row must give at least one way to recognise the
//! substance. [`crate::domain::narcotics`] re-exports [`parse_csv`].

use crate::domain::csv::{self, CsvError};
use crate::domain::narcotics::NarcoticEntry;

/// Why a narcotics table cannot be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NarcoticsCsvError {
    /// The file is not well-formed CSV.
    #[error(transparent)]
    Csv(#[from] CsvError),
    /// The file has no header row.
    #[error("the file is empty")]
    Empty,
    /// A required column is missing from the header.
    #[error("line 1: missing column {0}")]
    MissingColumn(&'static str),
    /// A row has a different number of fields than the header.
    #[error("line {line}: {found} fields, the header has {expected}")]
    FieldCount {
        /// Line of the row.
        line: usize,
        /// Fields in the header.
        expected: usize,
        /// Fields in the row.
        found: usize,
    },
    /// A row has no substance.
    #[error("line {line}: empty substance")]
    EmptySubstance {
        /// Line of the row.
        line: usize,
    },
    /// A row gives no way to recognise the substance.
    #[error("line {line}: no names, ATC codes or NPL ids")]
    NothingToMatch {
        /// Line of the row.
        line: usize,
    },
    /// An ATC code is not of the form A00AA00.
    #[error("line {line}: ATC code {code:?} is not of the form N02AA05")]
    InvalidAtc {
        /// Line of the row.
        line: usize,
        /// The offending code.
        code: String,
    },
    /// An NPL id is not 14 digits.
    #[error("line {line}: NPL id {id:?} is not 14 digits")]
    InvalidNpl {
        /// Line of the row.
        line: usize,
        /// The offending id.
        id: String,
    },
    /// The schedule is not one of I–V.
    #[error("line {line}: schedule {value:?} is not one of I, II, III, IV, V")]
    InvalidSchedule {
        /// Line of the row.
        line: usize,
        /// The offending value.
        value: String,
    },
}

/// Parses the narcotics table. Columns are found by header name (`substance`, `names`,
/// `atc_codes`, `npl_ids`, `schedule`; others such as `status` and `source` are ignored);
/// lists inside a field are `;`-separated.
pub fn parse_csv(text: &str) -> Result<Vec<NarcoticEntry>, NarcoticsCsvError> {
    let mut records = csv::parse(text)?.into_iter();
    let header = records.next().ok_or(NarcoticsCsvError::Empty)?;
    let column = |name: &'static str| {
        header
            .fields
            .iter()
            .position(|f| f.trim() == name)
            .ok_or(NarcoticsCsvError::MissingColumn(name))
    };
    let columns = [
        column("substance")?,
        column("names")?,
        column("atc_codes")?,
        column("npl_ids")?,
        column("schedule")?,
    ];
    records
        .map(|record| {
            if record.fields.len() != header.fields.len() {
                return Err(NarcoticsCsvError::FieldCount {
                    line: record.line,
                    expected: header.fields.len(),
                    found: record.fields.len(),
                });
            }
            let [substance, names, atc, npl, schedule] = columns.map(|i| record.fields[i].trim());
            entry_from_fields(record.line, substance, names, atc, npl, schedule)
        })
        .collect()
}

fn entry_from_fields(
    line: usize,
    substance: &str,
    names: &str,
    atc: &str,
    npl: &str,
    schedule: &str,
) -> Result<NarcoticEntry, NarcoticsCsvError> {
    if substance.is_empty() {
        return Err(NarcoticsCsvError::EmptySubstance { line });
    }
    let entry = NarcoticEntry {
        substance: substance.to_string(),
        names: split_list(names),
        atc_codes: split_list(atc).iter().map(|c| c.to_uppercase()).collect(),
        npl_ids: split_list(npl),
        schedule: schedule.to_string(),
    };
    if let Some(code) = entry.atc_codes.iter().find(|c| !is_atc_code(c)) {
        return Err(NarcoticsCsvError::InvalidAtc {
            line,
            code: code.clone(),
        });
    }
    if let Some(id) = entry.npl_ids.iter().find(|id| !is_npl_id(id)) {
        return Err(NarcoticsCsvError::InvalidNpl {
            line,
            id: id.clone(),
        });
    }
    if !["I", "II", "III", "IV", "V"].contains(&schedule) {
        return Err(NarcoticsCsvError::InvalidSchedule {
            line,
            value: schedule.to_string(),
        });
    }
    if entry.names.is_empty() && entry.atc_codes.is_empty() && entry.npl_ids.is_empty() {
        return Err(NarcoticsCsvError::NothingToMatch { line });
    }
    Ok(entry)
}

fn split_list(field: &str) -> Vec<String> {
    field
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// A letter, two digits, two letters, two digits (e.g. N02AA05).
fn is_atc_code(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 7
        && b[0].is_ascii_uppercase()
        && b[1..3].iter().all(u8::is_ascii_digit)
        && b[3..5].iter().all(u8::is_ascii_uppercase)
        && b[5..7].iter().all(u8::is_ascii_digit)
}

fn is_npl_id(id: &str) -> bool {
    id.len() == 14 && id.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "substance,names,atc_codes,npl_ids,schedule,status,source\n";

    #[test]
    fn the_csv_parser_reads_lists_and_quoted_fields() {
        let text = format!("{HEADER}oxikodon,\"oxikodon; OxyNorm\",n02aa05,20141129000084,II,verified,\"FASS, 'II'\"\n");
        let entries = parse_csv(&text).expect("valid");
        assert_eq!(entries[0].names, ["oxikodon", "OxyNorm"]);
        assert_eq!(entries[0].atc_codes, ["N02AA05"]);
        assert_eq!(entries[0].npl_ids, ["20141129000084"]);
    }

    #[test]
    fn the_csv_parser_reports_bad_rows_with_their_line_number() {
        let row = |r: &str| parse_csv(&format!("{HEADER}ok,ok,,,II,,\n{r}\n"));
        assert_eq!(
            row("x,y,,,II"),
            Err(NarcoticsCsvError::FieldCount {
                line: 3,
                expected: 7,
                found: 5
            })
        );
        assert_eq!(
            row(",y,,,II,,"),
            Err(NarcoticsCsvError::EmptySubstance { line: 3 })
        );
        assert_eq!(
            row("x,,,,II,,"),
            Err(NarcoticsCsvError::NothingToMatch { line: 3 })
        );
        assert_eq!(
            row("x,y,N02A,,II,,"),
            Err(NarcoticsCsvError::InvalidAtc {
                line: 3,
                code: "N02A".into()
            })
        );
        assert_eq!(
            row("x,y,,123,II,,"),
            Err(NarcoticsCsvError::InvalidNpl {
                line: 3,
                id: "123".into()
            })
        );
        assert_eq!(
            row("x,y,,,VI,,"),
            Err(NarcoticsCsvError::InvalidSchedule {
                line: 3,
                value: "VI".into()
            })
        );
    }

    #[test]
    fn the_csv_parser_requires_the_named_columns() {
        assert_eq!(parse_csv(""), Err(NarcoticsCsvError::Empty));
        assert_eq!(
            parse_csv("substance,names\n"),
            Err(NarcoticsCsvError::MissingColumn("atc_codes"))
        );
    }
}

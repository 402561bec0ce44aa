//! A small RFC 4180 CSV reader for the project's own reference tables (the narcotics
//! table), so that an operator-edited file fails loudly with a line number instead of being
//! half-read.
//!
//! Supported: comma-separated fields; fields in double quotes may contain commas, line
//! breaks and doubled quotes (`""` → `"`); records end with LF or CRLF; a UTF-8 byte-order
//! mark at the start is ignored; blank lines are skipped. Refused (with the line number): a
//! quote inside an unquoted field, text after a closing quote, an unterminated quote.

/// One record with the line number it starts on (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The line where the record starts.
    pub line: usize,
    /// The fields, unquoted.
    pub fields: Vec<String>,
}

/// Why a text is not well-formed CSV.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    /// A `"` appears inside a field that did not start with one.
    #[error("line {line}: a quote inside an unquoted field")]
    QuoteInUnquotedField {
        /// Line of the stray quote.
        line: usize,
    },
    /// Something other than a comma or line end follows a closing quote.
    #[error("line {line}: text after a closing quote")]
    TextAfterClosingQuote {
        /// Line of the closing quote.
        line: usize,
    },
    /// A quoted field is never closed.
    #[error("line {line}: a quoted field is never closed")]
    UnterminatedQuote {
        /// Line where the quoted field starts.
        line: usize,
    },
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of a field.
    FieldStart,
    /// Inside an unquoted field.
    Unquoted,
    /// Inside a quoted field.
    Quoted,
    /// Just after a quote inside a quoted field: either `""` or the closing quote.
    QuoteInQuoted,
}

/// Reads all records of `text`.
pub fn parse(text: &str) -> Result<Vec<Record>, CsvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut state = State::FieldStart;
    let mut line = 1;
    let mut record_line = 1;
    let mut quote_line = 1;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (state, c) {
            (State::Quoted, '"') => state = State::QuoteInQuoted,
            (State::Quoted, other) => field.push(other),
            (State::QuoteInQuoted, '"') => {
                field.push('"');
                state = State::Quoted;
            }
            (State::FieldStart, '"') => {
                state = State::Quoted;
                quote_line = line;
            }
            (State::Unquoted, '"') => return Err(CsvError::QuoteInUnquotedField { line }),
            (_, ',') => {
                fields.push(std::mem::take(&mut field));
                state = State::FieldStart;
            }
            (_, '\r') if chars.peek() == Some(&'\n') => {}
            (_, '\n') => {
                fields.push(std::mem::take(&mut field));
                push_record(&mut records, record_line, std::mem::take(&mut fields));
                state = State::FieldStart;
                record_line = line + 1;
            }
            (State::QuoteInQuoted, _) => return Err(CsvError::TextAfterClosingQuote { line }),
            (_, other) => {
                field.push(other);
                state = State::Unquoted;
            }
        }
        if c == '\n' {
            line += 1;
        }
    }
    if state == State::Quoted {
        return Err(CsvError::UnterminatedQuote { line: quote_line });
    }
    fields.push(field);
    push_record(&mut records, record_line, fields);
    Ok(records)
}

/// Keeps a record unless the line was blank.
fn push_record(records: &mut Vec<Record>, line: usize, fields: Vec<String>) {
    let blank = fields.len() == 1 && fields[0].trim().is_empty();
    if !blank {
        records.push(Record { line, fields });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str) -> Vec<Vec<String>> {
        parse(text)
            .expect("valid csv")
            .into_iter()
            .map(|r| r.fields)
            .collect()
    }

    #[test]
    fn plain_records_split_on_commas_and_line_ends() {
        assert_eq!(fields("a,b\nc,d\n"), [["a", "b"], ["c", "d"]]);
        assert_eq!(fields("a,b\r\nc,d"), [["a", "b"], ["c", "d"]]);
    }

    #[test]
    fn quoted_fields_keep_commas_line_breaks_and_doubled_quotes() {
        assert_eq!(
            fields("\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\n"),
            [["x, y", "say \"hi\"", "two\nlines"]]
        );
    }

    #[test]
    fn empty_fields_and_blank_lines_are_handled() {
        assert_eq!(
            fields("a,,\n\n\nb,\"\",c\n"),
            [["a", "", ""], ["b", "", "c"]]
        );
    }

    #[test]
    fn records_remember_the_line_they_start_on() {
        let records = parse("h\n\"multi\nline\"\nnext\n").expect("valid");
        let lines: Vec<usize> = records.iter().map(|r| r.line).collect();
        assert_eq!(lines, [1, 2, 4]);
    }

    #[test]
    fn a_byte_order_mark_is_ignored() {
        assert_eq!(fields("\u{feff}a,b"), [["a", "b"]]);
    }

    #[test]
    fn malformed_quoting_is_refused_with_the_line_number() {
        assert_eq!(
            parse("ok\nab\"c\n"),
            Err(CsvError::QuoteInUnquotedField { line: 2 })
        );
        assert_eq!(
            parse("ok\n\"ab\"c\n"),
            Err(CsvError::TextAfterClosingQuote { line: 2 })
        );
        assert_eq!(
            parse("ok\nok\n\"open\n"),
            Err(CsvError::UnterminatedQuote { line: 3 })
        );
    }
}

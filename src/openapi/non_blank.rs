//! Required texts may not be blank: the server trims a text before it checks that it is there.

use utoipa::openapi::RefOr;
use utoipa::Modify;

/// Characters Rust's `str::trim` removes (Unicode `White_Space`). The server trims texts before
/// it checks that they are not empty, so a required text needs one character outside this set.
/// Spelled out rather than `\S`: JSON Schema's (ECMA-262) `\s` leaves out U+0085 and adds U+FEFF.
const NON_BLANK: &str =
    "[^\\t\\n\\u000B\\f\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]";

/// Says in the schema what the server checks of every required text: a string property with
/// `minLength` ≥ 1 and no `pattern` of its own gets the [`NON_BLANK`] pattern, because the
/// server refuses a text of only whitespace (`REQUIRED`/`LENGTH`, 422) as empty.
pub struct NonBlankTexts;

impl Modify for NonBlankTexts {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            for schema in components.schemas.values_mut() {
                non_blank(schema);
            }
        }
    }
}

fn non_blank(schema: &mut RefOr<utoipa::openapi::schema::Schema>) {
    use utoipa::openapi::schema::{ArrayItems, Schema};
    let RefOr::T(schema) = schema else { return };
    match schema {
        Schema::Object(o) => {
            if o.min_length.is_some_and(|n| n >= 1) && o.pattern.is_none() {
                o.pattern = Some(NON_BLANK.to_string());
            }
            o.properties.values_mut().for_each(non_blank);
        }
        Schema::Array(a) => {
            if let ArrayItems::RefOrSchema(items) = &mut a.items {
                non_blank(items);
            }
        }
        Schema::OneOf(s) => s.items.iter_mut().for_each(non_blank),
        Schema::AllOf(s) => s.items.iter_mut().for_each(non_blank),
        Schema::AnyOf(s) => s.items.iter_mut().for_each(non_blank),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::NON_BLANK;

    /// A blank text is refused by the server, so a required text says it in a pattern whose
    /// class is exactly what `str::trim` removes.
    #[test]
    fn required_texts_are_non_blank() {
        let api = serde_json::to_value(crate::startup::openapi_document()).unwrap();
        let subject = &api["components"]["schemas"]["NewRecept"]["properties"]["subject"];
        assert_eq!(subject["pattern"], NON_BLANK);
        let listed = class_chars(NON_BLANK);
        let whitespace: BTreeSet<char> = (0..=0x10FFFF)
            .filter_map(char::from_u32)
            .filter(|c| c.is_whitespace())
            .collect();
        assert_eq!(listed, whitespace);
    }

    /// The characters of a negated class `[^...]` written with `\t \n \f \r \uXXXX` escapes,
    /// plain characters and `a-b` ranges.
    fn class_chars(pattern: &str) -> BTreeSet<char> {
        let body = pattern
            .strip_prefix("[^")
            .and_then(|p| p.strip_suffix(']'))
            .unwrap();
        let mut chars = Vec::new();
        let mut it = body.chars().peekable();
        while let Some(c) = it.next() {
            let c = if c == '\\' {
                match it.next().unwrap() {
                    't' => '\t',
                    'n' => '\n',
                    'f' => '\u{c}',
                    'r' => '\r',
                    'u' => {
                        let hex: String = (0..4).map(|_| it.next().unwrap()).collect();
                        char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap()
                    }
                    other => panic!("escape {other}"),
                }
            } else {
                c
            };
            chars.push(c);
        }
        let mut out = BTreeSet::new();
        let mut i = 0;
        while i < chars.len() {
            if i + 2 < chars.len() && chars[i + 1] == '-' {
                out.extend(chars[i]..=chars[i + 2]);
                i += 3;
            } else {
                out.insert(chars[i]);
                i += 1;
            }
        }
        out
    }
}

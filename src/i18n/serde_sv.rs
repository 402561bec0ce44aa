//! Swedish for serde's and serde_json's error messages (`missing field `x``, `invalid type:
//! string "a", expected u32`, `… at line 1 column 5`), which are English and name the JSON
//! kinds in Rust's terms. The field paths and values they quote stay as they are.

/// A serde error message in Swedish; a message of a shape not known here keeps its English
/// wording after a Swedish lead, so nothing is lost.
pub fn translate(message: &str) -> String {
    let (core, position) = split_position(message);
    let sv = translate_core(core).unwrap_or_else(|| format!("ogiltigt värde ({core})"));
    match position {
        Some((line, column)) => format!("{sv} (rad {line}, kolumn {column})"),
        None => sv,
    }
}

/// serde_json appends ` at line L column C`.
fn split_position(message: &str) -> (&str, Option<(&str, &str)>) {
    if let Some((core, pos)) = message.rsplit_once(" at line ") {
        if let Some((line, column)) = pos.split_once(" column ") {
            if line.bytes().all(|b| b.is_ascii_digit())
                && column.bytes().all(|b| b.is_ascii_digit())
            {
                return (core, Some((line, column)));
            }
        }
    }
    (message, None)
}

fn translate_core(m: &str) -> Option<String> {
    if let Some(rest) = m.strip_prefix("missing field ") {
        return Some(format!("fältet {rest} saknas"));
    }
    if let Some(rest) = m.strip_prefix("duplicate field ") {
        return Some(format!("fältet {rest} förekommer mer än en gång"));
    }
    if let Some(rest) = m.strip_prefix("unknown field ") {
        return Some(match rest.split_once(", ") {
            Some((name, "there are no fields")) => format!("okänt fält {name}; inga fält tas emot"),
            Some((name, expected)) => format!("okänt fält {name}; {}", expected_sv(expected)),
            None => format!("okänt fält {rest}"),
        });
    }
    if let Some(rest) = m.strip_prefix("unknown variant ") {
        return Some(match rest.split_once(", ") {
            Some((name, expected)) => format!("okänt värde {name}; {}", expected_sv(expected)),
            None => format!("okänt värde {rest}"),
        });
    }
    for (lead, sv) in [
        ("invalid type: ", "fel typ av värde"),
        ("invalid value: ", "ogiltigt värde"),
    ] {
        if let Some(rest) = m.strip_prefix(lead) {
            let (got, expected) = rest.split_once(", expected ")?;
            return Some(format!(
                "{sv}: {}, väntade {}",
                unexpected_sv(got),
                kind_sv(expected)
            ));
        }
    }
    if let Some(rest) = m.strip_prefix("invalid length ") {
        let (n, expected) = rest.split_once(", expected ")?;
        return Some(format!("fel längd {n}, väntade {}", kind_sv(expected)));
    }
    let fixed = match m {
        "EOF while parsing a value"
        | "EOF while parsing an object"
        | "EOF while parsing a list"
        | "EOF while parsing a string" => "innehållet tar slut mitt i ett värde",
        "expected value" => "ett JSON-värde väntades",
        "trailing characters" => "tecken efter JSON-värdet",
        "trailing comma" => "avslutande kommatecken",
        "key must be a string" => "en nyckel måste vara en text",
        "expected `:`" => "kolon (`:`) väntades",
        "expected `,` or `}`" => "kommatecken eller `}` väntades",
        "expected `,` or `]`" => "kommatecken eller `]` väntades",
        "control character (\\u0000-\\u001F) found while parsing a string" => {
            "styrtecken i en text"
        }
        "invalid escape" => "ogiltig escape-sekvens",
        "invalid number" => "ogiltigt tal",
        "number out of range" => "talet är utanför tillåtet intervall",
        "invalid unicode code point" => "ogiltig Unicode-kodpunkt",
        "lone leading surrogate in hex escape" => "ensamt surrogattecken i escape-sekvens",
        "recursion limit exceeded" => "för djupt nästlad JSON",
        "invalid digit found in string" => "ogiltig siffra i talet",
        "number too large to fit in target type" => "talet är för stort",
        "number too small to fit in target type" => "talet är för litet",
        "cannot parse integer from empty string" => "tomt tal",
        "provided string was not `true` or `false`" => "värdet ska vara `true` eller `false`",
        _ => return None,
    };
    Some(fixed.to_string())
}

/// `expected one of `a`, `b``, `expected `a` or `b``, `expected `a``.
fn expected_sv(expected: &str) -> String {
    if let Some(list) = expected.strip_prefix("expected one of ") {
        format!("tillåtna: {list}")
    } else if let Some(list) = expected.strip_prefix("expected ") {
        format!("tillåtet: {}", list.replace(" or ", " eller "))
    } else {
        expected.to_string()
    }
}

/// What serde found: `string "x"`, `integer `5``, `floating point `1.5``, `boolean `true``,
/// `null`, `sequence`, `map`…
fn unexpected_sv(got: &str) -> String {
    for (en, sv) in [
        ("string ", "texten "),
        ("integer ", "heltalet "),
        ("floating point ", "decimaltalet "),
        ("boolean ", "sanningsvärdet "),
        ("character ", "tecknet "),
    ] {
        if let Some(v) = got.strip_prefix(en) {
            return format!("{sv}{v}");
        }
    }
    match got {
        "null" => "null".into(),
        "sequence" => "en lista".into(),
        "map" => "ett objekt".into(),
        "unit value" | "unit" => "ett tomt värde".into(),
        other => other.to_string(),
    }
}

/// What serde expected, in the terms of a JSON document.
fn kind_sv(expected: &str) -> String {
    let e = expected.trim();
    let integer = [
        "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
    ];
    if integer.contains(&e) {
        return format!("ett heltal ({e})");
    }
    if e == "f32" || e == "f64" {
        return "ett tal".into();
    }
    if e.starts_with("struct ") || e == "a map" || e.starts_with("internally tagged enum") {
        return "ett objekt".into();
    }
    if e.starts_with("enum ") {
        return "ett av de tillåtna värdena".into();
    }
    match e {
        "a string" | "string" | "a borrowed string" => "en text".into(),
        "a boolean" | "bool" => "ett sanningsvärde (true/false)".into(),
        "a sequence" | "a vector" => "en lista".into(),
        "a character" | "char" => "ett tecken".into(),
        "a UUID string" | "UUID" => "ett UUID".into(),
        "unit" => "null".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::translate;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        n: u32,
        kind: Kind,
        tags: Vec<String>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "lowercase")]
    enum Kind {
        A,
        B,
    }

    fn sv_of(json: &str) -> String {
        translate(&serde_json::from_str::<Body>(json).unwrap_err().to_string())
    }

    #[test]
    fn serdes_own_messages_come_out_swedish() {
        let cases = [
            (r#"{"kind":"a","tags":[]}"#, "fältet `n` saknas"),
            (
                r#"{"n":1,"kind":"a","tags":[],"x":1}"#,
                "okänt fält `x`; tillåtna: `n`, `kind`, `tags`",
            ),
            (
                r#"{"n":"1","kind":"a","tags":[]}"#,
                "fel typ av värde: texten \"1\", väntade ett heltal (u32)",
            ),
            (
                r#"{"n":-1,"kind":"a","tags":[]}"#,
                "ogiltigt värde: heltalet `-1`, väntade ett heltal (u32)",
            ),
            (
                r#"{"n":1,"kind":"c","tags":[]}"#,
                "okänt värde `c`; tillåtet: `a` eller `b`",
            ),
            (
                r#"{"n":1,"kind":"a","tags":{}}"#,
                "fel typ av värde: ett objekt, väntade en lista",
            ),
            (
                r#"{"n":1,"n":2,"kind":"a","tags":[]}"#,
                "fältet `n` förekommer mer än en gång",
            ),
            (
                r#"{"n":1,"kind":"a","tags":[1]}"#,
                "fel typ av värde: heltalet `1`, väntade en text",
            ),
        ];
        for (json, want) in cases {
            let got = sv_of(json);
            assert!(got.starts_with(want), "{json}: {got}");
            assert!(got.contains("(rad 1, kolumn"), "{json}: {got}");
        }
    }

    #[test]
    fn a_message_of_unknown_shape_keeps_its_words_after_a_swedish_lead() {
        assert_eq!(translate("something new"), "ogiltigt värde (something new)");
        assert_eq!(
            translate("expected value at line 1 column 1"),
            "ett JSON-värde väntades (rad 1, kolumn 1)"
        );
    }
}

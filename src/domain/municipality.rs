//! The six Halland municipalities whose home health care takes part in the routine.

/// (code, name) of every participating municipality.
pub const HALLAND: &[(&str, &str)] = &[
    ("1315", "Hylte"),
    ("1380", "Halmstad"),
    ("1381", "Laholm"),
    ("1382", "Falkenberg"),
    ("1383", "Varberg"),
    ("1384", "Kungsbacka"),
];

/// The municipality's name, when `code` is one of the six.
pub fn name(code: &str) -> Option<&'static str> {
    HALLAND.iter().find(|(c, _)| *c == code).map(|(_, n)| *n)
}

#[cfg(test)]
mod tests {
    use super::name;

    #[test]
    fn the_six_halland_codes_have_names_and_others_do_not() {
        assert_eq!(name("1380"), Some("Halmstad"));
        assert_eq!(name("1384"), Some("Kungsbacka"));
        assert_eq!(name("1315"), Some("Hylte"));
        assert_eq!(name("1480"), None);
        assert_eq!(name("0180"), None);
    }
}

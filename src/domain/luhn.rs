//! The Luhn check digit used by Swedish personnummer, samordningsnummer and organisation
//! numbers: over ten digits, the weights 2,1,2,1,… apply to the first nine, the digits of
//! each product are summed, and the tenth digit brings the total to a multiple of ten.

/// The check digit for nine digits (each 0–9).
pub fn check_digit(nine: &[u8; 9]) -> u8 {
    let sum: u32 = nine
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let weighted = u32::from(*d) * if i % 2 == 0 { 2 } else { 1 };
            weighted / 10 + weighted % 10
        })
        .sum();
    // `sum % 10` is below 10, so the result is a single digit.
    ((10 - sum % 10) % 10) as u8
}

/// Whether `ten` is exactly ten ASCII digits whose last is the check digit of the others.
pub fn is_valid(ten: &str) -> bool {
    let bytes = ten.as_bytes();
    if bytes.len() != 10 || !bytes.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let mut nine = [0u8; 9];
    for (slot, b) in nine.iter_mut().zip(bytes) {
        *slot = b - b'0';
    }
    check_digit(&nine) == bytes[9] - b'0'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolvan_tolvanssons_number_has_check_digit_two() {
        assert_eq!(check_digit(&[1, 2, 1, 2, 1, 2, 1, 2, 1]), 2);
        assert!(is_valid("1212121212"));
    }

    #[test]
    fn region_hallands_organisation_number_is_valid() {
        assert!(is_valid("2321000115"));
    }

    #[test]
    fn a_changed_check_digit_or_a_non_digit_is_invalid() {
        assert!(!is_valid("1212121213"));
        assert!(!is_valid("121212121a"));
        assert!(!is_valid("121212121"));
    }
}

//! Second-factor rules that need no cryptography: TOTP replay protection (S8), the shape of
//! recovery codes (S10), and the cap on wrong codes per partial session (S12).

use crate::error::ValidationError;

/// Wrong codes a partial session may submit before it ends and counts as a failed login (S12).
pub const MAX_SECOND_FACTOR_FAILURES: u32 = 5;

/// How many recovery codes an admin holds (S10).
pub const RECOVERY_CODE_COUNT: usize = 10;

/// Characters of a recovery code: lower-case base32 without the look-alikes 0/o, 1/l/i.
pub const RECOVERY_CODE_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
const RECOVERY_CODE_LEN: usize = 10;

/// A TOTP time step may be used once: only steps after the last accepted one pass (S8).
pub fn step_is_fresh(last_accepted: Option<u64>, step: u64) -> bool {
    last_accepted.is_none_or(|last| step > last)
}

/// A recovery code as people type it (`abcde-fghjk`, spaces, capitals) in its stored form, or
/// `None` if it cannot be one.
pub fn normalise_recovery_code(input: &str) -> Option<String> {
    let code: String =
        input.chars().filter(|c| !c.is_whitespace() && *c != '-').flat_map(char::to_lowercase).collect();
    (code.len() == RECOVERY_CODE_LEN && code.bytes().all(|b| RECOVERY_CODE_ALPHABET.contains(&b)))
        .then_some(code)
}

/// A recovery code shown to people: two groups of five.
pub fn display_recovery_code(code: &str) -> String {
    match (code.get(..5), code.get(5..)) {
        (Some(a), Some(b)) if !b.is_empty() => format!("{a}-{b}"),
        _ => code.to_owned(),
    }
}

/// A six-digit TOTP code as typed (spaces allowed), or a clear error.
pub fn parse_totp_code(input: &str) -> Result<String, ValidationError> {
    let code: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(code)
    } else {
        Err(ValidationError::new("code", "enter the 6-digit code from your authenticator app"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_step_is_accepted_once_s8() {
        assert!(step_is_fresh(None, 5));
        assert!(step_is_fresh(Some(4), 5));
        assert!(!step_is_fresh(Some(5), 5));
        assert!(!step_is_fresh(Some(6), 5), "an older step after a newer one is a replay too");
    }

    #[test]
    fn recovery_codes_are_forgiving_about_format() {
        assert_eq!(normalise_recovery_code(" ABCDE-fghjk "), Some("abcdefghjk".into()));
        assert_eq!(normalise_recovery_code("abcde fghjk"), Some("abcdefghjk".into()));
        assert_eq!(normalise_recovery_code("abcde-fghj0"), None, "0 is not in the alphabet");
        assert_eq!(normalise_recovery_code("abc"), None);
        assert_eq!(display_recovery_code("abcdefghjk"), "abcde-fghjk");
    }

    #[test]
    fn totp_codes_are_six_digits() {
        assert_eq!(parse_totp_code("123 456").as_deref(), Ok("123456"));
        for bad in ["12345", "1234567", "12a456", ""] {
            assert_eq!(parse_totp_code(bad).expect_err(bad).field, "code");
        }
    }

    proptest! {
        #[test]
        fn normalising_never_panics_and_is_idempotent(input in "\\PC{0,30}") {
            if let Some(code) = normalise_recovery_code(&input) {
                prop_assert_eq!(normalise_recovery_code(&display_recovery_code(&code)), Some(code.clone()));
            }
        }
    }
}

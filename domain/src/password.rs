//! Rules for new SuperAdmin passwords (S1, S2): length only, no composition rules, no
//! truncation. The common-password list (S3) joins these rules with the login work.

use crate::error::ValidationError;

pub const MIN_CHARS: usize = 12;
pub const MAX_CHARS: usize = 128;

/// Checks a proposed password. Length counts Unicode characters; the check is cheap so an
/// over-long password is refused before any hashing (S1).
pub fn check_new_password(password: &str) -> Result<(), ValidationError> {
    let len = password.chars().take(MAX_CHARS + 1).count();
    if len < MIN_CHARS {
        return Err(ValidationError::new("password", format!("must be at least {MIN_CHARS} characters")));
    }
    if len > MAX_CHARS {
        return Err(ValidationError::new("password", format!("must be at most {MAX_CHARS} characters")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_bounds_s1() {
        assert!(check_new_password(&"a".repeat(11)).is_err());
        assert!(check_new_password(&"a".repeat(12)).is_ok());
        assert!(check_new_password(&"é".repeat(128)).is_ok());
        assert!(check_new_password(&"a".repeat(129)).is_err());
        assert!(check_new_password("   spaces and ünïcödé  ").is_ok(), "any Unicode, spaces kept (S2)");
    }
}

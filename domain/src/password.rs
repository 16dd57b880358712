//! Rules for new SuperAdmin passwords (S1–S3): length, and not a well-known password; no
//! composition rules, no truncation.

use crate::error::ValidationError;

pub const MIN_CHARS: usize = 12;
pub const MAX_CHARS: usize = 128;

/// Checks a proposed password. Length counts Unicode characters; the check is cheap so an
/// over-long password is refused before any hashing (S1). `context` holds words tied to the
/// account (username, e-mail) that must not be the password either.
pub fn check_new_password(password: &str, context: &[&str]) -> Result<(), ValidationError> {
    let len = password.chars().take(MAX_CHARS + 1).count();
    if len < MIN_CHARS {
        return Err(ValidationError::new("password", format!("must be at least {MIN_CHARS} characters")));
    }
    if len > MAX_CHARS {
        return Err(ValidationError::new("password", format!("must be at most {MAX_CHARS} characters")));
    }
    if is_common(password) {
        return Err(ValidationError::new(
            "password",
            "is one of the most commonly used passwords; choose another (a few unrelated words work well)",
        ));
    }
    let lower = password.to_lowercase();
    if context.iter().any(|word| !word.is_empty() && lower == word.to_lowercase()) {
        return Err(ValidationError::new("password", "must not be the username or e-mail address"));
    }
    Ok(())
}

/// Whether `password` is on the built-in list of ~100,000 common passwords (S3), compared as
/// typed and in lower case (lists hold lower-case forms; `Password1234` is no better).
fn is_common(password: &str) -> bool {
    passwords::analyzer::is_common_password(password)
        || passwords::analyzer::is_common_password(password.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_bounds_s1() {
        assert!(check_new_password(&"a".repeat(11), &[]).is_err());
        assert!(check_new_password("twelve chars", &[]).is_ok());
        assert!(check_new_password(&"é".repeat(128), &[]).is_ok());
        assert!(check_new_password(&"a".repeat(129), &[]).is_err());
        assert!(check_new_password("   spaces and ünïcödé  ", &[]).is_ok(), "any Unicode, spaces kept (S2)");
    }

    #[test]
    fn common_passwords_are_refused_with_a_reason_s3() {
        for common in ["password1234", "Password1234", "qwertyuiop123", "iloveyou1234"] {
            let err = check_new_password(common, &[]).expect_err(common);
            assert!(err.message.contains("commonly used"), "{err}");
        }
    }

    #[test]
    fn the_account_name_is_not_a_password() {
        assert!(check_new_password("Administrator1", &["administrator1"]).is_err());
        assert!(check_new_password("alice@example.com", &["alice@example.com"]).is_err());
    }
}

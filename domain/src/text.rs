//! Small helpers for free text that ends up in tables, logs and the audit trail.

use crate::error::ValidationError;

/// Trims `input` and checks its length (in characters) and that it holds no control characters.
pub fn single_line(
    field: &'static str,
    input: &str,
    min: usize,
    max: usize,
) -> Result<String, ValidationError> {
    let value = input.trim();
    let len = value.chars().count();
    if len < min {
        return Err(if min == 1 {
            ValidationError::new(field, "must not be empty")
        } else {
            ValidationError::new(field, format!("must be at least {min} characters"))
        });
    }
    if len > max {
        return Err(ValidationError::new(field, format!("must be at most {max} characters")));
    }
    if value.chars().any(char::is_control) {
        return Err(ValidationError::new(field, "must not contain control characters"));
    }
    Ok(value.to_owned())
}

/// Escapes control characters so that a logged value cannot forge lines or terminal output (S28).
pub fn escape_control(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for c in input.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_bounds_length() {
        assert_eq!(single_line("name", "  Acme  ", 1, 10).as_deref(), Ok("Acme"));
        assert!(single_line("name", "   ", 1, 10).is_err());
        assert!(single_line("name", "abcdefghijk", 1, 10).is_err());
        assert!(single_line("name", "a\u{0}b", 1, 10).is_err());
    }

    #[test]
    fn escapes_control_characters() {
        assert_eq!(escape_control("a\nb\u{1b}[31m"), "a\\nb\\u{1b}[31m");
        assert_eq!(escape_control("plain é"), "plain é");
    }
}

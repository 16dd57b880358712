//! Website hostnames: the domains a tenant's users reach it on.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::ValidationError;

/// A DNS hostname in its ASCII (punycode) form, lower case, without a trailing dot.
///
/// Internationalised names are normalised to ASCII (`bücher.example` → `xn--bcher-kva.example`)
/// so that uniqueness across tenants holds whatever form an operator typed. IP addresses and
/// single-label names (`localhost`) are refused: a tenant is a public website.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Hostname(String);

const FIELD: &str = "domain";

impl Hostname {
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let trimmed = input.trim();
        let trimmed = trimmed.strip_suffix('.').unwrap_or(trimmed);
        if trimmed.is_empty() {
            return Err(ValidationError::new(FIELD, "must not be empty"));
        }
        if trimmed.len() > 253 * 4 {
            return Err(ValidationError::new(FIELD, "is too long"));
        }
        if trimmed.contains(['/', ':', '@', ' ', '?', '#']) {
            return Err(ValidationError::new(
                FIELD,
                format!("{trimmed:?} is not a hostname (give only the name, like acme.example)"),
            ));
        }
        let ascii = idna::domain_to_ascii_strict(trimmed)
            .map_err(|_| ValidationError::new(FIELD, format!("{trimmed:?} is not a valid hostname")))?;
        Self::check_ascii(&ascii)?;
        Ok(Self(ascii))
    }

    fn check_ascii(name: &str) -> Result<(), ValidationError> {
        let invalid = |why: &str| Err(ValidationError::new(FIELD, format!("{name:?} {why}")));
        if name.len() > 253 {
            return invalid("is longer than 253 characters");
        }
        let labels: Vec<&str> = name.split('.').collect();
        if labels.len() < 2 {
            return invalid("needs at least two labels, like acme.example");
        }
        for label in &labels {
            if label.is_empty() || label.len() > 63 {
                return invalid("has a label that is empty or longer than 63 characters");
            }
            if !label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
                return invalid("may contain only letters, digits, hyphens and dots");
            }
            if label.starts_with('-') || label.ends_with('-') {
                return invalid("has a label that starts or ends with a hyphen");
            }
        }
        let tld = labels[labels.len() - 1];
        if tld.bytes().all(|b| b.is_ascii_digit()) {
            return invalid("is an IP address or ends in a numeric label");
        }
        Ok(())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name as people read it (punycode labels decoded).
    pub fn to_unicode(&self) -> String {
        idna::domain_to_unicode(&self.0).0
    }
}

impl fmt::Display for Hostname {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Hostname {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Hostname {
    type Error = ValidationError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Hostname> for String {
    fn from(value: Hostname) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn normalises_case_trailing_dot_and_idn() {
        assert_eq!(Hostname::parse(" Acme.Example. ").map(|h| h.0), Ok("acme.example".into()));
        let idn = Hostname::parse("Bücher.example").expect("valid IDN");
        assert_eq!(idn.as_str(), "xn--bcher-kva.example");
        assert_eq!(idn.to_unicode(), "bücher.example");
        assert_eq!(Hostname::parse("xn--bcher-kva.example"), Ok(idn));
    }

    #[test]
    fn rejects_what_is_not_a_public_hostname() {
        for bad in [
            "",
            "localhost",
            "127.0.0.1",
            "http://acme.example",
            "acme.example/path",
            "acme..example",
            "-acme.example",
            "acme-.example",
            "acme_x.example",
            "acme example.com",
            &format!("{}.example", "a".repeat(64)),
            &format!("{}example", "abcdefghi.".repeat(26)),
        ] {
            let err = Hostname::parse(bad).expect_err(bad);
            assert_eq!(err.field, "domain");
        }
    }

    proptest! {
        #[test]
        fn never_panics_and_output_reparses_to_itself(input in "\\PC{0,80}") {
            if let Ok(host) = Hostname::parse(&input) {
                prop_assert!(host.as_str().len() <= 253);
                prop_assert_eq!(Hostname::parse(host.as_str()), Ok(host.clone()));
            }
        }

        #[test]
        fn accepts_well_formed_ascii_names(labels in prop::collection::vec("[a-z0-9]{1,6}(-[a-z0-9]{1,6})?", 1..4), tld in "[a-z]{2,6}") {
            let name = format!("{}.{tld}", labels.join("."));
            prop_assert_eq!(Hostname::parse(&name).map(|h| h.0), Ok(name));
        }
    }
}

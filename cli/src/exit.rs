//! Exit codes and error lines: every failure becomes one `error: <field>: <rule>` line on
//! stderr and a code scripts can branch on. Never a panic or a backtrace.

use std::process::ExitCode;

use gatehouse_application::Error;
use gatehouse_domain::{DomainError, ValidationError};

/// The exit codes, as documented in `--help` and docs/cli.md.
pub const FAILURE: u8 = 1;
pub const USAGE: u8 = 2;
pub const INVALID: u8 = 3;
pub const NOT_FOUND: u8 = 4;
pub const CONFLICT: u8 = 5;
pub const FORBIDDEN: u8 = 6;
pub const AUDIT_BROKEN: u8 = 7;
pub const SYNC_FAILED: u8 = 8;

/// The exit-code table shown at the end of `--help`.
pub const HELP: &str = "\
Exit codes:
  0  success
  1  internal or storage failure (database unreachable, not migrated, …)
  2  usage error: unknown command or option, missing argument, or --yes needed
  3  invalid input or a business rule refused it (nothing was changed)
  4  not found (no such tenant or admin)
  5  conflict: slug, domain or username taken, or changed by someone else meanwhile
  6  permission denied
  7  `audit verify` found the audit chain broken
  8  `sync-tenants` could not sync some tenants (each is named on stdout; the others were synced)

Errors are printed as one line on stderr: `error: <field>: <rule>`.";

/// A failure of the CLI itself rather than of a use case.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The command line cannot be acted on as given (exit 2).
    #[error("{0}")]
    Usage(String),
    /// A value the operator gave is not acceptable (exit 3).
    #[error("{field}: {message}")]
    Invalid { field: &'static str, message: String },
    /// The operator answered no to a confirmation (exit 3, nothing changed).
    #[error("aborted: nothing was changed")]
    Declined,
    /// `audit verify` found a broken link (exit 7); the report was already printed.
    #[error("audit: {0}")]
    AuditBroken(String),
    /// `sync-tenants` failed for some tenants (exit 8); the summary was already printed.
    #[error("sync: {0}")]
    SyncFailed(String),
}

impl CliError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> anyhow::Error {
        CliError::Invalid { field, message: message.into() }.into()
    }
}

fn code(e: &anyhow::Error) -> u8 {
    if let Some(e) = e.downcast_ref::<Error>() {
        return match e {
            Error::Domain(d) => domain_code(d),
            Error::NotFound { .. } => NOT_FOUND,
            Error::Conflict(_) | Error::VersionConflict(_) => CONFLICT,
            Error::Bulk(_) => INVALID,
            Error::Store(_) | Error::Upstream(_) => FAILURE,
        };
    }
    if let Some(d) = e.downcast_ref::<DomainError>() {
        return domain_code(d);
    }
    if e.downcast_ref::<ValidationError>().is_some() {
        return INVALID;
    }
    match e.downcast_ref::<CliError>() {
        Some(CliError::Usage(_)) => USAGE,
        Some(CliError::Invalid { .. } | CliError::Declined) => INVALID,
        Some(CliError::AuditBroken(_)) => AUDIT_BROKEN,
        Some(CliError::SyncFailed(_)) => SYNC_FAILED,
        None => FAILURE,
    }
}

fn domain_code(e: &DomainError) -> u8 {
    match e {
        DomainError::Forbidden { .. } => FORBIDDEN,
        DomainError::Invalid(_)
        | DomainError::IllegalTransition { .. }
        | DomainError::FeaturesNotAllowed(_) => INVALID,
    }
}

/// Prints `e` as one line (plus a hint for the usual first-run mistake) and returns its code.
pub fn report(e: &anyhow::Error) -> ExitCode {
    let code = code(e);
    let line = format!("{e:#}").replace(['\n', '\r'], " ");
    eprintln!("error: {line}");
    let lower = line.to_ascii_lowercase();
    if code == FAILURE && (lower.contains("no such table") || lower.contains("does not exist")) {
        eprintln!("hint: has the database been set up? Run `gatehouse-ctl migrate` first.");
    }
    ExitCode::from(code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gatehouse_application::ports::Conflict;

    #[test]
    fn each_kind_of_failure_has_its_code() {
        let cases: Vec<(anyhow::Error, u8)> = vec![
            (Error::from(ValidationError::new("name", "must not be empty")).into(), INVALID),
            (Error::tenant_not_found(&"acme").into(), NOT_FOUND),
            (Error::Conflict(Conflict::SlugTaken("acme".into())).into(), CONFLICT),
            (Error::VersionConflict("changed".into()).into(), CONFLICT),
            (
                Error::Domain(DomainError::Forbidden {
                    permission: gatehouse_domain::Permission::AuditView,
                    tenant: None,
                })
                .into(),
                FORBIDDEN,
            ),
            (ValidationError::new("tenant", "bad").into(), INVALID),
            (CliError::Usage("--yes".into()).into(), USAGE),
            (CliError::Declined.into(), INVALID),
            (anyhow::anyhow!("disk on fire"), FAILURE),
        ];
        for (e, expected) in cases {
            assert_eq!(code(&e), expected, "{e}");
        }
    }
}

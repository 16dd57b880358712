//! Talking to the operator at a terminal: confirmations for destructive commands and password
//! entry without echo. Prompts go to stderr so stdout stays clean for results.

use std::io::{BufRead, IsTerminal, Write};

use gatehouse_application::ports::SecretString;

use crate::exit::CliError;

/// Proceeds if `yes`, asks at a terminal otherwise, and refuses when there is no terminal.
pub fn confirm(question: &str, yes: bool) -> anyhow::Result<()> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Usage(
            "this command changes data that cannot easily be restored; add --yes to run it without a terminal".into(),
        )
        .into());
    }
    eprint!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
        Ok(())
    } else {
        Err(CliError::Declined.into())
    }
}

/// A new password: the first line of stdin with `from_stdin`, else typed twice at the terminal
/// without echo. Never from the command line, where other users and shell history could see it.
pub fn new_password(from_stdin: bool) -> anyhow::Result<SecretString> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let password = line.strip_suffix('\n').unwrap_or(&line);
        let password = password.strip_suffix('\r').unwrap_or(password);
        return Ok(SecretString::new(password));
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Usage(
            "no terminal to ask for the password on; pipe it in with --password-stdin".into(),
        )
        .into());
    }
    let first = rpassword::prompt_password("New password (at least 12 characters): ")?;
    let second = rpassword::prompt_password("Repeat the password: ")?;
    if first != second {
        return Err(CliError::invalid("password", "the two entries differ"));
    }
    Ok(SecretString::new(first))
}

//! CSV for spreadsheets (RFC 4180): fields with a comma, quote or line break are quoted, and
//! a text cell that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a
//! tab or a carriage return) gets a leading `'` so it stays text (CSV injection).

/// One CSV line, `\r\n`-terminated.
pub fn row<S: AsRef<str>>(cells: &[S]) -> String {
    let mut line = cells.iter().map(|c| cell(c.as_ref())).collect::<Vec<_>>().join(",");
    line.push_str("\r\n");
    line
}

/// One escaped cell.
pub fn cell(text: &str) -> String {
    let neutral =
        if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_owned() };
    if neutral.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", neutral.replace('"', "\"\""))
    } else {
        neutral
    }
}

/// Cents as `12.34`.
pub fn money(cents: u64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_neutralised() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        for bad in ["+1", "-1+2", "@SUM(A1)", "\tx"] {
            assert!(cell(bad).trim_start_matches('"').starts_with('\''), "{bad}");
        }
        assert_eq!(row(&["a", "b,c"]), "a,\"b,c\"\r\n");
        assert_eq!(money(12_345), "123.45");
        assert_eq!(money(5), "0.05");
    }
}

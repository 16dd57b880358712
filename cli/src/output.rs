//! Printing results: aligned plain-text tables for people, JSON for scripts.

use std::fmt::{self, Write as _};

use clap::ValueEnum;
use serde::Serialize;

/// The `--output` format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns and short sentences.
    Table,
    /// One JSON document on stdout.
    Json,
}

/// Prints `value` as pretty JSON on stdout.
pub fn json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// Prints `items` as `{"items": [...]}`, each with its `state` added (keys compute their state
/// at a time rather than store it).
pub fn json_items_with_state<T: Serialize, S: Serialize>(
    items: &[T],
    state: impl Fn(&T) -> S,
) -> anyhow::Result<()> {
    let items: Vec<_> = items
        .iter()
        .map(|item| {
            let mut v = serde_json::to_value(item).unwrap_or_default();
            v["state"] = serde_json::json!(state(item));
            v
        })
        .collect();
    json(&serde_json::json!({ "items": items }))
}

/// A table whose columns are padded to their widest cell.
#[derive(Debug, Default)]
pub struct Table {
    headers: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: &[&'static str]) -> Self {
        Table { headers: headers.to_vec(), rows: Vec::new() }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                if let Some(w) = widths.get_mut(i) {
                    *w = (*w).max(cell.chars().count());
                }
            }
        }
        let line = |cells: &mut dyn Iterator<Item = &str>| {
            let mut out = String::new();
            for (i, cell) in cells.enumerate() {
                let pad = widths.get(i).copied().unwrap_or(0).saturating_sub(cell.chars().count());
                out.push_str(cell);
                out.push_str(&" ".repeat(pad + 2));
            }
            out.trim_end().to_owned()
        };
        writeln!(f, "{}", line(&mut self.headers.iter().copied()))?;
        for row in &self.rows {
            writeln!(f, "{}", line(&mut row.iter().map(String::as_str)))?;
        }
        Ok(())
    }
}

/// `key: value` lines with the keys aligned.
pub fn pairs(items: &[(&str, String)]) -> String {
    let width = items.iter().map(|(k, _)| k.chars().count()).max().unwrap_or(0);
    let mut out = String::new();
    for (k, v) in items {
        let _ = writeln!(out, "{k:<width$}  {v}");
    }
    out
}

/// A date-time as `2026-11-21 12:00 UTC`.
pub fn when(t: time::OffsetDateTime) -> String {
    let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    t.to_offset(time::UtcOffset::UTC).format(f).unwrap_or_else(|_| t.to_string())
}

/// A progress bar of tenants on a terminal; hidden when stderr is not one (scripts, CI logs).
pub fn progress_bar(total: u64) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{elapsed_precise} [{wide_bar}] {pos}/{len} tenants ({per_sec}, {eta} left) {msg}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_aligned_and_lines_trimmed() {
        let mut t = Table::new(&["SLUG", "PLAN"]);
        t.row(vec!["acme".into(), "basic".into()]);
        t.row(vec!["northwind-traders".into(), "free".into()]);
        assert_eq!(
            t.to_string(),
            "SLUG               PLAN\nacme               basic\nnorthwind-traders  free\n"
        );
        assert_eq!(pairs(&[("id", "1".into()), ("name", "x".into())]), "id    1\nname  x\n");
    }
}

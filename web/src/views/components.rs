//! Small pieces shared by the pages: form fields with their label and error, the CSRF field.

use maud::{Markup, html};

/// The hidden CSRF field every state-changing form carries (S22).
pub fn csrf_input(token: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(token); }
}

/// One validation error: the field it is about and the message.
#[derive(Debug, Clone, Default)]
pub struct FieldError(pub Option<(String, String)>);

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError(Some((field.into(), message.into())))
    }

    /// The message if it is about `field`.
    pub fn on(&self, field: &str) -> Option<&str> {
        self.0.as_ref().filter(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }

    /// The message if it is about none of `fields` (shown above the form).
    pub fn other(&self, fields: &[&str]) -> Option<&str> {
        self.0.as_ref().filter(|(f, _)| !fields.contains(&f.as_str())).map(|(_, m)| m.as_str())
    }
}

/// An input kind.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub label: &'a str,
    pub name: &'a str,
    pub kind: &'a str,
    pub value: &'a str,
    pub autocomplete: &'a str,
    pub required: bool,
    /// The element id, when one page has two forms with the same field names.
    pub id: Option<&'a str>,
}

impl<'a> Input<'a> {
    pub fn new(label: &'a str, name: &'a str, kind: &'a str) -> Self {
        Input { label, name, kind, value: "", autocomplete: "off", required: true, id: None }
    }
    pub fn value(mut self, value: &'a str) -> Self {
        self.value = value;
        self
    }
    pub fn autocomplete(mut self, value: &'a str) -> Self {
        self.autocomplete = value;
        self
    }
    pub fn id(mut self, id: &'a str) -> Self {
        self.id = Some(id);
        self
    }
    pub fn optional(mut self) -> Self {
        self.required = false;
        self
    }
}

/// A labelled input with its error next to it.
pub fn field(input: Input<'_>, errors: &FieldError) -> Markup {
    let id = input.id.map_or_else(|| format!("f-{}", input.name), str::to_owned);
    let error = errors.on(input.name);
    let error_id = format!("{id}-error");
    html! {
        label for=(id) { (input.label) }
        input id=(id) name=(input.name) type=(input.kind) value=(input.value)
            autocomplete=(input.autocomplete) required[input.required]
            aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| error_id.as_str())];
        @if let Some(message) = error {
            p.field-error id=(error_id) { (message) }
        }
    }
}

/// An error that belongs to no single field.
pub fn form_error(message: Option<&str>) -> Markup {
    html! {
        @if let Some(m) = message {
            p.notice.error role="alert" { (m) }
        }
    }
}

// --- Tenants and lists: pills, badges, breadcrumbs, tables, pagination, more form fields. ---

/// A tenant's status as a coloured pill (`pending`, `active`, `suspended`, `cancelled`).
pub fn status_pill(status: gatehouse_domain::TenantStatus) -> Markup {
    use gatehouse_domain::TenantStatus;
    let class = match status {
        TenantStatus::Active => "pill ok",
        TenantStatus::Pending => "pill pending",
        TenantStatus::Suspended => "pill warn",
        TenantStatus::Cancelled => "pill bad",
    };
    html! { span class=(class) { (status.as_str()) } }
}

/// A plan's name as a badge.
pub fn plan_badge(plan: gatehouse_domain::Plan) -> Markup {
    html! { span class={ "badge plan-" (plan.as_str()) } { (plan.as_str()) } }
}

/// A breadcrumb trail: every crumb with a link leads back; the one without is the current page
/// (`Tenants › Acme`). The page frame draws its trail with this too, so there is one look.
pub fn breadcrumbs(crumbs: &[(&str, Option<&str>)]) -> Markup {
    html! {
        nav.crumbs aria-label="Breadcrumb" {
            ol {
                @for (label, href) in crumbs {
                    @match href {
                        Some(h) => li { a href=(h) { (label) } },
                        None => li aria-current="page" { (label) },
                    }
                }
            }
        }
    }
}

/// `n` with thousands separators (`100,000`).
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Which way a column is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortState {
    Ascending,
    Descending,
    Unsorted,
}

/// A sortable column header: a link that sorts by the column (the other way round when it
/// already sorts), with `aria-sort` for assistive technology.
pub fn sort_header(label: &str, href: &str, state: SortState) -> Markup {
    let (aria, arrow) = match state {
        SortState::Ascending => (Some("ascending"), " ▲"),
        SortState::Descending => (Some("descending"), " ▼"),
        SortState::Unsorted => (None, ""),
    };
    html! { th aria-sort=[aria] { a href=(href) { (label) } span.muted aria-hidden="true" { (arrow) } } }
}

/// Where a page of a long list sits in it.
#[derive(Debug, Clone, Default)]
pub struct Pagination {
    /// Position of the first row shown (0-based).
    pub offset: u64,
    /// Rows on this page.
    pub shown: u64,
    pub total: u64,
    pub previous: Option<String>,
    pub next: Option<String>,
}

/// "51–100 of 100,000" with previous/next links.
pub fn pagination(p: &Pagination) -> Markup {
    html! {
        nav.pagination aria-label="Pages" {
            span.count {
                @if p.shown == 0 {
                    "0 of " (thousands(p.total))
                } @else {
                    (thousands(p.offset.saturating_add(1))) "–" (thousands(p.offset.saturating_add(p.shown)))
                    " of " (thousands(p.total))
                }
            }
            @if let Some(h) = &p.previous { a rel="prev" href=(h) { "‹ Previous" } }
            @if let Some(h) = &p.next { a rel="next" href=(h) { "Next ›" } }
        }
    }
}

/// A table's empty state: what is missing and what to do about it.
pub fn empty_state(title: &str, action: &Markup) -> Markup {
    html! { div.empty-state { p { strong { (title) } } (action) } }
}

/// A labelled textarea with its error next to it.
pub fn textarea_field(label: &str, name: &str, value: &str, hint: &str, errors: &FieldError) -> Markup {
    let id = format!("f-{name}");
    let error = errors.on(name);
    let error_id = format!("{id}-error");
    html! {
        label for=(id) { (label) }
        @if !hint.is_empty() { p.hint { (hint) } }
        textarea id=(id) name=(name) rows="4" aria-invalid=[error.map(|_| "true")]
            aria-describedby=[error.map(|_| error_id.as_str())] { (value) }
        @if let Some(message) = error {
            p.field-error id=(error_id) { (message) }
        }
    }
}

/// A labelled select of `(value, label)` options with its error next to it.
pub fn select_field(
    label: &str,
    name: &str,
    options: &[(&str, &str)],
    selected: &str,
    errors: &FieldError,
) -> Markup {
    let id = format!("f-{name}");
    let error = errors.on(name);
    html! {
        label for=(id) { (label) }
        select id=(id) name=(name) aria-invalid=[error.map(|_| "true")] {
            @for (value, text) in options {
                option value=(value) selected[*value == selected] { (text) }
            }
        }
        @if let Some(message) = error {
            p.field-error { (message) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(100_000), "100,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn pagination_counts_rows_from_one() {
        let p = Pagination { offset: 50, shown: 50, total: 100_000, ..Pagination::default() };
        assert!(pagination(&p).into_string().contains("51–100 of 100,000"));
    }
}

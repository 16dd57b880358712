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

//! Presenters: each turns a report model into one output format. They only format: no
//! verdict, count or outcome is decided here.
//!
//! - [`compliance`]: the `check` document and the `controls` catalog, as text or JSON.
//! - [`report_html`]: the self-contained HTML audit report (askama, `templates/report.html`).
//! - [`org_html`]: the many-chain verification page (askama, `templates/org.html`).
//! - [`verify_text`]: the reference's text of `verify`, written as a run goes.
//! - [`summary`]: the activity summary as JSON, text or Markdown (`summarize --format`).
//! - [`hunt`]: the hunt's text, JSON Lines, JSON, Markdown tickets and CSV.
//! - [`timeline`]: one identity's timeline as text, JSON Lines, a Markdown ticket or HTML
//!   (askama, `templates/timeline.html`).
//! - [`escape`]: neutralising and Markdown-escaping of attacker-controlled strings.
//! - [`ocsf`]: OCSF events and findings as JSON Lines (`--format ocsf`).

pub mod compliance;
pub mod escape;
pub mod hunt;
pub mod ocsf;
pub mod org_html;
pub mod org_text;
pub mod report_html;
pub mod search;
pub mod summary;
pub mod timeline;
pub mod verify_text;

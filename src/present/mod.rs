//! Presenters: each turns a report model into one output format. They only format: no
//! verdict, count or outcome is decided here.
//!
//! - [`compliance`]: the `check` document and the `controls` catalog, as text or JSON.
//! - [`report_html`]: the self-contained HTML audit report (askama, `templates/report.html`).
//! - [`org_html`]: the many-chain verification page (askama, `templates/org.html`).

pub mod compliance;
pub mod org_html;
pub mod report_html;

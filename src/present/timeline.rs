//! The outputs of `timeline`: text (steps in time order, each with why it belongs), JSON
//! Lines (one object per step, the record as read), a Markdown ticket a person can read
//! without knowing `CloudTrail`, and a self-contained HTML page (askama,
//! `templates/timeline.html`, the report's CSP and stylesheet). Every string from a record
//! is attacker-controlled: neutralised for the terminal, escaped for Markdown and unable to
//! ping or link in chat tools, escaped by askama in HTML (never `|safe`). Formatting only:
//! what belongs, and why, is decided in [`crate::search::timeline`].

use std::fmt::Write as _;

use askama::Template;
use serde_json::value::RawValue;

use super::escape::{escape_ticket, neutralise};
use super::search::{code_block, command_line};
use crate::search::timeline::{LinkKind, NotKept, Step, Timeline};
use crate::time::{UtcTime, format_rfc3339};

/// Most steps listed in a ticket.
pub const TICKET_STEPS: usize = 50;

fn dash(v: Option<&String>) -> &str {
    v.map_or("-", String::as_str)
}

fn time(t: Option<&UtcTime>) -> String {
    t.map_or_else(|| "-".to_owned(), format_rfc3339)
}

/// The window, in words (empty when none was given).
fn window(t: &Timeline) -> String {
    match (t.since, t.until) {
        (None, None) => String::new(),
        (s, u) => format!(
            " from {} until {}",
            s.as_ref()
                .map_or_else(|| "the start".to_owned(), format_rfc3339),
            u.as_ref()
                .map_or_else(|| "the end".to_owned(), format_rfc3339)
        ),
    }
}

fn kind_word(k: LinkKind) -> &'static str {
    match k {
        LinkKind::RoleSession => "role session",
        LinkKind::FederatedUser => "federated session",
        LinkKind::SessionToken => "temporary key",
        LinkKind::AccessKey => "access key",
        LinkKind::ConsoleSession => "console session",
    }
}

/// A short label for why a step belongs: "the identity itself", or the link's kind and
/// number in the list of sessions and keys followed.
fn label(t: &Timeline, s: &Step) -> String {
    s.via
        .and_then(|i| t.links.get(i).map(|l| (i, l)))
        .map_or_else(
            || "the identity itself".to_owned(),
            |(i, l)| format!("{} #{}", kind_word(l.kind), i + 1),
        )
}

fn verified_word(verified: bool) -> &'static str {
    if verified { "verified" } else { "UNVERIFIED" }
}

/// The buffer's size in MiB, for the notes.
fn mib(bytes: usize) -> usize {
    bytes >> 20
}

/// A record of a linked credential not kept, in plain words (record strings unescaped: the
/// caller escapes for its format).
fn not_kept_note(t: &Timeline, n: &NotKept) -> String {
    format!(
        "{} record(s) made with {} ({} to {}) were read before the call that links them ({}) and did not fit the buffer of {} MiB: `trailproof timeline --identity {}` over the same input lists them, or raise --buffer-mib",
        n.records,
        n.credential,
        time(n.first.as_ref()),
        time(n.last.as_ref()),
        t.links.get(n.link).map_or_else(String::new, |l| format!(
            "{} #{}",
            kind_word(l.kind),
            n.link + 1
        )),
        mib(t.buffer_bytes),
        super::search::sh_quote(&n.credential)
    )
}

/// The text output: a heading, the sessions and keys followed, then each step with who,
/// from where, why and its file.
#[must_use]
pub fn text(t: &Timeline) -> String {
    let clean = neutralise;
    let mut o = String::new();
    let first = t.steps.iter().find_map(|s| s.time.as_ref());
    let last = t.steps.iter().rev().find_map(|s| s.time.as_ref());
    let _ = writeln!(
        o,
        "Timeline of {}{}: {} step(s){}",
        clean(&t.identity),
        window(t),
        t.steps.len(),
        match (first, last) {
            (Some(from), Some(to)) =>
                format!(", {} to {}", format_rfc3339(from), format_rfc3339(to)),
            _ => String::new(),
        }
    );
    if t.links.is_empty() {
        let _ = writeln!(o, "Sessions and keys followed: none");
    } else {
        let _ = writeln!(o, "Sessions and keys followed:");
        for (i, l) in t.links.iter().enumerate() {
            let _ = writeln!(
                o,
                "  #{} {}: {} [{} step(s)]",
                i + 1,
                kind_word(l.kind),
                clean(&l.describe()),
                l.steps
            );
        }
    }
    for s in &t.steps {
        let r = &s.row;
        let _ = writeln!(
            o,
            "\n{}  {} ({})",
            clean(dash(r.time.as_ref())),
            clean(dash(r.event.as_ref())),
            clean(dash(r.source.as_ref()))
        );
        let _ = writeln!(
            o,
            "    who:   {}  from {}",
            clean(&r.actor),
            clean(dash(r.source_ip.as_ref()))
        );
        if let Some(e) = &r.error {
            let _ = writeln!(o, "    error: {}", clean(e));
        }
        if let Some(res) = &r.resource {
            let _ = writeln!(o, "    about: {}", clean(res));
        }
        let _ = writeln!(o, "    why:   {}", clean(&t.why(s)));
        let _ = writeln!(
            o,
            "    file:  {} ({})",
            clean(&s.file),
            verified_word(s.verified)
        );
    }
    for nk in &t.not_kept {
        let _ = writeln!(o, "\nNOT COMPLETE: {}", clean(&not_kept_note(t, nk)));
    }
    o
}

/// One JSON Lines object per step: `time` (RFC 3339 UTC), `why`, `actor`, `event_name`,
/// `event_source`, `source_ip`, `file`, `verified`, and `record` as read (keys in the file's
/// order).
#[must_use]
pub fn jsonl_line(t: &Timeline, s: &Step) -> String {
    #[derive(serde::Serialize)]
    struct Line<'a> {
        time: Option<String>,
        why: String,
        actor: &'a str,
        event_name: Option<&'a str>,
        event_source: Option<&'a str>,
        source_ip: Option<&'a str>,
        file: &'a str,
        verified: bool,
        record: &'a RawValue,
    }
    let Ok(record) = serde_json::from_str::<&RawValue>(&s.raw) else {
        return String::new();
    };
    let r = &s.row;
    serde_json::to_string(&Line {
        time: s.time.as_ref().map(format_rfc3339),
        why: t.why(s),
        actor: &r.actor,
        event_name: r.event.as_deref(),
        event_source: r.source.as_deref(),
        source_ip: r.source_ip.as_deref(),
        file: &s.file,
        verified: s.verified,
        record,
    })
    .map(|l| l + "\n")
    .unwrap_or_default()
}

/// "What changed" of a step, escaped for a ticket.
fn changed(s: &Step) -> String {
    let t = escape_ticket;
    let r = &s.row;
    match (&r.resource, &r.error) {
        (_, None) if s.read_only == Some(true) => "nothing (read-only)".to_owned(),
        (Some(res), None) => t(res),
        (Some(res), Some(err)) => format!("{} (failed: {})", t(res), t(err)),
        (None, Some(err)) => format!("nothing (failed: {})", t(err)),
        (None, None) => "-".to_owned(),
    }
}

/// Up to ten values, escaped, then how many more.
fn some(values: &[String]) -> String {
    let shown: Vec<String> = values.iter().take(10).map(|s| escape_ticket(s)).collect();
    let more = values.len().saturating_sub(10);
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

/// The sessions and keys followed, then the steps as a table (the first [`TICKET_STEPS`]).
fn table(t: &Timeline, o: &mut String) {
    let e = escape_ticket;
    if !t.links.is_empty() {
        let _ = writeln!(o, "Sessions and keys followed:\n");
        for (i, l) in t.links.iter().enumerate() {
            let _ = writeln!(
                o,
                "{}. {}: {} ({} step(s))",
                i + 1,
                kind_word(l.kind),
                e(&l.describe()),
                l.steps
            );
        }
        o.push('\n');
    }
    let _ = writeln!(
        o,
        "| When (UTC) | Who | What | Where from | What changed | Why it belongs | Verified |"
    );
    let _ = writeln!(o, "|---|---|---|---|---|---|---|");
    for s in t.steps.iter().take(TICKET_STEPS) {
        let r = &s.row;
        let what = match (&r.event, &r.source) {
            (Some(ev), Some(src)) => format!("{} ({})", e(ev), e(src)),
            (Some(ev), None) => e(ev),
            _ => "-".to_owned(),
        };
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} | {} |",
            time(s.time.as_ref()),
            e(&r.actor),
            what,
            e(dash(r.source_ip.as_ref())),
            changed(s),
            label(t, s),
            if s.verified { "yes" } else { "**no**" }
        );
    }
    if t.steps.len() > TICKET_STEPS {
        let _ = writeln!(
            o,
            "\n{} more step(s): run the command below.",
            t.steps.len() - TICKET_STEPS
        );
    }
}

/// The ticket (`--format markdown`): who, what, when, from where, what changed, whether the
/// log files were verified, the sessions and keys followed, the steps, and the command to
/// reproduce. Every record string is escaped and cannot ping or link.
#[must_use]
pub fn markdown(t: &Timeline, command: &[String]) -> String {
    let e = escape_ticket;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "## CloudTrail timeline: {} ({} step(s))\n\nEverything {} did{}, in time order, with the sessions and access keys it started: {} step(s) out of {} record(s) in {} log file(s).\n",
        e(&t.identity),
        t.steps.len(),
        e(&t.identity),
        e(&window(t)),
        t.steps.len(),
        t.input.records,
        t.input.files
    );
    if t.steps.is_empty() {
        let _ = writeln!(o, "Nothing in the logs read was done by this identity.\n");
    } else {
        let mut who: Vec<String> = t.steps.iter().map(|s| s.row.actor.clone()).collect();
        who.sort_unstable();
        who.dedup();
        let mut from: Vec<String> = t
            .steps
            .iter()
            .filter_map(|s| s.row.source_ip.clone())
            .collect();
        from.sort_unstable();
        from.dedup();
        let mut changes: Vec<String> = t
            .steps
            .iter()
            .filter(|s| s.read_only == Some(false) && s.row.error.is_none())
            .filter_map(|s| s.row.event.clone())
            .collect();
        let writes = changes.len();
        changes.sort_unstable();
        changes.dedup();
        let verified = t.steps.iter().filter(|s| s.verified).count();
        let first = t.steps.iter().find_map(|s| s.time.as_ref());
        let last = t.steps.iter().rev().find_map(|s| s.time.as_ref());
        let _ = writeln!(
            o,
            "- **Who:** {}{}",
            some(&who),
            if t.links.is_empty() {
                String::new()
            } else {
                format!(
                    " ({} session(s) or key(s) followed, listed below)",
                    t.links.len()
                )
            }
        );
        let _ = writeln!(o, "- **When:** {} to {} (UTC)", time(first), time(last));
        let _ = writeln!(
            o,
            "- **From where:** {}",
            if from.is_empty() {
                "-".to_owned()
            } else {
                some(&from)
            }
        );
        let _ = writeln!(
            o,
            "- **What changed:** {}",
            if writes == 0 {
                "nothing: no successful call that changes something".to_owned()
            } else {
                format!(
                    "{writes} successful call(s) that change something: {}",
                    some(&changes)
                )
            }
        );
        let _ = writeln!(
            o,
            "- **Log files verified:** {verified} of the {} step(s) come from log files whose hash matched a signed digest{}",
            t.steps.len(),
            if verified == t.steps.len() {
                ""
            } else {
                " (the others are unverified: treat them as claims, not proof)"
            }
        );
        for n in &t.not_kept {
            let _ = writeln!(o, "- **Not complete:** {}", e(&not_kept_note(t, n)));
        }
        o.push('\n');
        table(t, &mut o);
        o.push('\n');
    }
    let _ = writeln!(o, "To reproduce:\n");
    o.push_str(&code_block(&command_line(command)));
    o
}

struct Card {
    label: &'static str,
    value: String,
    class: &'static str,
}

struct LinkRow {
    number: usize,
    kind: &'static str,
    text: String,
    steps: u64,
}

struct StepRow {
    time: String,
    actor: String,
    event: String,
    source: String,
    ip: String,
    error: String,
    resource: String,
    label: String,
    why: String,
    file: String,
    verified: &'static str,
    class: &'static str,
}

#[derive(Template)]
#[template(path = "timeline.html")]
struct Page {
    csp: bool,
    title: String,
    tool_version: &'static str,
    identity: String,
    window: String,
    read: String,
    cards: Vec<Card>,
    not_kept: Vec<String>,
    links: Vec<LinkRow>,
    steps: Vec<StepRow>,
    command: String,
}

/// The HTML page (`--format html --out FILE`): self-contained, the report's CSP (unless
/// `csp` is false, for tests) and stylesheet, every value escaped by askama.
///
/// # Errors
/// The template engine's error (a bug: the template and the view are fixed).
pub fn render_html(t: &Timeline, command: &[String], csp: bool) -> Result<String, askama::Error> {
    let s = |v: Option<&String>| v.cloned().unwrap_or_default();
    let verified = t.steps.iter().filter(|s| s.verified).count();
    let cards = vec![
        Card {
            label: "Steps",
            value: t.steps.len().to_string(),
            class: "ok",
        },
        Card {
            label: "Sessions and keys followed",
            value: t.links.len().to_string(),
            class: "ok",
        },
        Card {
            label: "From verified log files",
            value: format!("{verified} of {}", t.steps.len()),
            class: if verified == t.steps.len() {
                "ok"
            } else if verified == 0 {
                "bad"
            } else {
                "warn"
            },
        },
    ];
    let page = Page {
        csp,
        title: "CloudTrail timeline".to_owned(),
        tool_version: env!("CARGO_PKG_VERSION"),
        identity: t.identity.clone(),
        window: window(t),
        read: format!(
            "{} step(s) out of {} record(s) in {} log file(s) ({} verified).",
            t.steps.len(),
            t.input.records,
            t.input.files,
            t.input.verified_files
        ),
        cards,
        not_kept: t.not_kept.iter().map(|n| not_kept_note(t, n)).collect(),
        links: t
            .links
            .iter()
            .enumerate()
            .map(|(i, l)| LinkRow {
                number: i + 1,
                kind: kind_word(l.kind),
                text: l.describe(),
                steps: l.steps,
            })
            .collect(),
        steps: t
            .steps
            .iter()
            .map(|st| {
                let r = &st.row;
                StepRow {
                    time: time(st.time.as_ref()),
                    actor: r.actor.clone(),
                    event: s(r.event.as_ref()),
                    source: s(r.source.as_ref()),
                    ip: s(r.source_ip.as_ref()),
                    error: s(r.error.as_ref()),
                    resource: s(r.resource.as_ref()),
                    label: label(t, st),
                    why: t.why(st),
                    file: st.file.to_string(),
                    verified: verified_word(st.verified),
                    class: if st.verified { "ok" } else { "bad" },
                }
            })
            .collect(),
        command: command_line(command),
    };
    page.render()
}

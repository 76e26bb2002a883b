//! The HTML view of a [`ReportModel`]: plain strings and numbers for the template.

// Building a view is long, flat field-by-field code; short names (`m`odel, `s`ummary,
// `c`ounts) keep it readable.
#![allow(clippy::many_single_char_names, clippy::too_many_lines)]

use askama::Template;
use chrono::{DateTime, Utc};

use std::collections::BTreeMap;

use crate::activity::summary::Verification;
use crate::audit::item::FileStatus;
use crate::chain::findings::{FindingCode, Severity};
use crate::controls::result::Status;
use crate::report::audit::ReportModel;
use crate::report::hunt::Level;
use crate::report::verify::{Event, RegionReport, RegionStatus};
use crate::time::parse_rfc3339;

struct Card {
    label: &'static str,
    value: String,
    detail: String,
    class: &'static str,
}

struct Mark {
    x: String,
    y: u32,
    w: String,
    h: u32,
    color: &'static str,
    label: String,
}

struct Tick {
    x: String,
    y: u32,
    label: String,
}

struct Timeline {
    width: u32,
    height: u32,
    baseline: u32,
    marks: Vec<Mark>,
    ticks: Vec<Tick>,
    /// Whether the lane of findings below the ticks holds marks.
    findings_lane: bool,
}

struct FindingRow {
    code: String,
    message: String,
    /// `bad` for a finding, `warn` for a warning.
    class: &'static str,
}

struct FileRow {
    kind: &'static str,
    status: String,
    reason: String,
    uri: String,
}

struct RegionView {
    region: String,
    status: String,
    status_class: &'static str,
    error: Option<String>,
    coverage: String,
    counts: String,
    timeline: Timeline,
    findings: Vec<FindingRow>,
    files: Vec<FileRow>,
    /// The sentence shown when no file row is: only when nothing contradicts it.
    all_valid: Option<&'static str>,
}

struct IntegrityView {
    /// Said instead of the figures when nothing was verified (`report --logs`).
    note: Option<String>,
    outcome: String,
    outcome_class: &'static str,
    totals: String,
    object_source: String,
    key_source: String,
    regions: Vec<RegionView>,
}

struct ControlRow {
    id: &'static str,
    check: Option<String>,
    title: &'static str,
    frameworks: String,
    status: &'static str,
    status_text: String,
    severity: String,
    resource: String,
    reason: String,
    remediation: &'static str,
    show_remediation: bool,
    waived: bool,
    waiver: Option<String>,
}

struct ComplianceView {
    summary: String,
    framework: Option<String>,
    snapshot_taken_at: String,
    rows: Vec<ControlRow>,
    waiver_notes: Vec<String>,
}

struct Bar {
    x: String,
    y: String,
    w: String,
    h: String,
    label: String,
    value: u64,
    error: bool,
}

struct BarChart {
    width: u32,
    height: u32,
    baseline: u32,
    bars: Vec<Bar>,
    ticks: Vec<Tick>,
}

struct RankRow {
    y: u32,
    text_y: u32,
    w: String,
    h: u32,
    value_x: String,
    label: String,
    value: u64,
}

struct Ranking {
    title: &'static str,
    width: u32,
    height: u32,
    bar_x: u32,
    errors: bool,
    rows: Vec<RankRow>,
}

struct Figure {
    name: &'static str,
    value: u64,
    meaning: &'static str,
}

struct CisRow {
    id: &'static str,
    topic: &'static str,
    count: u64,
    detail: String,
}

struct IdentityRow {
    actor: String,
    kind: String,
    events: u64,
    writes: u64,
    errors: u64,
    seen: String,
    detail: String,
}

struct AbusedRow {
    name: String,
    ok: u64,
    failed: u64,
}

struct SignInRow {
    actor: String,
    success: u64,
    failure: u64,
    without_mfa: u64,
    from: String,
}

struct OccRow {
    time: String,
    call: String,
    actor: String,
    ip: String,
    outcome: String,
    class: &'static str,
}

struct SectionView {
    title: &'static str,
    total: u64,
    failed: u64,
    by_name: String,
    more: u64,
    rows: Vec<OccRow>,
}

struct Count {
    name: String,
    value: u64,
}

struct DormantRow {
    arn: String,
    kind: &'static str,
    created: String,
    last_used: String,
}

struct IpRow {
    ip: String,
    class: &'static str,
    events: u64,
    actors: String,
}

struct ActivityView {
    heading: &'static str,
    top_ips: Vec<IpRow>,
    read_write: String,
    abused: Vec<AbusedRow>,
    rare: String,
    sign_ins: Vec<SignInRow>,
    sections: Vec<SectionView>,
    ip_classes: Vec<Count>,
    agents: Vec<Count>,
    spikes: Vec<String>,
    dormant: Vec<DormantRow>,
    scope: String,
    over_time: BarChart,
    peak: String,
    rankings: Vec<Ranking>,
    figures: Vec<Figure>,
    benchmark: &'static str,
    cis: Vec<CisRow>,
    identities: Vec<IdentityRow>,
    more_identities: usize,
    notes: Vec<String>,
    /// Each figure (by JSON Pointer), its count, and the command that lists its records.
    drilldown: Vec<(String, u64, String)>,
}

struct Fact {
    name: &'static str,
    value: String,
}

struct InputRow {
    path: String,
    bytes: u64,
    sha256: String,
}

struct DetectionEvent {
    time: String,
    actor: String,
    event: String,
    file: String,
    verified: &'static str,
    class: &'static str,
}

struct DetectionRow {
    level: &'static str,
    class: &'static str,
    title: String,
    id: String,
    hits: u64,
    verified: u64,
    span: String,
    actors: String,
    more: u64,
    events: Vec<DetectionEvent>,
}

/// A notable item of the headline, with the first events behind it (when a detection rule
/// counts exactly its records) and the command that lists them all.
struct NotableItem {
    text: String,
    events: Vec<DetectionEvent>,
    command: Option<String>,
}

struct DetectionsView {
    summary: String,
    refused: Vec<String>,
    rules: Vec<DetectionRow>,
}

struct EvidenceView {
    facts: Vec<Fact>,
    inputs: Vec<InputRow>,
}

#[derive(Template)]
#[template(path = "report.html")]
struct Page {
    csp: bool,
    title: String,
    tool_version: &'static str,
    trail_arn: String,
    window: String,
    generated_at: String,
    headline: Vec<Card>,
    notable: Vec<NotableItem>,
    integrity: IntegrityView,
    compliance: ComplianceView,
    activity: ActivityView,
    detections: DetectionsView,
    evidence: EvidenceView,
    json_sha256: String,
}

/// Renders the report. `json_sha256` is the SHA-256 of the JSON the page is rendered from;
/// `csp` adds the Content-Security-Policy (turned off only by the escaping test).
///
/// # Errors
/// The template engine's error (a bug: the template and the view are fixed).
pub fn render_html(
    model: &ReportModel,
    json_sha256: &str,
    csp: bool,
) -> Result<String, askama::Error> {
    let page = Page {
        csp,
        title: "CloudTrail audit report".to_owned(),
        tool_version: model.tool.version,
        trail_arn: model.trail_arn.clone(),
        window: format!("{} to {}", model.window_start, model.window_end),
        generated_at: model.generated_at.clone(),
        headline: headline(model),
        notable: notable_items(model),
        integrity: integrity(model),
        compliance: compliance(model),
        activity: activity(model),
        detections: detections(model),
        evidence: evidence(model, json_sha256),
        json_sha256: json_sha256.to_owned(),
    };
    page.render()
}

/// The report's input options as `search` takes them: its command line after `report`,
/// without the options only a report has.
#[must_use]
pub fn search_input(command_line: &[String]) -> Vec<String> {
    // Report-only options, and --concurrency (it never changes which records are read).
    const WITH_VALUE: [&str; 7] = [
        "--out",
        "--json",
        "--snapshot",
        "--config",
        "--framework",
        "--as-of",
        "--concurrency",
    ];
    let Some(at) = command_line.iter().position(|a| a == "report") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut words = command_line.iter().skip(at + 1);
    while let Some(w) = words.next() {
        if WITH_VALUE.contains(&w.as_str()) {
            words.next();
        } else if w == "--no-csp" || WITH_VALUE.iter().any(|o| w.starts_with(&format!("{o}="))) {
        } else {
            out.push(w.clone());
        }
    }
    out
}

fn detection_event(h: &crate::report::hunt::Hit) -> DetectionEvent {
    DetectionEvent {
        time: h.event_time.clone().unwrap_or_default(),
        actor: h.actor.clone().unwrap_or_default(),
        event: format!(
            "{} ({})",
            h.event_name.as_deref().unwrap_or("-"),
            h.event_source.as_deref().unwrap_or("-")
        ),
        file: h.file.clone(),
        verified: if h.verified { "verified" } else { "unverified" },
        class: if h.verified { "ok" } else { "warn" },
    }
}

/// Each notable item with its first events: a CIS item's (`(CIS 4.3)`: the rule that
/// computes that figure) or a detection's (`… detection "TITLE"`); other items stand alone.
fn notable_items(model: &ReportModel) -> Vec<NotableItem> {
    let input = search_input(&model.command_line);
    model
        .headline
        .notable
        .iter()
        .map(|text| {
            let cis = text
                .rsplit_once("(CIS ")
                .and_then(|(_, rest)| rest.strip_suffix(')'))
                .map(str::to_owned);
            let fired = model.detections.fired.iter().find(|f| match &cis {
                Some(item) => f
                    .summary
                    .rule_title
                    .starts_with(&format!("CIS AWS Foundations v3.0 {item}:")),
                None => text.ends_with(&format!("detection \"{}\"", f.summary.rule_title)),
            });
            let command = fired.map(|f| {
                let rule = match &cis {
                    Some(item) => format!("trailproof_cis_{}", item.replace('.', "_")),
                    None => f.summary.rule_id.clone(),
                };
                super::search::drilldown_command(&input, &["--rule".to_owned(), rule])
            });
            NotableItem {
                text: text.clone(),
                events: fired
                    .map(|f| f.first_events.iter().map(detection_event).collect())
                    .unwrap_or_default(),
                command,
            }
        })
        .collect()
}

fn detections(model: &ReportModel) -> DetectionsView {
    let d = &model.detections;
    let hits: u64 = d.fired.iter().map(|f| f.summary.hits).sum();
    let rules = d
        .fired
        .iter()
        .map(|f| {
            let s = &f.summary;
            DetectionRow {
                level: s.level.as_str(),
                class: match s.level {
                    Level::High | Level::Critical => "bad",
                    Level::Medium => "warn",
                    Level::Low | Level::Informational => "",
                },
                title: s.rule_title.clone(),
                id: s.rule_id.clone(),
                hits: s.hits,
                verified: s.verified_hits,
                span: match (&s.first, &s.last) {
                    (Some(a), Some(b)) if a == b => a.clone(),
                    (Some(a), Some(b)) => format!("{a} to {b}"),
                    _ => "no event time".to_owned(),
                },
                actors: s
                    .top_actors
                    .iter()
                    .map(|(a, n)| format!("{a} ({n})"))
                    .collect::<Vec<_>>()
                    .join(", "),
                more: s.hits.saturating_sub(f.first_events.len() as u64),
                events: f.first_events.iter().map(detection_event).collect(),
            }
        })
        .collect();
    DetectionsView {
        summary: format!(
            "{} detection rules (the built-in pack{}) ran over the same records: {} hit(s) from {} rule(s).",
            d.rules_loaded,
            if model.command_line.iter().any(|a| a == "--rules") {
                " and --rules"
            } else {
                ""
            },
            hits,
            d.fired.len()
        ),
        refused: d
            .rules_refused
            .iter()
            .map(|r| {
                format!(
                    "Rule refused: {}{}: {}",
                    r.file,
                    r.rule
                        .as_ref()
                        .map(|n| format!(" ({n})"))
                        .unwrap_or_default(),
                    r.reason
                )
            })
            .collect(),
        rules,
    }
}

fn outcome_class(outcome: &str) -> &'static str {
    match outcome {
        "clean" => "ok",
        "findings" => "bad",
        _ => "warn",
    }
}

/// `1 finding` / `2 findings`.
fn plural(n: u64, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The stable reason code of a finding (its JSON `code`).
fn code_name(code: FindingCode) -> String {
    serde_json::to_value(code)
        .ok()
        .and_then(|v| v.as_str().map(ToOwned::to_owned))
        .unwrap_or_default()
}

/// Findings and warnings of some regions counted per kind, in the order of the codes.
#[derive(Default)]
struct FindingTally {
    findings: BTreeMap<FindingCode, u64>,
    warnings: BTreeMap<FindingCode, u64>,
}

impl FindingTally {
    fn of<'a>(regions: impl IntoIterator<Item = &'a RegionReport>) -> Self {
        let mut t = Self::default();
        for e in regions.into_iter().flat_map(|r| &r.events) {
            if let Event::Finding(f) = e {
                let map = match f.severity {
                    Severity::Invalid => &mut t.findings,
                    Severity::Warning => &mut t.warnings,
                };
                *map.entry(f.code).or_default() += 1;
            }
        }
        t
    }

    fn is_empty(&self) -> bool {
        self.findings.is_empty() && self.warnings.is_empty()
    }

    /// `; 2 findings: 1 unreferenced_log, 1 foreign_object; 1 warning: 1 unverifiable_log`
    /// (empty when there is none), `word` naming the findings (`finding`, `other finding`).
    fn describe(&self, word: &str) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        for (map, word) in [(&self.findings, word), (&self.warnings, "warning")] {
            if map.is_empty() {
                continue;
            }
            let kinds: Vec<String> = map
                .iter()
                .map(|(code, n)| format!("{n} {}", code_name(*code)))
                .collect();
            // Writing to a String cannot fail.
            let _ = write!(
                out,
                "; {}: {}",
                plural(map.values().sum(), word),
                kinds.join(", ")
            );
        }
        out
    }
}

fn headline(m: &ReportModel) -> Vec<Card> {
    let t = &m.integrity.totals;
    let c = &m.compliance.summary;
    let get = |k: &str| c.get(k).copied().unwrap_or_default();
    vec![
        Card {
            label: "Integrity",
            value: m.headline.integrity.clone(),
            // The verdicts of the files checked, then every other finding by kind: a
            // forged log is in none of the files the digests list.
            detail: format!(
                "{} digest(s), {} log file(s) checked; {} invalid, {} unreadable{}",
                t.digests.total(),
                t.logs.total(),
                t.digests.invalid + t.logs.invalid,
                t.digests.error + t.logs.error,
                FindingTally::of(&m.integrity.regions).describe("other finding")
            ),
            class: outcome_class(&m.headline.integrity),
        },
        Card {
            label: "Compliance",
            value: m.headline.compliance.clone(),
            detail: format!(
                "{} pass, {} fail, {} manual, {} error, {} waived",
                get("PASS"),
                get("FAIL"),
                get("MANUAL"),
                get("ERROR"),
                get("WAIVED")
            ),
            class: outcome_class(&m.headline.compliance),
        },
        Card {
            label: "Notable activity",
            value: if m.headline.notable.is_empty() {
                "none".to_owned()
            } else {
                format!("{} item(s)", m.headline.notable.len())
            },
            detail: format!(
                "{} record(s) in {} file(s), {}",
                m.activity.records,
                m.activity.files.len(),
                m.activity.verification.code().replace('_', " ")
            ),
            class: if m.headline.notable.is_empty() {
                "ok"
            } else {
                "warn"
            },
        },
    ]
}

/// `..._20260301T011742Z.json.gz` → that time.
fn key_time(uri: &str) -> Option<DateTime<Utc>> {
    let name = uri.rsplit('/').next()?;
    let stamp = name.rsplit('_').next()?.split('.').next()?;
    crate::time::parse_record_time(stamp).ok()
}

#[allow(clippy::cast_precision_loss)] // seconds within a window, far below 2^52
fn position(t: DateTime<Utc>, start: DateTime<Utc>, end: DateTime<Utc>, width: f64) -> f64 {
    let span = (end - start).num_seconds().max(1) as f64;
    ((t - start).num_seconds() as f64 / span * width).clamp(0.0, width)
}

/// A time stamp in an object name: a digest's `YYYYMMDDTHHMMSSZ` or a log file's
/// `YYYYMMDDTHHmmZ`, as one `_`- or `.`-separated part of the name.
fn name_time(uri: &str) -> Option<DateTime<Utc>> {
    let name = uri.rsplit('/').next()?;
    name.split(['_', '.']).find_map(|part| {
        let format = match part.len() {
            16 => "%Y%m%dT%H%M%SZ",
            14 => "%Y%m%dT%H%MZ",
            _ => return None,
        };
        chrono::NaiveDateTime::parse_from_str(part, format)
            .ok()
            .map(|t| t.and_utc())
    })
}

/// The day of the first `…/YYYY/MM/DD/` folder in a key.
fn day_folder(uri: &str) -> Option<DateTime<Utc>> {
    let parts: Vec<&str> = uri.split('/').collect();
    parts.windows(4).find_map(|w| {
        let [y, m, d, _] = w else { return None };
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        chrono::NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
            .and_then(|day| day.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc())
    })
}

/// When a finding happened, as far as its subject tells: the time in its object's name, else
/// the day of its folder, else the whole window.
fn finding_span(
    subject: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> (DateTime<Utc>, DateTime<Utc>) {
    if let Some(t) = name_time(subject) {
        return (t, t);
    }
    match day_folder(subject) {
        Some(day) => (day.max(start), (day + chrono::TimeDelta::days(1)).min(end)),
        None => (start, end),
    }
}

#[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)] // window seconds
fn timeline(r: &RegionReport) -> Timeline {
    const W: u32 = 1000;
    let width = f64::from(W);
    let mut tl = Timeline {
        width: W,
        height: 44,
        baseline: 30,
        marks: Vec::new(),
        ticks: Vec::new(),
        findings_lane: false,
    };
    let (Some(start), Some(end)) = (
        parse_rfc3339(&r.coverage.requested_start),
        parse_rfc3339(&r.coverage.requested_end),
    ) else {
        return tl;
    };
    // Findings that concern a span (a day folder, the window) are drawn first and pale, so
    // that the points of findings at a time stay visible on top of them.
    let (mut bands, mut points) = (Vec::new(), Vec::new());
    for e in &r.events {
        match e {
            Event::Gap { from, to, .. } => {
                if let (Some(f), Some(t)) = (parse_rfc3339(from), parse_rfc3339(to)) {
                    let x = position(f, start, end, width);
                    let x2 = position(t, start, end, width);
                    tl.marks.push(Mark {
                        x: format!("{x:.1}"),
                        y: 6,
                        w: format!("{:.1}", (x2 - x).max(1.0)),
                        h: 24,
                        color: "#dadce0",
                        label: format!("gap {from} to {to}"),
                    });
                }
            }
            Event::Digest {
                uri,
                status,
                digest_end,
                ..
            } => {
                let when = digest_end
                    .as_deref()
                    .and_then(parse_rfc3339)
                    .or_else(|| key_time(uri));
                if let Some(t) = when {
                    let color = match status.word() {
                        "valid" => "#1b7a3a",
                        "invalid" => "#b3261e",
                        _ => "#9a6700",
                    };
                    tl.marks.push(Mark {
                        x: format!("{:.1}", (position(t, start, end, width) - 1.5).max(0.0)),
                        y: 8,
                        w: "3".to_owned(),
                        h: 20,
                        color,
                        label: format!("{}: {uri}", status.word()),
                    });
                }
            }
            // Findings go in a lane of their own below the ticks: a point at the time their
            // object's name carries, or a band over the day or the window they concern.
            Event::Finding(f) => {
                let (from, to) = finding_span(&f.subject, start, end);
                let x = position(from, start, end, width);
                let x2 = position(to, start, end, width);
                let invalid = f.severity == Severity::Invalid;
                let (x, w, color, lane) = if from == to {
                    let color = if invalid { "#b3261e" } else { "#9a6700" };
                    ((x - 1.5).max(0.0), 3.0, color, &mut points)
                } else {
                    let color = if invalid { "#e6a19b" } else { "#e8cf8f" };
                    (x, (x2 - x).max(3.0), color, &mut bands)
                };
                lane.push(Mark {
                    x: format!("{x:.1}"),
                    y: 47,
                    w: format!("{w:.1}"),
                    h: 10,
                    color,
                    label: format!("{}: {}", code_name(f.code), f.subject),
                });
            }
            _ => {}
        }
    }
    if !bands.is_empty() || !points.is_empty() {
        tl.findings_lane = true;
        tl.height = 60;
        tl.marks.extend(bands);
        tl.marks.extend(points);
    }
    for i in 0..=4u32 {
        let frac = f64::from(i) / 4.0;
        let secs = ((end - start).num_seconds() as f64 * frac) as i64;
        let t = start + chrono::TimeDelta::seconds(secs);
        tl.ticks.push(Tick {
            x: format!("{:.0}", (frac * (width - 130.0)).max(0.0)),
            y: 42,
            label: crate::time::format_rfc3339(&t),
        });
    }
    tl
}

fn integrity(m: &ReportModel) -> IntegrityView {
    let v = &m.integrity;
    let t = &v.totals;
    IntegrityView {
        note: v.is_not_verified().then(|| {
            "Nothing was verified. These log files were read from local files (--logs): exports from a SIEM or a data lake carry no digest files and no signatures, so no byte of them can be checked against what CloudTrail delivered, and every record below is marked unverified. A report over the trail itself (--trail-arn with S3 or an evidence bundle) verifies each file before reading it.".to_owned()
        }),
        outcome: v.outcome.word().to_owned(),
        outcome_class: outcome_class(v.outcome.word()),
        totals: format!(
            "Digests: {} valid, {} invalid, {} unreadable. Log files: {} valid, {} invalid, {} unreadable. {} gap(s), {} finding(s){}{}.",
            t.digests.valid,
            t.digests.invalid,
            t.digests.error,
            t.logs.valid,
            t.logs.invalid,
            t.logs.error,
            t.gaps,
            t.findings,
            if t.warnings > 0 {
                format!(", {} warning(s)", t.warnings)
            } else {
                String::new()
            },
            if t.pending_logs > 0 {
                format!(", {} pending log file(s)", t.pending_logs)
            } else {
                String::new()
            }
        ),
        object_source: v.inputs.object_source.clone(),
        key_source: v.inputs.key_source.clone(),
        regions: v
            .regions
            .iter()
            .map(|r| {
                let mut findings = Vec::new();
                let mut files = Vec::new();
                for e in &r.events {
                    match e {
                        Event::Finding(f) => findings.push(FindingRow {
                            code: code_name(f.code),
                            message: format!("{} {}: {}", f.kind, f.subject, f.message),
                            class: match f.severity {
                                Severity::Invalid => "bad",
                                Severity::Warning => "warn",
                            },
                        }),
                        Event::Digest {
                            uri,
                            status,
                            reason,
                            message,
                            ..
                        }
                        | Event::Log {
                            uri,
                            status,
                            reason,
                            message,
                        } if *status != FileStatus::Valid => {
                            files.push(FileRow {
                                kind: if matches!(e, Event::Log { .. }) {
                                    "log"
                                } else {
                                    "digest"
                                },
                                status: status.word().to_owned(),
                                reason: format!("{reason}: {message}"),
                                uri: uri.clone(),
                            });
                        }
                        _ => {}
                    }
                }
                let c = &r.counts;
                let tally = FindingTally::of([r]);
                // Log files beyond those the digests list (forged, foreign, pending) are not
                // in the log counts: say which logs the counts are of.
                let logs = if tally.is_empty() && c.pending_logs == 0 {
                    "logs"
                } else {
                    "referenced logs"
                };
                let pending = if c.pending_logs > 0 {
                    format!("; {}", plural(c.pending_logs, "pending log file"))
                } else {
                    String::new()
                };
                // Said only when no finding, warning or failure says otherwise.
                let all_valid = if !tally.is_empty() || r.error.is_some() {
                    None
                } else if c.digests.total() + c.backfill_digests.total() == 0 {
                    Some("No digest of this trail lies in the window.")
                } else if c.pending_logs > 0 {
                    Some(
                        "Every digest in the window and every log file they list is valid; the pending log files are newer than the newest digest, which cannot list them yet.",
                    )
                } else {
                    Some("Every digest and log file in the window is valid.")
                };
                RegionView {
                    region: r.region.clone(),
                    status: r.status.word().to_owned(),
                    status_class: if r.status == RegionStatus::Complete {
                        "ok"
                    } else {
                        "bad"
                    },
                    error: r.error.clone(),
                    coverage: match (&r.coverage.found_start, &r.coverage.found_end) {
                        (Some(s), Some(e)) => format!("digests cover {s} to {e}"),
                        _ => "no valid digest in the window".to_owned(),
                    },
                    counts: format!(
                        "{}/{} digests valid, {}/{} {logs} valid{}{pending}",
                        c.digests.valid,
                        c.digests.total(),
                        c.logs.valid,
                        c.logs.total(),
                        tally.describe("finding"),
                    ),
                    timeline: timeline(r),
                    findings,
                    files,
                    all_valid,
                }
            })
            .collect(),
    }
}

fn compliance(m: &ReportModel) -> ComplianceView {
    let c = &m.compliance;
    let counts: Vec<String> = c
        .summary
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(k, n)| format!("{n} {k}"))
        .collect();
    let mut notes = Vec::new();
    for w in &c.waivers.expired {
        notes.push(format!(
            "Waiver for {} {} expired on {} and no longer applies: {}",
            w.control, w.resource, w.expires, w.reason
        ));
    }
    for w in &c.waivers.unused {
        notes.push(format!(
            "Waiver for {} {} matched no result.",
            w.control, w.resource
        ));
    }
    ComplianceView {
        summary: if c.results.is_empty() && c.outcome == crate::vocab::Outcome::NotRun {
            "Not evaluated: no --snapshot was given (a report over local log files does not ask AWS for the trail's settings).".to_owned()
        } else {
            format!("Outcome {}: {}", c.outcome.word(), counts.join(", "))
        },
        framework: c.framework.as_ref().map(|f| f.name.clone()),
        snapshot_taken_at: c.snapshot_taken_at.clone(),
        rows: c
            .results
            .iter()
            .map(|r| ControlRow {
                id: r.control_id,
                check: r.check.clone(),
                title: r.title,
                frameworks: frameworks(&r.frameworks),
                status: r.status.word(),
                status_text: r.status.word().replace('_', " "),
                severity: format!("{:?}", r.severity).to_lowercase(),
                resource: r.resource.clone(),
                reason: r.reason.clone(),
                remediation: r.remediation,
                show_remediation: matches!(r.status, Status::Fail | Status::Manual | Status::Error),
                waived: r.waived,
                waiver: r
                    .waiver
                    .as_ref()
                    .map(|w| format!("{} (until {})", w.reason, w.expires)),
            })
            .collect(),
        waiver_notes: notes,
    }
}

/// Framework references, compact: CIS versions that share an id are one range
/// (`CIS 3.1 (1.4–5.0), 4.1 (6.0–7.0)`), other frameworks list their ids once.
fn frameworks(refs: &[crate::controls::catalog::FrameworkRef]) -> String {
    use crate::controls::catalog::Framework;
    let mut cis: Vec<(&str, Vec<&str>)> = Vec::new();
    let mut others: Vec<(String, Vec<&str>)> = Vec::new();
    for r in refs {
        match r.framework {
            Framework::Cis(version) => match cis.last_mut() {
                Some((id, versions)) if *id == r.id => versions.push(version),
                _ => cis.push((r.id, vec![version])),
            },
            ref f => {
                let name = f.name();
                match others.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, ids)) => ids.push(r.id),
                    None => others.push((name, vec![r.id])),
                }
            }
        }
    }
    let mut parts = Vec::new();
    if !cis.is_empty() {
        let ranges: Vec<String> = cis
            .iter()
            .map(|(id, v)| match (v.first(), v.last()) {
                (Some(a), Some(b)) if a != b => format!("{id} ({a}–{b})"),
                (Some(a), _) => format!("{id} ({a})"),
                _ => (*id).to_owned(),
            })
            .collect();
        parts.push(format!("CIS {}", ranges.join(", ")));
    }
    for (name, ids) in others {
        parts.push(format!("{name} {}", ids.join(", ")));
    }
    parts.join("; ")
}

#[allow(clippy::cast_precision_loss)] // counts far below 2^52
fn over_time(s: &crate::activity::summary::Summary) -> (BarChart, String) {
    const W: u32 = 1000;
    const H: u32 = 170;
    let base = 150u32;
    let hours: Vec<(&String, &u64)> = s.by_hour.iter().collect();
    let max = hours.iter().map(|(_, n)| **n).max().unwrap_or(0).max(1);
    let n = hours.len().max(1) as f64;
    let slot = f64::from(W) / n;
    let scale = f64::from(base - 10) / max as f64;
    let mut chart = BarChart {
        width: W,
        height: H,
        baseline: base,
        bars: Vec::new(),
        ticks: Vec::new(),
    };
    for (i, (hour, count)) in hours.iter().enumerate() {
        let x = i as f64 * slot;
        let h = **count as f64 * scale;
        chart.bars.push(Bar {
            x: format!("{:.1}", x + slot * 0.1),
            y: format!("{:.1}", f64::from(base) - h),
            w: format!("{:.1}", (slot * 0.8).max(1.0)),
            h: format!("{h:.1}"),
            label: (*hour).clone(),
            value: **count,
            error: false,
        });
        if let Some(e) = s.errors_by_hour.get(*hour) {
            let eh = *e as f64 * scale;
            chart.bars.push(Bar {
                x: format!("{:.1}", x + slot * 0.1),
                y: format!("{:.1}", f64::from(base) - eh),
                w: format!("{:.1}", (slot * 0.8).max(1.0)),
                h: format!("{eh:.1}"),
                label: format!("{hour} errors"),
                value: *e,
                error: true,
            });
        }
    }
    let step = (hours.len() / 6).max(1);
    for (i, (hour, _)) in hours.iter().enumerate().step_by(step) {
        chart.ticks.push(Tick {
            x: format!("{:.0}", (i as f64 * slot).min(f64::from(W) - 130.0)),
            y: H - 4,
            label: hour.get(..16).unwrap_or(hour).replace('T', " "),
        });
    }
    let peak = hours
        .iter()
        .max_by_key(|(h, n)| (**n, std::cmp::Reverse(*h)))
        .map_or_else(
            || "none".to_owned(),
            |(h, n)| format!("{n} events in the hour from {h}"),
        );
    (chart, peak)
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let cut: String = s.chars().take(n - 1).collect();
        format!("{cut}…")
    }
}

#[allow(clippy::cast_precision_loss)] // counts far below 2^52
fn ranking(title: &'static str, items: Vec<(String, u64)>, errors: bool) -> Ranking {
    const W: u32 = 520;
    const LABEL: u32 = 250;
    let max = items.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let rows: Vec<RankRow> = items
        .into_iter()
        .enumerate()
        .map(|(i, (label, value))| {
            let y = i as u32 * 20;
            let w = value as f64 / max as f64 * f64::from(W - LABEL - 50);
            RankRow {
                y: y + 4,
                text_y: y + 15,
                w: format!("{w:.1}"),
                h: 13,
                value_x: format!("{:.1}", f64::from(LABEL) + w + 4.0),
                label: truncate(&label, 40),
                value,
            }
        })
        .collect();
    Ranking {
        title,
        width: W,
        height: (rows.len() as u32 * 20).max(20),
        bar_x: LABEL,
        errors,
        rows,
    }
}

fn top(map: impl IntoIterator<Item = (String, u64)>, n: usize) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = map.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v.truncate(n);
    v
}

fn section(title: &'static str, x: &crate::activity::sections::Section) -> SectionView {
    let rows: Vec<OccRow> = x
        .examples
        .iter()
        .take(25)
        .map(|o| OccRow {
            time: o.time.clone(),
            call: if o.detail.is_empty() {
                o.name.clone()
            } else {
                format!("{} ({})", o.name, o.detail)
            },
            actor: o.actor.clone(),
            ip: o.source_ip.clone(),
            outcome: o.outcome.clone(),
            class: if o.outcome == "success" {
                "bad"
            } else {
                "warn"
            },
        })
        .collect();
    SectionView {
        title,
        total: x.total,
        failed: x.failed,
        by_name: top(x.by_event_name.iter().map(|(k, n)| (k.clone(), *n)), 12)
            .into_iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect::<Vec<_>>()
            .join(", "),
        more: x.total.saturating_sub(rows.len() as u64),
        rows,
    }
}

fn join(set: &std::collections::BTreeSet<String>) -> String {
    if set.is_empty() {
        "-".to_owned()
    } else {
        set.iter().cloned().collect::<Vec<_>>().join(", ")
    }
}

fn activity(m: &ReportModel) -> ActivityView {
    let s = &m.activity;
    let x = &s.sections;
    let counts = |map: &std::collections::BTreeMap<&'static str, u64>| {
        top(map.iter().map(|(k, n)| ((*k).to_owned(), *n)), 20)
            .into_iter()
            .map(|(name, value)| Count { name, value })
            .collect::<Vec<_>>()
    };
    let (over_time, peak) = over_time(s);
    let actors = top(s.identities.iter().map(|(k, i)| (k.clone(), i.events)), 10);
    let apis = top(s.by_event_name.iter().map(|(k, n)| (k.clone(), *n)), 10);
    let errors = top(s.by_error_code.iter().map(|(k, n)| (k.clone(), *n)), 10);
    let sources = top(s.by_event_source.iter().map(|(k, n)| (k.clone(), *n)), 10);
    let c = &s.console_logins;
    let figures = vec![
        Figure {
            name: "Records",
            value: s.records,
            meaning: "CloudTrail records read from the log files",
        },
        Figure {
            name: "Root user actions",
            value: s.root_events,
            meaning: "CIS 4.3: userIdentity.type Root, not invoked by a service, not an AWS service event",
        },
        Figure {
            name: "Console sign-ins",
            value: c.total,
            meaning: "ConsoleLogin events",
        },
        Figure {
            name: "… failed",
            value: c.failure,
            meaning: "responseElements.ConsoleLogin = Failure",
        },
        Figure {
            name: "… without MFA",
            value: c.without_mfa,
            meaning: "additionalEventData.MFAUsed not \"Yes\" (compared case-insensitively)",
        },
        Figure {
            name: "Unauthorized API calls",
            value: s.access_denied,
            meaning: "CIS 4.1 (v2.0+): AccessDenied* / *UnauthorizedOperation, excluding log delivery and HeadBucket",
        },
    ];
    let cis = s
        .cis_monitoring
        .iter()
        .map(|(id, c)| {
            let actors = top(c.actors.iter().map(|(k, n)| (k.clone(), *n)), 3)
                .into_iter()
                .map(|(a, n)| format!("{a} ({n})"))
                .collect::<Vec<_>>()
                .join(", ");
            let detail = match (&c.first_event_time, &c.last_event_time) {
                (Some(f), Some(l)) => format!("{f} / {l} · {actors}"),
                _ => String::new(),
            };
            CisRow {
                id,
                topic: c.topic,
                count: c.count,
                detail,
            }
        })
        .collect::<Vec<_>>();
    let mut cis = cis;
    cis.sort_by_key(|r| {
        r.id.split('.')
            .nth(1)
            .and_then(|n| n.parse::<u32>().ok())
            .unwrap_or(0)
    });
    let mut ids: Vec<(&String, &crate::activity::summary::Identity)> =
        s.identities.iter().collect();
    ids.sort_by(|a, b| b.1.events.cmp(&a.1.events).then_with(|| a.0.cmp(b.0)));
    let more = ids.len().saturating_sub(25);
    let identities = ids
        .into_iter()
        .take(25)
        .map(|(k, i)| IdentityRow {
            actor: k.clone(),
            kind: i.identity_type.clone(),
            events: i.events,
            writes: i.writes,
            errors: i.errors,
            seen: format!(
                "{} / {}",
                i.first_seen.as_deref().unwrap_or("-"),
                i.last_seen.as_deref().unwrap_or("-")
            ),
            detail: format!(
                "{} address(es); regions {}; keys {}; agents {}{}{}",
                i.source_ips,
                join(&i.regions),
                join(&i.access_keys),
                i.user_agents.len(),
                if i.mfa_seen { "; MFA" } else { "" },
                if i.aws_service { "; AWS service" } else { "" }
            ),
        })
        .collect();
    let n = &s.parser_notes;
    let mut notes = Vec::new();
    for (count, what) in [
        (
            n.duplicate_event_ids,
            "records repeat an eventID already seen (counted, not removed)",
        ),
        (n.without_event_time, "records have no eventTime"),
        (
            n.unparsable_event_time,
            "records have an eventTime that is not a time",
        ),
        (n.without_user_identity, "records have no userIdentity"),
        (n.string_booleans, "records carry booleans as strings"),
        (
            n.non_canonical_ips,
            "records carry a non-canonical source IP (kept verbatim)",
        ),
        (n.bad_lines, "lines were not JSON"),
    ] {
        if count > 0 {
            notes.push(format!("{count} {what}"));
        }
    }
    for f in &s.skipped.files {
        notes.push(format!("skipped {}: {}", f.file, f.reason.code()));
    }
    let verified = s.files.iter().filter(|f| f.verified).count();
    let rw = &s.read_write;
    let top_ips = top(s.by_source_ip.iter().map(|(k, n)| (k.clone(), *n)), 10)
        .into_iter()
        .map(|(ip, events)| IpRow {
            class: crate::activity::sections::ip_class(&ip),
            actors: x.actors_by_source_ip.get(&ip).map(join).unwrap_or_default(),
            ip,
            events,
        })
        .collect();
    ActivityView {
        heading: if s.verification == Verification::Verified {
            "Activity in the verified logs"
        } else {
            "Activity in the logs read"
        },
        top_ips,
        read_write: format!(
            "{} read and {} write calls ({} without a readOnly flag); top writes: {}.",
            rw.read,
            rw.write,
            rw.unknown,
            top(
                s.writes_by_event_name.iter().map(|(k, n)| (k.clone(), *n)),
                8
            )
            .into_iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
        ),
        abused: s
            .abused_apis
            .iter()
            .map(|(k, c)| AbusedRow {
                name: k.clone(),
                ok: c.ok,
                failed: c.failed,
            })
            .collect(),
        rare: s.rare_event_names.join(", "),
        sign_ins: s
            .console_logins
            .by_actor
            .iter()
            .take(50)
            .map(|(k, c)| SignInRow {
                actor: k.clone(),
                success: c.success,
                failure: c.failure,
                without_mfa: c.without_mfa,
                from: join(&c.source_ips),
            })
            .collect(),
        sections: vec![
            section("Logging and monitoring tampering", &x.logging_tampering),
            section("IAM changes", &x.iam_changes),
            section(
                "Network exposure (ingress from anywhere)",
                &x.network_exposure,
            ),
            section(
                "S3, KMS and snapshot protection changes",
                &x.protection_changes,
            ),
        ],
        ip_classes: counts(&x.source_ip_classes),
        agents: counts(&x.user_agent_families),
        spikes: x.spikes.clone(),
        dormant: x
            .dormant_identities
            .iter()
            .map(|d| DormantRow {
                arn: d.arn.clone(),
                kind: d.kind,
                created: d.created.clone().unwrap_or_default(),
                last_used: d.last_used.clone().unwrap_or_else(|| "never".to_owned()),
            })
            .collect(),
        scope: format!(
            "{} record(s) from {} log file(s) ({} verified by the digest chain), {} to {}.",
            s.records,
            s.files.len(),
            verified,
            s.first_event_time.as_deref().unwrap_or("-"),
            s.last_event_time.as_deref().unwrap_or("-")
        ),
        over_time,
        peak,
        rankings: vec![
            ranking("Top actors", actors, false),
            ranking("Top API calls", apis, false),
            ranking("Top event sources", sources, false),
            ranking("Errors by code", errors, true),
        ],
        figures,
        benchmark: s.benchmark,
        cis,
        identities,
        more_identities: more,
        notes,
        drilldown: crate::present::summary::drilldown_rows(s)
            .into_iter()
            .map(|(figure, n, command)| (figure, n, command.clone()))
            .collect(),
    }
}

fn evidence(m: &ReportModel, json_sha256: &str) -> EvidenceView {
    let i = &m.integrity.inputs;
    EvidenceView {
        facts: vec![
            Fact {
                name: "Tool",
                value: format!("{} {}", m.tool.name, m.tool.version),
            },
            Fact {
                name: "Command line",
                value: m.command_line.join(" "),
            },
            Fact {
                name: "Trail",
                value: m.trail_arn.clone(),
            },
            Fact {
                name: "Time window",
                value: format!("{} to {}", m.window_start, m.window_end),
            },
            Fact {
                name: "Account",
                value: i.account_id.clone(),
            },
            Fact {
                name: "Regions verified",
                value: i.regions.join(", "),
            },
            Fact {
                name: "Objects from",
                value: i.object_source.clone(),
            },
            Fact {
                name: "Public keys from",
                value: i.key_source.clone(),
            },
            Fact {
                name: "Compliance snapshot taken",
                value: m.compliance.snapshot_taken_at.clone(),
            },
            Fact {
                name: "Generated",
                value: m.generated_at.clone(),
            },
            Fact {
                name: "SHA-256 of the JSON report",
                value: json_sha256.to_owned(),
            },
        ],
        inputs: m
            .inputs
            .iter()
            .map(|f| InputRow {
                path: f.path.clone(),
                bytes: f.bytes,
                sha256: f.sha256.clone(),
            })
            .collect(),
    }
}

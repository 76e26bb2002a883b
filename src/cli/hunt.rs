//! `trailproof hunt`: Sigma detection rules over `CloudTrail` records.
//!
//! Inputs as for `summarize`: `--logs PATH...` (local files, unverified), or the options of
//! `verify` (S3 or `--bundle`), where every object is read once and each hit says whether
//! its log file was verified. Rules: `--rules PATH...` (files, and folders walked for
//! `*.yml` / `*.yaml`), else the built-in pack; `--with-builtin` adds the pack to
//! `--rules`.
//!
//! Exit codes: 1 when a hit was reported (or the verification found tampering); else 3
//! when a log file was unreadable or malformed, a rule was refused, or the verification was
//! incomplete; else 0. 2 when no rule loads, no input can be read, or a path named on the
//! command line does not exist.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, ValueEnum};
use serde_json::Value;

use super::common::fail;
use super::exit;
use super::trail::TrailArgs;
use crate::detect::hunt::{Earliest, Hit, HuntConsumer, Sink, not_logs};
use crate::detect::pack;
use crate::detect::sigma::{self, Loaded, RuleText};
use crate::limits::MAX_ACTIVITY_INFLATED_BYTES;
use crate::present::escape::neutralise;
use crate::present::hunt as present;
use crate::report::hunt::{HuntReport, Rules};
use crate::source::files::{list_rules, read_capped};
use crate::vocab::{Outcome, Unreadable};

/// Largest rule file read (rules are small; a larger file is refused by name).
const MAX_RULE_FILE_BYTES: u64 = 4 << 20;

/// Output format of `hunt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HuntFormat {
    /// Per rule that fired: level, title, hits, first and last time, top actors; then its
    /// first hits.
    Text,
    /// One JSON object per hit; nothing else on stdout.
    Jsonl,
    /// One document (`trailproof.hunt/1`): inputs, rules loaded / skipped / refused,
    /// counts, every hit.
    Json,
    /// One ticket per rule that fired.
    Markdown,
    /// One row per hit.
    Csv,
    /// OCSF 1.5.0 Detection Finding (class 2004), one per line.
    Ocsf,
}

/// Options of `hunt`.
#[derive(Debug, Args)]
pub struct HuntArgs {
    /// Sigma rule files, or folders walked for `*.yml` / `*.yaml` (replaces the built-in
    /// rules; rules for other logsources are skipped and listed).
    #[arg(long, value_name = "PATH", num_args = 1..)]
    pub rules: Vec<PathBuf>,
    /// Also run the built-in rules when `--rules` is given.
    #[arg(long)]
    pub with_builtin: bool,
    /// Local log files or folders (walked recursively, in sorted order); gzip or plain.
    /// Records read this way are marked unverified.
    #[arg(long, value_name = "PATH", num_args = 1.., required_unless_present = "trail_arn", conflicts_with = "trail_arn")]
    pub logs: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = HuntFormat::Text)]
    pub format: HuntFormat,
    /// Verified input: the trail and window to verify (the options of `verify`); each log
    /// file is read once, and hunted in the bytes whose hash was checked.
    #[command(flatten)]
    pub trail: TrailArgs,
}

/// Reads the rules named by `--rules` (and the pack when asked). A path that does not exist
/// is an error; a file that cannot be read or is not text is refused by name.
pub(super) fn read_rules(paths: &[PathBuf], builtin: bool) -> Result<Loaded, String> {
    let mut texts = Vec::new();
    let mut unreadable = Vec::new();
    if builtin {
        texts.extend(pack::rules());
    }
    let listed = list_rules(paths);
    if let Some((p, why)) = listed.missing.first() {
        return Err(match why {
            Unreadable::NotFound => format!("no such rule file or folder: {}", p.display()),
            other => format!("cannot read {}: {other}", p.display()),
        });
    }
    for p in &listed.files {
        let file = p.display().to_string();
        match read_capped(p, MAX_RULE_FILE_BYTES).map(String::from_utf8) {
            Ok(Ok(text)) => texts.push(RuleText { file, text }),
            Ok(Err(_)) => unreadable.push((file, "not UTF-8 text".to_owned())),
            Err(why) => unreadable.push((file, format!("cannot be read: {why}"))),
        }
    }
    let mut loaded = sigma::load(&texts);
    for (file, reason) in unreadable {
        loaded.refused.push(sigma::NotLoaded {
            file,
            line: None,
            rule: None,
            reason,
        });
    }
    Ok(loaded)
}

/// What goes where as hits come.
struct Output {
    format: HuntFormat,
    now: crate::time::UtcTime,
    /// Hits kept for the document: all for `json`.
    kept: Vec<Hit>,
    /// For text and Markdown, which show only those: the earliest of each rule.
    earliest: Earliest,
}

impl Output {
    fn take(&mut self, hit: &Hit, record: &Value) {
        let mut out = std::io::stdout().lock();
        match self.format {
            HuntFormat::Jsonl => {
                if let Ok(line) = serde_json::to_string(hit) {
                    let _ = writeln!(out, "{line}");
                }
            }
            HuntFormat::Csv => {
                if let Ok(row) = present::csv_row(hit) {
                    let _ = out.write_all(row.as_bytes());
                }
            }
            HuntFormat::Ocsf => {
                let finding = crate::report::ocsf::detection_finding(hit, record, self.now);
                if let Ok(line) = serde_json::to_string(&finding) {
                    let _ = writeln!(out, "{line}");
                }
            }
            HuntFormat::Json => self.kept.push(hit.clone()),
            HuntFormat::Text | HuntFormat::Markdown => self.earliest.add(hit),
        }
    }
}

pub(super) fn list_problems(loaded: &Loaded, report: Option<&HuntReport>) {
    let mut err = std::io::stderr().lock();
    for r in &loaded.refused {
        let _ = writeln!(
            err,
            "rule refused: {}{}{}: {}",
            neutralise(&r.file),
            r.line.map(|l| format!(":{l}")).unwrap_or_default(),
            r.rule
                .as_ref()
                .map(|n| format!(" ({})", neutralise(n)))
                .unwrap_or_default(),
            neutralise(&r.reason)
        );
    }
    if !loaded.skipped.is_empty() {
        let _ = writeln!(
            err,
            "{} rules skipped: not for AWS CloudTrail (--format json lists them)",
            loaded.skipped.len()
        );
    }
    if let Some(report) = report {
        for f in not_logs(&report.input) {
            let _ = writeln!(err, "not a log file, skipped: {}", neutralise(f));
        }
        for f in report.input.skipped.iter().filter(|f| f.lost) {
            let _ = writeln!(
                err,
                "log file skipped ({}): {}",
                f.reason,
                neutralise(&f.file)
            );
        }
    }
}

fn render(format: HuntFormat, report: &HuntReport) {
    let rendered = match format {
        HuntFormat::Text => present::text(report),
        HuntFormat::Json => present::json(report),
        HuntFormat::Markdown => present::markdown(report),
        HuntFormat::Jsonl | HuntFormat::Csv | HuntFormat::Ocsf => return,
    };
    let _ = std::io::stdout().lock().write_all(rendered.as_bytes());
}

/// Runs `hunt`.
pub async fn run(args: &HuntArgs) -> u8 {
    let limits = match super::summarize::limits() {
        Ok(l) => l,
        Err(e) => return fail(&e),
    };
    let loaded = match read_rules(&args.rules, args.rules.is_empty() || args.with_builtin) {
        Ok(l) => l,
        Err(e) => return fail(&e),
    };
    if loaded.rules.is_empty() {
        list_problems(&loaded, None);
        return fail("no rule loaded");
    }
    let listed = match super::input::local_files(&args.logs, &args.trail) {
        Ok(l) => l,
        Err(e) => return fail(&e),
    };
    let now = super::common::now();
    let rules_doc = Rules::from_loaded(&loaded);
    let rules = Arc::new(loaded.rules);
    let mut output = Output {
        format: args.format,
        now,
        kept: Vec::new(),
        earliest: Earliest::new(present::HITS_SHOWN),
    };
    if args.format == HuntFormat::Csv
        && let Ok(h) = present::csv_header()
    {
        let _ = std::io::stdout().lock().write_all(h.as_bytes());
    }
    let loaded_problems = Loaded {
        rules: sigma::RuleSet::default(),
        skipped: loaded.skipped,
        refused: loaded.refused,
    };
    let sink: Sink<'_> = Box::new(|hit: &Hit, record: &Value| output.take(hit, record));
    let mut consumer = HuntConsumer::new(
        Arc::clone(&rules),
        MAX_ACTIVITY_INFLATED_BYTES,
        limits.max_record_bytes,
        args.format == HuntFormat::Ocsf,
        sink,
    );
    let fed = super::input::feed(&args.logs, &args.trail, listed.as_ref(), &mut consumer).await;
    let (inputs, verification) = match fed {
        Ok(r) => r,
        Err(e) => return fail(&e),
    };
    let read_nothing = listed.is_some() && consumer.files() == 0;
    let done = consumer.finish();
    let mut hits = std::mem::take(&mut output.kept);
    hits.extend(std::mem::take(&mut output.earliest).into_hits());
    let mut report = HuntReport::new(inputs, rules_doc, done, hits, verification);
    list_problems(&loaded_problems, Some(&report));
    if read_nothing {
        render(args.format, &report);
        return fail("no log file could be read from the input");
    }
    let code = match report.outcome {
        Outcome::Findings => exit::FINDINGS,
        Outcome::Incomplete => exit::INCOMPLETE,
        Outcome::NotRun => exit::CANNOT_RUN,
        Outcome::Clean => exit::CLEAN,
    };
    report.exit_code = Some(code);
    render(args.format, &report);
    code
}

//! `trailproof search`: list (or count) the records that match filters, over local logs or
//! a trail verified on the way.
//!
//! Exit codes: 0 ran to the end, matches or not (a match is a result, not a finding); 1 the
//! verification found tampering; 2 could not run (a bad filter, named with why; a path that
//! does not exist; no log file could be read); 3 incomplete (a log file unreadable or
//! malformed, or the verification incomplete).

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, ValueEnum};

use super::common::fail;
use super::exit;
use super::trail::TrailArgs;
use crate::detect::sigma::Wildcard;
use crate::limits::MAX_ACTIVITY_INFLATED_BYTES;
use crate::present::search as present;
use crate::report::search::{Listed, SCHEMA, SearchReport, outcome};
use crate::search::consumer::{CountKey, Match, SearchConsumer, Sink, Spec};
use crate::search::filter::{BadFilter, FieldTest, Query, parse_source_ip, text_filter};
use crate::time::parse_user_time;
use crate::vocab::Tool;

/// Output format of `search`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SearchFormat {
    /// One line per record: time, actor, event, source, source address, error, resource,
    /// file (verified or not).
    Table,
    /// One object per record: `{"file", "verified", "record"}`, the record as read.
    Jsonl,
    /// One document (`trailproof.search/1`).
    Json,
    /// One row per record; no cell can start a formula.
    Csv,
    /// A ticket a person can read without knowing `CloudTrail`.
    Markdown,
    /// OCSF 1.5.0 API Activity (class 6003), one per line.
    Ocsf,
}

/// How to order the matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SortBy {
    /// By `eventTime` (records without a readable time last, in input order).
    Time,
}

/// Options of `search`.
#[derive(Debug, Args)]
#[allow(clippy::struct_excessive_bools)] // one flag per filter
pub struct SearchArgs {
    /// Local log files or folders (walked recursively, in sorted order); unverified.
    #[arg(long, value_name = "PATH", num_args = 1.., required_unless_present = "trail_arn", conflicts_with = "trail_arn")]
    pub logs: Vec<PathBuf>,
    /// `eventName`, the whole value; `*` and `?` are wildcards (`\*` a literal star).
    #[arg(long, value_name = "NAME")]
    pub event_name: Vec<String>,
    /// `eventSource`, as `--event-name`.
    #[arg(long, value_name = "SOURCE")]
    pub event_source: Vec<String>,
    /// `errorCode`, as `--event-name`.
    #[arg(long, value_name = "CODE")]
    pub error_code: Vec<String>,
    /// Records with an `errorCode` (present and non-empty).
    #[arg(long)]
    pub errors: bool,
    /// The actor key the summary shows, a user, role or session name, an ARN, a principal
    /// id or an access key id.
    #[arg(long, value_name = "WHO")]
    pub identity: Vec<String>,
    /// `sourceIPAddress` within an address or CIDR network (service names never match).
    #[arg(long, value_name = "ADDR|CIDR")]
    pub source_ip: Vec<String>,
    /// `awsRegion`.
    #[arg(long, value_name = "REGION")]
    pub event_region: Vec<String>,
    /// `recipientAccountId`.
    #[arg(long, value_name = "ID")]
    pub event_account: Vec<String>,
    /// `readOnly` is this JSON boolean.
    #[arg(long, value_name = "BOOL")]
    pub read_only: Option<bool>,
    /// `eventTime` at or after this time (the forms `--start-time` accepts).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// `eventTime` before this time.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Any field by dotted path: `PATH=VALUE` (wildcards), `PATH!=VALUE`, `PATH~REGEX`,
    /// `'PATH exists'`; repeats AND.
    #[arg(long, value_name = "FILTER")]
    pub field: Vec<String>,
    /// A substring of the record's JSON text, without case; repeats AND.
    #[arg(long, value_name = "STRING")]
    pub text: Vec<String>,
    /// The records a detection rule matches (its id; built-in, or from `--rules`).
    #[arg(long, value_name = "ID")]
    pub rule: Vec<String>,
    /// Sigma rule files or folders for `--rule` (besides the built-in rules).
    #[arg(long, value_name = "PATH", num_args = 1..)]
    pub rules: Vec<PathBuf>,
    /// Compare without case.
    #[arg(short = 'i', long)]
    pub ignore_case: bool,
    /// Count the matches by these fields instead of listing them, most common first.
    #[arg(long, value_name = "PATH")]
    pub count_by: Vec<String>,
    /// With `--count-by`: least common first.
    #[arg(long, requires = "count_by")]
    pub rare: bool,
    /// Sort the matches (memory bounded by the matches).
    #[arg(long, value_enum)]
    pub sort: Option<SortBy>,
    /// At most this many matches (or count lines).
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SearchFormat::Table)]
    pub format: SearchFormat,
    /// Verified input: the trail and window to verify (the options of `verify`).
    #[command(flatten)]
    pub trail: TrailArgs,
}

fn wild(v: &[String], ignore_case: bool) -> Vec<Wildcard> {
    v.iter().map(|s| Wildcard::new(s, !ignore_case)).collect()
}

/// The query of the arguments.
///
/// # Errors
/// The first filter that cannot be used, and why.
fn query(args: &SearchArgs) -> Result<Query, BadFilter> {
    let time = |flag: &str, v: &Option<String>| {
        v.as_deref()
            .map(|s| parse_user_time(s).map_err(|e| BadFilter(format!("{flag} {s:?}: {e}"))))
            .transpose()
    };
    let i = args.ignore_case;
    Ok(Query {
        ignore_case: i,
        event_names: wild(&args.event_name, i),
        event_sources: wild(&args.event_source, i),
        error_codes: wild(&args.error_code, i),
        errors: args.errors,
        identities: args.identity.clone(),
        source_ips: args
            .source_ip
            .iter()
            .map(|s| parse_source_ip(s))
            .collect::<Result<_, _>>()?,
        regions: args.event_region.clone(),
        accounts: args.event_account.clone(),
        read_only: args.read_only,
        since: time("--since", &args.since)?,
        until: time("--until", &args.until)?,
        fields: args
            .field
            .iter()
            .map(|f| FieldTest::parse(f, i))
            .collect::<Result<_, _>>()?,
        texts: args
            .text
            .iter()
            .map(|t| text_filter(t))
            .collect::<Result<_, _>>()?,
    })
}

/// The rules `--rule` names, from the built-in pack and `--rules`.
/// The rule set and the indices of the rules `--rule` names.
type Wanted = Option<(Arc<crate::detect::sigma::RuleSet>, Vec<usize>)>;

fn rules(args: &SearchArgs) -> Result<Wanted, BadFilter> {
    if args.rule.is_empty() {
        return Ok(None);
    }
    let loaded = super::hunt::read_rules(&args.rules, true).map_err(BadFilter)?;
    let metas = loaded.rules.rules();
    let mut wanted = Vec::new();
    for id in &args.rule {
        match metas
            .iter()
            .position(|m| m.id == *id || m.name.as_deref() == Some(id.as_str()))
        {
            Some(i) if i < loaded.rules.detection_rules() => wanted.push(i),
            Some(_) => {
                return Err(BadFilter(format!(
                    "--rule {id:?}: a correlation rule; search lists the records of detection rules (hunt reports correlations)"
                )));
            }
            None => {
                let refused = loaded
                    .refused
                    .iter()
                    .find(|r| r.rule.as_deref() == Some(id.as_str()));
                return Err(BadFilter(match refused {
                    Some(r) => format!("--rule {id:?}: the rule was refused: {}", r.reason),
                    None => format!("--rule {id:?}: no loaded rule has this id or name"),
                }));
            }
        }
    }
    Ok(Some((Arc::new(loaded.rules), wanted)))
}

/// Where matches go as they come.
struct Output {
    format: SearchFormat,
    limit: Option<usize>,
    /// Kept for sorting, `json` and `markdown`.
    keep: bool,
    kept: Vec<Match>,
    emitted: usize,
}

impl Output {
    fn full(&self) -> bool {
        self.limit.is_some_and(|l| self.emitted >= l)
    }

    fn write(&self, m: &Match) {
        let line = match self.format {
            SearchFormat::Table => present::table_line(m),
            SearchFormat::Jsonl => present::jsonl_line(m),
            SearchFormat::Csv => present::csv_row(m),
            SearchFormat::Ocsf => serde_json::from_str(&m.raw)
                .ok()
                .and_then(|v| {
                    serde_json::to_string(&crate::report::ocsf::api_activity(
                        &v, &m.file, m.verified,
                    ))
                    .ok()
                })
                .map(|s| s + "\n")
                .unwrap_or_default(),
            SearchFormat::Json | SearchFormat::Markdown => return,
        };
        let _ = std::io::stdout().lock().write_all(line.as_bytes());
    }

    fn take(&mut self, m: &Match) {
        if self.keep {
            self.kept.push(m.clone());
            return;
        }
        if !self.full() {
            self.emitted += 1;
            self.write(m);
        }
    }
}

fn header(format: SearchFormat, counting: bool) {
    let h = match (format, counting) {
        (SearchFormat::Table, false) => present::table_header(),
        (SearchFormat::Csv, false) => present::csv_header(),
        _ => return,
    };
    let _ = std::io::stdout().lock().write_all(h.as_bytes());
}

/// The counts, most common first (least with `--rare`), then by key; at most `limit`.
fn ordered_counts(
    counts: BTreeMap<CountKey, u64>,
    rare: bool,
    limit: Option<usize>,
) -> Vec<(CountKey, u64)> {
    let mut v: Vec<(CountKey, u64)> = counts.into_iter().collect();
    v.sort_by(|a, b| {
        let by = if rare { a.1.cmp(&b.1) } else { b.1.cmp(&a.1) };
        by.then_with(|| a.0.cmp(&b.0))
    });
    if let Some(l) = limit {
        v.truncate(l);
    }
    v
}

/// Runs `search`.
#[allow(clippy::too_many_lines)] // arguments → query → run → the six formats
pub async fn run(args: &SearchArgs) -> u8 {
    let q = match query(args) {
        Ok(q) => q,
        Err(e) => return fail(&e.to_string()),
    };
    let rules = match rules(args) {
        Ok(r) => r,
        Err(e) => return fail(&e.to_string()),
    };
    let listed = match super::input::local_files(&args.logs, &args.trail) {
        Ok(l) => l,
        Err(e) => return fail(&e),
    };
    let local = listed.is_some();
    let counting = !args.count_by.is_empty();
    let count_by: Vec<Vec<String>> = args
        .count_by
        .iter()
        .map(|p| p.split('.').map(str::to_owned).collect())
        .collect();
    if count_by.iter().any(|p| p.iter().any(String::is_empty)) {
        return fail("--count-by: a path with an empty key");
    }

    let keep =
        args.sort.is_some() || matches!(args.format, SearchFormat::Json | SearchFormat::Markdown);
    let mut output = Output {
        format: args.format,
        limit: args.limit,
        keep,
        kept: Vec::new(),
        emitted: 0,
    };
    header(args.format, counting);
    let rows = !counting
        && matches!(
            args.format,
            SearchFormat::Table | SearchFormat::Csv | SearchFormat::Markdown
        );
    let spec = Spec {
        query: q,
        rules,
        count_by,
    };
    let limits = match super::summarize::limits() {
        Ok(l) => l,
        Err(e) => return fail(&e),
    };
    let sink: Sink<'_> = Box::new(|m: &Match| output.take(m));
    let mut consumer = SearchConsumer::new(
        spec,
        rows,
        MAX_ACTIVITY_INFLATED_BYTES,
        limits.max_record_bytes,
        sink,
    );
    let fed = super::input::feed(&args.logs, &args.trail, listed.as_ref(), &mut consumer).await;
    let (inputs, verification) = match fed {
        Ok(r) => r,
        Err(e) => return fail(&e),
    };
    let nothing = local && consumer.files() == 0;
    let done = consumer.finish();
    let mut err = std::io::stderr().lock();
    super::input::list_skipped(&done.input.skipped);
    if nothing {
        return fail("no log file could be read from the input");
    }
    let mut kept = std::mem::take(&mut output.kept);
    if args.sort == Some(SortBy::Time) {
        kept.sort_by_key(|m| (m.time.is_none(), m.time));
    }
    if let Some(l) = args.limit {
        kept.truncate(l);
    }
    let code = exit::code(outcome(&done, verification.as_ref().map(|v| v.1)));
    let _ = writeln!(
        err,
        "{} matching record(s) in {} record(s) of {} log file(s) ({} verified)",
        done.input.matches, done.input.records, done.input.files, done.input.verified_files
    );
    drop(err);
    let mut out = std::io::stdout().lock();
    if counting {
        let counts = ordered_counts(done.counts.clone(), args.rare, args.limit);
        let text = match args.format {
            SearchFormat::Table | SearchFormat::Markdown => {
                present::counts_table(&args.count_by, &counts)
            }
            SearchFormat::Csv => present::counts_csv(&args.count_by, &counts),
            SearchFormat::Jsonl | SearchFormat::Ocsf => {
                present::counts_json(&args.count_by, &counts)
                    .iter()
                    .map(|v| v.to_string() + "\n")
                    .collect()
            }
            SearchFormat::Json => String::new(),
        };
        let _ = out.write_all(text.as_bytes());
        if args.format != SearchFormat::Json {
            return code;
        }
    } else if args.sort.is_some()
        && !matches!(args.format, SearchFormat::Json | SearchFormat::Markdown)
    {
        output.keep = false;
        for m in &kept {
            output.take(m);
        }
    }
    match args.format {
        SearchFormat::Json => {
            let report = SearchReport {
                schema: SCHEMA,
                tool: Tool::default(),
                inputs,
                filters: std::env::args().skip(2).collect(),
                input: done.input.clone(),
                verification: verification.as_ref().map(|v| v.0),
                matches: (!counting).then(|| kept.iter().filter_map(Listed::from_match).collect()),
                counts: counting.then(|| {
                    present::counts_json(
                        &args.count_by,
                        &ordered_counts(done.counts.clone(), args.rare, args.limit),
                    )
                }),
                outcome: outcome(&done, verification.as_ref().map(|v| v.1)),
                exit_code: Some(code),
            };
            let _ = writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            );
        }
        SearchFormat::Markdown if !counting => {
            let command: Vec<String> = std::iter::once("trailproof".to_owned())
                .chain(std::env::args().skip(1))
                .collect();
            let _ = out.write_all(
                present::markdown(
                    &kept,
                    done.input.matches,
                    done.input.records,
                    done.input.files,
                    &command,
                )
                .as_bytes(),
            );
        }
        _ => {}
    }
    code
}

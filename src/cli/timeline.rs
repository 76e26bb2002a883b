//! `trailproof timeline --identity X`: everything one identity did, in time order, with
//! the sessions and keys it started stitched in, over local logs or a trail verified on the
//! way (the inputs of `search`).
//!
//! Exit codes (those of `search`): 0 ran to the end, steps or not (a step is a result, not a
//! finding); 1 the verification found tampering; 2 could not run (a bad option, named with
//! why; a path that does not exist; no log file could be read; the page cannot be written);
//! 3 incomplete (a log file unreadable or malformed, the verification incomplete, or records
//! of a linked session did not fit the buffer: the output names them).

use std::io::Write as _;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::common::fail;
use super::exit;
use super::trail::TrailArgs;
use crate::limits::MAX_ACTIVITY_INFLATED_BYTES;
use crate::present::escape::neutralise;
use crate::present::timeline as present;
use crate::search::timeline::{DEFAULT_BUFFER_BYTES, TimelineConsumer, TimelineSpec};
use crate::time::parse_user_time;

/// Output format of `timeline`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TimelineFormat {
    /// The steps in time order: what, who, from where, why it belongs, file (verified or
    /// not).
    Text,
    /// One object per step: time, why, actor, `event_name`, `event_source`, `source_ip`,
    /// file, verified, and the record as read.
    Jsonl,
    /// A ticket a person can read without knowing `CloudTrail`.
    Markdown,
    /// A self-contained HTML page (`--out FILE`).
    Html,
}

/// Options of `timeline`.
#[derive(Debug, Args)]
pub struct TimelineArgs {
    /// The identity to follow: the actor key the summary shows, a user, role or session
    /// name, an ARN, a principal id or an access key id (the names `search --identity`
    /// compares).
    #[arg(long, value_name = "WHO")]
    pub identity: String,
    /// Local log files or folders (walked recursively, in sorted order); unverified.
    #[arg(long, value_name = "PATH", num_args = 1.., required_unless_present = "trail_arn", conflicts_with = "trail_arn")]
    pub logs: Vec<PathBuf>,
    /// Steps at or after this time (the forms `--start-time` accepts); sessions started
    /// before it are still followed.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Steps before this time.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Compare the identity's names without case.
    #[arg(short = 'i', long)]
    pub ignore_case: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TimelineFormat::Text)]
    pub format: TimelineFormat,
    /// With `--format html`: the page to write (atomically).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Memory for records read before the call that links them to the identity (a
    /// session's calls often come in a file read before its `AssumeRole`).
    #[arg(long, value_name = "MIB", default_value_t = DEFAULT_BUFFER_BYTES >> 20)]
    pub buffer_mib: usize,
    /// Verified input: the trail and window to verify (the options of `verify`).
    #[command(flatten)]
    pub trail: TrailArgs,
}

/// The spec of the arguments, or why they cannot be used.
fn spec(args: &TimelineArgs, record_limit: u64) -> Result<TimelineSpec, String> {
    if args.identity.is_empty() {
        return Err("--identity: an empty name matches nothing".to_owned());
    }
    let time = |flag: &str, v: &Option<String>| {
        v.as_deref()
            .map(|s| parse_user_time(s).map_err(|e| format!("{flag} {s:?}: {e}")))
            .transpose()
    };
    let since = time("--since", &args.since)?;
    let until = time("--until", &args.until)?;
    if let (Some(s), Some(u)) = (since, until)
        && s >= u
    {
        return Err("--since must be before --until".to_owned());
    }
    match (args.format, &args.out) {
        (TimelineFormat::Html, None) => {
            return Err("--format html writes a page: give --out FILE".to_owned());
        }
        (f, Some(_)) if f != TimelineFormat::Html => {
            return Err("--out is for --format html (the other formats go to stdout)".to_owned());
        }
        _ => {}
    }
    Ok(TimelineSpec {
        identity: args.identity.clone(),
        ignore_case: args.ignore_case,
        since,
        until,
        buffer_bytes: args.buffer_mib.saturating_mul(1 << 20),
        inflate_limit: MAX_ACTIVITY_INFLATED_BYTES,
        record_limit,
    })
}

/// Runs `timeline`.
pub async fn run(args: &TimelineArgs) -> u8 {
    let limits = match super::summarize::limits() {
        Ok(l) => l,
        Err(e) => return fail(&e),
    };
    let spec = match spec(args, limits.max_record_bytes) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    let listed = match super::input::local_files(&args.logs, &args.trail) {
        Ok(l) => l,
        Err(e) => return fail(&e),
    };
    let local = listed.is_some();
    let mut consumer = TimelineConsumer::new(spec);
    let verification =
        match super::input::feed(&args.logs, &args.trail, listed.as_ref(), &mut consumer).await {
            Ok((_, v)) => v.map(|(_, outcome)| outcome),
            Err(e) => return fail(&e),
        };
    let nothing = local && consumer.files() == 0;
    let timeline = consumer.finish();
    let mut err = std::io::stderr().lock();
    super::input::list_skipped(&timeline.input.skipped);
    if nothing {
        return fail("no log file could be read from the input");
    }
    for n in &timeline.not_kept {
        let _ = writeln!(
            err,
            "not complete: {} record(s) made with {}, read before the call that links them, did not fit the buffer (--buffer-mib {})",
            n.records,
            neutralise(&n.credential),
            args.buffer_mib
        );
    }
    let code = exit::code(timeline.outcome(verification));
    let i = &timeline.input;
    let _ = writeln!(
        err,
        "{} step(s), {} session(s) or key(s) followed, in {} record(s) of {} log file(s) ({} verified)",
        timeline.steps.len(),
        timeline.links.len(),
        i.records,
        i.files,
        i.verified_files
    );
    drop(err);
    let command: Vec<String> = std::iter::once("trailproof".to_owned())
        .chain(std::env::args().skip(1))
        .collect();
    let text = match args.format {
        TimelineFormat::Text => present::text(&timeline),
        TimelineFormat::Jsonl => timeline
            .steps
            .iter()
            .map(|s| present::jsonl_line(&timeline, s))
            .collect(),
        TimelineFormat::Markdown => present::markdown(&timeline, &command),
        TimelineFormat::Html => {
            let Some(out) = &args.out else {
                return fail("--format html writes a page: give --out FILE");
            };
            let page = match present::render_html(&timeline, &command, true) {
                Ok(p) => p,
                Err(e) => return fail(&format!("cannot render the page: {e}")),
            };
            if let Err(e) = crate::source::record::write_atomic(out, page.as_bytes()) {
                return fail(&format!("cannot write {}: {e}", out.display()));
            }
            return code;
        }
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    code
}

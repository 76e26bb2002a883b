//! Many chains in one run (`verify --organization`, `--accounts`, `--regions`,
//! `--shard K/N`) and `trailproof merge`, which combines the shares' JSON documents:
//! arguments → request → library run → presenter → exit code.

use std::io::Write as _;
use std::path::PathBuf;

use clap::Args;

use super::common::Format;
use super::exit;
use super::verify::VerifyArgs;
use crate::audit::org::{OrgRequest, run_org};
use crate::present::org_text::render_text;
use crate::report::org::{MergeError, OrgReport, SCHEMA, from_run, merge};
use crate::report::verify::Builder;

/// Whether `verify` was asked for many chains.
#[must_use]
pub fn wanted(args: &VerifyArgs) -> bool {
    args.organization
        || args.shard.is_some()
        || !args.accounts.is_empty()
        || !args.regions.is_empty()
}

/// Runs `verify` over many chains.
pub async fn run(args: VerifyArgs) -> u8 {
    match run_inner(&args).await {
        Ok(code) => code,
        Err(msg) => {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\n{}\n", msg.replace('\n', " "));
            exit::CANNOT_RUN
        }
    }
}

async fn run_inner(args: &VerifyArgs) -> Result<u8, String> {
    let req = OrgRequest {
        verify: args.request()?,
        organization: args.organization,
        accounts: args.accounts.clone(),
        regions: args.regions.clone(),
        shard: args.shard,
    };
    let run = run_org::<Builder>(&req).await.map_err(|e| e.to_string())?;
    let mut report = from_run(&req, run);
    let code = exit::code(report.outcome);
    report.exit_code = Some(code);
    print(&report, args.format, args.html.as_deref())?;
    Ok(code)
}

/// Prints the document as JSON or text. With `html`, also writes the HTML page (atomically),
/// whose footer carries the SHA-256 of the JSON form.
fn print(report: &OrgReport, format: Format, html: Option<&std::path::Path>) -> Result<(), String> {
    let mut json = serde_json::to_string_pretty(report).unwrap_or_default();
    json.push('\n');
    if let Some(path) = html {
        let page = crate::present::org_html::render_org_html(
            report,
            &crate::hash::sha256_hex(json.as_bytes()),
            true,
        )
        .map_err(|e| format!("cannot render the HTML page: {e}"))?;
        crate::source::record::write_atomic(path, page.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    let out = match format {
        Format::Json => json,
        Format::Text => render_text(report),
    };
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    Ok(())
}

/// Options of `merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// JSON documents of `verify --shard K/N --format json` (every share of one run).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Also write the merged result as a self-contained HTML page.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

/// Runs `merge`.
#[must_use]
pub fn run_merge(args: &MergeArgs) -> u8 {
    let mut docs = Vec::new();
    for path in &args.files {
        let name = path.display().to_string();
        let doc = std::fs::read(path)
            .map_err(|e| MergeError::Unreadable(name.clone(), e.to_string()))
            .and_then(|b| {
                serde_json::from_slice::<OrgReport>(&b)
                    .map_err(|e| MergeError::Unreadable(name.clone(), e.to_string()))
            })
            .and_then(|d| {
                if d.schema_version == SCHEMA {
                    Ok(d)
                } else {
                    Err(MergeError::Unreadable(
                        name.clone(),
                        format!("schema {:?}, expected {SCHEMA}", d.schema_version),
                    ))
                }
            });
        match doc {
            Ok(d) => docs.push((name, d)),
            Err(e) => {
                let _ = writeln!(std::io::stderr().lock(), "\n{e}");
                return exit::CANNOT_RUN;
            }
        }
    }
    match merge(docs)
        .map_err(|e| e.to_string())
        .and_then(|mut report| {
            let code = exit::code(report.outcome);
            report.exit_code = Some(code);
            print(&report, args.format, args.html.as_deref()).map(|()| code)
        }) {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(std::io::stderr().lock(), "\n{e}");
            exit::CANNOT_RUN
        }
    }
}

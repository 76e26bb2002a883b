//! Command-line interface: the only place that knows about clap, stdout/stderr and exit
//! codes. Each command reads as: arguments → a library request → the library call → a
//! presenter → the exit code ([`exit::code`] of the library's outcome).
//!
//! [`command`] defines the arguments, [`common`] what the commands share, and this file
//! only dispatches; no command imports it, so the files form no import circle.

pub mod check;
pub mod command;
pub mod common;
pub mod completions;
pub mod controls;
pub mod exit;
pub mod hunt;
mod input;
pub mod logging;
pub mod org;
pub mod report;
pub mod search;
pub mod summarize;
pub mod timeline;
pub mod trail;
pub mod verify;

use command::{Cli, Command};
use common::{elapsed_ms, fail};

/// Runs a command and returns its exit code (after starting the diagnostics it asks for).
pub async fn run(cli: Cli) -> u8 {
    use tracing::Instrument as _;
    if let Err(e) = logging::init(&cli.log) {
        return fail(&e);
    }
    let name = cli.command.name();
    let started = std::time::Instant::now();
    tracing::debug!(
        command = name,
        version = env!("CARGO_PKG_VERSION"),
        "starting"
    );
    let code = async {
        match cli.command {
            Command::Verify(args) if org::wanted(&args) => Box::pin(org::run(args)).await,
            Command::Verify(args) => verify::run(args).await,
            Command::Merge(args) => org::run_merge(&args),
            Command::Fetch(args) => verify::run_fetch(args.verify, args.out).await,
            Command::Snapshot(args) => Box::pin(check::run_snapshot(args)).await,
            Command::Check(args) => Box::pin(check::run_check(args)).await,
            Command::Controls(args) => controls::run(&args),
            Command::Summarize(args) => Box::pin(summarize::run(&args)).await,
            Command::Hunt(args) => Box::pin(hunt::run(&args)).await,
            Command::Search(args) => Box::pin(search::run(&args)).await,
            Command::Timeline(args) => Box::pin(timeline::run(&args)).await,
            Command::Report(args) => Box::pin(report::run(*args)).await,
            Command::Completions(args) => completions::run_completions(&args),
            Command::Man(args) => completions::run_man(&args),
        }
    }
    .instrument(tracing::info_span!("command", command = name))
    .await;
    tracing::info!(
        command = name,
        exit_code = code,
        elapsed_ms = elapsed_ms(started),
        "finished"
    );
    code
}

//! Command-line interface: the only place that knows about clap, stdout/stderr and exit
//! codes.

use clap::{Parser, Subcommand};

pub mod exit;
pub mod verify;

/// Prove that AWS `CloudTrail` logs are intact.
#[derive(Debug, Parser)]
#[command(name = "trailproof", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Verify the digest chain and every log file it references (a stricter, faster
    /// `aws cloudtrail validate-logs`).
    Verify(verify::VerifyArgs),
}

/// Runs a command and returns its exit code.
pub async fn run(cli: Cli) -> u8 {
    match cli.command {
        Command::Verify(args) => verify::run(args).await,
    }
}

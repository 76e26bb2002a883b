//! What every command shares: the clock (read here only), the could-not-run message, the
//! AWS configuration, the text-or-JSON format, and the diagnostics' timings.

use clap::ValueEnum;

use super::exit;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The reference's text.
    Text,
    /// One JSON document (schema `trailproof.verify/1`).
    Json,
}

/// "Now": the one place the program reads the clock (the core takes time as an argument).
pub(crate) fn now() -> crate::time::UtcTime {
    #[allow(clippy::disallowed_methods)]
    chrono::Utc::now()
}

/// Prints a could-not-run reason the way every command does and returns exit code 2.
pub(crate) fn fail(message: &str) -> u8 {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "\n{message}");
    exit::CANNOT_RUN
}

/// The shared AWS configuration of every command ([`crate::source::sdk::load`]).
pub(crate) async fn aws_config(
    profile: Option<&str>,
    region: Option<&str>,
    attempt_timeout: std::time::Duration,
) -> aws_config::SdkConfig {
    crate::source::sdk::load(profile, region, attempt_timeout).await
}

/// Milliseconds since `started`, for the per-phase timings in the diagnostics.
pub(crate) fn elapsed_ms(started: std::time::Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// After an analysis over a trail (`summarize`, `hunt`, `search`): says on stderr when the
/// verification found something or could not check everything, and where the lines are.
pub(crate) fn note_verification(outcome: crate::vocab::Outcome) {
    use std::io::Write as _;
    let line = match outcome {
        crate::vocab::Outcome::Findings => {
            "integrity: the verification found tampering (invalid, missing, unreferenced or foreign files): `trailproof verify` with the same options lists them"
        }
        crate::vocab::Outcome::Incomplete => {
            "integrity: some files could not be verified (ERROR): `trailproof verify` with the same options lists them"
        }
        crate::vocab::Outcome::Clean | crate::vocab::Outcome::NotRun => return,
    };
    let _ = writeln!(std::io::stderr(), "{line}");
}

//! Diagnostics (`--log-level`, `--log-format`, `--log-file`): `tracing` events of trailproof
//! and of the AWS SDK, written only when asked.
//!
//! The default is `off`: no subscriber is installed, so in text mode stdout and stderr carry
//! the reference's lines and nothing else (scripts that diff `validate-logs` output keep
//! working). Not even `warn` is on by default: the SDK warns on its own (a profile file it
//! cannot parse, a region it cannot find, a retry quota spent), and such a line on stderr
//! would break the byte-for-byte contract with the reference. Everything that decides a
//! verdict or the exit code is already printed as one of the command's own lines.
//!
//! One level applies to every target: at `debug` and `trace` the SDK's own events (credential
//! providers tried, endpoint resolution, each attempt and retry, request timings) are
//! written too, each with its `target` (`aws_config::…`, `aws_smithy_runtime::…`) so they can
//! be filtered afterwards.

use std::path::PathBuf;
use std::sync::Mutex;

use clap::{Args, ValueEnum};
use tracing_subscriber::filter::LevelFilter;

/// How much to log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogLevel {
    /// Nothing (the default).
    Off,
    /// Failures the command handled (a region that could not be read, …).
    Error,
    /// Also conditions worth a look (SDK warnings).
    Warn,
    /// Also what was used: sources, regions, keys, the trail's bucket, and per-phase timings.
    Info,
    /// Also every step, and the AWS SDK's events: credential providers, attempts, retries.
    Debug,
    /// Everything, down to the HTTP client.
    Trace,
}

impl LogLevel {
    fn filter(self) -> LevelFilter {
        match self {
            Self::Off => LevelFilter::OFF,
            Self::Error => LevelFilter::ERROR,
            Self::Warn => LevelFilter::WARN,
            Self::Info => LevelFilter::INFO,
            Self::Debug => LevelFilter::DEBUG,
            Self::Trace => LevelFilter::TRACE,
        }
    }
}

/// How each diagnostic line looks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// `<time> <LEVEL> <target>: <message> key=value…`
    #[default]
    Text,
    /// One JSON object a line (`timestamp`, `level`, `target`, `fields`, `span`s).
    Json,
}

/// The logging options, global to every command.
#[derive(Debug, Clone, Default, Args)]
pub struct LogArgs {
    /// Diagnostics to write, to stderr or `--log-file` [default: off; info when --log-file
    /// is given]. Off keeps the output exactly the command's own lines.
    #[arg(
        long,
        value_enum,
        global = true,
        value_name = "LEVEL",
        help_heading = "Diagnostics",
        display_order = 900
    )]
    pub log_level: Option<LogLevel>,
    /// Format of the diagnostics.
    #[arg(long, value_enum, global = true, default_value_t = LogFormat::Text, value_name = "FORMAT", help_heading = "Diagnostics", display_order = 901)]
    pub log_format: LogFormat,
    /// Append the diagnostics to this file instead of stderr.
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        help_heading = "Diagnostics",
        display_order = 902
    )]
    pub log_file: Option<PathBuf>,
}

impl LogArgs {
    /// The level in force: `--log-level`, else info when a log file is named, else off.
    #[must_use]
    pub fn level(&self) -> LogLevel {
        match (self.log_level, &self.log_file) {
            (Some(l), _) => l,
            (None, Some(_)) => LogLevel::Info,
            (None, None) => LogLevel::Off,
        }
    }
}

/// Installs the global subscriber the options ask for (none when the level is off).
///
/// # Errors
/// The one-line reason when the log file cannot be opened or a subscriber is already set.
pub fn init(args: &LogArgs) -> Result<(), String> {
    let level = args.level();
    if level == LogLevel::Off {
        return Ok(());
    }
    let builder = tracing_subscriber::fmt()
        .with_max_level(level.filter())
        .with_ansi(false);
    let result = match &args.log_file {
        Some(path) => {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| format!("cannot open log file {}: {e}", path.display()))?;
            // A mutex-guarded file: each event is written whole, in one write, so lines
            // never interleave and nothing is buffered when the process exits.
            let writer = Mutex::new(file);
            match args.log_format {
                LogFormat::Text => builder.with_writer(writer).try_init(),
                LogFormat::Json => builder.json().with_writer(writer).try_init(),
            }
        }
        None => match args.log_format {
            LogFormat::Text => builder.with_writer(std::io::stderr).try_init(),
            LogFormat::Json => builder.json().with_writer(std::io::stderr).try_init(),
        },
    };
    result.map_err(|e| format!("cannot start logging: {e}"))
}

/// Logs what the shared AWS configuration resolved to: region, profile, endpoint overrides
/// (credentials are resolved later, per request; the SDK's own `debug` events name the
/// provider that answered, e.g. `loaded credentials provider=Ec2InstanceMetadata`).
pub(crate) fn aws_config_loaded(
    conf: &aws_config::SdkConfig,
    profile: Option<&str>,
    started: std::time::Instant,
) {
    crate::source::sdk::log_loaded(conf, profile, started);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_defaults_off_and_to_info_with_a_file() {
        let mut a = LogArgs::default();
        assert_eq!(a.level(), LogLevel::Off);
        a.log_file = Some("x.log".into());
        assert_eq!(a.level(), LogLevel::Info);
        a.log_level = Some(LogLevel::Trace);
        assert_eq!(a.level(), LogLevel::Trace);
        a.log_level = Some(LogLevel::Off);
        assert_eq!(a.level(), LogLevel::Off);
    }
}

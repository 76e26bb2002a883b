//! The `trailproof` binary: parse arguments, build the runtime, run, map to an exit code.
//!
//! SIGINT (Ctrl-C) and SIGTERM stop the run: the lines already printed stay as they are (each
//! is written whole), what was verified so far is summarised on stderr, nothing half-written
//! is left behind (every output file is written to a temporary name and renamed into place,
//! so a file either is complete or does not exist), and the exit code is 130.

use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    let cli = match trailproof::cli::command::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with 0; usage errors to stderr with 2.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("\ncannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let code = runtime.block_on(async {
        // Registered before the run starts, so an early signal is not the default "die now".
        let signal = Interrupt::register();
        tokio::select! {
            biased;
            name = signal.received() => {
                use std::io::Write as _;
                let report = trailproof::cli::verify::interruption_report(name);
                let _ = std::io::stdout().flush();
                let mut err = std::io::stderr().lock();
                let _ = err.write_all(report.as_bytes());
                let _ = err.flush();
                trailproof::cli::exit::INTERRUPTED
            }
            code = trailproof::cli::run(cli) => code,
        }
    });
    runtime.shutdown_background();
    ExitCode::from(code)
}

/// The signals that interrupt a run.
struct Interrupt {
    #[cfg(unix)]
    int: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
}

impl Interrupt {
    fn register() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Self {
                int: signal(SignalKind::interrupt()).ok(),
                term: signal(SignalKind::terminate()).ok(),
            }
        }
        #[cfg(not(unix))]
        {
            Self {}
        }
    }

    /// The name of the first signal received.
    async fn received(mut self) -> &'static str {
        #[cfg(unix)]
        {
            async fn next(s: Option<&mut tokio::signal::unix::Signal>) {
                match s {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending().await,
                }
            }
            tokio::select! {
                () = next(self.int.as_mut()) => "SIGINT",
                () = next(self.term.as_mut()) => "SIGTERM",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        }
    }
}

//! The `trailproof` binary: parse arguments, build the runtime, run, map to an exit code.

use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    let cli = match trailproof::cli::Cli::try_parse() {
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
        tokio::select! {
            code = trailproof::cli::run(cli) => code,
            _ = tokio::signal::ctrl_c() => trailproof::cli::exit::INTERRUPTED,
        }
    });
    runtime.shutdown_background();
    ExitCode::from(code)
}

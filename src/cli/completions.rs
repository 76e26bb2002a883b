//! `trailproof completions <shell>` and `trailproof man`: shell completion scripts and
//! manual pages, both generated from the clap definition so they never drift from the
//! options the binary accepts.

use std::fmt::Write as _;
use std::io::Write as _;

use clap::CommandFactory as _;

use super::command::{Cli, CompletionsArgs, ManArgs};
use super::common::fail;
use super::exit;

/// Writes the completion script on stdout.
#[must_use]
pub fn run_completions(args: &CompletionsArgs) -> u8 {
    let mut cmd = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "trailproof", &mut script);
    write_stdout(&script)
}

/// Every manual page: `(file name, roff)`, the top-level page first, then each visible
/// subcommand's, as `clap_mangen::generate_to` names them.
///
/// # Errors
/// The I/O error of rendering (into memory, so none in practice).
pub fn man_pages() -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut pages = Vec::new();
    let mut pending = vec![cmd];
    while let Some(cmd) = pending.pop() {
        let man = clap_mangen::Man::new(cmd.clone());
        let mut roff = Vec::new();
        man.render(&mut roff)?;
        roff.extend_from_slice(exit_status_section().as_bytes());
        pages.push((man.get_filename(), roff));
        let mut subs: Vec<clap::Command> = cmd
            .get_subcommands()
            .filter(|s| !s.is_hide_set())
            .cloned()
            .collect();
        subs.reverse();
        pending.extend(subs);
    }
    Ok(pages)
}

/// The exit codes (`src/cli/exit.rs`), as a man page's EXIT STATUS section.
const EXIT_STATUS: &[(&str, &str)] = &[
    (
        "0",
        "Everything asked was checked and nothing was found. For verify, a logging gap or \
         \"No digests found\" is 0, as with aws cloudtrail validate-logs; for check, MANUAL \
         results are 0 unless --strict.",
    ),
    (
        "1",
        "Findings: a digest or log file INVALID or missing, or another finding (verify, fetch, \
         summarize, report); an unwaived FAIL (check; with --strict also an unwaived MANUAL \
         when no result is ERROR).",
    ),
    (
        "2",
        "Could not run: a usage error, credentials, trail not found, nothing listable, no \
         public keys, an unreadable or invalid input file, an output that cannot be written.",
    ),
    (
        "3",
        "Ran to the end but incomplete, with no findings: some files ended in ERROR (denied, \
         throttled after retries, timed out, cut short, over a limit), a region could not be \
         verified, an object could not be recorded (fetch), a call was denied or failed \
         (snapshot), a result is ERROR (check), an input file was unreadable or malformed \
         (summarize).",
    ),
    (
        "130",
        "Interrupted (SIGINT or SIGTERM): what was verified so far is summarised on stderr \
         and no half-written output file is left.",
    ),
];

/// The EXIT STATUS section appended to every page (`report` exits with the worse of its
/// verification's and its check's codes: 1, then 2, then 3, then 0).
fn exit_status_section() -> String {
    let mut s = String::from(".SH \"EXIT STATUS\"\n");
    for (code, meaning) in EXIT_STATUS {
        let _ = write!(s, ".TP\n\\fB{code}\\fR\n{}\n", roff_text(meaning));
    }
    s.push_str(".PP\nreport exits with the worse of its verification\\*(Aqs and its check\\*(Aqs codes: 1, then 2, then 3, then 0.\n");
    s
}

/// Escapes text for a roff line: backslashes and hyphens (so `--strict` stays two ASCII
/// hyphens when rendered).
fn roff_text(s: &str) -> String {
    s.replace('\\', "\\e").replace('-', "\\-")
}

/// Prints `trailproof.1`, or writes every page into `--out` (listing the files written).
#[must_use]
pub fn run_man(args: &ManArgs) -> u8 {
    let pages = match man_pages() {
        Ok(p) => p,
        Err(e) => return fail(&format!("cannot render the manual pages: {e}")),
    };
    let Some(dir) = &args.out else {
        return pages
            .first()
            .map_or(exit::CLEAN, |(_, roff)| write_stdout(roff));
    };
    let mut listing = String::new();
    for (name, roff) in &pages {
        let path = dir.join(name);
        if let Err(e) = crate::source::record::write_atomic(&path, roff) {
            return fail(&format!("cannot write {}: {e}", path.display()));
        }
        let _ = writeln!(listing, "{}", path.display());
    }
    write_stdout(listing.as_bytes())
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
fn write_stdout(bytes: &[u8]) -> u8 {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => exit::CLEAN,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => exit::CLEAN,
        Err(e) => fail(&format!("cannot write to stdout: {e}")),
    }
}

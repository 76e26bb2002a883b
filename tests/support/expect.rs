//! The checks a run of a case must pass: its expected exit code and lines, and — for a
//! default run — that the findings the reference never makes only follow its lines.

use super::case::Case;
use super::run::Run;

/// Whether a stderr line belongs to the reference's vocabulary.
#[allow(dead_code, reason = "tests/operability.rs checks expectations only")]
pub fn is_reference_line(line: &str) -> bool {
    let line = line.strip_prefix("(backfill) ").unwrap_or(line);
    line.starts_with("Digest file\t")
        || line.starts_with("Log file\t")
        || line.starts_with("No log files were delivered by CloudTrail between ")
}

/// Checks a default run against the `--reference-only` run of the same case: identical
/// stdout; stderr is the reference-only stderr followed by extra findings only (each
/// `line\n\n`, none in the reference's vocabulary); exit 1 when any extra is INVALID.
/// Returns the extra lines.
#[allow(
    dead_code,
    reason = "tests/operability.rs and tests/properties.rs check no extras"
)]
pub fn extras(c: &Case, default: &Run, reference_only: &Run) -> Vec<String> {
    assert_eq!(
        default.stdout, reference_only.stdout,
        "{}: stdout changed by the extra checks",
        c.name
    );
    let rest = default.stderr.strip_prefix(reference_only.stderr.as_str()).unwrap_or_else(|| {
        panic!(
            "{}: extra findings must follow the reference's lines\ndefault:\n{}\nreference-only:\n{}",
            c.name, default.stderr, reference_only.stderr
        )
    });
    let lines: Vec<String> = rest.split_terminator("\n\n").map(str::to_owned).collect();
    assert_eq!(
        lines.join("\n\n") + if lines.is_empty() { "" } else { "\n\n" },
        rest,
        "{}: spacing",
        c.name
    );
    for l in &lines {
        assert!(
            !is_reference_line(l),
            "{}: extra line in reference vocabulary: {l:?}",
            c.name
        );
        assert_eq!(l.split('\t').count(), 3, "{}: malformed line {l:?}", c.name);
    }
    let invalid = lines.iter().any(|l| l.contains("\tINVALID: "));
    let expected_code = if invalid { 1 } else { reference_only.code };
    assert_eq!(
        default.code, expected_code,
        "{}: exit code with extra findings {lines:#?}",
        c.name
    );
    for f in &c.expect_findings {
        assert!(
            lines.contains(f),
            "{}: missing finding {f:?}\nfound:\n{lines:#?}",
            c.name
        );
    }
    if c.only_expected_findings {
        assert_eq!(
            &lines, &c.expect_findings,
            "{}: unexpected findings",
            c.name
        );
    }
    lines
}

/// Asserts the case's expectations on a run.
#[allow(
    dead_code,
    reason = "tests/properties.rs only filters the reference's lines"
)]
pub fn check_expectations(c: &Case, run: &Run) {
    assert_eq!(
        run.code, c.expect_code,
        "{}: exit code\nstdout:\n{}\nstderr:\n{}",
        c.name, run.stdout, run.stderr
    );
    for l in &c.expect_stderr {
        assert!(
            run.stderr.lines().any(|x| x == l),
            "{}: stderr lacks line {l:?}\nstderr:\n{}",
            c.name,
            run.stderr
        );
    }
    for l in &c.expect_stdout {
        assert!(
            run.stdout.lines().any(|x| x == l),
            "{}: stdout lacks line {l:?}\nstdout:\n{}",
            c.name,
            run.stdout
        );
    }
}

//! The one exit-code contract of every command (DEVELOPERS.md):
//! 0 = everything asked was checked and nothing was found; 1 = findings; 2 = could not run;
//! 3 = ran to the end but incomplete, with no findings; 130 = interrupted.

use crate::audit::tally::Counts;
use crate::vocab::Outcome;

/// Nothing found.
pub const CLEAN: u8 = 0;
/// Tampering or another finding.
pub const FINDINGS: u8 = 1;
/// Could not run.
pub const CANNOT_RUN: u8 = 2;
/// Completed, but some files or calls ended in ERROR.
pub const INCOMPLETE: u8 = 3;
/// Ctrl-C.
pub const INTERRUPTED: u8 = 130;

/// The exit code of an outcome.
#[must_use]
pub fn code(outcome: Outcome) -> u8 {
    match outcome {
        Outcome::Clean => CLEAN,
        Outcome::Findings => FINDINGS,
        Outcome::Incomplete => INCOMPLETE,
        Outcome::NotRun => CANNOT_RUN,
    }
}

/// Exit code of a verification: findings win over errors; gaps are not findings.
#[must_use]
pub fn for_verify(totals: &Counts, failed_regions: usize) -> u8 {
    code(totals.outcome(failed_regions))
}

/// The worse of two exit codes: findings, then could-not-run, then incomplete, then clean
/// (for commands that run several checks, e.g. `report`).
#[must_use]
pub fn worst(a: u8, b: u8) -> u8 {
    let rank = |c: u8| match c {
        FINDINGS => 3,
        CANNOT_RUN => 2,
        INCOMPLETE => 1,
        _ => 0,
    };
    if rank(a) >= rank(b) { a } else { b }
}

/// The word for an exit code in reports.
#[must_use]
pub fn outcome_word(code: u8) -> &'static str {
    match code {
        CLEAN => "clean",
        FINDINGS => "findings",
        INCOMPLETE => "incomplete",
        _ => "not_run",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::tally::Tally;

    #[test]
    fn exit_code_findings_beat_errors_and_gaps_are_clean() {
        let mut c = Counts {
            gaps: 3,
            ..Counts::default()
        };
        assert_eq!(for_verify(&c, 0), CLEAN);
        c.logs = Tally {
            valid: 1,
            invalid: 0,
            error: 1,
        };
        assert_eq!(for_verify(&c, 0), INCOMPLETE);
        c.digests.invalid = 1;
        assert_eq!(for_verify(&c, 0), FINDINGS);
        assert_eq!(for_verify(&Counts::default(), 1), INCOMPLETE);
    }

    #[test]
    fn findings_beat_incomplete_beats_clean() {
        assert_eq!(worst(CLEAN, INCOMPLETE), INCOMPLETE);
        assert_eq!(worst(FINDINGS, INCOMPLETE), FINDINGS);
        assert_eq!(worst(CLEAN, CLEAN), CLEAN);
    }
}

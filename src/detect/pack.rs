//! The project's own rule pack (`rules/` in the repository), embedded in the binary:
//! `hunt` runs it when no `--rules` is given, `report` always, and the activity summary's
//! CIS section is computed from its `cis/` rules. Every rule is the project's own text.

use super::sigma::RuleText;

/// Every file of the pack: its path under `rules/` and its text.
const FILES: &[(&str, &str)] = &[
    (
        "cis/cis-4.01.yml",
        include_str!("../../rules/cis/cis-4.01.yml"),
    ),
    (
        "cis/cis-4.02.yml",
        include_str!("../../rules/cis/cis-4.02.yml"),
    ),
    (
        "cis/cis-4.03.yml",
        include_str!("../../rules/cis/cis-4.03.yml"),
    ),
    (
        "cis/cis-4.04.yml",
        include_str!("../../rules/cis/cis-4.04.yml"),
    ),
    (
        "cis/cis-4.05.yml",
        include_str!("../../rules/cis/cis-4.05.yml"),
    ),
    (
        "cis/cis-4.06.yml",
        include_str!("../../rules/cis/cis-4.06.yml"),
    ),
    (
        "cis/cis-4.07.yml",
        include_str!("../../rules/cis/cis-4.07.yml"),
    ),
    (
        "cis/cis-4.08.yml",
        include_str!("../../rules/cis/cis-4.08.yml"),
    ),
    (
        "cis/cis-4.09.yml",
        include_str!("../../rules/cis/cis-4.09.yml"),
    ),
    (
        "cis/cis-4.10.yml",
        include_str!("../../rules/cis/cis-4.10.yml"),
    ),
    (
        "cis/cis-4.11.yml",
        include_str!("../../rules/cis/cis-4.11.yml"),
    ),
    (
        "cis/cis-4.12.yml",
        include_str!("../../rules/cis/cis-4.12.yml"),
    ),
    (
        "cis/cis-4.13.yml",
        include_str!("../../rules/cis/cis-4.13.yml"),
    ),
    (
        "cis/cis-4.14.yml",
        include_str!("../../rules/cis/cis-4.14.yml"),
    ),
    (
        "cis/cis-4.15.yml",
        include_str!("../../rules/cis/cis-4.15.yml"),
    ),
    (
        "threats/access-key-for-another-user.yml",
        include_str!("../../rules/threats/access-key-for-another-user.yml"),
    ),
    (
        "threats/commonly-abused-apis.yml",
        include_str!("../../rules/threats/commonly-abused-apis.yml"),
    ),
    (
        "threats/console-sign-in-without-mfa.yml",
        include_str!("../../rules/threats/console-sign-in-without-mfa.yml"),
    ),
    (
        "threats/logging-tampering.yml",
        include_str!("../../rules/threats/logging-tampering.yml"),
    ),
    (
        "threats/protection-changes.yml",
        include_str!("../../rules/threats/protection-changes.yml"),
    ),
    (
        "threats/root-console-sign-in.yml",
        include_str!("../../rules/threats/root-console-sign-in.yml"),
    ),
    (
        "threats/world-open-ingress.yml",
        include_str!("../../rules/threats/world-open-ingress.yml"),
    ),
];

/// The prefix the pack's files are reported under (`builtin:cis/cis-4.01.yml`).
pub const PREFIX: &str = "builtin:";

/// The pack's rule files.
#[must_use]
pub fn rules() -> Vec<RuleText> {
    FILES
        .iter()
        .map(|(path, text)| RuleText {
            file: format!("{PREFIX}{path}"),
            text: (*text).to_owned(),
        })
        .collect()
}

/// The pack's CIS AWS Foundations v3.0 monitoring rules (4.1–4.15), in item order.
#[must_use]
pub fn cis() -> Vec<RuleText> {
    rules()
        .into_iter()
        .filter(|r| r.file.starts_with("builtin:cis/"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::sigma;

    #[test]
    fn every_rule_of_the_pack_loads() {
        let loaded = sigma::load(&rules());
        assert!(loaded.refused.is_empty(), "{:?}", loaded.refused);
        assert!(loaded.skipped.is_empty(), "{:?}", loaded.skipped);
        assert_eq!(loaded.rules.rules().len(), FILES.len());
        assert_eq!(sigma::load(&cis()).rules.rules().len(), 15);
    }
}

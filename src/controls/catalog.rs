//! The compliance control catalog: every `CloudTrail` control (CT-01 … CT-28) with its title,
//! severity, scope, rationale, remediation and framework cross-references.
//!
//! This module is data only. It performs no evaluation and no I/O: checks that decide a
//! status for a control live elsewhere and look their metadata up here by id. The content is
//! transcribed from the research note `controls.md` (§2 crosswalk, §3 main table, §4 details);
//! rationale and remediation are short paraphrases, not copies of any benchmark text.
//!
//! CIS references are emitted once per benchmark version (see [`CIS_VERSIONS`]), because the
//! benchmark renumbers between versions (Logging is section 3 up to v5.0 and section 4 from
//! v6.0); a control that a version dropped simply has no reference for that version.

use serde::{Serialize, Serializer};

/// How serious a failed control is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Immediate exposure of the audit evidence (e.g. a public log bucket).
    Critical,
    /// Loss or absence of audit evidence.
    High,
    /// Weakened protection or coverage of the audit evidence.
    Medium,
    /// Hardening or defence in depth.
    Low,
    /// Informational only; never a failure by itself.
    Info,
}

/// What a control's result is about (the resource a finding is attached to).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Evaluated once per account.
    Account,
    /// Evaluated once per enabled Region.
    Region,
    /// Evaluated once per de-duplicated trail, in its home Region.
    Trail,
    /// Evaluated per trail bucket.
    Bucket,
    /// Evaluated per trail KMS key.
    Key,
    /// Evaluated per trail `CloudWatch` Logs log group.
    LogGroup,
    /// Evaluated per `CloudTrail` Lake event data store.
    EventDataStore,
}

/// A compliance framework a control can be mapped to.
///
/// Serialises as its display name (see [`Framework::name`]), e.g. `"CIS 3.0"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Framework {
    /// CIS AWS Foundations Benchmark; the payload is the version, e.g. `"3.0"`.
    Cis(&'static str),
    /// AWS Security Hub (Foundational Security Best Practices / CSPM) controls.
    SecurityHub,
    /// AWS Config managed rules (by rule identifier).
    ConfigRule,
    /// PCI DSS v4.0.
    PciDss4,
    /// NIST SP 800-53 revision 5.
    Nist80053,
    /// SOC 2 trust services criteria.
    Soc2,
    /// HIPAA Security Rule.
    Hipaa,
}

/// The CIS benchmark versions the catalog carries numbering for, oldest first.
pub const CIS_VERSIONS: &[&str] = &["1.4", "1.5", "2.0", "3.0", "4.0", "5.0", "6.0", "7.0"];

impl Framework {
    /// Human-readable name: `"CIS 3.0"`, `"Security Hub"`, `"AWS Config"`, `"PCI DSS v4"`,
    /// `"NIST 800-53"`, `"SOC 2"`, `"HIPAA"`.
    #[must_use]
    pub fn name(&self) -> String {
        match self {
            Self::Cis(version) => format!("CIS {version}"),
            Self::SecurityHub => "Security Hub".to_owned(),
            Self::ConfigRule => "AWS Config".to_owned(),
            Self::PciDss4 => "PCI DSS v4".to_owned(),
            Self::Nist80053 => "NIST 800-53".to_owned(),
            Self::Soc2 => "SOC 2".to_owned(),
            Self::Hipaa => "HIPAA".to_owned(),
        }
    }

    /// The selector a user types for this framework; the inverse of [`parse_framework`]
    /// (e.g. `"cis-3.0"`, `"securityhub"`, `"config"`, `"pci-dss-4"`).
    #[must_use]
    pub fn selector(&self) -> String {
        match self {
            Self::Cis(version) => format!("cis-{version}"),
            Self::SecurityHub => "securityhub".to_owned(),
            Self::ConfigRule => "config".to_owned(),
            Self::PciDss4 => "pci-dss-4".to_owned(),
            Self::Nist80053 => "nist-800-53".to_owned(),
            Self::Soc2 => "soc2".to_owned(),
            Self::Hipaa => "hipaa".to_owned(),
        }
    }
}

impl Serialize for Framework {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.name())
    }
}

/// One requirement of one framework that a control provides evidence for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct FrameworkRef {
    /// The framework (and, for CIS, the benchmark version).
    pub framework: Framework,
    /// The requirement id inside that framework, e.g. `"3.5"`, `"CloudTrail.2"`,
    /// `"10.3.2"`, `"AU-9(3)"`, `"CC7.2"`, `"164.312(b)"`, or a Config rule identifier.
    pub id: &'static str,
}

/// The static definition of one control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ControlDef {
    /// Stable id, `"CT-01"` … `"CT-28"`.
    pub id: &'static str,
    /// Short title.
    pub title: &'static str,
    /// Severity of a failure (the base value where the spec escalates conditionally).
    pub severity: Severity,
    /// What a result of this control is about.
    pub scope: Scope,
    /// Why the control matters (one or two sentences).
    pub rationale: &'static str,
    /// How to fix a failure (one or two sentences).
    pub remediation: &'static str,
    /// Framework requirements this control maps to; empty only where the spec names no
    /// framework (CT-25 is mapped only to tool checks).
    pub refs: &'static [FrameworkRef],
}

const fn cis(version: &'static str, id: &'static str) -> FrameworkRef {
    FrameworkRef {
        framework: Framework::Cis(version),
        id,
    }
}

const fn sh(id: &'static str) -> FrameworkRef {
    FrameworkRef {
        framework: Framework::SecurityHub,
        id,
    }
}

const fn config(id: &'static str) -> FrameworkRef {
    FrameworkRef {
        framework: Framework::ConfigRule,
        id,
    }
}

const fn pci(id: &'static str) -> FrameworkRef {
    FrameworkRef {
        framework: Framework::PciDss4,
        id,
    }
}

const fn nist(id: &'static str) -> FrameworkRef {
    FrameworkRef {
        framework: Framework::Nist80053,
        id,
    }
}

const fn soc2(id: &'static str) -> FrameworkRef {
    FrameworkRef {
        framework: Framework::Soc2,
        id,
    }
}

const fn hipaa(id: &'static str) -> FrameworkRef {
    FrameworkRef {
        framework: Framework::Hipaa,
        id,
    }
}

/// All controls, CT-01 … CT-28 in order.
pub static CATALOG: &[ControlDef] = &[
    ControlDef {
        id: "CT-01",
        title: "At least one trail is logging in the account",
        severity: Severity::High,
        scope: Scope::Account,
        rationale: "Without a trail that is actively logging, API activity in the account leaves no durable record for investigation or audit. An organization trail seen from a member account counts; a Lake event data store does not.",
        remediation: "Create a trail, ideally an organization trail from the management or delegated administrator account, and start logging on it.",
        refs: &[
            sh("CloudTrail.3"),
            config("cloudtrail-enabled"),
            pci("10.2.1"),
            nist("AU-2"),
            nist("AU-12"),
            soc2("CC7.2"),
            hipaa("164.312(b)"),
        ],
    },
    ControlDef {
        id: "CT-02",
        title: "Multi-Region trail logs all read and write management events, with no exclusions",
        severity: Severity::High,
        scope: Scope::Account,
        rationale: "A single multi-Region trail recording every read and write management call is the baseline every framework asks for; read-only or write-only selectors and excluded KMS or RDS Data API events leave gaps an attacker can use.",
        remediation: "Make a trail multi-Region, record all (read and write) management events, drop any KMS or RDS Data API exclusions and start logging; an organization trail is preferred.",
        refs: &[
            cis("1.4", "3.1"),
            cis("1.5", "3.1"),
            cis("2.0", "3.1"),
            cis("3.0", "3.1"),
            cis("4.0", "3.1"),
            cis("5.0", "3.1"),
            cis("6.0", "4.1"),
            cis("7.0", "4.1"),
            sh("CloudTrail.1"),
            config("multi-region-cloudtrail-enabled"),
            pci("10.2.1"),
            pci("10.2.1.2"),
            pci("10.2.1.4"),
            pci("10.2.1.5"),
            pci("10.2.1.6"),
            pci("10.2.1.7"),
            nist("AU-2"),
            nist("AU-10"),
            nist("AU-12"),
            nist("AU-12(1)"),
            soc2("CC7.2"),
            hipaa("164.312(b)"),
        ],
    },
    ControlDef {
        id: "CT-03",
        title: "Every enabled Region is covered by a logging trail",
        severity: Severity::High,
        scope: Scope::Region,
        rationale: "Activity in a Region that no logging trail covers is invisible, and attackers favour Regions nobody watches. Each enabled Region needs a multi-Region trail or a trail homed there that records management events.",
        remediation: "Use a single logging multi-Region trail (as for CT-02), which covers every enabled Region at once.",
        refs: &[pci("10.2.1"), nist("AU-12"), nist("AU-12(1)")],
    },
    ControlDef {
        id: "CT-04",
        title: "Global service events (IAM, STS, CloudFront…) are captured",
        severity: Severity::Medium,
        scope: Scope::Account,
        rationale: "Calls to global services such as IAM and STS are recorded in us-east-1, so credential and identity changes are lost unless a multi-Region trail (or one covering us-east-1) includes global service events.",
        remediation: "Use a multi-Region trail, where global service events are on by default, or enable global service events on the trail covering us-east-1.",
        refs: &[
            config("cloudtrail-security-trail-enabled"),
            pci("10.2.1.4"),
            pci("10.2.1.5"),
        ],
    },
    ControlDef {
        id: "CT-05",
        title: "No trail is stopped",
        severity: Severity::Medium,
        scope: Scope::Trail,
        rationale: "A stopped trail silently records nothing, and stopping logging is a classic first step before malicious activity. The finding is more serious when no other trail provides full management-event coverage.",
        remediation: "Start logging on the trail again and look up the StopLogging event to find out who stopped it and why.",
        refs: &[pci("10.2.1"), pci("10.2.1.6"), pci("10.7.2")],
    },
    ControlDef {
        id: "CT-06",
        title: "Trail delivery is healthy",
        severity: Severity::High,
        scope: Scope::Trail,
        rationale: "A trail can report that it is logging while delivery to S3, CloudWatch Logs or SNS fails, for example after a bucket or key policy change; that is the most common silent gap and exactly what PCI DSS asks to detect.",
        remediation: "Fix the bucket policy, KMS key policy or role named in the delivery error, then confirm that a new delivery time appears.",
        refs: &[pci("10.2.1"), pci("10.7.2"), nist("AU-5")],
    },
    ControlDef {
        id: "CT-07",
        title: "A \"security trail\" exists (all best practices on one trail)",
        severity: Severity::Medium,
        scope: Scope::Account,
        rationale: "Having one trail that is multi-Region with full management events, global service events, log file validation and KMS encryption gives auditors a single line that shows the baseline is met in one place.",
        remediation: "Bring one trail up to all four settings: multi-Region with all management events, global service events, log file validation and SSE-KMS.",
        refs: &[config("cloudtrail-security-trail-enabled")],
    },
    ControlDef {
        id: "CT-08",
        title: "Log file integrity validation enabled",
        severity: Severity::Medium,
        scope: Scope::Trail,
        rationale: "Digest files let anyone prove later that delivered log files were not modified or deleted; without validation there is no cryptographic evidence of log integrity.",
        remediation: "Enable log file validation on the trail and protect the digest files as carefully as the log files themselves.",
        refs: &[
            cis("1.4", "3.2"),
            cis("1.5", "3.2"),
            cis("2.0", "3.2"),
            cis("3.0", "3.2"),
            cis("4.0", "3.2"),
            cis("5.0", "3.2"),
            cis("6.0", "4.2"),
            cis("7.0", "4.2"),
            sh("CloudTrail.4"),
            config("cloud-trail-log-file-validation-enabled"),
            pci("10.3.2"),
            pci("10.3.4"),
            nist("AU-9"),
            nist("AU-10"),
            nist("SI-7"),
            soc2("CC7.3"),
            hipaa("164.312(b)"),
            hipaa("164.312(c)(1)"),
        ],
    },
    ControlDef {
        id: "CT-09",
        title: "Trail logs encrypted with SSE-KMS (customer managed key)",
        severity: Severity::Medium,
        scope: Scope::Trail,
        rationale: "The default SSE-S3 encryption lets anyone with read access to the bucket read the logs; a customer managed KMS key adds a second, separately controlled permission and an audit trail of decryptions.",
        remediation: "Choose or create a symmetric customer managed key in the bucket's Region, allow CloudTrail to use it in the key policy (scoped with aws:SourceArn) and set it on the trail.",
        refs: &[
            cis("1.4", "3.7"),
            cis("1.5", "3.7"),
            cis("2.0", "3.7"),
            cis("3.0", "3.5"),
            cis("4.0", "3.5"),
            cis("5.0", "3.5"),
            cis("6.0", "4.5"),
            cis("7.0", "4.5"),
            sh("CloudTrail.2"),
            config("cloud-trail-encryption-enabled"),
            pci("10.3.1"),
            pci("10.3.2"),
            nist("AU-9(3)"),
            nist("SC-28"),
        ],
    },
    ControlDef {
        id: "CT-10",
        title: "Trail KMS key is usable, customer managed and rotated",
        severity: Severity::Medium,
        scope: Scope::Key,
        rationale: "If the trail's key is disabled or pending deletion, log delivery stops; automatic rotation limits the exposure of any single key version.",
        remediation: "Re-enable the key or cancel its scheduled deletion, and turn on automatic key rotation.",
        refs: &[
            cis("1.4", "3.8"),
            cis("1.5", "3.8"),
            cis("2.0", "3.8"),
            cis("3.0", "3.6"),
            cis("4.0", "3.6"),
            cis("5.0", "3.6"),
            cis("6.0", "4.6"),
            cis("7.0", "4.6"),
            nist("SC-12"),
        ],
    },
    ControlDef {
        id: "CT-11",
        title: "Trail bucket is not publicly accessible",
        severity: Severity::Critical,
        scope: Scope::Bucket,
        rationale: "A public log bucket exposes a detailed map of the account's activity and identities to anyone, and may let outsiders tamper with the evidence.",
        remediation: "Turn on all four Block Public Access settings at bucket and account level, remove public ACL grants (or enforce bucket-owner object ownership) and restrict the bucket policy to CloudTrail with source conditions plus named readers.",
        refs: &[
            cis("1.4", "3.3"),
            cis("1.5", "3.3"),
            cis("2.0", "3.3"),
            sh("CloudTrail.6"),
            sh("S3.1"),
            sh("S3.2"),
            sh("S3.3"),
            sh("S3.8"),
            config("s3-bucket-public-read-prohibited"),
            config("s3-bucket-public-write-prohibited"),
            pci("10.3.1"),
            nist("AU-9"),
            nist("AC-3"),
        ],
    },
    ControlDef {
        id: "CT-12",
        title: "Server access logging enabled on trail bucket",
        severity: Severity::Medium,
        scope: Scope::Bucket,
        rationale: "Access logs on the trail bucket record who read or changed the audit logs themselves, which is needed to show that access to the logs is monitored.",
        remediation: "Enable server access logging on the trail bucket to a separate, locked-down target bucket (not the trail bucket itself, and not one with Object Lock, which cannot receive access logs).",
        refs: &[
            cis("1.4", "3.6"),
            cis("1.5", "3.6"),
            cis("2.0", "3.6"),
            cis("3.0", "3.4"),
            cis("4.0", "3.4"),
            cis("5.0", "3.4"),
            cis("6.0", "4.4"),
            cis("7.0", "4.4"),
            sh("CloudTrail.7"),
            sh("S3.9"),
            config("s3-bucket-logging-enabled"),
            pci("10.2.1.3"),
            nist("AU-9"),
            nist("AU-12"),
            soc2("CC7.2"),
        ],
    },
    ControlDef {
        id: "CT-13",
        title: "Trail bucket versioned with MFA Delete",
        severity: Severity::Medium,
        scope: Scope::Bucket,
        rationale: "Versioning keeps overwritten or deleted log objects recoverable, and MFA Delete stops a single compromised credential from permanently removing them; Object Lock is an accepted compensating control.",
        remediation: "Enable versioning and have the root user enable MFA Delete, or rely on Object Lock plus an SCP that denies deletes on the log bucket.",
        refs: &[
            cis("1.4", "2.1.3"),
            cis("1.5", "2.1.3"),
            cis("2.0", "2.1.2"),
            cis("3.0", "2.1.2"),
            cis("4.0", "2.1.2"),
            cis("5.0", "2.1.2"),
            cis("6.0", "3.1.2"),
            cis("7.0", "3.1.2"),
            sh("S3.14"),
            sh("S3.20"),
            config("s3-bucket-versioning-enabled"),
            pci("10.3.2"),
            nist("AU-9"),
            soc2("C1.2"),
            soc2("PI1.5"),
        ],
    },
    ControlDef {
        id: "CT-14",
        title: "Trail bucket has Object Lock with default retention",
        severity: Severity::Medium,
        scope: Scope::Bucket,
        rationale: "Object Lock with a default retention makes delivered logs write-once for the retention period, the strongest protection against deletion or modification (especially in COMPLIANCE mode).",
        remediation: "Enable Object Lock on the bucket (possible on existing versioned buckets) with a default retention matching the retention policy, using COMPLIANCE mode for strict WORM.",
        refs: &[
            sh("S3.15"),
            config("s3-bucket-default-lock-enabled"),
            pci("10.3.2"),
            pci("10.3.3"),
            pci("10.5.1"),
            nist("AU-9"),
            nist("AU-11"),
            soc2("C1.2"),
            soc2("PI1.5"),
        ],
    },
    ControlDef {
        id: "CT-15",
        title: "Trail bucket policy enforces TLS and scopes CloudTrail writes",
        severity: Severity::Low,
        scope: Scope::Bucket,
        rationale: "Denying plain-HTTP requests keeps log contents encrypted in transit, and source conditions on CloudTrail's grants prevent other accounts' trails from writing into the bucket (confused deputy).",
        remediation: "Add a bucket policy statement denying requests where aws:SecureTransport is false, and add aws:SourceArn or aws:SourceAccount conditions to the CloudTrail grants.",
        refs: &[
            cis("1.4", "2.1.2"),
            cis("1.5", "2.1.2"),
            cis("2.0", "2.1.1"),
            cis("3.0", "2.1.1"),
            cis("4.0", "2.1.1"),
            cis("5.0", "2.1.1"),
            cis("6.0", "3.1.1"),
            cis("7.0", "3.1.1"),
            sh("S3.5"),
            config("s3-bucket-ssl-requests-only"),
        ],
    },
    ControlDef {
        id: "CT-16",
        title: "Logs are delivered to a separate log-archive account",
        severity: Severity::Info,
        scope: Scope::Account,
        rationale: "Logs stored in a dedicated log-archive account are out of reach of administrators of the workload account, so an intruder there cannot erase their tracks.",
        remediation: "Deliver trail logs to a bucket owned by a dedicated log-archive account, for example through an organization trail.",
        refs: &[pci("10.3.3"), nist("AU-9(2)")],
    },
    ControlDef {
        id: "CT-17",
        title: "Trail bucket keeps logs ≥ 12 months, ≥ 3 months immediately readable",
        severity: Severity::Medium,
        scope: Scope::Bucket,
        rationale: "Investigations and PCI DSS need a year of history with the latest three months available at once; lifecycle rules that expire or archive log objects too early destroy that evidence.",
        remediation: "Adjust lifecycle rules so trail logs are kept at least 12 months and move to archive storage only after 90 days, and consider Object Lock for the same period.",
        refs: &[
            sh("S3.13"),
            sh("S3.10"),
            config("s3-lifecycle-policy-check"),
            pci("10.5.1"),
            nist("AU-11"),
            nist("AU-11(1)"),
            soc2("CC7.2"),
            soc2("C1.2"),
            soc2("PI1.5"),
        ],
    },
    ControlDef {
        id: "CT-18",
        title: "Trail log group retention ≥ 365 days (or never expire) and KMS-encrypted",
        severity: Severity::Medium,
        scope: Scope::LogGroup,
        rationale: "The CloudWatch Logs copy of the trail is often the hot, searchable tier; a short retention silently drops records, and a KMS key protects their confidentiality.",
        remediation: "Set the log group's retention to at least 365 days (or document that S3 holds the long-term copy and CloudWatch is the 3-month hot tier) and associate a KMS key with the log group.",
        refs: &[
            config("cw-loggroup-retention-period-check"),
            pci("10.5.1"),
            pci("10.3.2"),
            nist("AU-11"),
            nist("AU-9(3)"),
            soc2("CC7.2"),
            soc2("C1.2"),
            soc2("PI1.5"),
            hipaa("164.312(b)"),
        ],
    },
    ControlDef {
        id: "CT-19",
        title: "Trail integrated with CloudWatch Logs and delivering",
        severity: Severity::Low,
        scope: Scope::Trail,
        rationale: "Sending trail events to CloudWatch Logs enables near-real-time metric filters and alarms; a configured log group that has stopped receiving events gives false comfort.",
        remediation: "Configure a CloudWatch Logs log group and a delivery role on the trail, then confirm recent delivery without errors.",
        refs: &[
            cis("1.4", "3.4"),
            cis("1.5", "3.4"),
            cis("2.0", "3.4"),
            sh("CloudTrail.5"),
            config("cloud-trail-cloud-watch-logs-enabled"),
            pci("10.3.3"),
            pci("10.4.1.1"),
            nist("AU-6"),
            nist("AU-9(7)"),
            nist("SI-4"),
            soc2("CC7.2"),
            soc2("CC7.3"),
            hipaa("164.312(b)"),
        ],
    },
    ControlDef {
        id: "CT-20",
        title: "Metric filter + alarm + live subscriber for CloudTrail configuration changes",
        severity: Severity::Medium,
        scope: Scope::Account,
        rationale: "Creating, changing, stopping or deleting a trail is how logging gets switched off; an alarm that reaches a confirmed subscriber makes such changes visible immediately.",
        remediation: "On the log group of a compliant multi-Region trail, create a metric filter for CreateTrail, UpdateTrail, DeleteTrail, StartLogging and StopLogging, an alarm on it (threshold ≥ 1 in 5 minutes) and an SNS topic with a confirmed subscriber.",
        refs: &[
            cis("1.4", "4.5"),
            cis("1.5", "4.5"),
            cis("2.0", "4.5"),
            cis("3.0", "4.5"),
            cis("4.0", "4.5"),
            cis("5.0", "4.5"),
            cis("6.0", "5.5"),
            cis("7.0", "5.5"),
            pci("10.2.1.6"),
            pci("10.3.4"),
            pci("10.4.1.1"),
            pci("10.7.2"),
            nist("AU-6"),
            nist("SI-4"),
            soc2("CC5.2"),
            soc2("CC7.2"),
        ],
    },
    ControlDef {
        id: "CT-21",
        title: "The other CIS monitoring filters on the CloudTrail log group",
        severity: Severity::Medium,
        scope: Scope::Account,
        rationale: "Alarms on high-risk activity such as unauthorized calls, root use, console sign-in without MFA, and IAM, network or Organizations changes shorten the time to detect an intrusion.",
        remediation: "For each CIS monitoring pattern, create a metric filter on the trail's log group, an alarm on the metric and an SNS topic with a confirmed subscriber.",
        refs: &[
            cis("1.4", "4.1"),
            cis("1.4", "4.2"),
            cis("1.4", "4.3"),
            cis("1.4", "4.4"),
            cis("1.4", "4.6"),
            cis("1.4", "4.7"),
            cis("1.4", "4.8"),
            cis("1.4", "4.9"),
            cis("1.4", "4.10"),
            cis("1.4", "4.11"),
            cis("1.4", "4.12"),
            cis("1.4", "4.13"),
            cis("1.4", "4.14"),
            cis("1.4", "4.15"),
            cis("1.5", "4.1"),
            cis("1.5", "4.2"),
            cis("1.5", "4.3"),
            cis("1.5", "4.4"),
            cis("1.5", "4.6"),
            cis("1.5", "4.7"),
            cis("1.5", "4.8"),
            cis("1.5", "4.9"),
            cis("1.5", "4.10"),
            cis("1.5", "4.11"),
            cis("1.5", "4.12"),
            cis("1.5", "4.13"),
            cis("1.5", "4.14"),
            cis("1.5", "4.15"),
            cis("2.0", "4.1"),
            cis("2.0", "4.2"),
            cis("2.0", "4.3"),
            cis("2.0", "4.4"),
            cis("2.0", "4.6"),
            cis("2.0", "4.7"),
            cis("2.0", "4.8"),
            cis("2.0", "4.9"),
            cis("2.0", "4.10"),
            cis("2.0", "4.11"),
            cis("2.0", "4.12"),
            cis("2.0", "4.13"),
            cis("2.0", "4.14"),
            cis("2.0", "4.15"),
            cis("3.0", "4.1"),
            cis("3.0", "4.2"),
            cis("3.0", "4.3"),
            cis("3.0", "4.4"),
            cis("3.0", "4.6"),
            cis("3.0", "4.7"),
            cis("3.0", "4.8"),
            cis("3.0", "4.9"),
            cis("3.0", "4.10"),
            cis("3.0", "4.11"),
            cis("3.0", "4.12"),
            cis("3.0", "4.13"),
            cis("3.0", "4.14"),
            cis("3.0", "4.15"),
            cis("4.0", "4.1"),
            cis("4.0", "4.2"),
            cis("4.0", "4.3"),
            cis("4.0", "4.4"),
            cis("4.0", "4.6"),
            cis("4.0", "4.7"),
            cis("4.0", "4.8"),
            cis("4.0", "4.9"),
            cis("4.0", "4.10"),
            cis("4.0", "4.11"),
            cis("4.0", "4.12"),
            cis("4.0", "4.13"),
            cis("4.0", "4.14"),
            cis("4.0", "4.15"),
            cis("5.0", "4.1"),
            cis("5.0", "4.2"),
            cis("5.0", "4.3"),
            cis("5.0", "4.4"),
            cis("5.0", "4.6"),
            cis("5.0", "4.7"),
            cis("5.0", "4.8"),
            cis("5.0", "4.9"),
            cis("5.0", "4.10"),
            cis("5.0", "4.11"),
            cis("5.0", "4.12"),
            cis("5.0", "4.13"),
            cis("5.0", "4.14"),
            cis("5.0", "4.15"),
            cis("6.0", "5.1"),
            cis("6.0", "5.2"),
            cis("6.0", "5.3"),
            cis("6.0", "5.4"),
            cis("6.0", "5.6"),
            cis("6.0", "5.7"),
            cis("6.0", "5.8"),
            cis("6.0", "5.9"),
            cis("6.0", "5.10"),
            cis("6.0", "5.11"),
            cis("6.0", "5.12"),
            cis("6.0", "5.13"),
            cis("6.0", "5.14"),
            cis("6.0", "5.15"),
            cis("7.0", "5.1"),
            cis("7.0", "5.2"),
            cis("7.0", "5.3"),
            cis("7.0", "5.4"),
            cis("7.0", "5.6"),
            cis("7.0", "5.7"),
            cis("7.0", "5.8"),
            cis("7.0", "5.9"),
            cis("7.0", "5.10"),
            cis("7.0", "5.11"),
            cis("7.0", "5.12"),
            cis("7.0", "5.13"),
            cis("7.0", "5.14"),
            cis("7.0", "5.15"),
            pci("10.4.1.1"),
            soc2("CC5.2"),
        ],
    },
    ControlDef {
        id: "CT-22",
        title: "CloudTrail Insights enabled on a logging trail",
        severity: Severity::Low,
        scope: Scope::Account,
        rationale: "Insights flags unusual API call or error rates, which can reveal compromised credentials or runaway automation that individual events do not.",
        remediation: "Enable Insights (API call rate and/or API error rate) on a logging trail.",
        refs: &[pci("10.4.1.1")],
    },
    ControlDef {
        id: "CT-23",
        title: "S3 object-level write data events logged for all buckets",
        severity: Severity::Medium,
        scope: Scope::Account,
        rationale: "Management events do not record object uploads, overwrites or deletions; without write data events, tampering with or destruction of S3 data leaves no trace.",
        remediation: "Add a data-event selector for write events on S3 objects in all current and future buckets to a logging multi-Region trail (or a dedicated data-events trail), and budget for the cost.",
        refs: &[
            cis("1.4", "3.10"),
            cis("1.5", "3.10"),
            cis("2.0", "3.10"),
            cis("3.0", "3.8"),
            cis("4.0", "3.8"),
            cis("5.0", "3.8"),
            cis("6.0", "4.8"),
            cis("7.0", "4.8"),
            sh("S3.22"),
            config("cloudtrail-all-write-s3-data-event-check"),
            config("cloudtrail-s3-dataevents-enabled"),
            pci("10.2.1.1"),
            nist("AU-10"),
            nist("AU-12"),
            soc2("CC7.2"),
            hipaa("164.312(b)"),
        ],
    },
    ControlDef {
        id: "CT-24",
        title: "S3 object-level read data events logged for all buckets",
        severity: Severity::Medium,
        scope: Scope::Account,
        rationale: "Individual reads of sensitive objects, such as cardholder data or ePHI, are only recorded as S3 read data events; without them data access cannot be reconstructed.",
        remediation: "Add a data-event selector for read events on S3 objects in all current and future buckets to a logging multi-Region trail (or a dedicated data-events trail), and budget for the cost.",
        refs: &[
            cis("1.4", "3.11"),
            cis("1.5", "3.11"),
            cis("2.0", "3.11"),
            cis("3.0", "3.9"),
            cis("4.0", "3.9"),
            cis("5.0", "3.9"),
            cis("6.0", "4.9"),
            cis("7.0", "4.9"),
            sh("S3.23"),
            config("cloudtrail-all-read-s3-data-event-check"),
            config("cloudtrail-s3-dataevents-enabled"),
            pci("10.2.1.1"),
            nist("AU-10"),
            nist("AU-12"),
            soc2("CC7.2"),
            hipaa("164.312(b)"),
        ],
    },
    ControlDef {
        id: "CT-25",
        title: "Lambda invoke data events logged",
        severity: Severity::Low,
        scope: Scope::Account,
        rationale: "Function invocations are data events, so without a Lambda data-event selector nobody can tell who invoked which function and when.",
        remediation: "Add a data-event selector for AWS::Lambda::Function covering all functions (basic value arn:aws:lambda, or an advanced selector without an ARN filter) to a logging trail.",
        refs: &[],
    },
    ControlDef {
        id: "CT-26",
        title: "CloudTrail Lake event data stores use a customer managed key (and keep ≥ 365 d)",
        severity: Severity::Medium,
        scope: Scope::EventDataStore,
        rationale: "Event data stores hold queryable copies of events; a customer managed key controls who can read them, and the retention period decides how much history survives.",
        remediation: "Give each store a customer managed key with UpdateEventDataStore (the choice is final, so prepare the key and its policy first) and set a retention period of at least the target.",
        refs: &[
            sh("CloudTrail.10"),
            config("event-data-store-cmk-encryption-enabled"),
            pci("10.5.1"),
            nist("AU-11"),
        ],
    },
    ControlDef {
        id: "CT-27",
        title: "Trails are tagged",
        severity: Severity::Low,
        scope: Scope::Trail,
        rationale: "Tags record ownership and purpose, which helps governance and makes it clear who must respond when a trail breaks; this is a governance control, not a security one.",
        remediation: "Add the required tag keys (any tag by default) to each trail owned by the account.",
        refs: &[sh("CloudTrail.9")],
    },
    ControlDef {
        id: "CT-28",
        title: "No broad permission to tamper with CloudTrail",
        severity: Severity::Medium,
        scope: Scope::Account,
        rationale: "Identities allowed cloudtrail:* or StopLogging, DeleteTrail, UpdateTrail or selector changes on every trail can blind the audit log; those rights should be limited to a break-glass role.",
        remediation: "Remove wildcard CloudTrail permissions from customer-managed and inline policies, and add an SCP denying stopping or deleting the organization trail to everyone but a break-glass role.",
        refs: &[pci("10.3.1"), pci("10.3.2"), nist("AU-9(4)")],
    },
];

/// Looks a control up by id (`"CT-01"`; ASCII case-insensitive).
#[must_use]
pub fn control(id: &str) -> Option<&'static ControlDef> {
    CATALOG
        .iter()
        .find(|def| def.id.eq_ignore_ascii_case(id.trim()))
}

/// Parses a framework selector as users type it: "cis-1.4" … "cis-7.0", "securityhub",
/// "config", "pci-dss-4", "nist-800-53", "soc2", "hipaa" (ASCII case-insensitive).
///
/// Returns `None` for an unknown name or a CIS version the catalog has no numbering for.
#[must_use]
pub fn parse_framework(s: &str) -> Option<Framework> {
    let s = s.trim().to_ascii_lowercase();
    if let Some(version) = s.strip_prefix("cis-") {
        return CIS_VERSIONS
            .iter()
            .find(|known| **known == version)
            .map(|known| Framework::Cis(known));
    }
    match s.as_str() {
        "securityhub" => Some(Framework::SecurityHub),
        "config" => Some(Framework::ConfigRule),
        "pci-dss-4" => Some(Framework::PciDss4),
        "nist-800-53" => Some(Framework::Nist80053),
        "soc2" => Some(Framework::Soc2),
        "hipaa" => Some(Framework::Hipaa),
        _ => None,
    }
}

/// The ids of a control in one framework (for `--framework` labelling); empty when unmapped.
#[must_use]
pub fn ids_in(def: &ControlDef, framework: &Framework) -> Vec<&'static str> {
    def.refs
        .iter()
        .filter(|r| r.framework == *framework)
        .map(|r| r.id)
        .collect()
}

/// The controls `trailproof controls` lists: every control, or only those mapped to
/// `framework`, each with its ids in that framework (empty without one). Catalog order.
#[must_use]
pub fn listing(framework: Option<&Framework>) -> Vec<(&'static ControlDef, Vec<&'static str>)> {
    CATALOG
        .iter()
        .map(|def| (def, framework.map(|fw| ids_in(def, fw)).unwrap_or_default()))
        .filter(|(_, ids)| framework.is_none() || !ids.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// Controls the spec maps only to tool checks (prowler/ScoutSuite), not to a framework.
    const UNMAPPED: &[&str] = &["CT-25"];

    fn def(id: &str) -> &'static ControlDef {
        control(id).unwrap()
    }

    fn cis_ids(id: &str, version: &str) -> Vec<&'static str> {
        ids_in(
            def(id),
            &parse_framework(&format!("cis-{version}")).unwrap(),
        )
    }

    #[test]
    fn catalog_ids_unique() {
        let ids: HashSet<_> = CATALOG.iter().map(|d| d.id).collect();
        assert_eq!(ids.len(), CATALOG.len());
    }

    #[test]
    fn catalog_ids_sequential_ct01_to_ct28() {
        let ids: Vec<_> = CATALOG.iter().map(|d| d.id.to_owned()).collect();
        let expected: Vec<_> = (1..=28).map(|n| format!("CT-{n:02}")).collect();
        assert_eq!(ids, expected);
    }

    #[test]
    fn catalog_text_fields_non_empty() {
        for d in CATALOG {
            assert!(!d.title.trim().is_empty(), "{} title", d.id);
            assert!(!d.rationale.trim().is_empty(), "{} rationale", d.id);
            assert!(!d.remediation.trim().is_empty(), "{} remediation", d.id);
        }
    }

    #[test]
    fn catalog_refs_every_mapped_control_has_at_least_one() {
        for d in CATALOG {
            if UNMAPPED.contains(&d.id) {
                assert!(
                    d.refs.is_empty(),
                    "{} is listed as unmapped but has refs",
                    d.id
                );
            } else {
                assert!(!d.refs.is_empty(), "{} has no framework ref", d.id);
            }
        }
    }

    #[test]
    fn catalog_refs_no_duplicates_within_control() {
        for d in CATALOG {
            let set: HashSet<_> = d.refs.iter().collect();
            assert_eq!(set.len(), d.refs.len(), "{} has a duplicate ref", d.id);
        }
    }

    #[test]
    fn catalog_refs_cis_versions_known_and_ids_non_empty() {
        for d in CATALOG {
            for r in d.refs {
                assert!(!r.id.is_empty(), "{} has an empty ref id", d.id);
                if let Framework::Cis(v) = r.framework {
                    assert!(CIS_VERSIONS.contains(&v), "{} cites unknown CIS {v}", d.id);
                }
            }
        }
    }

    #[test]
    fn control_known_id_any_case_returns_def() {
        assert_eq!(def("CT-11").severity, Severity::Critical);
        assert_eq!(control("ct-11").map(|d| d.id), Some("CT-11"));
    }

    #[test]
    fn control_unknown_id_returns_none() {
        assert!(control("CT-29").is_none());
        assert!(control("").is_none());
    }

    #[test]
    fn parse_framework_every_cis_version_round_trips() {
        for v in CIS_VERSIONS {
            let sel = format!("cis-{v}");
            let fw = parse_framework(&sel).unwrap();
            assert_eq!(fw, Framework::Cis(v));
            assert_eq!(fw.selector(), sel);
            assert_eq!(fw.name(), format!("CIS {v}"));
        }
    }

    #[test]
    fn parse_framework_other_names_round_trip() {
        let cases = [
            ("securityhub", Framework::SecurityHub, "Security Hub"),
            ("config", Framework::ConfigRule, "AWS Config"),
            ("pci-dss-4", Framework::PciDss4, "PCI DSS v4"),
            ("nist-800-53", Framework::Nist80053, "NIST 800-53"),
            ("soc2", Framework::Soc2, "SOC 2"),
            ("hipaa", Framework::Hipaa, "HIPAA"),
        ];
        for (sel, fw, name) in cases {
            assert_eq!(parse_framework(sel), Some(fw));
            assert_eq!(parse_framework(&sel.to_ascii_uppercase()), Some(fw));
            assert_eq!(fw.selector(), sel);
            assert_eq!(fw.name(), name);
        }
    }

    #[test]
    fn parse_framework_unknown_returns_none() {
        for s in [
            "", "cis", "cis-", "cis-3.1", "cis-8.0", "pci", "nist", "soc-2",
        ] {
            assert_eq!(parse_framework(s), None, "{s:?}");
        }
    }

    #[test]
    fn ids_in_ct02_cis30_returns_3_1() {
        assert_eq!(cis_ids("CT-02", "3.0"), ["3.1"]);
    }

    #[test]
    fn ids_in_ct02_cis70_returns_4_1() {
        assert_eq!(cis_ids("CT-02", "7.0"), ["4.1"]);
    }

    #[test]
    fn ids_in_ct02_every_cis_version_returns_one_id() {
        for v in CIS_VERSIONS {
            let expected = if matches!(*v, "6.0" | "7.0") {
                "4.1"
            } else {
                "3.1"
            };
            assert_eq!(cis_ids("CT-02", v), [expected], "CIS {v}");
        }
    }

    #[test]
    fn ids_in_ct09_per_cis_version_follows_renumbering() {
        let expected = [
            ("1.4", "3.7"),
            ("1.5", "3.7"),
            ("2.0", "3.7"),
            ("3.0", "3.5"),
            ("4.0", "3.5"),
            ("5.0", "3.5"),
            ("6.0", "4.5"),
            ("7.0", "4.5"),
        ];
        for (v, id) in expected {
            assert_eq!(cis_ids("CT-09", v), [id], "CIS {v}");
        }
    }

    #[test]
    fn ids_in_ct11_after_cis20_returns_empty() {
        assert_eq!(cis_ids("CT-11", "2.0"), ["3.3"]);
        assert!(cis_ids("CT-11", "3.0").is_empty());
    }

    #[test]
    fn ids_in_ct21_cis_version_returns_fourteen_filters() {
        let old = cis_ids("CT-21", "5.0");
        assert_eq!(old.len(), 14);
        assert!(!old.contains(&"4.5"), "4.5 belongs to CT-20");
        let new = cis_ids("CT-21", "6.0");
        assert_eq!(new.len(), 14);
        assert!(new.iter().all(|id| id.starts_with("5.")) && !new.contains(&"5.5"));
    }

    #[test]
    fn ids_in_ct08_security_hub_returns_cloudtrail4() {
        assert_eq!(
            ids_in(def("CT-08"), &Framework::SecurityHub),
            ["CloudTrail.4"]
        );
    }

    #[test]
    fn ids_in_unmapped_framework_returns_empty() {
        assert!(ids_in(def("CT-01"), &Framework::Cis("3.0")).is_empty());
        assert!(ids_in(def("CT-25"), &Framework::PciDss4).is_empty());
    }

    #[test]
    fn framework_serialize_emits_name() {
        let json = serde_json::to_string(&FrameworkRef {
            framework: Framework::Cis("3.0"),
            id: "3.5",
        })
        .unwrap();
        assert_eq!(json, r#"{"framework":"CIS 3.0","id":"3.5"}"#);
    }

    #[test]
    fn control_def_serialize_uses_snake_case_enums() {
        let json = serde_json::to_value(def("CT-26")).unwrap();
        assert_eq!(json["severity"], "medium");
        assert_eq!(json["scope"], "event_data_store");
        assert_eq!(json["refs"][0]["framework"], "Security Hub");
    }
}

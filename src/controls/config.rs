//! The `check` configuration (TOML): thresholds under `[settings]` and accepted exceptions
//! under `[[waiver]]`, parsed from text. Pure: reading the file is the caller's job.
//!
//! ```toml
//! [settings]
//! retention_days = 2190          # HIPAA programs often keep six years
//! required_tags = ["owner"]
//!
//! [[waiver]]
//! control = "CT-13"
//! resource = "arn:aws:s3:::org-trail-logs"   # "*" (the default) for every resource
//! reason = "MFA Delete replaced by Object Lock COMPLIANCE 400 days (SEC-1234)"
//! expires = 2027-03-31
//! ```
//!
//! How a waiver applies to results is [`super::waivers`]'s job.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::catalog;

/// The parsed configuration file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckConfig {
    /// Thresholds and organisation policy.
    pub settings: Settings,
    /// Accepted exceptions.
    pub waivers: Vec<Waiver>,
}

/// Thresholds and organisation policy; `[settings]` of the `check` configuration file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// CT-06: oldest acceptable `LatestDeliveryTime` / `LatestCloudWatchLogsDeliveryTime`.
    pub delivery_max_age_hours: i64,
    /// CT-06: oldest acceptable `LatestDigestDeliveryTime` (digests are hourly).
    pub digest_max_age_hours: i64,
    /// CT-17: days logs must be kept in the trail bucket.
    pub retention_days: i32,
    /// CT-17: days logs must stay immediately readable (no archive transition before).
    pub hot_days: i32,
    /// CT-18: minimum log group retention.
    pub log_group_retention_days: i32,
    /// CT-26: minimum event data store retention.
    pub lake_retention_days: i32,
    /// CT-27: tag keys every trail must carry (empty: any tag).
    pub required_tags: Vec<String>,
    /// CT-28: principal ARNs allowed to hold broad `CloudTrail` permissions (break-glass).
    pub break_glass_principals: Vec<String>,
    /// CT-16: the organisation requires logs in a separate log-archive account.
    pub require_separate_log_account: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            delivery_max_age_hours: 24,
            digest_max_age_hours: 2,
            retention_days: 365,
            hot_days: 90,
            log_group_retention_days: 365,
            lake_retention_days: 365,
            required_tags: Vec::new(),
            break_glass_principals: Vec::new(),
            require_separate_log_account: false,
        }
    }
}

/// One accepted exception.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Waiver {
    /// Control id (`CT-13`).
    pub control: String,
    /// Resource ARN it covers, or `*`.
    pub resource: String,
    /// For CT-21, the monitoring item (`cis-4.3`); `None` covers all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check: Option<String>,
    /// Why it was accepted (required).
    pub reason: String,
    /// Last day it applies.
    pub expires: NaiveDate,
}

/// A configuration file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Not TOML, or not our shape.
    #[error("configuration is not valid: {0}")]
    Syntax(String),
    /// A waiver names something that does not exist or lacks a field.
    #[error("waiver {index}: {message}")]
    Waiver {
        /// 1-based position in the file.
        index: usize,
        /// What is wrong.
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    settings: Settings,
    #[serde(default)]
    waiver: Vec<RawWaiver>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWaiver {
    control: String,
    resource: Option<String>,
    check: Option<String>,
    reason: Option<String>,
    expires: Option<toml::Value>,
}

/// Parses the configuration file.
///
/// # Errors
/// [`ConfigError`] for invalid TOML, unknown keys, an unknown control id, a missing reason
/// or an expiry that is not a date.
pub fn parse_config(text: &str) -> Result<CheckConfig, ConfigError> {
    let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Syntax(e.to_string()))?;
    let mut waivers = Vec::new();
    for (i, w) in raw.waiver.into_iter().enumerate() {
        let err = |message: String| ConfigError::Waiver {
            index: i + 1,
            message,
        };
        if catalog::control(&w.control).is_none() {
            return Err(err(format!("unknown control {:?}", w.control)));
        }
        let reason = w
            .reason
            .filter(|r| !r.trim().is_empty())
            .ok_or_else(|| err("a reason is required".to_owned()))?;
        let expires = match &w.expires {
            Some(toml::Value::String(s)) => s.clone(),
            Some(toml::Value::Datetime(d)) => d.to_string(),
            Some(other) => return Err(err(format!("expires must be a date, not {other}"))),
            None => {
                return Err(err(
                    "an expiry date is required (expires = YYYY-MM-DD)".to_owned()
                ));
            }
        };
        let expires = NaiveDate::parse_from_str(&expires, "%Y-%m-%d")
            .map_err(|_| err(format!("expires {expires:?} is not a YYYY-MM-DD date")))?;
        waivers.push(Waiver {
            control: w.control,
            resource: w.resource.unwrap_or_else(|| "*".to_owned()),
            check: w.check,
            reason,
            expires,
        });
    }
    Ok(CheckConfig {
        settings: raw.settings,
        waivers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_settings_and_waivers_with_toml_or_string_dates() {
        let c = parse_config(
            r#"
[settings]
retention_days = 2190
[[waiver]]
control = "CT-13"
resource = "arn:aws:s3:::b"
reason = "object lock instead"
expires = 2027-03-31
[[waiver]]
control = "CT-21"
check = "cis-4.3"
reason = "root alarm via EventBridge"
expires = "2026-12-31"
"#,
        )
        .unwrap();
        assert_eq!(c.settings.retention_days, 2190);
        assert_eq!(c.settings.hot_days, 90);
        assert_eq!(c.waivers.len(), 2);
        assert_eq!(c.waivers[1].resource, "*");
    }

    #[test]
    fn rejects_unknown_controls_missing_reasons_and_bad_dates() {
        for (text, want) in [
            (
                "[[waiver]]\ncontrol='CT-99'\nreason='x'\nexpires=2027-01-01",
                "unknown control",
            ),
            (
                "[[waiver]]\ncontrol='CT-01'\nexpires=2027-01-01",
                "reason is required",
            ),
            (
                "[[waiver]]\ncontrol='CT-01'\nreason='x'\nexpires='soon'",
                "not a YYYY-MM-DD",
            ),
            (
                "[[waiver]]\ncontrol='CT-01'\nreason='x'",
                "expiry date is required",
            ),
            ("[settings]\nretention = 1", "unknown field"),
        ] {
            let e = parse_config(text).unwrap_err().to_string();
            assert!(e.contains(want), "{text}: {e}");
        }
    }
}

//! The event-selector evaluators (controls.md §5.2 and §5.3), shared by every control that
//! asks "what does this trail log?". Basic and advanced selectors are both understood;
//! selector names are never looked at.

use crate::snapshot::model::{AdvancedSelector, EventSelectors, FieldSelector};

/// What a trail logs of management events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Management {
    /// Read-only management events are logged.
    pub read: bool,
    /// Write management events are logged.
    pub write: bool,
    /// Event sources excluded (`kms.amazonaws.com`, `rdsdata.amazonaws.com`).
    pub excluded: Vec<String>,
    /// A selector narrows management events by another field (event name, identity, …).
    pub narrowed: Vec<String>,
    /// Whether the answer is `CloudTrail`'s default (no selectors at all).
    pub default: bool,
}

impl Management {
    /// All read and write management events, none excluded.
    #[must_use]
    pub fn full(&self) -> bool {
        self.read && self.write && self.excluded.is_empty() && self.narrowed.is_empty()
    }

    /// Some management events are logged.
    #[must_use]
    pub fn any(&self) -> bool {
        self.read || self.write
    }

    /// Why it is not full, in the order of controls.md §4 CT-02 (empty when full).
    #[must_use]
    pub fn shortfall(&self) -> String {
        match (self.read, self.write) {
            (false, false) => return "management events are not logged".to_owned(),
            (true, false) => return "only read-only management events are logged".to_owned(),
            (false, true) => return "only write management events are logged".to_owned(),
            (true, true) => {}
        }
        if !self.excluded.is_empty() {
            return format!(
                "management events from {} are excluded",
                self.excluded.join(", ")
            );
        }
        if !self.narrowed.is_empty() {
            return format!(
                "management events are narrowed by {}",
                self.narrowed.join(", ")
            );
        }
        String::new()
    }
}

fn access_of(fields: &[FieldSelector]) -> (bool, bool) {
    let Some(ro) = fields.iter().find(|f| f.field == "readOnly") else {
        return (true, true);
    };
    let mut read = ro.equals.iter().any(|v| v.eq_ignore_ascii_case("true"))
        || ro
            .not_equals
            .iter()
            .any(|v| v.eq_ignore_ascii_case("false"));
    let mut write = ro.equals.iter().any(|v| v.eq_ignore_ascii_case("false"))
        || ro.not_equals.iter().any(|v| v.eq_ignore_ascii_case("true"));
    if ro.equals.is_empty() && ro.not_equals.is_empty() {
        (read, write) = (true, true);
    }
    (read, write)
}

fn field<'a>(sel: &'a AdvancedSelector, name: &str) -> Option<&'a FieldSelector> {
    sel.field_selectors.iter().find(|f| f.field == name)
}

fn category_is(sel: &AdvancedSelector, category: &str) -> bool {
    field(sel, "eventCategory").is_some_and(|f| f.equals.iter().any(|v| v == category))
}

/// Management-event coverage. `None` selectors (no basic and no advanced ones) mean
/// `CloudTrail`'s default: all read and write management events.
#[must_use]
pub fn management(sel: &EventSelectors) -> Management {
    let mut m = Management::default();
    if sel.basic.is_empty() && sel.advanced.is_empty() {
        return Management {
            read: true,
            write: true,
            default: true,
            ..Management::default()
        };
    }
    for b in &sel.basic {
        if b.include_management_events == Some(false) {
            continue;
        }
        match b.read_write_type.as_deref() {
            Some("ReadOnly") => m.read = true,
            Some("WriteOnly") => m.write = true,
            _ => (m.read, m.write) = (true, true),
        }
        m.excluded
            .extend(b.exclude_management_event_sources.iter().cloned());
    }
    for a in sel.advanced.iter().filter(|a| category_is(a, "Management")) {
        let (r, w) = access_of(&a.field_selectors);
        m.read |= r;
        m.write |= w;
        for f in &a.field_selectors {
            match f.field.as_str() {
                "eventCategory" | "readOnly" => {}
                "eventSource" if f.equals.is_empty() && f.starts_with.is_empty() => {
                    m.excluded.extend(f.not_equals.iter().cloned());
                    m.excluded.extend(f.not_starts_with.iter().cloned());
                }
                other => m.narrowed.push(other.to_owned()),
            }
        }
    }
    m.excluded.sort();
    m.excluded.dedup();
    m.narrowed.sort();
    m.narrowed.dedup();
    m
}

/// Data-event coverage of one resource type for one access direction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DataCoverage {
    /// All current and future resources of the type are covered.
    pub all: bool,
    /// Resource ARNs / ARN prefixes named explicitly (when not all).
    pub named: Vec<String>,
    /// ARNs / prefixes excluded from an otherwise complete selector.
    pub excluded: Vec<String>,
    /// Selectors that cover the type only for some calls (eventName …), not counted.
    pub partial: Vec<String>,
}

/// Read or write data events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// `readOnly = true` / `ReadOnly`.
    Read,
    /// `readOnly = false` / `WriteOnly`.
    Write,
}

fn is_wildcard(value: &str, service: &str) -> bool {
    // arn:<partition>:s3 / arn:<partition>:s3::: / arn:<partition>:lambda
    let mut parts = value.splitn(3, ':');
    let (Some("arn"), Some(partition), Some(rest)) = (parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    !partition.is_empty() && (rest == service || rest.trim_end_matches(':') == service)
}

/// Data-event coverage of `resource_type` (`AWS::S3::Object`, `AWS::Lambda::Function`) for
/// `access`. `service` is the ARN service of the type's wildcard value (`s3`, `lambda`).
#[must_use]
pub fn data(
    sel: &EventSelectors,
    resource_type: &str,
    service: &str,
    access: Access,
) -> DataCoverage {
    let mut c = DataCoverage::default();
    for b in &sel.basic {
        let ok = match b.read_write_type.as_deref() {
            Some("ReadOnly") => access == Access::Read,
            Some("WriteOnly") => access == Access::Write,
            _ => true,
        };
        if !ok {
            continue;
        }
        for d in b
            .data_resources
            .iter()
            .filter(|d| d.r#type == resource_type)
        {
            for v in &d.values {
                if is_wildcard(v, service) {
                    c.all = true;
                } else {
                    c.named.push(v.clone());
                }
            }
        }
    }
    for a in sel.advanced.iter().filter(|a| category_is(a, "Data")) {
        let typed =
            field(a, "resources.type").is_some_and(|f| f.equals.iter().any(|v| v == resource_type));
        if !typed {
            continue;
        }
        let (r, w) = access_of(&a.field_selectors);
        if !match access {
            Access::Read => r,
            Access::Write => w,
        } {
            continue;
        }
        let narrowing: Vec<&str> = a
            .field_selectors
            .iter()
            .map(|f| f.field.as_str())
            .filter(|f| {
                !matches!(
                    *f,
                    "eventCategory" | "resources.type" | "readOnly" | "resources.ARN"
                )
            })
            .collect();
        if !narrowing.is_empty() {
            c.partial
                .push(format!("narrowed by {}", narrowing.join(", ")));
            continue;
        }
        match field(a, "resources.ARN") {
            None => c.all = true,
            Some(f)
                if f.equals.is_empty() && f.starts_with.is_empty() && f.ends_with.is_empty() =>
            {
                c.all = true;
                c.excluded.extend(f.not_equals.iter().cloned());
                c.excluded.extend(f.not_starts_with.iter().cloned());
                c.excluded.extend(f.not_ends_with.iter().cloned());
            }
            Some(f) => {
                c.named.extend(f.equals.iter().cloned());
                c.named.extend(f.starts_with.iter().cloned());
                if !f.ends_with.is_empty() {
                    c.partial.push("resources.ARN EndsWith".to_owned());
                }
            }
        }
    }
    c.named.sort();
    c.named.dedup();
    c.excluded.sort();
    c.excluded.dedup();
    c
}

/// Whether a named ARN or prefix from a data selector covers every object of `bucket`.
#[must_use]
pub fn names_bucket(named: &str, bucket: &str) -> bool {
    // arn:<p>:s3:::bucket/ (whole bucket) or arn:<p>:s3:::bucket (advanced StartsWith form)
    let Some(rest) = named.split(":::").nth(1) else {
        return false;
    };
    rest == bucket || rest == format!("{bucket}/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::model::{BasicSelector, DataResource};

    fn adv(fields: &[(&str, &[&str], &[&str])]) -> AdvancedSelector {
        AdvancedSelector {
            name: Some("Management events selector".to_owned()),
            field_selectors: fields
                .iter()
                .map(|(f, eq, ne)| FieldSelector {
                    field: (*f).to_owned(),
                    equals: eq.iter().map(|s| (*s).to_owned()).collect(),
                    not_equals: ne.iter().map(|s| (*s).to_owned()).collect(),
                    ..FieldSelector::default()
                })
                .collect(),
        }
    }

    fn advanced(sels: Vec<AdvancedSelector>) -> EventSelectors {
        EventSelectors {
            basic: vec![],
            advanced: sels,
        }
    }

    #[test]
    fn no_selectors_is_the_default_full_coverage() {
        let m = management(&EventSelectors::default());
        assert!(m.full() && m.default);
    }

    #[test]
    fn basic_read_only_is_not_full_and_says_so() {
        let s = EventSelectors {
            basic: vec![BasicSelector {
                read_write_type: Some("ReadOnly".to_owned()),
                include_management_events: Some(true),
                ..BasicSelector::default()
            }],
            advanced: vec![],
        };
        let m = management(&s);
        assert!(!m.full());
        assert_eq!(m.shortfall(), "only read-only management events are logged");
    }

    #[test]
    fn basic_exclusions_fail_even_with_all() {
        let s = EventSelectors {
            basic: vec![BasicSelector {
                read_write_type: Some("All".to_owned()),
                include_management_events: Some(true),
                exclude_management_event_sources: vec!["kms.amazonaws.com".to_owned()],
                ..BasicSelector::default()
            }],
            advanced: vec![],
        };
        assert_eq!(
            management(&s).shortfall(),
            "management events from kms.amazonaws.com are excluded"
        );
    }

    #[test]
    fn advanced_read_plus_write_selectors_combine_to_full() {
        let s = advanced(vec![
            adv(&[
                ("eventCategory", &["Management"], &[]),
                ("readOnly", &["true"], &[]),
            ]),
            adv(&[
                ("eventCategory", &["Management"], &[]),
                ("readOnly", &["false"], &[]),
            ]),
        ]);
        assert!(management(&s).full());
    }

    #[test]
    fn advanced_event_source_not_equals_is_an_exclusion() {
        let s = advanced(vec![adv(&[
            ("eventCategory", &["Management"], &[]),
            ("eventSource", &[], &["rdsdata.amazonaws.com"]),
        ])]);
        let m = management(&s);
        assert_eq!(m.excluded, vec!["rdsdata.amazonaws.com".to_owned()]);
        assert!(!m.full());
    }

    #[test]
    fn advanced_data_only_trail_logs_no_management_events() {
        let s = advanced(vec![adv(&[
            ("eventCategory", &["Data"], &[]),
            ("resources.type", &["AWS::S3::Object"], &[]),
        ])]);
        assert!(!management(&s).any());
        let d = data(&s, "AWS::S3::Object", "s3", Access::Read);
        assert!(d.all);
    }

    #[test]
    fn advanced_read_only_data_selector_counts_only_for_reads() {
        let s = advanced(vec![adv(&[
            ("eventCategory", &["Data"], &[]),
            ("resources.type", &["AWS::S3::Object"], &[]),
            ("readOnly", &["true"], &[]),
        ])]);
        assert!(data(&s, "AWS::S3::Object", "s3", Access::Read).all);
        assert!(!data(&s, "AWS::S3::Object", "s3", Access::Write).all);
    }

    #[test]
    fn advanced_arn_exclusion_keeps_all_and_records_it() {
        let s = advanced(vec![adv(&[
            ("eventCategory", &["Data"], &[]),
            ("resources.type", &["AWS::S3::Object"], &[]),
            ("resources.ARN", &[], &["arn:aws:s3:::trail-bucket/"]),
        ])]);
        let d = data(&s, "AWS::S3::Object", "s3", Access::Write);
        assert!(d.all);
        assert_eq!(d.excluded, vec!["arn:aws:s3:::trail-bucket/".to_owned()]);
    }

    #[test]
    fn basic_wildcards_in_every_partition() {
        for v in [
            "arn:aws:s3",
            "arn:aws:s3:::",
            "arn:aws-us-gov:s3",
            "arn:aws-cn:s3:::",
        ] {
            let s = EventSelectors {
                basic: vec![BasicSelector {
                    read_write_type: Some("WriteOnly".to_owned()),
                    data_resources: vec![DataResource {
                        r#type: "AWS::S3::Object".to_owned(),
                        values: vec![v.to_owned()],
                    }],
                    ..BasicSelector::default()
                }],
                advanced: vec![],
            };
            assert!(data(&s, "AWS::S3::Object", "s3", Access::Write).all, "{v}");
            assert!(!data(&s, "AWS::S3::Object", "s3", Access::Read).all, "{v}");
        }
        assert!(is_wildcard("arn:aws:lambda", "lambda"));
        assert!(!is_wildcard("arn:aws:s3:::bucket/", "s3"));
    }

    #[test]
    fn named_bucket_forms() {
        assert!(names_bucket("arn:aws:s3:::logs/", "logs"));
        assert!(names_bucket("arn:aws:s3:::logs", "logs"));
        assert!(!names_bucket("arn:aws:s3:::logs/prefix/", "logs"));
        assert!(!names_bucket("arn:aws:s3:::logs2/", "logs"));
    }
}

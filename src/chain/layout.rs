//! Where `CloudTrail` puts things in S3, and which listed keys belong to a chain.
//!
//! Mirrors the reference (`aws cloudtrail validate-logs`, spec §1.2–§1.5): the ARN check,
//! the digest key layout, the listing `Prefix`/`StartAfter` and the key filter.

use regex_lite::Regex;

use crate::time::{UtcTime, format_key, format_ymd};

/// A trail ARN split into the parts the reference uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailArn {
    /// The ARN exactly as given (printed verbatim in the banner).
    pub arn: String,
    /// 4th `:` field: the trail's home region.
    pub home_region: String,
    /// 5th `:` field: the account that owns the trail.
    pub account_id: String,
    /// Text after the last `/`.
    pub name: String,
}

/// The ARN does not look like a `CloudTrail` trail ARN.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Invalid trail ARN provided: {0}")]
pub struct InvalidArn(pub String);

impl TrailArn {
    /// Validates like the reference: `arn:.+:cloudtrail:.+:\d{12}:trail/.+`, anchored at the
    /// start only.
    ///
    /// # Errors
    /// [`InvalidArn`] when the pattern does not match.
    pub fn parse(arn: &str) -> Result<Self, InvalidArn> {
        let ok =
            Regex::new(r"^arn:.+:cloudtrail:.+:\d{12}:trail/.+").is_ok_and(|re| re.is_match(arn));
        let fields: Vec<&str> = arn.split(':').collect();
        if !ok || fields.len() < 5 {
            return Err(InvalidArn(arn.to_owned()));
        }
        Ok(Self {
            arn: arn.to_owned(),
            home_region: fields[3].to_owned(),
            account_id: fields[4].to_owned(),
            name: arn.rsplit('/').next().unwrap_or_default().to_owned(),
        })
    }
}

/// Which chain a digest key belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChainKind {
    /// Hourly digests.
    Standard,
    /// `*_backfill.json.gz` digests covering late deliveries.
    Backfill,
}

impl ChainKind {
    /// The label the reference puts before `Digest file` and gap notes.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Standard => "",
            Self::Backfill => "(backfill) ",
        }
    }
}

/// The reference's backfill test: the key ends with `_backfill.json.gz`.
#[must_use]
pub fn is_backfill_key(key: &str) -> bool {
    key.ends_with("_backfill.json.gz")
}

/// The key timestamp, extracted positionally like the reference: characters `[-24:-8]`
/// of a standard key, `[-33:-17]` of a backfill key (Python slice semantics on chars).
#[must_use]
pub fn key_timestamp(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    let (from_end, to_end) = if is_backfill_key(key) {
        (33, 17)
    } else {
        (24, 8)
    };
    let len = chars.len();
    let start = len.saturating_sub(from_end);
    let end = len.saturating_sub(to_end);
    if start >= end {
        return String::new();
    }
    chars[start..end].iter().collect()
}

/// Everything that fixes where one chain's digests live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestScope {
    /// Key prefix of the trail (`None` or empty: no prefix).
    pub prefix: Option<String>,
    /// Organization id for organization trails (`o-…`).
    pub organization_id: Option<String>,
    /// Account whose digests are verified.
    pub account_id: String,
    /// Region that delivered the digests.
    pub source_region: String,
    /// Trail home region (from the ARN).
    pub home_region: String,
    /// Trail name (from the ARN).
    pub trail_name: String,
}

impl DigestScope {
    fn prefix_part(&self) -> String {
        match self.prefix.as_deref() {
            Some(p) if !p.is_empty() => format!("{p}/"),
            _ => String::new(),
        }
    }

    fn awslogs_account(&self) -> String {
        match &self.organization_id {
            Some(org) => format!("AWSLogs/{org}/{}", self.account_id),
            None => format!("AWSLogs/{}", self.account_id),
        }
    }

    /// The listing prefix: `[prefix/]AWSLogs/[org/]acct/CloudTrail-Digest/<src>`.
    #[must_use]
    pub fn list_prefix(&self) -> String {
        format!(
            "{}{}/CloudTrail-Digest/{}",
            self.prefix_part(),
            self.awslogs_account(),
            self.source_region
        )
    }

    /// The log folder of this account and region:
    /// `[prefix/]AWSLogs/[org/]acct/CloudTrail/<region>/`.
    #[must_use]
    pub fn log_prefix(&self) -> String {
        format!(
            "{}{}/CloudTrail/{}/",
            self.prefix_part(),
            self.awslogs_account(),
            self.source_region
        )
    }

    /// The key a standard digest ending at `end` would have.
    #[must_use]
    pub fn digest_key(&self, end: &UtcTime) -> String {
        format!(
            "{}/{}/{}_CloudTrail-Digest_{}_{}_{}_{}.json.gz",
            self.list_prefix(),
            format_ymd(end),
            self.account_id,
            self.source_region,
            self.trail_name,
            self.home_region,
            format_key(end)
        )
    }

    /// The listing marker: the key of a digest ending one minute before `start`.
    #[must_use]
    pub fn start_after(&self, start: &UtcTime) -> String {
        self.digest_key(&(*start - chrono::Duration::minutes(1)))
    }

    /// The reference's key filter (prefix, account, regions, trail name escaped; the
    /// organization id is not).
    #[must_use]
    pub fn key_filter(&self) -> KeyFilter {
        let prefix = match self.prefix.as_deref() {
            Some(p) if !p.is_empty() => format!("{}/", regex_lite::escape(p)),
            _ => String::new(),
        };
        let org = self
            .organization_id
            .as_deref()
            .map(|o| format!("{o}/"))
            .unwrap_or_default();
        let acct = regex_lite::escape(&self.account_id);
        let src = regex_lite::escape(&self.source_region);
        let home = regex_lite::escape(&self.home_region);
        let name = regex_lite::escape(&self.trail_name);
        let pattern = format!(
            r"^{prefix}AWSLogs/{org}{acct}/CloudTrail\-Digest/{src}/\d+/\d+/\d+/{acct}_CloudTrail\-Digest_{src}_{name}_{home}_.+(?:_backfill)?\.json\.gz$"
        );
        KeyFilter(Regex::new(&pattern).ok())
    }
}

/// A compiled digest-key filter.
#[derive(Debug, Clone)]
pub struct KeyFilter(Option<Regex>);

impl KeyFilter {
    /// Whether `key` is a digest of this chain (Python `re.match(...$)` semantics: a single
    /// trailing newline is tolerated by `$`).
    #[must_use]
    pub fn matches(&self, key: &str) -> bool {
        let Some(re) = &self.0 else { return false };
        !key.is_empty() && re.is_match(key.strip_suffix('\n').unwrap_or(key))
    }
}

/// The digest keys of one listing, split by chain, in listing (chronological) order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DigestListing {
    /// Standard digest keys.
    pub standard: Vec<String>,
    /// Backfill digest keys.
    pub backfill: Vec<String>,
}

impl DigestListing {
    /// The list of one chain.
    #[must_use]
    pub fn keys_mut(&mut self, kind: ChainKind) -> &mut Vec<String> {
        match kind {
            ChainKind::Standard => &mut self.standard,
            ChainKind::Backfill => &mut self.backfill,
        }
    }
}

/// Filters listed keys exactly like the reference: keep keys matching the chain's pattern
/// whose timestamp string is `>= fmt(start)`; stop at the first one `> fmt(end + 1h)`.
pub fn filter_listing<'a>(
    keys: impl IntoIterator<Item = &'a str>,
    scope: &DigestScope,
    start: &UtcTime,
    end: &UtcTime,
) -> DigestListing {
    let filter = scope.key_filter();
    let lo = format_key(start);
    let hi = format_key(&(*end + chrono::Duration::hours(1)));
    let mut out = DigestListing::default();
    for key in keys {
        if !filter.matches(key) {
            continue;
        }
        let ts = key_timestamp(key);
        if ts > hi {
            break;
        }
        if ts < lo {
            continue;
        }
        if is_backfill_key(key) {
            out.backfill.push(key.to_owned());
        } else {
            out.standard.push(key.to_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_user_time;

    fn scope(prefix: Option<&str>, org: Option<&str>, acct: &str) -> DigestScope {
        DigestScope {
            prefix: prefix.map(str::to_owned),
            organization_id: org.map(str::to_owned),
            account_id: acct.to_owned(),
            source_region: "us-east-1".to_owned(),
            home_region: "us-east-1".to_owned(),
            trail_name: "foo".to_owned(),
        }
    }

    #[test]
    fn arn_bad_forms_are_rejected_with_reference_message() {
        assert_eq!(
            TrailArn::parse("foo:bar:baz").unwrap_err().to_string(),
            "Invalid trail ARN provided: foo:bar:baz"
        );
        assert!(TrailArn::parse("arn:aws:cloudtrail:us-east-1:123456789012:foo").is_err());
    }

    #[test]
    fn arn_good_form_splits_region_account_name() {
        let a = TrailArn::parse("arn:aws:cloudtrail:us-east-1:123456789012:trail/a/b").unwrap();
        assert_eq!(a.home_region, "us-east-1");
        assert_eq!(a.account_id, "123456789012");
        assert_eq!(a.name, "b");
    }

    #[test]
    fn listing_prefix_and_marker_match_reference_vectors() {
        let start = parse_user_time("2014-08-10T00:00:00Z").unwrap();
        let s = scope(Some("prefix"), None, "123456789012");
        assert_eq!(
            s.list_prefix(),
            "prefix/AWSLogs/123456789012/CloudTrail-Digest/us-east-1"
        );
        assert_eq!(
            s.start_after(&start),
            "prefix/AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2014/08/09/123456789012_CloudTrail-Digest_us-east-1_foo_us-east-1_20140809T235900Z.json.gz"
        );
        let o = scope(Some("prefix"), Some("o-12345"), "987654321098");
        assert_eq!(
            o.list_prefix(),
            "prefix/AWSLogs/o-12345/987654321098/CloudTrail-Digest/us-east-1"
        );
        assert_eq!(
            o.start_after(&start),
            "prefix/AWSLogs/o-12345/987654321098/CloudTrail-Digest/us-east-1/2014/08/09/987654321098_CloudTrail-Digest_us-east-1_foo_us-east-1_20140809T235900Z.json.gz"
        );
    }

    #[test]
    fn key_timestamp_standard_and_backfill_extracted_positionally() {
        assert_eq!(
            key_timestamp("a_20150816T230550Z.json.gz"),
            "20150816T230550Z"
        );
        assert_eq!(
            key_timestamp("a_20150816T230550Z_backfill.json.gz"),
            "20150816T230550Z"
        );
        assert!(!is_backfill_key("file_backfill_other.json.gz"));
    }

    #[test]
    fn filter_listing_skips_before_start_other_trails_and_stops_after_end() {
        let s = scope(None, None, "1");
        let start = parse_user_time("2014-08-10T01:00:00Z").unwrap();
        let end = parse_user_time("2014-08-10T03:00:00Z").unwrap();
        let p = "AWSLogs/1/CloudTrail-Digest/us-east-1/2014/08/10/1_CloudTrail-Digest_us-east-1";
        let keys = [
            format!("{p}_foo_us-east-1_20140810T005900Z.json.gz"),
            format!("{p}_foo_us-east-1_20140810T010000Z.json.gz"),
            format!("{p}_bar_us-east-1_20140810T020000Z.json.gz"),
            "AWSLogs/1/CloudTrail-Digest/us-west-2/2014/08/10/1_CloudTrail-Digest_us-west-2_foo_us-east-1_20140810T020000Z.json.gz".to_string(),
            format!("{p}_foo_us-east-1_20140810T020000Z_backfill.json.gz"),
            format!("{p}_foo_us-east-1_20140810T040000Z.json.gz"),
            format!("{p}_foo_us-east-1_20140810T040001Z.json.gz"),
            format!("{p}_foo_us-east-1_20140810T030000Z.json.gz"),
        ];
        let got = filter_listing(keys.iter().map(String::as_str), &s, &start, &end);
        assert_eq!(got.standard, vec![keys[1].clone(), keys[5].clone()]);
        assert_eq!(got.backfill, vec![keys[4].clone()]);
    }
}

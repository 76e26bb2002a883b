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

/// Why an object in a day folder of a trail's log folder is not one of its `CloudTrail` log
/// files. `CloudTrail` names every log file
/// `<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<UniqueString>.json.gz`, with a 16-character
/// unique string, and puts it in the day folder of that time stamp (AWS user guide,
/// "`CloudTrail` log file name format"); any other object there was put by someone else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForeignName {
    /// Not directly inside a day folder `YYYY/MM/DD/` of the log folder (a sub-folder).
    NotInDayFolder,
    /// The name does not end in `.json.gz`.
    Extension,
    /// The name is not `<account>_CloudTrail_<region>_<stamp>_<unique>.json.gz` at all.
    Shape,
    /// The account in the name is not the folder's.
    Account(String),
    /// The region in the name is not the folder's.
    Region(String),
    /// The stamp is not a UTC minute `YYYYMMDDTHHmmZ`.
    Stamp(String),
    /// The stamp's day is not the day folder's.
    Day {
        /// The stamp in the name.
        stamp: String,
        /// The day folder (`YYYY/MM/DD`).
        folder: String,
    },
    /// The unique string is not 16 letters and digits (an extra part, a copy suffix, …).
    Unique(String),
}

impl ForeignName {
    /// Why, in words completing "not a `CloudTrail` log file name: …".
    #[must_use]
    pub fn describe(&self, scope: &DigestScope) -> String {
        match self {
            Self::NotInDayFolder => {
                "it is not directly inside a day folder YYYY/MM/DD/ of the log folder".to_owned()
            }
            Self::Extension => "the name does not end in .json.gz".to_owned(),
            Self::Shape => format!(
                "the name is not {}_CloudTrail_{}_YYYYMMDDTHHmmZ_<16 letters or digits>.json.gz",
                scope.account_id, scope.source_region
            ),
            Self::Account(a) => format!("it names account {a}, not {}", scope.account_id),
            Self::Region(r) => format!("it names region {r}, not {}", scope.source_region),
            Self::Stamp(s) => format!("its time stamp {s} is not a UTC minute YYYYMMDDTHHmmZ"),
            Self::Day { stamp, folder } => {
                format!("it is stamped {stamp} but lies in the day folder {folder}")
            }
            Self::Unique(u) => format!("its unique string {u} is not 16 letters or digits"),
        }
    }
}

/// Parses `YYYYMMDDTHHmmZ` (exactly: digits, a real date, hour < 24, minute < 60).
fn parse_log_stamp(stamp: &str) -> Option<UtcTime> {
    let b = stamp.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = stamp.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    if b.len() != 14 || b[8] != b'T' || b[13] != b'Z' {
        return None;
    }
    let date = chrono::NaiveDate::from_ymd_opt(
        i32::try_from(digits(0..4)?).ok()?,
        digits(4..6)?,
        digits(6..8)?,
    )?;
    let time = chrono::NaiveTime::from_hms_opt(digits(9..11)?, digits(11..13)?, 0)?;
    Some(date.and_time(time).and_utc())
}

impl DigestScope {
    /// The time stamp of a key listed in a day folder of this log folder when it is a
    /// `CloudTrail` log file name of this account, region and day; else why it is not.
    ///
    /// # Errors
    /// [`ForeignName`]: the key is not a log file `CloudTrail` would write there.
    pub fn log_file_time(&self, key: &str) -> Result<UtcTime, ForeignName> {
        let rest = key
            .strip_prefix(&self.log_prefix())
            .ok_or(ForeignName::NotInDayFolder)?;
        let mut parts = rest.splitn(4, '/');
        let (Some(y), Some(m), Some(d), Some(name)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(ForeignName::NotInDayFolder);
        };
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|c| c.is_ascii_digit());
        if !digits(y, 4) || !digits(m, 2) || !digits(d, 2) || name.contains('/') {
            return Err(ForeignName::NotInDayFolder);
        }
        let stem = name
            .strip_suffix(".json.gz")
            .ok_or(ForeignName::Extension)?;
        let fields: Vec<&str> = stem.splitn(5, '_').collect();
        let [account, "CloudTrail", region, stamp, unique] = fields.as_slice() else {
            return Err(ForeignName::Shape);
        };
        if *account != self.account_id {
            return Err(ForeignName::Account((*account).to_owned()));
        }
        if *region != self.source_region {
            return Err(ForeignName::Region((*region).to_owned()));
        }
        let at = parse_log_stamp(stamp).ok_or_else(|| ForeignName::Stamp((*stamp).to_owned()))?;
        if stamp.get(..8) != Some(format!("{y}{m}{d}").as_str()) {
            return Err(ForeignName::Day {
                stamp: (*stamp).to_owned(),
                folder: format!("{y}/{m}/{d}"),
            });
        }
        if unique.len() != 16 || !unique.bytes().all(|c| c.is_ascii_alphanumeric()) {
            return Err(ForeignName::Unique((*unique).to_owned()));
        }
        Ok(at)
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
    fn log_file_time_accepts_cloudtrail_names_only() {
        let s = scope(None, Some("o-1"), "111122223333");
        let day = "AWSLogs/o-1/111122223333/CloudTrail/us-east-1/2026/03/01/";
        let ok = format!(
            "{day}111122223333_CloudTrail_us-east-1_20260301T0518Z_9Fy6XPqpovUPKQvr.json.gz"
        );
        assert_eq!(
            s.log_file_time(&ok),
            Ok(parse_user_time("2026-03-01T05:18:00Z").unwrap())
        );
        let name = |n: &str| format!("{day}{n}");
        let cases = [
            (name("console-export-0230.json.gz"), ForeignName::Shape),
            (name(""), ForeignName::Extension),
            (
                name("111122223333_CloudTrail_us-east-1_20260301T0518Z_9Fy6XPqpovUPKQvr.json.gz.1"),
                ForeignName::Extension,
            ),
            (
                name("999999999999_CloudTrail_us-east-1_20260301T0518Z_9Fy6XPqpovUPKQvr.json.gz"),
                ForeignName::Account("999999999999".into()),
            ),
            (
                name("111122223333_CloudTrail_us-west-2_20260301T0518Z_9Fy6XPqpovUPKQvr.json.gz"),
                ForeignName::Region("us-west-2".into()),
            ),
            (
                name("111122223333_CloudTrail_us-east-1_20260301T2460Z_9Fy6XPqpovUPKQvr.json.gz"),
                ForeignName::Stamp("20260301T2460Z".into()),
            ),
            (
                name("111122223333_CloudTrail_us-east-1_2026031T05180Z_9Fy6XPqpovUPKQvr.json.gz"),
                ForeignName::Stamp("2026031T05180Z".into()),
            ),
            (
                name("111122223333_CloudTrail_us-east-1_20260302T0518Z_9Fy6XPqpovUPKQvr.json.gz"),
                ForeignName::Day {
                    stamp: "20260302T0518Z".into(),
                    folder: "2026/03/01".into(),
                },
            ),
            (
                name(
                    "111122223333_CloudTrail_us-east-1_20260301T0518Z_9Fy6XPqpovUPKQvr_copy.json.gz",
                ),
                ForeignName::Unique("9Fy6XPqpovUPKQvr_copy".into()),
            ),
            (
                name("111122223333_CloudTrail_us-east-1_20260301T0518Z_9Fy6XPqpovUPKQv.json.gz"),
                ForeignName::Unique("9Fy6XPqpovUPKQv".into()),
            ),
            (
                name("111122223333_Cloudtrail_us-east-1_20260301T0518Z_9Fy6XPqpovUPKQvr.json.gz"),
                ForeignName::Shape,
            ),
            (
                name("x/111122223333_CloudTrail_us-east-1_20260301T0518Z_9Fy6XPqpovUPKQvr.json.gz"),
                ForeignName::NotInDayFolder,
            ),
            (
                "AWSLogs/111122223333/CloudTrail/us-east-1/2026/03/01/x.json.gz".to_owned(),
                ForeignName::NotInDayFolder,
            ),
        ];
        for (key, why) in cases {
            assert_eq!(s.log_file_time(&key), Err(why), "{key}");
        }
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

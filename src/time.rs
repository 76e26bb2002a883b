//! Time parsing and formatting.
//!
//! Role: turn the `--start-time`/`--end-time` strings that scripts pass to
//! `aws cloudtrail validate-logs` (parsed there by python's permissive
//! `dateutil.parser.parse`) and the timestamps found inside trail files (digests, keys) into
//! [`UtcTime`], and render times exactly the way the reference CLI prints them.
//!
//! What it must not do: read the clock (a missing year or day is an error, never filled
//! in from "now"), accept relative times or epoch numbers, or drop an explicit UTC offset
//! (the reference discards offsets; we convert them to UTC).
//!
//! The parser is a small hand-written scanner over ASCII bytes. Accepted shapes:
//! - numeric date: `YYYY-MM-DD`, `YYYY/MM/DD`, `YYYY.MM.DD`, `YYYYMMDD`, and the US
//!   month-first `MM/DD/YYYY` (day and month swap when the first field exceeds 12, as
//!   dateutil does);
//! - English date: optional weekday, then `Month D[,] YYYY` or `D Month YYYY`; the year may
//!   instead come last, after the time and zone (`date`/asctime output);
//! - optional time after `T` or whitespace: `HH`, `HH:MM`, `HH:MM:SS`, `HHMM`, `HHMMSS`,
//!   with `.fraction`/`,fraction` after seconds and an optional `AM`/`PM`;
//! - optional zone: `Z`, `UTC`, `GMT`, `UT`, or (after a time) `±HH`, `±HHMM`, `±HH:MM`.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, SecondsFormat, TimeZone, Utc};

/// An instant in UTC.
pub type UtcTime = DateTime<Utc>;

/// A time string that is not in any accepted form (or names an impossible time).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Unable to parse date value: {input}")]
pub struct TimeParseError {
    /// The rejected input, exactly as given (not trimmed).
    pub input: String,
}

/// Parses a user-supplied time. Naive times are UTC; explicit offsets are CONVERTED to UTC
/// (the reference discards them — a known bug we fix).
///
/// # Errors
/// [`TimeParseError`] carrying `s` unchanged when `s` is not in an accepted form or names an
/// impossible date or time.
pub fn parse_user_time(s: &str) -> Result<UtcTime, TimeParseError> {
    parse(s).ok_or_else(|| TimeParseError {
        input: s.to_owned(),
    })
}

/// Parses a timestamp found inside trail data (digest `digestStartTime`/`digestEndTime`,
/// the 16-char key timestamp `20260301T041742Z`, backfill generation timestamps). Same grammar.
///
/// # Errors
/// Same as [`parse_user_time`].
pub fn parse_record_time(s: &str) -> Result<UtcTime, TimeParseError> {
    parse_user_time(s)
}

/// `YYYY-MM-DDTHH:MM:SSZ` (fractional seconds dropped, like python `strftime('%Y-%m-%dT%H:%M:%SZ')`).
#[must_use]
pub fn format_display(t: &UtcTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `YYYYMMDDTHHMMSSZ` (the digest key timestamp format).
#[must_use]
pub fn format_key(t: &UtcTime) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// `YYYY/MM/DD`
#[must_use]
pub fn format_ymd(t: &UtcTime) -> String {
    t.format("%Y/%m/%d").to_string()
}

/// RFC 3339 UTC with `Z` and whole seconds unless there are fractional seconds (for JSON output).
#[must_use]
pub fn format_rfc3339(t: &UtcTime) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// Strict RFC 3339 (any offset) to UTC: the inverse of [`format_rfc3339`], for times this
/// tool wrote itself (snapshots, reports); `None` for anything else.
#[must_use]
pub fn parse_rfc3339(s: &str) -> Option<UtcTime> {
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&chrono::Utc))
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];
const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];
const ZONE_WORDS: [&[u8]; 4] = [b"z", b"utc", b"gmt", b"ut"];

/// Date fields as written; the year may still be pending (asctime puts it last).
struct DateParts {
    year: Option<i32>,
    month: u32,
    day: u32,
}

/// A position in the trimmed input. `Copy`, so a failed attempt is undone by keeping the old one.
#[derive(Clone, Copy)]
struct Cursor<'a> {
    s: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn peek(self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn at_end(self) -> bool {
        self.pos >= self.s.len()
    }

    fn take_while(&mut self, f: impl Fn(u8) -> bool) -> &'a [u8] {
        let start = self.pos;
        while self.peek().is_some_and(&f) {
            self.pos += 1;
        }
        self.s.get(start..self.pos).unwrap_or_default()
    }

    fn digits(&mut self) -> &'a [u8] {
        self.take_while(|b| b.is_ascii_digit())
    }

    fn word(&mut self) -> &'a [u8] {
        self.take_while(|b| b.is_ascii_alphabetic())
    }

    fn skip_ws(&mut self) {
        self.take_while(|b| b.is_ascii_whitespace());
    }

    /// Separators between English date fields: whitespace, `,`, `.`, `-`.
    fn skip_seps(&mut self) {
        self.take_while(|b| b.is_ascii_whitespace() || b",.-".contains(&b));
    }

    /// Consumes the next byte if it is one of `set`.
    fn eat(&mut self, set: &[u8]) -> Option<u8> {
        let b = self.peek().filter(|b| set.contains(b))?;
        self.pos += 1;
        Some(b)
    }

    /// Runs `f` on a copy and only advances when it succeeds.
    fn attempt<T>(&mut self, f: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        let mut probe = *self;
        let out = f(&mut probe)?;
        *self = probe;
        Some(out)
    }
}

/// Value of an all-digit run whose length is in `lens`.
fn num(d: &[u8], lens: std::ops::RangeInclusive<usize>) -> Option<u32> {
    if !lens.contains(&d.len()) {
        return None;
    }
    d.iter().try_fold(0u32, |acc, &b| {
        acc.checked_mul(10)?.checked_add(u32::from(b - b'0'))
    })
}

/// A four-digit year from 0001 (python's `datetime.MINYEAR`).
fn year(d: &[u8]) -> Option<i32> {
    let y = num(d, 4..=4)?;
    i32::try_from(y).ok().filter(|&y| y >= 1)
}

/// 1-based index of `word` in `names`: full name or three-letter abbreviation
/// (plus dateutil's `Sept`), case-insensitively.
fn lookup(names: &[&str], word: &[u8]) -> Option<u32> {
    let i = names.iter().position(|name| {
        let name = name.as_bytes();
        (word.len() == 3 || word.len() == name.len() || (word.len() == 4 && name == b"september"))
            && name
                .get(..word.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(word))
    })?;
    u32::try_from(i + 1).ok()
}

fn parse(input: &str) -> Option<UtcTime> {
    parse_parts(input).map(|(instant, _)| instant)
}

/// A timestamp from trail data as the reference handles it: the real instant, and the clock
/// digits as written, read as UTC (Python's `replace(tzinfo=utc)`, which relabels an offset
/// instead of converting it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RecordTime {
    /// The instant.
    pub instant: UtcTime,
    /// The written clock digits, labelled UTC.
    pub clock: UtcTime,
}

impl RecordTime {
    /// A UTC time (instant and clock agree).
    #[must_use]
    pub fn utc(t: UtcTime) -> Self {
        Self {
            instant: t,
            clock: t,
        }
    }
}

/// Parses a trail timestamp keeping both its instant and its written clock digits.
///
/// # Errors
/// Same as [`parse_user_time`].
pub fn parse_record_clock(s: &str) -> Result<RecordTime, TimeParseError> {
    parse_parts(s)
        .map(|(instant, naive)| RecordTime {
            instant,
            clock: naive.and_utc(),
        })
        .ok_or_else(|| TimeParseError {
            input: s.to_owned(),
        })
}

fn parse_parts(input: &str) -> Option<(UtcTime, chrono::NaiveDateTime)> {
    let mut c = Cursor {
        s: input.trim().as_bytes(),
        pos: 0,
    };
    let mut date = c.attempt(numeric_date).or_else(|| english_date(&mut c))?;
    let has_time = if c.eat(b"Tt").is_some() {
        true
    } else {
        c.skip_ws();
        c.peek().is_some_and(|b| b.is_ascii_digit())
    };
    let time = if has_time {
        time(&mut c)?
    } else {
        NaiveTime::MIN
    };
    let offset = zone(&mut c, has_time)?;
    if date.year.is_none() {
        c.skip_ws();
        date.year = Some(year(c.digits())?);
    }
    if !c.at_end() {
        return None;
    }
    let naive = NaiveDate::from_ymd_opt(date.year?, date.month, date.day)?.and_time(time);
    let local = FixedOffset::east_opt(offset)?
        .from_local_datetime(&naive)
        .single()?;
    Some((local.with_timezone(&Utc), naive))
}

/// `YYYYMMDD`, `YYYY-MM-DD` (or `/`, `.`), or US `MM/DD/YYYY` (or `-`, `.`).
fn numeric_date(c: &mut Cursor) -> Option<DateParts> {
    let first = c.digits();
    if first.len() == 8 {
        let (y, md) = first.split_at(4);
        let (m, d) = md.split_at(2);
        return Some(DateParts {
            year: Some(year(y)?),
            month: num(m, 2..=2)?,
            day: num(d, 2..=2)?,
        });
    }
    let sep = c.eat(b"-/.")?;
    let second = num(c.digits(), 1..=2)?;
    c.eat(&[sep])?;
    let third = c.digits();
    if first.len() == 4 {
        return Some(DateParts {
            year: Some(year(first)?),
            month: second,
            day: num(third, 1..=2)?,
        });
    }
    let (mut month, mut day) = (num(first, 1..=2)?, second);
    if month > 12 && day <= 12 {
        // dateutil reads month-first but swaps when the first field can only be a day.
        std::mem::swap(&mut month, &mut day);
    }
    Some(DateParts {
        year: Some(year(third)?),
        month,
        day,
    })
}

/// `[Weekday[,]] Month D[,] [YYYY]` or `[Weekday[,]] D Month [YYYY]`.
fn english_date(c: &mut Cursor) -> Option<DateParts> {
    let mut w = c.word();
    if lookup(&WEEKDAYS, w).is_some() {
        c.eat(b",");
        c.skip_ws();
        w = c.word();
    }
    let (month, day) = if w.is_empty() {
        let day = num(c.digits(), 1..=2)?;
        c.skip_seps();
        (lookup(&MONTHS, c.word())?, day)
    } else {
        let month = lookup(&MONTHS, w)?;
        c.skip_seps();
        (month, num(c.digits(), 1..=2)?)
    };
    c.skip_seps();
    // The year normally follows the day; `date`/asctime output puts it after the time.
    let year = c.attempt(|c| year(c.digits()));
    Some(DateParts { year, month, day })
}

/// `HH[:MM[:SS[.frac]]]`, `HHMM`, `HHMMSS[.frac]`, then an optional `AM`/`PM`.
fn time(c: &mut Cursor) -> Option<NaiveTime> {
    let first = c.digits();
    let mut fields = Vec::with_capacity(3);
    match first.len() {
        4 | 6 => {
            for pair in first.chunks(2) {
                fields.push(num(pair, 2..=2)?);
            }
        }
        1 | 2 => {
            fields.push(num(first, 1..=2)?);
            while fields.len() < 3 && c.eat(b":").is_some() {
                fields.push(num(c.digits(), 2..=2)?);
            }
        }
        _ => return None,
    }
    let mut nanos = 0;
    if fields.len() == 3 && c.eat(b".,").is_some() {
        let frac = c.digits();
        if frac.is_empty() {
            return None;
        }
        // Keep nanosecond precision; pad short fractions, truncate longer ones.
        nanos = frac
            .iter()
            .chain(std::iter::repeat(&b'0'))
            .take(9)
            .fold(0, |acc, &b| acc * 10 + u32::from(b - b'0'));
    }
    let mut hour = fields.first().copied()?;
    let (minute, second) = (
        fields.get(1).copied().unwrap_or(0),
        fields.get(2).copied().unwrap_or(0),
    );
    let meridiem = c.attempt(|c| {
        c.skip_ws();
        let w = c.word();
        [b"am", b"pm"]
            .iter()
            .position(|m| m.eq_ignore_ascii_case(w))
    });
    if let Some(pm) = meridiem {
        if !(1..=12).contains(&hour) {
            return None;
        }
        hour = hour % 12 + if pm == 1 { 12 } else { 0 };
    }
    NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)
}

/// Optional zone; returns the UTC offset in seconds (0 when absent) or `None` when malformed.
/// Numeric offsets are only meaningful after a time, so they are refused without one.
fn zone(c: &mut Cursor, has_time: bool) -> Option<i32> {
    let mut probe = *c;
    probe.skip_ws();
    let word = probe.word();
    if !word.is_empty() {
        if ZONE_WORDS.iter().any(|z| z.eq_ignore_ascii_case(word)) {
            *c = probe;
        }
        // Anything else is left unconsumed and rejected by the caller.
        return Some(0);
    }
    let Some(sign) = probe.eat(b"+-") else {
        return Some(0);
    };
    if !has_time {
        return None;
    }
    let digits = probe.digits();
    let (hours, minutes) = match digits.len() {
        4 => {
            let (hh, mm) = digits.split_at(2);
            (num(hh, 2..=2)?, num(mm, 2..=2)?)
        }
        1 | 2 => {
            let hours = num(digits, 1..=2)?;
            let minutes = if probe.eat(b":").is_some() {
                num(probe.digits(), 2..=2)?
            } else {
                0
            };
            (hours, minutes)
        }
        _ => return None,
    };
    if hours > 23 || minutes > 59 {
        return None;
    }
    *c = probe;
    let secs = i32::try_from(hours * 3600 + minutes * 60).ok()?;
    Some(if sign == b'-' { -secs } else { secs })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Timelike;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> UtcTime {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s)
            .single()
            .expect("valid test time")
    }

    fn ok(s: &str) -> UtcTime {
        parse_user_time(s).unwrap_or_else(|e| panic!("{s:?} should parse: {e}"))
    }

    fn assert_rejected(s: &str) {
        let err = parse_user_time(s).expect_err(s);
        assert_eq!(err.input, s);
    }

    /// The instant most tests spell in different ways.
    fn t() -> UtcTime {
        utc(2015, 1, 8, 5, 21, 42)
    }

    #[test]
    fn parse_user_time_iso_extended_zulu_parses() {
        assert_eq!(ok("2015-01-08T05:21:42Z"), t());
    }

    #[test]
    fn parse_user_time_iso_extended_naive_is_utc() {
        assert_eq!(ok("2015-01-08T05:21:42"), t());
    }

    #[test]
    fn parse_user_time_fractional_seconds_preserved() {
        let got = ok("2015-01-08T05:21:42.123456Z");
        assert_eq!(got.with_nanosecond(0), Some(t()));
        assert_eq!(got.nanosecond(), 123_456_000);
    }

    #[test]
    fn parse_user_time_comma_fraction_and_nanos_preserved() {
        assert_eq!(ok("2015-01-08T05:21:42,5").nanosecond(), 500_000_000);
        assert_eq!(
            ok("2015-01-08T05:21:42.1234567891Z").nanosecond(),
            123_456_789
        );
    }

    #[test]
    fn parse_user_time_minutes_only_zulu_zero_seconds() {
        assert_eq!(ok("2015-01-08T05:21Z"), utc(2015, 1, 8, 5, 21, 0));
    }

    #[test]
    fn parse_user_time_space_separator_parses() {
        assert_eq!(ok("2015-01-08 05:21:42"), t());
    }

    #[test]
    fn parse_user_time_colon_offset_converted_to_utc() {
        assert_eq!(ok("2015-01-08T07:21:42+02:00"), t());
        assert_eq!(ok("2026-03-01T02:00:00+02:00"), utc(2026, 3, 1, 0, 0, 0));
    }

    #[test]
    fn parse_user_time_compact_offset_converted_to_utc() {
        assert_eq!(ok("2015-01-08T07:21:42+0200"), t());
    }

    #[test]
    fn parse_user_time_hour_only_offset_converted_to_utc() {
        assert_eq!(ok("2015-01-08T07:21:42+02"), t());
    }

    #[test]
    fn parse_user_time_negative_half_hour_offset_converted_to_utc() {
        assert_eq!(ok("2015-01-07T23:51:42-05:30"), t());
    }

    #[test]
    fn parse_user_time_offset_crosses_day_boundary_converted() {
        assert_eq!(ok("2026-03-01T01:00:00+02:00"), utc(2026, 2, 28, 23, 0, 0));
        assert_eq!(ok("2024-02-28T23:00:00-02:00"), utc(2024, 2, 29, 1, 0, 0));
    }

    #[test]
    fn parse_user_time_lowercase_t_and_z_parses() {
        assert_eq!(ok("2015-01-08t05:21:42z"), t());
    }

    #[test]
    fn parse_user_time_date_only_is_midnight() {
        assert_eq!(ok("2015-01-08"), utc(2015, 1, 8, 0, 0, 0));
    }

    #[test]
    fn parse_user_time_hour_only_parses() {
        assert_eq!(ok("2015-01-08T05"), utc(2015, 1, 8, 5, 0, 0));
    }

    #[test]
    fn parse_user_time_iso_basic_zulu_parses() {
        assert_eq!(ok("20150108T052142Z"), t());
    }

    #[test]
    fn parse_user_time_iso_basic_naive_parses() {
        assert_eq!(ok("20150108T052142"), t());
    }

    #[test]
    fn parse_user_time_basic_date_extended_time_parses() {
        assert_eq!(ok("20160129T19:00:00Z"), utc(2016, 1, 29, 19, 0, 0));
    }

    #[test]
    fn parse_user_time_basic_date_only_is_midnight() {
        assert_eq!(ok("20150108"), utc(2015, 1, 8, 0, 0, 0));
    }

    #[test]
    fn parse_user_time_trailing_zone_words_are_utc() {
        assert_eq!(ok("2015-01-08T05:21:42 UTC"), t());
        assert_eq!(ok("2015-01-08 05:21:42 GMT"), t());
        assert_eq!(ok("2015-01-08 05:21:42 utc"), t());
        assert_eq!(ok("2015-01-08 UTC"), utc(2015, 1, 8, 0, 0, 0));
    }

    #[test]
    fn parse_user_time_offset_after_space_converted() {
        assert_eq!(ok("2015-01-08 05:21:42 +00:00"), t());
        assert_eq!(ok("2015-01-08 07:21:42 +02:00"), t());
    }

    #[test]
    fn parse_user_time_surrounding_whitespace_trimmed() {
        assert_eq!(ok("  2015-01-08T05:21:42Z\n"), t());
    }

    #[test]
    fn parse_user_time_english_month_day_comma_year_parses() {
        assert_eq!(
            ok("August 25, 2015 00:00:00 UTC"),
            utc(2015, 8, 25, 0, 0, 0)
        );
        assert_eq!(ok("AUGUST 25, 2015"), utc(2015, 8, 25, 0, 0, 0));
    }

    #[test]
    fn parse_user_time_english_abbreviated_month_parses() {
        assert_eq!(ok("Aug 25 2015 00:00:00"), utc(2015, 8, 25, 0, 0, 0));
        assert_eq!(ok("Sept 1 2015"), utc(2015, 9, 1, 0, 0, 0));
    }

    #[test]
    fn parse_user_time_english_day_first_parses() {
        assert_eq!(ok("25 August 2015 00:00"), utc(2015, 8, 25, 0, 0, 0));
        assert_eq!(ok("25-Aug-2015 10:00"), utc(2015, 8, 25, 10, 0, 0));
    }

    #[test]
    fn parse_user_time_rfc2822_parses() {
        assert_eq!(
            ok("Tue, 25 Aug 2015 10:00:00 GMT"),
            utc(2015, 8, 25, 10, 0, 0)
        );
    }

    #[test]
    fn parse_user_time_rfc2822_offset_converted() {
        assert_eq!(
            ok("Tue, 25 Aug 2015 12:00:00 +0200"),
            utc(2015, 8, 25, 10, 0, 0)
        );
    }

    #[test]
    fn parse_user_time_asctime_year_last_parses() {
        assert_eq!(
            ok("Tue Aug 25 10:00:00 UTC 2015"),
            utc(2015, 8, 25, 10, 0, 0)
        );
        assert_eq!(ok("Tue Aug 25 10:00:00 2015"), utc(2015, 8, 25, 10, 0, 0));
    }

    #[test]
    fn parse_user_time_slash_year_first_parses() {
        assert_eq!(ok("2015/08/25 10:00:00"), utc(2015, 8, 25, 10, 0, 0));
    }

    #[test]
    fn parse_user_time_us_month_first_parses() {
        assert_eq!(ok("08/25/2015 10:00"), utc(2015, 8, 25, 10, 0, 0));
        assert_eq!(ok("8/5/2015"), utc(2015, 8, 5, 0, 0, 0));
    }

    #[test]
    fn parse_user_time_month_first_impossible_swaps_like_dateutil() {
        assert_eq!(ok("25/08/2015"), utc(2015, 8, 25, 0, 0, 0));
    }

    #[test]
    fn parse_user_time_am_pm_parses() {
        assert_eq!(ok("08/25/2015 10:00 PM"), utc(2015, 8, 25, 22, 0, 0));
        assert_eq!(ok("08/25/2015 12:30 am"), utc(2015, 8, 25, 0, 30, 0));
    }

    #[test]
    fn parse_user_time_empty_rejected() {
        assert_rejected("");
        assert_rejected("   ");
    }

    #[test]
    fn parse_user_time_garbage_rejected() {
        for s in [
            "foo",
            "2015-01-08Tfoo",
            "2015-01-08T05:21:42Zjunk",
            "2015-01-08T",
            "é2015",
        ] {
            assert_rejected(s);
        }
    }

    #[test]
    fn parse_user_time_out_of_range_fields_rejected() {
        for s in [
            "2015-13-01",
            "2015-02-30",
            "2015-01-08T25:00:00",
            "2015-01-08T05:60:00",
            "2015-01-08T05:21:60",
            "20150230T000000Z",
            "0000-01-01",
            "08/25/2015 13:00 PM",
        ] {
            assert_rejected(s);
        }
    }

    #[test]
    fn parse_user_time_bad_offsets_rejected() {
        assert_rejected("2015-01-08T05:21:42+24:00");
        assert_rejected("2015-01-08T05:21:42+02:60");
        assert_rejected("2015-01-08T05:21:42+123");
        assert_rejected("2015-01-08-05:00");
    }

    #[test]
    fn parse_user_time_relative_and_epoch_rejected() {
        for s in [
            "now",
            "yesterday",
            "1 day ago",
            "1420694502",
            "1420694502000",
        ] {
            assert_rejected(s);
        }
    }

    #[test]
    fn parse_user_time_incomplete_dates_rejected() {
        for s in ["Aug 25", "2015-01", "08/25/15", "2015-01/08", "2015"] {
            assert_rejected(s);
        }
    }

    #[test]
    fn parse_user_time_error_keeps_input_unchanged() {
        let err = parse_user_time("  not a date ").expect_err("garbage");
        assert_eq!(
            err,
            TimeParseError {
                input: "  not a date ".to_owned()
            }
        );
    }

    #[test]
    fn time_parse_error_display_matches_reference_text() {
        let err = parse_user_time("foo").expect_err("garbage");
        assert_eq!(err.to_string(), "Unable to parse date value: foo");
    }

    #[test]
    fn parse_record_time_key_timestamp_parses() {
        assert_eq!(
            parse_record_time("20260301T041742Z"),
            Ok(utc(2026, 3, 1, 4, 17, 42))
        );
    }

    #[test]
    fn parse_record_time_digest_timestamp_parses() {
        assert_eq!(
            parse_record_time("2026-03-01T04:17:42Z"),
            Ok(utc(2026, 3, 1, 4, 17, 42))
        );
        let frac = parse_record_time("2026-03-01T04:17:42.517Z").expect("digest time");
        assert_eq!(frac.nanosecond(), 517_000_000);
    }

    #[test]
    fn parse_record_time_garbage_rejected() {
        assert_eq!(
            parse_record_time("2026-03-01X"),
            Err(TimeParseError {
                input: "2026-03-01X".to_owned()
            })
        );
    }

    #[test]
    fn format_key_parse_record_time_round_trips() {
        for time in [
            t(),
            utc(2024, 2, 29, 23, 59, 59),
            utc(1970, 1, 1, 0, 0, 0),
            utc(9999, 12, 31, 0, 0, 1),
        ] {
            assert_eq!(parse_record_time(&format_key(&time)), Ok(time));
        }
    }

    #[test]
    fn format_key_fractional_round_trip_drops_fraction() {
        let frac = ok("2015-01-08T05:21:42.999Z");
        assert_eq!(parse_record_time(&format_key(&frac)), Ok(t()));
    }

    #[test]
    fn format_display_whole_seconds_formats() {
        assert_eq!(format_display(&t()), "2015-01-08T05:21:42Z");
    }

    #[test]
    fn format_display_fractional_seconds_dropped() {
        assert_eq!(
            format_display(&ok("2015-01-08T05:21:42.987654Z")),
            "2015-01-08T05:21:42Z"
        );
    }

    #[test]
    fn format_key_formats_compact() {
        assert_eq!(format_key(&t()), "20150108T052142Z");
    }

    #[test]
    fn format_ymd_formats_slashes() {
        assert_eq!(format_ymd(&t()), "2015/01/08");
    }

    #[test]
    fn format_rfc3339_whole_seconds_omits_fraction() {
        assert_eq!(format_rfc3339(&t()), "2015-01-08T05:21:42Z");
    }

    #[test]
    fn format_rfc3339_fractional_seconds_kept() {
        assert_eq!(
            format_rfc3339(&ok("2015-01-08T05:21:42.5Z")),
            "2015-01-08T05:21:42.500Z"
        );
        assert_eq!(
            format_rfc3339(&ok("2015-01-08T05:21:42.123456Z")),
            "2015-01-08T05:21:42.123456Z"
        );
    }
}

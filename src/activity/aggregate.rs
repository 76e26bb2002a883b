//! The streaming activity aggregator: feed it files (or records) one at a time and take a
//! [`Summary`] at the end. Memory is bounded by the number of distinct keys (event names,
//! sources, regions, actors, error codes…), never by the number of records, except for the
//! duplicate-`eventID` detector, which keeps one 64-bit hash per distinct id.
//!
//! Files are decoded by [`crate::records`]; what a record means (actor key, root use, CIS
//! items…) is decided by [`super::rules`]; this module only counts. It reads no file and no
//! clock: callers hand it bytes (as read or stored, or already inflated by the verification,
//! see [`Summarizer::add_content`]). Every field is read defensively: a value of the wrong
//! type counts as absent, so no record can make the aggregator fail. Shards of a parallel
//! run [`Summarizer::merge`] into the same result as one pass.

use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash as _, Hasher as _};

use rustc_hash::{FxHashMap, FxHashSet, FxHasher};

use super::rules::{
    ABUSED_APIS, CIS, actor_key, canonical_time, event_version, is_authorization_failure,
    is_excluded_denial, is_root_use, looks_like_ipv4,
};
use super::sections::{Dormant, dormant};
use super::summary::{
    BENCHMARK, CisCount, FileEntry, Identity, MAX_SET, ParserNotes, SCHEMA, SkippedFile, Summary,
    Verification,
};
use super::tally::{add_maps, count, insert_capped, slot, union};
use crate::controls::monitoring::CIS_ITEMS;
use crate::detect::scan::Scan;
use crate::records::file::{
    ElementNotes, Skip, is_gzip, looks_like_log_name, maybe_gunzip, parse_inflated_raw,
};
use crate::records::record::{Flag, Record};
use crate::time::{UtcTime, format_rfc3339, parse_record_time};

/// What the summary lists of a log file as it is stored (the object that was read or whose
/// hash the verification checked): the same facts whether the summary parses the stored
/// bytes ([`Summarizer::add_checked_file`]) or content already inflated
/// ([`Summarizer::add_content`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    /// SHA-256 of the object as stored (compressed, when gzip), lowercase hex.
    pub sha256: String,
    /// Size of the object as stored, in bytes.
    pub bytes: u64,
    /// Whether the object as stored is gzip (by its magic bytes).
    pub gzip: bool,
}

impl StoredFile {
    /// The facts of `body`, an object's bytes as stored.
    #[must_use]
    pub fn of(body: &[u8]) -> Self {
        Self {
            sha256: crate::hash::sha256_hex(body),
            bytes: body.len() as u64,
            gzip: is_gzip(body),
        }
    }
}

/// The streaming aggregator.
#[derive(Debug)]
pub struct Summarizer {
    out: Summary,
    seen_ids: FxHashSet<u64>,
    /// The per-record counters, hashed while records go by and sorted into the summary's
    /// maps once, at the end (a B-tree lookup per counter per record cost more than the
    /// parse).
    hot: Hot,
    /// Distinct source addresses per actor key.
    ips_per_actor: BTreeMap<String, BTreeSet<String>>,
    /// Records and records with an error, per hour (Unix hours); `by_hour` at the end.
    hours: BTreeMap<i64, (u64, u64)>,
    first: Option<UtcTime>,
    last: Option<UtcTime>,
    newest_version: Option<(u64, u64)>,
    cis_range: BTreeMap<&'static str, (Option<UtcTime>, Option<UtcTime>)>,
    actor_range: BTreeMap<String, (Option<UtcTime>, Option<UtcTime>)>,
    inflate_limit: u64,
    record_limit: u64,
    inventory: Option<Vec<Dormant>>,
    /// Services called per actor key, kept only for an access review.
    services: Option<BTreeMap<String, BTreeSet<String>>>,
    scan: Scan,
}

impl Default for Summarizer {
    fn default() -> Self {
        Self::new(crate::limits::MAX_ACTIVITY_INFLATED_BYTES)
    }
}

/// Keeps the [`MAX_SET`] smallest non-empty values: the same set whatever order the records
/// (or the shards of a parallel run) arrive in.
fn add_capped(set: &mut BTreeSet<String>, v: Option<&str>) {
    if let Some(v) = v.filter(|v| !v.is_empty()) {
        insert_capped(set, v, MAX_SET);
    }
}

fn widen(range: &mut (Option<UtcTime>, Option<UtcTime>), t: UtcTime) {
    if range.0.is_none_or(|f| t < f) {
        range.0 = Some(t);
    }
    if range.1.is_none_or(|l| t > l) {
        range.1 = Some(t);
    }
}

fn fmt(t: Option<UtcTime>) -> Option<String> {
    t.as_ref().map(format_rfc3339)
}

/// A boolean field; the strings `"true"`/`"false"` (any case) are accepted and noted.
fn flag(f: &Flag<'_>, notes: &mut ParserNotes) -> Option<bool> {
    match f {
        Flag::Bool(b) => Some(*b),
        Flag::Text(s) if s.eq_ignore_ascii_case("true") => {
            notes.string_booleans += 1;
            Some(true)
        }
        Flag::Text(s) if s.eq_ignore_ascii_case("false") => {
            notes.string_booleans += 1;
            Some(false)
        }
        _ => None,
    }
}

/// Adds one to `key`'s count, or to `absent`'s when there is no key.
/// The counters every record updates, by the key of the summary map each becomes.
#[derive(Debug, Default)]
struct Hot {
    event_name: FxHashMap<String, u64>,
    event_source: FxHashMap<String, u64>,
    region: FxHashMap<String, u64>,
    account: FxHashMap<String, u64>,
    event_version: FxHashMap<String, u64>,
    event_category: FxHashMap<String, u64>,
    source_ip: FxHashMap<String, u64>,
    error_code: FxHashMap<String, u64>,
    writes_by_event_name: FxHashMap<String, u64>,
}

impl Hot {
    /// Pairs of counters and the summary maps they become.
    fn into_summary(self, s: &mut Summary) {
        for (from, into) in [
            (self.event_name, &mut s.by_event_name),
            (self.event_source, &mut s.by_event_source),
            (self.region, &mut s.by_region),
            (self.account, &mut s.by_account),
            (self.event_version, &mut s.by_event_version),
            (self.event_category, &mut s.by_event_category),
            (self.source_ip, &mut s.by_source_ip),
            (self.error_code, &mut s.by_error_code),
            (self.writes_by_event_name, &mut s.writes_by_event_name),
        ] {
            for (k, n) in from {
                *into.entry(k).or_insert(0) += n;
            }
        }
    }

    /// Adds the counts of `later`.
    fn merge(&mut self, later: Self) {
        for (into, from) in [
            (&mut self.event_name, later.event_name),
            (&mut self.event_source, later.event_source),
            (&mut self.region, later.region),
            (&mut self.account, later.account),
            (&mut self.event_version, later.event_version),
            (&mut self.event_category, later.event_category),
            (&mut self.source_ip, later.source_ip),
            (&mut self.error_code, later.error_code),
            (&mut self.writes_by_event_name, later.writes_by_event_name),
        ] {
            for (k, n) in from {
                *into.entry(k).or_insert(0) += n;
            }
        }
    }
}

/// Adds one to `key` (or `absent`), allocating the key only when it is new.
fn hot_bump(map: &mut FxHashMap<String, u64>, key: Option<&str>, absent: &str) {
    let key = key.unwrap_or(absent);
    if let Some(n) = map.get_mut(key) {
        *n += 1;
    } else {
        map.insert(key.to_owned(), 1);
    }
}

impl Summarizer {
    /// An empty aggregator; gzip files inflate to at most `inflate_limit` bytes.
    #[must_use]
    pub fn new(inflate_limit: u64) -> Self {
        let cis_monitoring = CIS_ITEMS
            .iter()
            .map(|i| {
                (
                    i.id,
                    CisCount {
                        topic: i.topic,
                        ..CisCount::default()
                    },
                )
            })
            .collect();
        Self {
            out: Summary {
                schema: SCHEMA,
                verification: Verification::Unverified,
                benchmark: BENCHMARK,
                cis_monitoring,
                ..Summary::default()
            },
            seen_ids: FxHashSet::default(),
            hot: Hot::default(),
            ips_per_actor: BTreeMap::new(),
            hours: BTreeMap::new(),
            first: None,
            last: None,
            newest_version: None,
            cis_range: BTreeMap::new(),
            actor_range: BTreeMap::new(),
            inflate_limit,
            record_limit: crate::limits::Limits::default().max_record_bytes,
            inventory: None,
            services: None,
            scan: Scan::default(),
        }
    }

    /// Sets the largest record parsed when given as its own text (see
    /// [`crate::records::file::parse_file`]); the default is
    /// [`crate::limits::Limits::max_record_bytes`].
    pub fn set_record_limit(&mut self, bytes: u64) {
        self.record_limit = bytes;
    }

    /// Keeps the services each actor called (for an access review).
    pub fn track_services(&mut self) {
        self.services.get_or_insert_with(BTreeMap::new);
    }

    /// Whether the services each actor called are kept.
    #[must_use]
    pub fn tracks_services(&self) -> bool {
        self.services.is_some()
    }

    /// Sets the IAM inventory whose identities that made no call are reported as dormant.
    pub fn set_inventory(&mut self, inventory: Vec<Dormant>) {
        if inventory.iter().any(|d| d.grants.is_some()) {
            self.track_services();
        }
        self.inventory = Some(inventory);
    }

    /// Records a file that was skipped before parsing (e.g. unreadable).
    pub fn skip(&mut self, file: &str, reason: Skip) {
        self.out.skipped.files.push(SkippedFile {
            file: file.to_owned(),
            reason,
        });
        *self.out.skipped.by_reason.entry(reason).or_insert(0) += 1;
    }

    /// Parses one file's bytes and adds its records; returns the skip reason, if skipped.
    pub fn add_file(&mut self, file: &str, body: &[u8]) -> Option<Skip> {
        self.add_checked_file(file, body, false)
    }

    /// As [`Self::add_file`], for a log file whose integrity was (`verified`) or was not
    /// proven by the digest chain. `body` is the object as stored (gzip or plain).
    pub fn add_checked_file(&mut self, file: &str, body: &[u8], verified: bool) -> Option<Skip> {
        let stored = StoredFile::of(body);
        match maybe_gunzip(body, self.inflate_limit) {
            Err(reason) => {
                self.skip(file, reason);
                Some(reason)
            }
            Ok((content, _)) => self.add_content(file, stored, &content, verified),
        }
    }

    /// As [`Self::add_checked_file`], for a log file whose bytes were already inflated (by
    /// the verification, which hashed them): `content` is parsed as it is, never gunzipped
    /// again, and the file is listed with the `stored` facts (SHA-256 and size of the object
    /// as stored, compressed). For the same object this gives exactly what
    /// [`Self::add_checked_file`] gives, a file inflating beyond the limit of
    /// [`Self::new`] included ([`Skip::TooLarge`]).
    pub fn add_content(
        &mut self,
        file: &str,
        stored: StoredFile,
        content: &[u8],
        verified: bool,
    ) -> Option<Skip> {
        if stored.gzip && content.len() as u64 > self.inflate_limit {
            self.skip(file, Skip::TooLarge);
            return Some(Skip::TooLarge);
        }
        let record_limit = self.record_limit;
        match parse_inflated_raw(content, stored.gzip, record_limit, &mut |r, raw| {
            self.add_record(r, raw);
        }) {
            Err(reason) => {
                // Not JSON and not named like a log: a README beside the logs, not input.
                let reason = if reason == Skip::NotJson && !looks_like_log_name(file) {
                    Skip::NotALog
                } else {
                    reason
                };
                self.skip(file, reason);
                Some(reason)
            }
            Ok(parsed) => {
                self.add_notes(parsed.notes);
                self.out.files.push(FileEntry {
                    file: file.to_owned(),
                    sha256: stored.sha256,
                    bytes: stored.bytes,
                    gzip: parsed.gzip,
                    shape: parsed.shape,
                    records: parsed.records,
                    verified,
                });
                None
            }
        }
    }

    fn add_notes(&mut self, n: ElementNotes) {
        let p = &mut self.out.parser_notes;
        p.bad_lines += n.bad_lines;
        p.bad_embedded_events += n.bad_embedded_events;
        p.non_object_elements += n.non_object_elements;
    }

    fn record_time(&mut self, r: &Record<'_>) -> Option<UtcTime> {
        let notes = &mut self.out.parser_notes;
        match r.event_time.get() {
            Some(s) => match canonical_time(s).map_or_else(|| parse_record_time(s), Ok) {
                Ok(t) => return Some(t),
                Err(_) => notes.unparsable_event_time += 1,
            },
            None => notes.without_event_time += 1,
        }
        let t = r.at_timestamp.get().and_then(|s| parse_record_time(s).ok());
        if t.is_some() {
            notes.time_from_at_timestamp += 1;
        }
        t
    }

    /// Adds one record. Never fails: odd fields count as absent and are noted.
    #[allow(clippy::too_many_lines)] // one pass over the record, section by section
    pub fn add_record(&mut self, r: &Record<'_>, raw: &str) {
        self.out.records += 1;
        let time = self.record_time(r);
        if let Some(t) = time {
            let hour = self
                .hours
                .entry(t.timestamp().div_euclid(3600))
                .or_default();
            hour.0 += 1;
            if r.error_code.present {
                hour.1 += 1;
            }
            let mut range = (self.first, self.last);
            widen(&mut range, t);
            (self.first, self.last) = range;
        }
        let notes = &mut self.out.parser_notes;
        match r.event_id.0.as_deref() {
            Some(id) => {
                let mut h = FxHasher::default();
                r.recipient_account_id.get().hash(&mut h);
                id.hash(&mut h);
                if !self.seen_ids.insert(h.finish()) {
                    notes.duplicate_event_ids += 1;
                }
            }
            None => notes.without_event_id += 1,
        }
        match r.identity() {
            Some(u) => {
                if u.kind.get().is_none() {
                    notes.without_identity_type += 1;
                }
            }
            None => notes.without_user_identity += 1,
        }
        let read_only = flag(&r.read_only, notes);
        let _ = flag(&r.management_event, notes);
        let ip = r.source_ip_address.get();
        if let Some(ip) = ip
            && looks_like_ipv4(ip)
            && ip.parse::<std::net::Ipv4Addr>().is_err()
        {
            notes.non_canonical_ips += 1;
        }
        if let Some(v) = r.event_version.get() {
            match event_version(v) {
                Some(num) => {
                    if self.newest_version.is_none_or(|n| num > n) {
                        self.newest_version = Some(num);
                        self.out.newest_event_version = Some(v.to_owned());
                    }
                }
                None => notes.odd_event_versions += 1,
            }
        }

        let name = r.event_name.get();
        let h = &mut self.hot;
        hot_bump(&mut h.event_name, name, "(none)");
        hot_bump(&mut h.event_source, r.event_source.get(), "(none)");
        hot_bump(&mut h.region, r.aws_region.get(), "(none)");
        hot_bump(&mut h.account, r.recipient_account_id.get(), "(none)");
        hot_bump(&mut h.event_version, r.event_version.get(), "(none)");
        hot_bump(&mut h.event_category, r.event_category.get(), "(none)");
        hot_bump(&mut h.source_ip, ip, "(none)");
        let error_code = r.error_code.text.get();
        if error_code.is_some() {
            hot_bump(&mut h.error_code, error_code, "");
        }
        let o = &mut self.out;

        if is_root_use(r) {
            o.root_events += 1;
        }
        let identity_type = r.identity_type();
        let console_login = name == Some("ConsoleLogin");
        let (outcome, no_mfa, mfa_login) = if console_login {
            let outcome = r.console_login_outcome();
            let mfa = r.mfa_used();
            let used = mfa.map(|m| m.eq_ignore_ascii_case("yes"));
            (outcome, used == Some(false), used == Some(true))
        } else {
            (None, false, false)
        };
        let mut failed_login = false;
        if console_login {
            let c = &mut o.console_logins;
            c.total += 1;
            match outcome.as_deref() {
                Some("Success") => {
                    c.success += 1;
                    if no_mfa {
                        c.success_without_mfa += 1;
                    }
                }
                Some("Failure") => {
                    c.failure += 1;
                    failed_login = true;
                }
                _ => {}
            }
            if no_mfa {
                c.without_mfa += 1;
            }
            if identity_type == Some("Root") {
                c.root += 1;
            }
        }
        if is_authorization_failure(r) {
            if is_excluded_denial(r) {
                o.access_denied_excluded += 1;
            } else {
                o.access_denied += 1;
            }
        }

        let actor = actor_key(r);
        let actor = actor.as_ref();
        if let Some(services) = &mut self.services
            && let Some(source) = r.event_source.get()
        {
            let service = super::access::service_of(source);
            match services.get_mut(actor) {
                Some(s) => {
                    if !s.contains(&service) {
                        s.insert(service);
                    }
                }
                None => {
                    services.insert(actor.to_owned(), BTreeSet::from([service]));
                }
            }
        }
        let identity = r.identity();
        if let Some(entry) = slot(&mut o.identities, actor) {
            if entry.events == 0 {
                identity_type
                    .unwrap_or("(none)")
                    .clone_into(&mut entry.identity_type);
            }
            entry.events += 1;
            if read_only == Some(false) {
                entry.writes += 1;
            }
            if error_code.is_some() || failed_login {
                entry.errors += 1;
            }
            if let Some(ip) = ip
                && let Some(ips) = slot(&mut self.ips_per_actor, actor)
                && !ips.contains(ip)
            {
                ips.insert(ip.to_owned());
                entry.source_ips += 1;
            }
            add_capped(&mut entry.regions, r.aws_region.get());
            add_capped(&mut entry.user_agents, r.user_agent.get());
            add_capped(
                &mut entry.access_keys,
                identity.and_then(|u| u.access_key_id.get()),
            );
            let mfa_session = identity
                .and_then(|u| u.session_context.0.as_ref())
                .and_then(|c| c.attributes.0.as_ref())
                .is_some_and(|a| match &a.mfa_authenticated {
                    Flag::Bool(b) => *b,
                    Flag::Text(s) => s == "true",
                    Flag::Absent | Flag::Other => false,
                });
            entry.mfa_seen |= mfa_session || mfa_login;
            entry.aws_service |= identity_type == Some("AWSService")
                || identity.is_some_and(|u| u.invoked_by.present)
                || ip.is_some_and(|i| i.ends_with(".amazonaws.com") || i == "AWS Internal");
        }
        if let Some(t) = time
            && let Some(range) = slot(&mut self.actor_range, actor)
        {
            widen(range, t);
        }
        match read_only {
            Some(true) => o.read_write.read += 1,
            Some(false) => {
                o.read_write.write += 1;
                hot_bump(&mut self.hot.writes_by_event_name, name, "(none)");
            }
            None => o.read_write.unknown += 1,
        }
        if let Some(n) = name.filter(|n| ABUSED_APIS.contains(n))
            && let Some(c) = slot(&mut o.abused_apis, n)
        {
            if error_code.is_some() {
                c.failed += 1;
            } else {
                c.ok += 1;
            }
        }
        if console_login && let Some(c) = slot(&mut o.console_logins.by_actor, actor) {
            match outcome.as_deref() {
                Some("Success") => c.success += 1,
                Some("Failure") => c.failure += 1,
                _ => {}
            }
            if no_mfa {
                c.without_mfa += 1;
            }
            add_capped(&mut c.source_ips, ip);
        }

        let cis_range = &mut self.cis_range;
        self.scan.record(&CIS.rules, r, raw, &mut |rule, _| {
            let item = CIS.items[rule];
            if let Some(c) = o.cis_monitoring.get_mut(item) {
                c.count += 1;
                count(&mut c.actors, actor);
            }
            if let Some(t) = time {
                widen(cis_range.entry(item).or_default(), t);
            }
        });
        o.sections.observe(r, actor);
    }

    /// Adds one record given as a JSON value (tests).
    #[cfg(test)]
    pub(crate) fn add_value(&mut self, v: &serde_json::Value) {
        let text = v.to_string();
        if let Ok(crate::records::record::Element::Object(r)) = serde_json::from_str(&text) {
            self.add_record(&r, &text);
        }
    }

    /// Adds the records of `later`, a summarizer that read the files after this one's (a
    /// shard of a parallel run). The result equals one summarizer reading all files in
    /// order.
    #[allow(clippy::too_many_lines, clippy::many_single_char_names)] // one line per field
    pub fn merge(&mut self, later: Self) {
        let Self {
            out: o,
            seen_ids,
            hot,
            ips_per_actor,
            hours,
            first,
            last,
            newest_version,
            cis_range,
            actor_range,
            inflate_limit: _,
            record_limit: _,
            inventory: _,
            scan: _,
            services,
        } = later;
        if let (Some(mine), Some(theirs)) = (&mut self.services, services) {
            for (actor, s) in theirs {
                mine.entry(actor).or_default().extend(s);
            }
        }
        let s = &mut self.out;
        s.files.extend(o.files);
        s.records += o.records;
        s.skipped.files.extend(o.skipped.files);
        add_maps(&mut s.skipped.by_reason, o.skipped.by_reason);
        self.hot.merge(hot);
        s.read_write.read += o.read_write.read;
        s.read_write.write += o.read_write.write;
        s.read_write.unknown += o.read_write.unknown;
        for (k, c) in o.abused_apis {
            let e = s.abused_apis.entry(k).or_default();
            e.ok += c.ok;
            e.failed += c.failed;
        }
        s.root_events += o.root_events;
        s.access_denied += o.access_denied;
        s.access_denied_excluded += o.access_denied_excluded;
        let (c, oc) = (&mut s.console_logins, o.console_logins);
        c.total += oc.total;
        c.success += oc.success;
        c.failure += oc.failure;
        c.without_mfa += oc.without_mfa;
        c.success_without_mfa += oc.success_without_mfa;
        c.root += oc.root;
        for (k, a) in oc.by_actor {
            let e = c.by_actor.entry(k).or_default();
            e.success += a.success;
            e.failure += a.failure;
            e.without_mfa += a.without_mfa;
            union(&mut e.source_ips, a.source_ips, MAX_SET);
        }
        for (id, item) in o.cis_monitoring {
            let e = s.cis_monitoring.entry(id).or_default();
            e.count += item.count;
            add_maps(&mut e.actors, item.actors);
        }
        for (k, i) in o.identities {
            match s.identities.get_mut(&k) {
                None => {
                    // Distinct addresses are recounted from the pair set below.
                    s.identities.insert(k, Identity { source_ips: 0, ..i });
                }
                Some(e) => {
                    e.events += i.events;
                    e.writes += i.writes;
                    e.errors += i.errors;
                    union(&mut e.regions, i.regions, MAX_SET);
                    union(&mut e.user_agents, i.user_agents, MAX_SET);
                    union(&mut e.access_keys, i.access_keys, MAX_SET);
                    e.mfa_seen |= i.mfa_seen;
                    e.aws_service |= i.aws_service;
                }
            }
        }
        for (actor, ips) in ips_per_actor {
            let Some(e) = s.identities.get_mut(&actor) else {
                continue;
            };
            if let Some(mine) = slot(&mut self.ips_per_actor, &actor) {
                for ip in ips {
                    if mine.insert(ip) {
                        e.source_ips += 1;
                    }
                }
            }
        }
        for (h, (n, errors)) in hours {
            let mine = self.hours.entry(h).or_default();
            mine.0 += n;
            mine.1 += errors;
        }
        let (n, on) = (&mut s.parser_notes, o.parser_notes);
        n.duplicate_event_ids += on.duplicate_event_ids;
        n.without_event_id += on.without_event_id;
        n.without_event_time += on.without_event_time;
        n.unparsable_event_time += on.unparsable_event_time;
        n.time_from_at_timestamp += on.time_from_at_timestamp;
        n.without_user_identity += on.without_user_identity;
        n.without_identity_type += on.without_identity_type;
        n.string_booleans += on.string_booleans;
        n.non_canonical_ips += on.non_canonical_ips;
        n.odd_event_versions += on.odd_event_versions;
        n.bad_lines += on.bad_lines;
        n.bad_embedded_events += on.bad_embedded_events;
        n.non_object_elements += on.non_object_elements;
        for id in seen_ids {
            if !self.seen_ids.insert(id) {
                n.duplicate_event_ids += 1;
            }
        }
        s.sections.merge(o.sections);
        if newest_version.is_some_and(|v| self.newest_version.is_none_or(|n| v > n)) {
            self.newest_version = newest_version;
            s.newest_event_version = o.newest_event_version;
        }
        let mut range = (self.first, self.last);
        for t in [first, last].into_iter().flatten() {
            widen(&mut range, t);
        }
        (self.first, self.last) = range;
        for (id, (f, l)) in cis_range {
            let e = self.cis_range.entry(id).or_default();
            for t in [f, l].into_iter().flatten() {
                widen(e, t);
            }
        }
        for (a, (f, l)) in actor_range {
            let e = self.actor_range.entry(a).or_default();
            for t in [f, l].into_iter().flatten() {
                widen(e, t);
            }
        }
    }

    /// The finished summary.
    #[must_use]
    pub fn finish(mut self) -> Summary {
        std::mem::take(&mut self.hot).into_summary(&mut self.out);
        let verified = self.out.files.iter().filter(|f| f.verified).count();
        self.out.verification = Verification::of(verified, self.out.files.len());
        self.out.first_event_time = fmt(self.first);
        self.out.last_event_time = fmt(self.last);
        for (hour, (n, errors)) in &self.hours {
            let Some(t) = UtcTime::from_timestamp(hour.saturating_mul(3600), 0) else {
                continue;
            };
            let key = format_rfc3339(&t);
            if *errors > 0 {
                self.out.errors_by_hour.insert(key.clone(), *errors);
            }
            self.out.by_hour.insert(key, *n);
        }
        self.out.sections.find_spikes(&self.out.by_hour);
        self.out.rare_event_names = self
            .out
            .by_event_name
            .iter()
            .filter(|(_, n)| **n <= 2)
            .map(|(k, _)| k.clone())
            .collect();
        if let Some(inventory) = self.inventory.take() {
            if let Some(services) = &self.services {
                let reviewed: Vec<(String, &'static str, super::access::Grants)> = inventory
                    .iter()
                    .filter_map(|d| Some((d.arn.clone(), d.kind, d.grants.clone()?)))
                    .collect();
                self.out.sections.access_review = super::access::review(&reviewed, services);
            }
            let actors: std::collections::BTreeSet<String> =
                self.out.identities.keys().cloned().collect();
            self.out.sections.dormant_identities = dormant(inventory, &actors);
        }
        for (id, (f, l)) in self.cis_range {
            if let Some(c) = self.out.cis_monitoring.get_mut(id) {
                c.first_event_time = fmt(f);
                c.last_event_time = fmt(l);
            }
        }
        for (actor, (f, l)) in self.actor_range {
            if let Some(i) = self.out.identities.get_mut(&actor) {
                i.first_seen = fmt(f);
                i.last_seen = fmt(l);
            }
        }
        self.out
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::summary::to_sorted_json;
    use crate::records::file::Shape;
    use serde_json::{Value, json};

    fn bodies() -> Vec<(String, Vec<u8>)> {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
            entries.sort_by_key(std::fs::DirEntry::file_name);
            for e in entries {
                if e.path().is_dir() {
                    walk(&e.path(), out);
                } else {
                    out.push(e.path());
                }
            }
        }
        let mut paths = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/sample/bucket"),
            &mut paths,
        );
        let mut out: Vec<(String, Vec<u8>)> = paths
            .into_iter()
            .map(|p| (p.display().to_string(), std::fs::read(p).unwrap()))
            .collect();
        let odd = json!({"Records": [
            {"eventID": "dup", "eventTime": "2026-03-01T01:00:00Z", "eventName": "StopLogging",
             "eventSource": "cloudtrail.amazonaws.com", "errorCode": "AccessDenied",
             "userIdentity": {"type": "Root", "accountId": "111122223333"}, "sourceIPAddress": "203.0.113.9"},
            {"eventID": "dup", "eventTime": "2026-03-01T02:00:00Z", "eventName": "ConsoleLogin",
             "responseElements": {"ConsoleLogin": "Failure"}, "eventVersion": "1.10",
             "additionalEventData": {"MFAUsed": "No"}, "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::1:user/z"}},
            {"eventTime": "not a time", "readOnly": "false", "eventName": "AuthorizeSecurityGroupIngress",
             "eventSource": "ec2.amazonaws.com", "requestParameters": {"cidrIp": "0.0.0.0/0"}}
        ]});
        let body = serde_json::to_vec(&odd).unwrap();
        out.insert(3, ("odd-1.json".to_owned(), body.clone()));
        out.push(("odd-2.json".to_owned(), body));
        out.push(("junk.json".to_owned(), b"not json".to_vec()));
        out
    }

    #[test]
    fn sharded_and_merged_equals_one_pass_whatever_the_split() {
        let files = bodies();
        let mut one = Summarizer::default();
        for (name, body) in &files {
            one.add_file(name, body);
        }
        let want = to_sorted_json(&one.finish());
        for shards in [2, 3, 7] {
            let chunk = files.len().div_ceil(shards);
            let mut parts = files.chunks(chunk).map(|part| {
                let mut s = Summarizer::default();
                for (name, body) in part {
                    s.add_file(name, body);
                }
                s
            });
            let mut merged = parts.next().unwrap();
            for p in parts {
                merged.merge(p);
            }
            assert_eq!(to_sorted_json(&merged.finish()), want, "{shards} shards");
        }
    }

    fn summarise(records: &[Value]) -> Summary {
        let mut s = Summarizer::default();
        for r in records {
            s.add_value(r);
        }
        s.finish()
    }

    fn login(outcome: &str, mfa: &str, kind: &str) -> Value {
        let mut r = json!({
            "eventName": "ConsoleLogin", "eventSource": "signin.amazonaws.com",
            "eventTime": "2024-01-01T00:00:00Z",
            "userIdentity": {"type": kind, "arn": "arn:aws:iam::1:user/a", "accountId": "1"},
            "responseElements": {"ConsoleLogin": outcome},
            "additionalEventData": {"MFAUsed": mfa}
        });
        if outcome == "Failure" {
            r["errorMessage"] = json!("Failed authentication");
        }
        r
    }

    #[test]
    fn console_logins_mfa_case_insensitive_and_cis_4_2_4_6() {
        let s = summarise(&[
            login("Success", "Yes", "IAMUser"),
            login("Success", "YES", "IAMUser"),
            login("Success", "No", "IAMUser"),
            login("Failure", "No", "IAMUser"),
            login("Success", "no", "Root"),
        ]);
        let c = s.console_logins;
        assert_eq!((c.total, c.success, c.failure), (5, 4, 1));
        assert_eq!((c.without_mfa, c.success_without_mfa, c.root), (3, 2, 1));
        assert_eq!(s.cis_monitoring["4.2"].count, 3);
        assert_eq!(s.cis_monitoring["4.6"].count, 1);
        assert_eq!(s.root_events, 1);
    }

    #[test]
    fn root_use_follows_cis_4_3() {
        let s = summarise(&[
            json!({"userIdentity": {"type": "Root", "accountId": "1"}, "eventType": "AwsApiCall"}),
            json!({"userIdentity": {"type": "Root", "invokedBy": "s3.amazonaws.com"}}),
            json!({"userIdentity": {"type": "Root"}, "eventType": "AwsServiceEvent"}),
            json!({"userIdentity": {"type": "Root", "invokedBy": null}}),
        ]);
        assert_eq!(s.root_events, 2);
        assert_eq!(s.cis_monitoring["4.3"].count, 2);
        assert_eq!(s.identities["root@1"].events, 1);
    }

    #[test]
    fn access_denied_with_v2_exclusions() {
        let s = summarise(&[
            json!({"errorCode": "AccessDenied", "eventName": "GetObject"}),
            json!({"errorCode": "Client.UnauthorizedOperation", "eventName": "RunInstances"}),
            json!({"errorCode": "AccessDeniedException", "eventName": "ListKeys"}),
            json!({"errorCode": "AccessDenied", "eventName": "HeadBucket"}),
            json!({"errorCode": "AccessDenied", "sourceIPAddress": "delivery.logs.amazonaws.com"}),
            json!({"errorCode": "ThrottlingException"}),
            json!({"errorCode": 5}),
        ]);
        assert_eq!((s.access_denied, s.access_denied_excluded), (3, 2));
        assert_eq!(s.cis_monitoring["4.1"].count, 3);
        assert_eq!(s.by_error_code["AccessDenied"], 3);
    }

    #[test]
    fn list_items_need_name_and_source() {
        let s = summarise(&[
            json!({"eventName": "DisableKey", "eventSource": "kms.amazonaws.com"}),
            json!({"eventName": "DisableKey", "eventSource": "other.amazonaws.com"}),
            json!({"eventName": "StopLogging", "eventSource": "anything"}),
            json!({"eventName": "PutBucketPolicy", "eventSource": "s3.amazonaws.com"}),
            json!({"eventName": "CreatePolicy", "eventSource": "organizations.amazonaws.com"}),
            json!({"eventName": "CreatePolicy", "eventSource": "iam.amazonaws.com"}),
            json!({"eventName": "CreateTrailX"}),
        ]);
        let count = |id: &str| s.cis_monitoring[id].count;
        assert_eq!(count("4.7"), 1);
        assert_eq!(count("4.5"), 1);
        assert_eq!(count("4.8"), 1);
        assert_eq!(count("4.15"), 1);
        assert_eq!(count("4.4"), 2);
        assert_eq!(s.cis_monitoring.len(), 15);
    }

    #[test]
    fn time_range_and_missing_or_odd_times() {
        let s = summarise(&[
            json!({"eventTime": "2024-03-01T10:00:00Z"}),
            json!({"eventTime": "2024-03-01T09:00:00.123+01:00"}),
            json!({"eventTime": "garbage"}),
            json!({"eventTime": 12}),
            json!({"@timestamp": "2024-03-02T00:00:00.000Z"}),
            json!({}),
        ]);
        assert_eq!(
            s.first_event_time.as_deref(),
            Some("2024-03-01T08:00:00.123Z")
        );
        assert_eq!(s.last_event_time.as_deref(), Some("2024-03-02T00:00:00Z"));
        let n = &s.parser_notes;
        assert_eq!(
            (
                n.without_event_time,
                n.unparsable_event_time,
                n.time_from_at_timestamp
            ),
            (3, 1, 1)
        );
        assert_eq!(s.records, 6);
    }

    #[test]
    fn duplicates_are_counted_not_removed() {
        let r = json!({"eventID": "e1", "recipientAccountId": "1", "eventName": "A"});
        let other_account = json!({"eventID": "e1", "recipientAccountId": "2", "eventName": "A"});
        let s = summarise(&[r.clone(), r, other_account, json!({"eventName": "A"})]);
        assert_eq!(s.records, 4);
        assert_eq!(s.by_event_name["A"], 4);
        assert_eq!(s.parser_notes.duplicate_event_ids, 1);
        assert_eq!(s.parser_notes.without_event_id, 1);
    }

    #[test]
    fn oddities_of_section_7_do_not_panic() {
        let s = summarise(&[
            json!({"userIdentity": {"accountId": "1", "invokedBy": "secretsmanager.amazonaws.com"}}),
            json!({"eventType": "AwsCloudTrailInsight", "insightDetails": {"state": "Start"}}),
            json!({"userIdentity": "not an object", "readOnly": "false", "managementEvent": "true"}),
            json!({"userIdentity": {"type": 7, "arn": []}, "sourceIPAddress": "251.234.045.249"}),
            json!({"userIdentity": {"type": "AWSAccount", "accountId": "ANONYMOUS_PRINCIPAL", "principalId": ""}}),
            json!({"userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::1:assumed-role/R/sess",
                "sessionContext": {"sessionIssuer": {"arn": "arn:aws:iam::1:role/R"}}}}),
            json!({"userIdentity": {"type": "IAMUser", "sessionContext": {"sessionIssuer": {}}}}),
            json!({"userIdentity": {"type": "NewTypeFromTheFuture", "principalId": "P"}}),
            json!({"eventVersion": "1.9"}),
            json!({"eventVersion": "1.10"}),
            json!({"eventVersion": "banana"}),
            json!({"awsRegion": "sagov-westsouth-1r", "eventName": ["x"], "errorCode": {"a": 1}}),
            json!({"requestParameters": {"policyDocument": "{\"Version\":\"2012-10-17\"}"},
                "responseElements": null, "additionalEventData": "text"}),
            json!({"eventName": "ConsoleLogin", "responseElements": "Success"}),
            json!({"sourceIPAddress": "AWS Internal"}),
            json!({"sourceIPAddress": "2001:db8::1"}),
        ]);
        assert_eq!(s.records, 16);
        let n = &s.parser_notes;
        assert_eq!(n.string_booleans, 2);
        assert_eq!(n.non_canonical_ips, 1);
        assert_eq!(n.odd_event_versions, 1);
        assert_eq!(s.newest_event_version.as_deref(), Some("1.10"));
        assert_eq!(s.by_region["sagov-westsouth-1r"], 1);
        assert_eq!(s.by_source_ip["251.234.045.249"], 1);
        assert!(s.identities.contains_key("secretsmanager.amazonaws.com"));
        assert!(s.identities.contains_key("ANONYMOUS_PRINCIPAL/"));
        assert!(s.identities.contains_key("arn:aws:iam::1:role/R/sess"));
        assert!(s.identities.contains_key("P"));
        assert!(s.identities.contains_key("unknown"));
        assert_eq!(s.identities["unknown"].identity_type, "(none)");
        assert_eq!(n.without_user_identity, 10);
        assert_eq!(s.console_logins.total, 1);
        assert_eq!(s.console_logins.success, 0);
    }

    #[test]
    fn eventbridge_insights_and_lookup_via_files() {
        let mut s = Summarizer::default();
        assert_eq!(s.add_file("a.json", b"nope"), Some(Skip::NotJson));
        assert_eq!(s.add_file("README.md", b"nope"), Some(Skip::NotALog));
        assert_eq!(s.add_file("b", br#"{"Records":[{"eventName":"A"}]}"#), None);
        let s = s.finish();
        assert_eq!(s.records, 1);
        assert_eq!(s.skipped.by_reason[&Skip::NotJson], 1);
        assert_eq!(s.skipped.by_reason[&Skip::NotALog], 1);
        assert_eq!(s.files[0].shape, Shape::CloudTrail);
        assert!(!s.files[0].verified);
    }

    fn gz(data: &[u8]) -> Vec<u8> {
        use std::io::Write as _;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    /// The summary of `files` through `add_checked_file`, and through `add_content` with the
    /// stored facts and the content inflated beforehand (as the verification does).
    fn both_ways(files: &[(String, Vec<u8>)], limit: u64) -> (Summary, Summary) {
        let (mut checked, mut content) = (Summarizer::new(limit), Summarizer::new(limit));
        for (i, (name, body)) in files.iter().enumerate() {
            let verified = i % 3 != 0;
            let a = checked.add_checked_file(name, body, verified);
            let inflated = maybe_gunzip(body, u64::MAX).unwrap().0;
            let b = content.add_content(name, StoredFile::of(body), &inflated, verified);
            assert_eq!(a, b, "{name}");
        }
        (checked.finish(), content.finish())
    }

    #[test]
    fn content_inflated_by_the_verification_summarises_as_the_stored_gzip_log() {
        let logs: Vec<(String, Vec<u8>)> = bodies()
            .into_iter()
            .filter(|(name, body)| name.contains("_CloudTrail_") && is_gzip(body))
            .collect();
        assert!(logs.len() > 10, "the sample's gzip logs");
        let (checked, content) = both_ways(&logs, crate::limits::MAX_ACTIVITY_INFLATED_BYTES);
        assert!(checked.records > 0 && checked.files.iter().all(|f| f.gzip));
        assert_eq!(
            checked.files[0].bytes,
            logs[0].1.len() as u64,
            "size as stored"
        );
        assert_eq!(to_sorted_json(&checked), to_sorted_json(&content));
        assert_eq!(checked, content);
    }

    #[test]
    fn content_skips_as_the_stored_file_does() {
        let records = br#"{"Records":[{"eventName":"A"}]}"#;
        let files = [
            ("plain.json".to_owned(), records.to_vec()),
            ("gzip-not-json.json.gz".to_owned(), gz(b"not json")),
            ("gzip-empty.gz".to_owned(), gz(b"  ")),
            ("gzip-too-large.gz".to_owned(), gz(&[b' '; 600])),
            (
                "gzip-digest.gz".to_owned(),
                gz(br#"{"digestPublicKeyFingerprint":"ab"}"#),
            ),
        ];
        let (checked, content) = both_ways(&files, 500);
        assert_eq!(checked, content);
        let reasons: Vec<Skip> = checked.skipped.files.iter().map(|f| f.reason).collect();
        assert_eq!(
            reasons,
            [Skip::NotJson, Skip::Empty, Skip::TooLarge, Skip::DigestFile]
        );
    }
}

//! `timeline`: everything one identity did, in time order, with the sessions and keys it
//! started stitched in, each step saying why it belongs. A consumer of the verified stream
//! (or of local files): pure, no I/O, no clock.
//!
//! **What belongs.** A record belongs when the identity asked for is one of its names (the
//! names `search --identity` compares: [`identity_names`]), or when it was made with a
//! credential that a record that belongs issued ("a link"), followed to a fixed point (a
//! session that assumes another role is followed too):
//!
//! - role sessions (`AssumeRole`, `AssumeRoleWithSAML`, `AssumeRoleWithWebIdentity`,
//!   `AssumeRoot`), federated users (`GetFederationToken`) and session tokens
//!   (`GetSessionToken`): records whose `userIdentity.accessKeyId` is the issued
//!   `responseElements.credentials.accessKeyId`, or whose `userIdentity.arn` is the issued
//!   `assumedRoleUser.arn` / `federatedUser.arn` within the session's lifetime (from the
//!   call to `credentials.expiration`, else `durationSeconds`, else the longest the API
//!   allows: a session ARN names a role and a session name, which another caller may reuse
//!   later, so the ARN alone is only trusted while the session can live; the
//!   `principalId` of such a session is the same role and session name, so it adds
//!   nothing). The session name, `sourceIdentity` and role asked for are kept for the why;
//! - access keys (`CreateAccessKey`): records whose `userIdentity.accessKeyId` is
//!   `responseElements.accessKey.accessKeyId`, whoever's key it is (a key created for
//!   another user is exactly what a responder wants to follow);
//! - console sessions (a successful `ConsoleLogin`): records of the same ARN made with
//!   temporary credentials (a `sessionContext`, or an `ASIA…` key) in the 12 hours after
//!   the sign-in, and records with `responseElements.credentials.accessKeyId` when the
//!   sign-in names one.
//!
//! Failed calls (an `errorCode`) issue nothing. Each step's why is decided once every link
//! is known: the exact key first, then the session ARN, then the console session, else
//! "the identity itself".
//!
//! **Order and memory.** Files arrive in path order, not time order: the `eu-west-1` folder
//! sorts before `us-east-1`, where the global STS endpoint logs `AssumeRole`, so a
//! session's calls are often read before the call that started it, and one pass cannot
//! know, when it reads them, whether they will belong. The design, one pass, folded in the
//! run's order (so the result never depends on which file finished first):
//!
//! 1. records that belong when read (the identity's own, or a credential already linked)
//!    are kept in full: the output, bounded by the identity's related records in the
//!    window;
//! 2. every successful issuing call whose caller is not linked yet is kept as a small
//!    *dormant link* (the issuer's key and ARN, the issued credential, a few names),
//!    bounded by the credentials issued in the input (distinct keys, as `--count-by`),
//!    never by its records: when the issuer becomes linked, the dormant links it issued
//!    wake, and so on to the fixed point, whatever order the files came in;
//! 3. records in the window that do not belong yet but carry a credential (an access key
//!    id or an ARN) wait in a buffer of at most `buffer_bytes` (their JSON text plus a
//!    small summary, counted with a fixed allowance per record for the allocator and the
//!    indexes: the process's peak memory for the buffer measured about 1.5 times the
//!    budget), indexed by credential; when a link names their credential they
//!    join the timeline. When the buffer is full, the credential with the most bytes
//!    waiting is dropped whole (the busiest principals are the least likely to be the
//!    identity's sessions) and its later records are only counted. If such a credential
//!    turns out to be linked, the timeline says so ([`NotKept`]: how many records, which
//!    credential; `--identity` on that credential lists them, since records that belong
//!    when read are never buffered) and the run is incomplete.
//!
//! So memory is the output, plus the dormant links (distinct issued credentials), plus at
//! most `buffer_bytes`, plus the files in flight: never the input size.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use super::consumer::{Input, Row, SkippedFile, lost_input, resource, row};
use super::filter::{identity_names, record_time};
use crate::activity::rules::actor_key;
use crate::audit::stream::{LogConsumer, LogFile, LogReader};
use crate::records::file::{Skip, parse_inflated_raw, skip_reason, stream_content};
use crate::records::record::{Flag, Record, Text};
use crate::time::{UtcTime, parse_record_time, parse_rfc3339};
use crate::vocab::{Outcome, Unreadable};

/// The default memory for records read before the call that links them: 128 MiB.
pub const DEFAULT_BUFFER_BYTES: usize = 128 << 20;

/// The longest a role session lives (`AssumeRole` and its relatives): 12 hours.
const ROLE_SESSION_SECONDS: i64 = 12 * 3600;
/// The longest `GetFederationToken` and `GetSessionToken` credentials live: 36 hours.
const TOKEN_SESSION_SECONDS: i64 = 36 * 3600;
/// The longest an IAM console session lives: 12 hours.
const CONSOLE_SESSION_SECONDS: i64 = 12 * 3600;
/// Bytes counted per waiting record besides its text (summary, indexes).
const WAITING_OVERHEAD: usize = 256;

/// The STS calls that start a role session.
const ROLE_EVENTS: [&str; 4] = [
    "AssumeRole",
    "AssumeRoleWithSAML",
    "AssumeRoleWithWebIdentity",
    "AssumeRoot",
];

/// What to follow.
#[derive(Debug, Clone)]
pub struct TimelineSpec {
    /// The identity: the actor key the summary shows, a user, role or session name, an ARN,
    /// a principal id or an access key id.
    pub identity: String,
    /// Compare names without case.
    pub ignore_case: bool,
    /// Steps at or after this time.
    pub since: Option<UtcTime>,
    /// Steps before this time.
    pub until: Option<UtcTime>,
    /// The most bytes of records waiting for a link (see the module documentation).
    pub buffer_bytes: usize,
    /// The largest a log file may inflate to.
    pub inflate_limit: u64,
    /// The largest one record may be.
    pub record_limit: u64,
}

/// What kind of credential a link follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// `AssumeRole` and its relatives.
    RoleSession,
    /// `GetFederationToken`.
    FederatedUser,
    /// `GetSessionToken`.
    SessionToken,
    /// `CreateAccessKey`.
    AccessKey,
    /// A successful `ConsoleLogin`.
    ConsoleSession,
}

/// A session or key that the identity (or one of its sessions) started, and that the
/// timeline followed. Every string is from a record: attacker-controlled.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Link {
    /// What it is.
    pub kind: LinkKind,
    /// The session's ARN (role sessions, federated users, console sessions).
    pub arn: Option<String>,
    /// The access key id issued (temporary or long-term).
    pub key: Option<String>,
    /// The call that started it.
    pub event: String,
    /// When, as written.
    pub at: Option<String>,
    /// Who made that call (the actor key).
    pub by: String,
    /// `requestParameters.roleSessionName` (or the federated user's `name`).
    pub session_name: Option<String>,
    /// `sourceIdentity`, when the call set one.
    pub source_identity: Option<String>,
    /// `requestParameters.roleArn`.
    pub role: Option<String>,
    /// `CreateAccessKey`: the user the key was created for.
    pub user: Option<String>,
    /// Steps of the timeline it explains.
    pub steps: u64,
}

impl Link {
    /// Why a step made with this credential belongs, in plain words.
    #[must_use]
    pub fn describe(&self) -> String {
        let at = self.at.as_deref().unwrap_or("an unknown time");
        let cred = self
            .arn
            .as_deref()
            .or(self.key.as_deref())
            .unwrap_or("(unnamed)");
        let mut s = match self.kind {
            LinkKind::RoleSession => format!(
                "session {cred} started by {} at {at} by {}",
                self.event, self.by
            ),
            LinkKind::FederatedUser => format!(
                "federated user {cred} started by {} at {at} by {}",
                self.event, self.by
            ),
            LinkKind::SessionToken => format!(
                "temporary key {cred} issued by {} at {at} to {}",
                self.event, self.by
            ),
            LinkKind::AccessKey => format!("access key {cred} created at {at} by {}", self.by),
            LinkKind::ConsoleSession => {
                format!(
                    "console session of {cred} signed in at {at} ({})",
                    self.event
                )
            }
        };
        let mut details = Vec::new();
        if let Some(u) = &self.user {
            details.push(format!("for user {u}"));
        }
        if let Some(r) = &self.role {
            details.push(format!("role {r}"));
        }
        if let Some(n) = &self.session_name {
            details.push(format!("session name {n}"));
        }
        if let Some(i) = &self.source_identity {
            details.push(format!("source identity {i}"));
        }
        if self.arn.is_some()
            && let Some(k) = &self.key
        {
            details.push(format!("key {k}"));
        }
        if !details.is_empty() {
            s.push_str(" (");
            s.push_str(&details.join(", "));
            s.push(')');
        }
        s
    }
}

/// One step of the timeline: a record that belongs, with why.
#[derive(Debug, Clone)]
pub struct Step {
    /// Its time, when readable.
    pub time: Option<UtcTime>,
    /// Its columns (time as written, actor, event, source, address, error, resource…).
    pub row: Row,
    /// The link that brought it in ([`Timeline::links`]); `None`: the identity itself.
    pub via: Option<usize>,
    /// The log file, as `summarize` lists it.
    pub file: Arc<str>,
    /// Whether the file's hash matched a validly signed digest in this run.
    pub verified: bool,
    /// The record's JSON text as it appears in the file.
    pub raw: String,
    /// `readOnly`, when a JSON boolean.
    pub read_only: Option<bool>,
}

/// Records of a linked credential that were read before the link was known and did not fit
/// the buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotKept {
    /// The credential (access key id, or ARN).
    pub credential: String,
    /// Records not kept.
    pub records: u64,
    /// The earliest and latest of their times.
    pub first: Option<UtcTime>,
    /// See `first`.
    pub last: Option<UtcTime>,
    /// The link that names the credential ([`Timeline::links`]).
    pub link: usize,
}

/// The timeline of one identity.
#[derive(Debug, Clone)]
pub struct Timeline {
    /// The identity asked for.
    pub identity: String,
    /// `--since`.
    pub since: Option<UtcTime>,
    /// `--until`.
    pub until: Option<UtcTime>,
    /// The steps, in time order (records without a readable time last, in input order).
    pub steps: Vec<Step>,
    /// The sessions and keys followed, in the order they started.
    pub links: Vec<Link>,
    /// Linked credentials whose early records did not fit the buffer.
    pub not_kept: Vec<NotKept>,
    /// What was read (`matches`: the steps).
    pub input: Input,
    /// The buffer's size in bytes.
    pub buffer_bytes: usize,
}

impl Timeline {
    /// Why a step belongs, in plain words.
    #[must_use]
    pub fn why(&self, step: &Step) -> String {
        step.via
            .and_then(|i| self.links.get(i))
            .map_or_else(|| "the identity itself".to_owned(), Link::describe)
    }

    /// `findings` only when the verification found tampering (a step is a result, not a
    /// finding); `incomplete` when input was lost, records of a linked credential did not
    /// fit the buffer, or the verification was incomplete.
    #[must_use]
    pub fn outcome(&self, verification: Option<Outcome>) -> Outcome {
        if verification == Some(Outcome::Findings) {
            Outcome::Findings
        } else if lost_input(&self.input)
            || !self.not_kept.is_empty()
            || matches!(verification, Some(Outcome::Incomplete | Outcome::NotRun))
        {
            Outcome::Incomplete
        } else {
            Outcome::Clean
        }
    }
}

/// The credential a record was made with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Cred {
    key: Option<String>,
    arn: Option<String>,
    /// `userIdentity.sessionContext` present.
    session: bool,
}

impl Cred {
    fn of(r: &Record<'_>) -> Self {
        let Some(u) = r.identity() else {
            return Self::default();
        };
        let text = |t: &Text<'_>| t.get().filter(|s| !s.is_empty()).map(str::to_owned);
        Self {
            key: text(&u.access_key_id),
            arn: text(&u.arn),
            session: u.session_context.0.is_some(),
        }
    }

    /// Temporary credentials: a session context, or an `ASIA…` key.
    fn temporary(&self) -> bool {
        self.session || self.key.as_deref().is_some_and(|k| k.starts_with("ASIA"))
    }

    /// What the buffer files it under: the key, else the ARN.
    fn primary(&self) -> Option<&str> {
        self.key.as_deref().or(self.arn.as_deref())
    }

    fn linkable(&self) -> bool {
        self.key.is_some() || self.arn.is_some()
    }
}

/// What a step shows.
#[derive(Debug)]
struct Shown {
    file: Arc<str>,
    verified: bool,
    raw: String,
    row: Row,
    read_only: Option<bool>,
}

impl Shown {
    fn size(&self) -> usize {
        let r = &self.row;
        let o = |s: &Option<String>| s.as_ref().map_or(0, String::len);
        WAITING_OVERHEAD
            + self.raw.len()
            + r.actor.len()
            + o(&r.time)
            + o(&r.event)
            + o(&r.source)
            + o(&r.source_ip)
            + o(&r.error)
            + o(&r.region)
            + o(&r.account)
    }
}

/// A call that issued a credential.
#[derive(Debug)]
struct Issue {
    /// The caller's credential.
    issuer: Cred,
    /// When it was issued (the start of the credential's life).
    time: Option<UtcTime>,
    /// When an ARN stops naming it.
    until: Option<UtcTime>,
    link: Link,
}

/// One record that may belong, as a reader saw it.
#[derive(Debug)]
struct Seen {
    time: Option<UtcTime>,
    direct: bool,
    cred: Cred,
    issue: Option<Box<Issue>>,
    /// `None` outside `--since`/`--until` (kept only for the credential it issued).
    shown: Option<Box<Shown>>,
}

/// The text at a path of a JSON value, when a non-empty string.
fn text_at(v: &Value, path: &[&str]) -> Option<String> {
    let mut v = v;
    for k in path {
        v = v.get(k)?;
    }
    v.as_str().filter(|s| !s.is_empty()).map(str::to_owned)
}

/// `credentials.expiration` as `CloudTrail` writes it (`Jan 17, 2024, 5:39:05 PM`, with a
/// narrow no-break space before the `PM` in newer records), or RFC 3339.
fn parse_expiration(s: &str) -> Option<UtcTime> {
    let clean: String = s
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect();
    chrono::NaiveDateTime::parse_from_str(clean.trim(), "%b %d, %Y, %I:%M:%S %p")
        .ok()
        .map(|n| n.and_utc())
        .or_else(|| parse_rfc3339(s))
        .or_else(|| parse_record_time(s).ok())
}

/// When a session's ARN stops naming it: the expiration, else the duration asked for, else
/// the longest the API allows.
fn expiry(
    expiration: Option<&str>,
    duration: Option<&Value>,
    from: Option<UtcTime>,
    longest: i64,
) -> Option<UtcTime> {
    if let Some(t) = expiration.and_then(parse_expiration) {
        return Some(t);
    }
    let secs = duration
        .and_then(|d| d.as_i64().or_else(|| d.as_str()?.parse().ok()))
        .filter(|s| (1..=longest).contains(s))
        .unwrap_or(longest);
    Some(from? + chrono::Duration::seconds(secs))
}

/// The credential a successful call issued, if it is one of the calls followed.
fn issue_of(r: &Record<'_>, time: Option<UtcTime>, issuer: &Cred) -> Option<Issue> {
    let event = r.event_name.get()?;
    if r.error_code.present && r.error_code.text.get() != Some("") {
        return None;
    }
    let source = r.event_source.get()?;
    let response = || {
        r.response_elements
            .and_then(|v| serde_json::from_str::<Value>(v.get()).ok())
    };
    let base = |kind: LinkKind| Link {
        kind,
        arn: None,
        key: None,
        event: event.to_owned(),
        at: r.event_time.get().map(str::to_owned),
        by: actor_key(r).into_owned(),
        session_name: None,
        source_identity: None,
        role: None,
        user: None,
        steps: 0,
    };
    let (link, until) = match (source, event) {
        ("sts.amazonaws.com", e)
            if ROLE_EVENTS.contains(&e) || e == "GetFederationToken" || e == "GetSessionToken" =>
        {
            let resp = response()?;
            let req = r.request_parameters_value().unwrap_or(Value::Null);
            let kind = match e {
                "GetFederationToken" => LinkKind::FederatedUser,
                "GetSessionToken" => LinkKind::SessionToken,
                _ => LinkKind::RoleSession,
            };
            let arn = text_at(&resp, &["assumedRoleUser", "arn"])
                .or_else(|| text_at(&resp, &["federatedUser", "arn"]));
            let key = text_at(&resp, &["credentials", "accessKeyId"]);
            if arn.is_none() && key.is_none() {
                return None;
            }
            let longest = if kind == LinkKind::RoleSession {
                ROLE_SESSION_SECONDS
            } else {
                TOKEN_SESSION_SECONDS
            };
            let until = expiry(
                text_at(&resp, &["credentials", "expiration"]).as_deref(),
                req.get("durationSeconds"),
                time,
                longest,
            );
            let link = Link {
                arn,
                key,
                session_name: text_at(&req, &["roleSessionName"])
                    .or_else(|| text_at(&req, &["name"])),
                source_identity: text_at(&req, &["sourceIdentity"])
                    .or_else(|| text_at(&resp, &["sourceIdentity"])),
                role: text_at(&req, &["roleArn"]),
                ..base(kind)
            };
            (link, until)
        }
        ("iam.amazonaws.com", "CreateAccessKey") => {
            let resp = response()?;
            let key = text_at(&resp, &["accessKey", "accessKeyId"])?;
            let user = text_at(&resp, &["accessKey", "userName"]).or_else(|| {
                r.request_parameters_value()
                    .and_then(|q| text_at(&q, &["userName"]))
            });
            let link = Link {
                key: Some(key),
                user,
                ..base(LinkKind::AccessKey)
            };
            (link, None)
        }
        ("signin.amazonaws.com", "ConsoleLogin") => {
            if r.console_login_outcome().as_deref() != Some("Success") {
                return None;
            }
            let arn = issuer.arn.clone()?;
            let key = response().and_then(|v| text_at(&v, &["credentials", "accessKeyId"]));
            let link = Link {
                arn: Some(arn),
                key,
                ..base(LinkKind::ConsoleSession)
            };
            (
                link,
                time.map(|t| t + chrono::Duration::seconds(CONSOLE_SESSION_SECONDS)),
            )
        }
        _ => return None,
    };
    Some(Issue {
        issuer: issuer.clone(),
        time,
        until,
        link,
    })
}

/// The read-only half: shared by the worker threads.
#[derive(Debug)]
pub struct TimelineReader {
    spec: TimelineSpec,
    /// The identity, lower-cased when names compare without case.
    wanted: String,
}

/// A reader's findings in its file(s): the records that may belong, in file order.
#[derive(Debug, Default)]
pub struct TimelinePart {
    input: Input,
    seen: Vec<Seen>,
}

impl TimelineReader {
    fn direct(&self, r: &Record<'_>) -> bool {
        identity_names(r).iter().any(|n| {
            if self.spec.ignore_case {
                n.to_lowercase() == self.wanted
            } else {
                *n == self.wanted
            }
        })
    }

    fn in_window(&self, t: Option<UtcTime>) -> bool {
        let (since, until) = (self.spec.since, self.spec.until);
        if since.is_none() && until.is_none() {
            return true;
        }
        t.is_some_and(|t| since.is_none_or(|s| t >= s) && until.is_none_or(|u| t < u))
    }

    /// What a record may contribute: nothing (`None`) when it neither names the identity
    /// nor carries a credential a link could name, or is outside the window and issues
    /// nothing.
    fn see(&self, r: &Record<'_>, raw: &str, file: &Arc<str>, verified: bool) -> Option<Seen> {
        let direct = self.direct(r);
        let cred = Cred::of(r);
        if !direct && !cred.linkable() {
            return None;
        }
        let time = record_time(r);
        let shown = self.in_window(time);
        let issue = issue_of(r, time, &cred).map(Box::new);
        if !shown && issue.is_none() {
            return None;
        }
        let shown = shown.then(|| {
            Box::new(Shown {
                file: Arc::clone(file),
                verified,
                raw: raw.to_owned(),
                row: row(r, None),
                read_only: match r.read_only {
                    Flag::Bool(b) => Some(b),
                    _ => None,
                },
            })
        });
        Some(Seen {
            time,
            direct,
            cred,
            issue,
            shown,
        })
    }

    fn skip(part: &mut TimelinePart, name: &str, reason: Skip) {
        part.input.skipped.push(SkippedFile::new(name, reason));
    }
}

impl LogReader for TimelineReader {
    type Part = TimelinePart;

    fn start(&self) -> TimelinePart {
        TimelinePart::default()
    }

    fn read(&self, part: &mut TimelinePart, file: &LogFile<'_>) {
        let (content, gzip) =
            match stream_content(file.stored, file.inflated, self.spec.inflate_limit) {
                Ok(c) => c,
                Err(reason) => return Self::skip(part, file.name, reason),
            };
        let verified = file.provenance.is_verified();
        let name: Arc<str> = Arc::from(file.name);
        let mut records = 0u64;
        let mut seen = Vec::new();
        let parsed = parse_inflated_raw(&content, gzip, self.spec.record_limit, &mut |r, raw| {
            records += 1;
            seen.extend(self.see(r, raw, &name, verified));
        });
        if let Err(reason) = parsed {
            let reason = skip_reason(reason, file.name);
            Self::skip(part, file.name, reason);
        } else {
            part.input.files += 1;
            part.input.verified_files += u64::from(verified);
            part.input.records += records;
            part.seen.append(&mut seen);
        }
    }

    fn unreadable(&self, part: &mut TimelinePart, name: &str, why: &Unreadable) {
        let reason = match why {
            Unreadable::TooLarge => Skip::TooLarge,
            Unreadable::NotFound | Unreadable::Failed(_) => Skip::Unreadable,
        };
        Self::skip(part, name, reason);
    }
}

/// A link, with the times its ARN names it.
#[derive(Debug)]
struct LinkState {
    link: Link,
    from: Option<UtcTime>,
    until: Option<UtcTime>,
}

impl LinkState {
    /// Whether an ARN match at `t` is this session's.
    fn covers(&self, t: Option<UtcTime>) -> bool {
        if self.from.is_none() && self.until.is_none() {
            return true;
        }
        t.is_some_and(|t| self.from.is_none_or(|f| f <= t) && self.until.is_none_or(|u| t <= u))
    }

    /// Whether a record (or a call) made with `cred` at `t` is explained by this link's ARN.
    fn takes_arn(&self, cred: &Cred, t: Option<UtcTime>) -> bool {
        self.covers(t) && (self.link.kind != LinkKind::ConsoleSession || cred.temporary())
    }
}

/// A record that belongs, kept for the output.
#[derive(Debug)]
struct Kept {
    seq: u64,
    time: Option<UtcTime>,
    cred: Cred,
    shown: Box<Shown>,
}

/// A record waiting for a link.
#[derive(Debug)]
struct Waiting {
    time: Option<UtcTime>,
    cred: Cred,
    shown: Box<Shown>,
    size: usize,
}

/// Records of a credential dropped from the buffer.
#[derive(Debug, Default)]
struct Dropped {
    records: u64,
    first: Option<UtcTime>,
    last: Option<UtcTime>,
}

impl Dropped {
    fn note(&mut self, t: Option<UtcTime>) {
        self.records += 1;
        if let Some(t) = t {
            self.first = Some(self.first.map_or(t, |f| f.min(t)));
            self.last = Some(self.last.map_or(t, |l| l.max(t)));
        }
    }
}

/// The buffer of records waiting for a link, by credential, within a byte budget.
/// Index lists may hold records already gone (removed through the other index); they are
/// skipped when met and compacted once they outnumber the live records.
#[derive(Debug, Default)]
struct Buffer {
    budget: usize,
    bytes: usize,
    records: BTreeMap<u64, Waiting>,
    by_key: BTreeMap<String, Vec<u64>>,
    by_arn: BTreeMap<String, Vec<u64>>,
    /// Bytes waiting per primary credential.
    groups: BTreeMap<String, usize>,
    dropped: BTreeMap<String, Dropped>,
    stale: usize,
}

impl Buffer {
    fn add(&mut self, seq: u64, time: Option<UtcTime>, cred: Cred, shown: Box<Shown>) {
        let Some(primary) = cred.primary().map(str::to_owned) else {
            return;
        };
        if let Some(d) = self.dropped.get_mut(&primary) {
            d.note(time);
            return;
        }
        let size = shown.size()
            + cred.key.as_ref().map_or(0, String::len)
            + cred.arn.as_ref().map_or(0, String::len);
        if let Some(k) = &cred.key {
            self.by_key.entry(k.clone()).or_default().push(seq);
        }
        if let Some(a) = &cred.arn {
            self.by_arn.entry(a.clone()).or_default().push(seq);
        }
        *self.groups.entry(primary).or_default() += size;
        self.bytes += size;
        self.records.insert(
            seq,
            Waiting {
                time,
                cred,
                shown,
                size,
            },
        );
        if self.bytes > self.budget {
            self.evict();
        }
    }

    fn unlink(&mut self, seq: u64) -> Option<Waiting> {
        let w = self.records.remove(&seq)?;
        self.bytes -= w.size;
        if let Some(p) = w.cred.primary()
            && let Some(g) = self.groups.get_mut(p)
        {
            *g -= w.size;
            if *g == 0 {
                self.groups.remove(p);
            }
        }
        self.stale += 1;
        Some(w)
    }

    fn compact(&mut self) {
        if self.stale <= self.records.len() + 4096 {
            return;
        }
        let live = &self.records;
        for index in [&mut self.by_key, &mut self.by_arn] {
            index.retain(|_, seqs| {
                seqs.retain(|s| live.contains_key(s));
                !seqs.is_empty()
            });
        }
        self.stale = 0;
    }

    /// Drops whole credentials, the ones with the most bytes first, until a quarter of the
    /// budget is free (one sort per round, so a round costs the credentials waiting, and
    /// rounds come at most once per quarter of the budget added).
    fn evict(&mut self) {
        let target = self.budget - self.budget / 4;
        let mut biggest: Vec<(usize, String)> =
            self.groups.iter().map(|(p, b)| (*b, p.clone())).collect();
        biggest.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        for (_, p) in biggest {
            if self.bytes <= target {
                break;
            }
            let seqs = self
                .by_key
                .get(&p)
                .or_else(|| self.by_arn.get(&p))
                .cloned()
                .unwrap_or_default();
            let mut dropped = Dropped::default();
            for s in seqs {
                if self
                    .records
                    .get(&s)
                    .is_some_and(|w| w.cred.primary() == Some(p.as_str()))
                    && let Some(w) = self.unlink(s)
                {
                    dropped.note(w.time);
                }
            }
            self.groups.remove(&p);
            self.dropped.insert(p, dropped);
        }
        self.compact();
    }

    /// The records made with `key`.
    fn take_key(&mut self, key: &str) -> Vec<(u64, Waiting)> {
        let seqs = self.by_key.remove(key).unwrap_or_default();
        let out = seqs
            .into_iter()
            .filter_map(|s| self.unlink(s).map(|w| (s, w)))
            .collect();
        self.compact();
        out
    }

    /// The records of `arn` that `link` explains.
    fn take_arn(&mut self, arn: &str, link: &LinkState) -> Vec<(u64, Waiting)> {
        let Some(seqs) = self.by_arn.remove(arn) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut stay = Vec::new();
        for s in seqs {
            match self.records.get(&s) {
                Some(w) if link.takes_arn(&w.cred, w.time) => {
                    out.extend(self.unlink(s).map(|w| (s, w)));
                }
                Some(_) => stay.push(s),
                None => {}
            }
        }
        if !stay.is_empty() {
            self.by_arn.insert(arn.to_owned(), stay);
        }
        self.compact();
        out
    }
}

/// Issuing calls whose caller is not linked (yet), by the caller's key and ARN.
#[derive(Debug, Default)]
struct Dormant {
    issues: Vec<Option<Issue>>,
    by_key: BTreeMap<String, Vec<usize>>,
    by_arn: BTreeMap<String, Vec<usize>>,
}

impl Dormant {
    fn add(&mut self, issue: Issue) {
        if !issue.issuer.linkable() {
            return;
        }
        let id = self.issues.len();
        if let Some(k) = &issue.issuer.key {
            self.by_key.entry(k.clone()).or_default().push(id);
        }
        if let Some(a) = &issue.issuer.arn {
            self.by_arn.entry(a.clone()).or_default().push(id);
        }
        self.issues.push(Some(issue));
    }

    /// The dormant calls that `link` now explains.
    fn wake(&mut self, link: &LinkState) -> Vec<Issue> {
        let mut out = Vec::new();
        if let Some(ids) = link.link.key.as_ref().and_then(|k| self.by_key.remove(k)) {
            out.extend(
                ids.into_iter()
                    .filter_map(|i| self.issues.get_mut(i).and_then(Option::take)),
            );
        }
        if let Some(ids) = link.link.arn.as_ref().and_then(|a| self.by_arn.get_mut(a)) {
            ids.retain(|&i| {
                let Some(slot) = self.issues.get_mut(i) else {
                    return false;
                };
                match slot {
                    Some(issue) if link.takes_arn(&issue.issuer, issue.time) => {
                        out.extend(slot.take());
                        false
                    }
                    Some(_) => true,
                    None => false,
                }
            });
        }
        out
    }
}

/// The timeline over a stream of log files.
#[derive(Debug)]
pub struct TimelineConsumer {
    reader: Arc<TimelineReader>,
    input: Input,
    seq: u64,
    kept: Vec<Kept>,
    links: Vec<LinkState>,
    key_links: BTreeMap<String, usize>,
    arn_links: BTreeMap<String, Vec<usize>>,
    console_links: BTreeMap<String, Vec<usize>>,
    dormant: Dormant,
    buffer: Buffer,
}

impl TimelineConsumer {
    /// A timeline for `spec`.
    #[must_use]
    pub fn new(spec: TimelineSpec) -> Self {
        let wanted = if spec.ignore_case {
            spec.identity.to_lowercase()
        } else {
            spec.identity.clone()
        };
        let budget = spec.buffer_bytes;
        Self {
            reader: Arc::new(TimelineReader { spec, wanted }),
            input: Input::default(),
            seq: 0,
            kept: Vec::new(),
            links: Vec::new(),
            key_links: BTreeMap::new(),
            arn_links: BTreeMap::new(),
            console_links: BTreeMap::new(),
            dormant: Dormant::default(),
            buffer: Buffer {
                budget,
                ..Buffer::default()
            },
        }
    }

    /// Log files read so far.
    #[must_use]
    pub fn files(&self) -> u64 {
        self.input.files
    }

    /// The link that explains a record made with `cred` at `time`: the exact key first,
    /// then the session ARN (the latest session that covers the time), then the console
    /// session.
    fn explain(&self, cred: &Cred, time: Option<UtcTime>) -> Option<usize> {
        if let Some(&id) = cred.key.as_ref().and_then(|k| self.key_links.get(k)) {
            return Some(id);
        }
        let arn = cred.arn.as_ref()?;
        let best = |ids: Option<&Vec<usize>>| {
            ids.into_iter()
                .flatten()
                .copied()
                .filter(|&i| self.links[i].takes_arn(cred, time))
                .max_by_key(|&i| (self.links[i].from, i))
        };
        best(self.arn_links.get(arn)).or_else(|| best(self.console_links.get(arn)))
    }

    /// Registers a link; `None` when it names nothing new.
    fn link(&mut self, issue: Issue) -> Option<usize> {
        let id = self.links.len();
        let mut new = false;
        if let Some(k) = &issue.link.key
            && !self.key_links.contains_key(k)
        {
            self.key_links.insert(k.clone(), id);
            new = true;
        }
        if let Some(a) = &issue.link.arn {
            let index = if issue.link.kind == LinkKind::ConsoleSession {
                &mut self.console_links
            } else {
                &mut self.arn_links
            };
            let ids = index.entry(a.clone()).or_default();
            let links = &self.links;
            if !ids
                .iter()
                .any(|&i| links[i].from == issue.time && links[i].link.kind == issue.link.kind)
            {
                ids.push(id);
                new = true;
            }
        }
        if !new {
            return None;
        }
        self.links.push(LinkState {
            link: issue.link,
            from: issue.time,
            until: issue.until,
        });
        Some(id)
    }

    fn take(&mut self, seen: Seen) {
        self.seq += 1;
        let seq = self.seq;
        if seen.direct || self.explain(&seen.cred, seen.time).is_some() {
            self.admit(seen, seq);
        } else {
            if let Some(issue) = seen.issue {
                self.dormant.add(*issue);
            }
            if let Some(shown) = seen.shown {
                self.buffer.add(seq, seen.time, seen.cred, shown);
            }
        }
    }

    /// Keeps a record that belongs, then follows what it issued to the fixed point: each
    /// new link takes the records waiting for its credential and wakes the calls its
    /// credential made.
    fn admit(&mut self, seen: Seen, seq: u64) {
        let mut issues: Vec<Issue> = Vec::new();
        issues.extend(seen.issue.map(|i| *i));
        if let Some(shown) = seen.shown {
            self.kept.push(Kept {
                seq,
                time: seen.time,
                cred: seen.cred,
                shown,
            });
        }
        while let Some(issue) = issues.pop() {
            let Some(id) = self.link(issue) else {
                continue;
            };
            let link = &self.links[id];
            let mut waiting = Vec::new();
            if let Some(k) = &link.link.key {
                waiting.extend(self.buffer.take_key(k));
            }
            if let Some(a) = &link.link.arn {
                waiting.extend(self.buffer.take_arn(a, link));
            }
            issues.extend(self.dormant.wake(link));
            for (seq, w) in waiting {
                self.kept.push(Kept {
                    seq,
                    time: w.time,
                    cred: w.cred,
                    shown: w.shown,
                });
            }
        }
    }

    /// The timeline: steps in time order, each with the link that explains it.
    #[must_use]
    pub fn finish(self) -> Timeline {
        let mut order: Vec<usize> = (0..self.links.len()).collect();
        order.sort_by_key(|&i| (self.links[i].from.is_none(), self.links[i].from, i));
        let mut remap = vec![0; order.len()];
        for (new, &old) in order.iter().enumerate() {
            remap[old] = new;
        }
        let mut links: Vec<Link> = order.iter().map(|&i| self.links[i].link.clone()).collect();
        let mut kept: Vec<&Kept> = self.kept.iter().collect();
        kept.sort_by_key(|k| (k.time.is_none(), k.time, k.seq));
        let steps: Vec<Step> = kept
            .into_iter()
            .map(|k| {
                let via = self.explain(&k.cred, k.time).map(|i| remap[i]);
                if let Some(l) = via.and_then(|v| links.get_mut(v)) {
                    l.steps += 1;
                }
                let mut row = k.shown.row.clone();
                if let Ok(v) = serde_json::from_str::<Value>(&k.shown.raw) {
                    row.resource = resource(&v);
                }
                Step {
                    time: k.time,
                    row,
                    via,
                    file: Arc::clone(&k.shown.file),
                    verified: k.shown.verified,
                    raw: k.shown.raw.clone(),
                    read_only: k.shown.read_only,
                }
            })
            .collect();
        let not_kept = self
            .buffer
            .dropped
            .iter()
            .filter_map(|(cred, d)| {
                let link = self.key_links.get(cred).copied().or_else(|| {
                    self.arn_links
                        .get(cred)
                        .or_else(|| self.console_links.get(cred))
                        .and_then(|ids| ids.first().copied())
                })?;
                Some(NotKept {
                    credential: cred.clone(),
                    records: d.records,
                    first: d.first,
                    last: d.last,
                    link: remap[link],
                })
            })
            .collect();
        let spec = &self.reader.spec;
        let mut input = self.input;
        input.matches = steps.len() as u64;
        Timeline {
            identity: spec.identity.clone(),
            since: spec.since,
            until: spec.until,
            steps,
            links,
            not_kept,
            input,
            buffer_bytes: spec.buffer_bytes,
        }
    }
}

impl LogConsumer for TimelineConsumer {
    type Reader = TimelineReader;

    fn reader(&self) -> Arc<TimelineReader> {
        Arc::clone(&self.reader)
    }

    fn fold(&mut self, part: TimelinePart) {
        let i = part.input;
        self.input.files += i.files;
        self.input.verified_files += i.verified_files;
        self.input.records += i.records;
        self.input.skipped.extend(i.skipped);
        for seen in part.seen {
            self.take(seen);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::stream::{Provenance, read_one};
    use serde_json::json;
    use std::sync::OnceLock;

    const ACCT: &str = "111122223333";

    fn user(name: &str, key: &str) -> Value {
        json!({"type": "IAMUser", "accountId": ACCT, "principalId": format!("AIDA{name}"),
               "arn": format!("arn:aws:iam::{ACCT}:user/{name}"), "userName": name,
               "accessKeyId": key})
    }

    fn session(role: &str, name: &str, key: &str) -> Value {
        json!({"type": "AssumedRole", "accountId": ACCT, "principalId": format!("AROA{role}:{name}"),
               "arn": format!("arn:aws:sts::{ACCT}:assumed-role/{role}/{name}"),
               "accessKeyId": key,
               "sessionContext": {"sessionIssuer": {"type": "Role",
                   "arn": format!("arn:aws:iam::{ACCT}:role/{role}"), "userName": role},
                   "attributes": {"mfaAuthenticated": "false"}}})
    }

    fn call(id: &str, time: &str, name: &str, who: &Value) -> Value {
        json!({"eventVersion": "1.08", "eventID": id, "eventTime": time, "eventName": name,
               "eventSource": "s3.amazonaws.com", "awsRegion": "eu-west-1",
               "sourceIPAddress": "203.0.113.7", "userIdentity": who,
               "recipientAccountId": ACCT, "readOnly": true})
    }

    fn assume(id: &str, time: &str, who: &Value, role: &str, name: &str, key: &str) -> Value {
        json!({"eventVersion": "1.08", "eventID": id, "eventTime": time, "eventName": "AssumeRole",
               "eventSource": "sts.amazonaws.com", "awsRegion": "us-east-1",
               "sourceIPAddress": "203.0.113.7", "userIdentity": who, "readOnly": true,
               "requestParameters": {"roleArn": format!("arn:aws:iam::{ACCT}:role/{role}"),
                                     "roleSessionName": name, "sourceIdentity": "alice-badge"},
               "responseElements": {"credentials": {"accessKeyId": key,
                                        "expiration": "Jan 1, 2030, 12:00:00\u{202f}AM"},
                   "assumedRoleUser": {"assumedRoleId": format!("AROA{role}:{name}"),
                       "arn": format!("arn:aws:sts::{ACCT}:assumed-role/{role}/{name}")}}})
    }

    fn spec(identity: &str) -> TimelineSpec {
        TimelineSpec {
            identity: identity.to_owned(),
            ignore_case: false,
            since: None,
            until: None,
            buffer_bytes: DEFAULT_BUFFER_BYTES,
            inflate_limit: 1 << 30,
            record_limit: 1 << 20,
        }
    }

    /// Feeds the files, in the order given, one part each.
    fn run(spec: TimelineSpec, files: &[(&str, Vec<Value>)]) -> Timeline {
        let mut c = TimelineConsumer::new(spec);
        let reader = c.reader();
        for (name, records) in files {
            let body = json!({ "Records": records }).to_string();
            let sha256 = OnceLock::new();
            let part = read_one(
                reader.as_ref(),
                &LogFile {
                    name,
                    location: None,
                    provenance: Provenance::Verified,
                    stored: body.as_bytes(),
                    sha256: &sha256,
                    inflated: None,
                },
            );
            c.fold(part);
        }
        c.finish()
    }

    fn ids(t: &Timeline) -> Vec<String> {
        t.steps
            .iter()
            .map(|s| {
                let v: Value = serde_json::from_str(&s.raw).unwrap();
                v["eventID"].as_str().unwrap().to_owned()
            })
            .collect()
    }

    fn why_of(t: &Timeline, id: &str) -> String {
        let s = t
            .steps
            .iter()
            .find(|s| s.raw.contains(&format!("\"{id}\"")))
            .unwrap();
        t.why(s)
    }

    #[test]
    fn role_session_read_before_its_assume_role_is_traced_back_to_the_identity() {
        let alice = user("alice", "AKIAALICE");
        let admin = session("Admin", "alice-s", "ASIA1");
        // The session's calls (eu-west-1) are read before the AssumeRole (us-east-1).
        let t = run(
            spec("alice"),
            &[
                (
                    "eu-west-1.json",
                    vec![
                        call("s-1", "2024-05-01T10:05:00Z", "ListBuckets", &admin),
                        call("s-2", "2024-05-01T10:06:00Z", "DeleteBucket", &admin),
                    ],
                ),
                (
                    "us-east-1.json",
                    vec![
                        call("a-1", "2024-05-01T09:00:00Z", "ListUsers", &alice),
                        assume(
                            "a-2",
                            "2024-05-01T10:00:00Z",
                            &alice,
                            "Admin",
                            "alice-s",
                            "ASIA1",
                        ),
                    ],
                ),
            ],
        );
        assert_eq!(ids(&t), ["a-1", "a-2", "s-1", "s-2"]);
        assert_eq!(why_of(&t, "a-2"), "the identity itself");
        let why = why_of(&t, "s-1");
        assert!(
            why.starts_with(&format!(
                "session arn:aws:sts::{ACCT}:assumed-role/Admin/alice-s started by AssumeRole at 2024-05-01T10:00:00Z by arn:aws:iam::{ACCT}:user/alice"
            )),
            "{why}"
        );
        assert!(why.contains("source identity alice-badge"), "{why}");
        assert!(why.contains("key ASIA1"), "{why}");
        assert_eq!(t.links.len(), 1);
        assert_eq!(t.links[0].steps, 2);
        assert!(t.steps.iter().all(|s| s.verified));
        assert_eq!(t.outcome(None), Outcome::Clean);
    }

    #[test]
    fn a_session_arn_alone_names_the_session_only_while_it_lives() {
        let alice = user("alice", "AKIAALICE");
        // Same role and session name, another key, two days later: not alice's session.
        let later = session("Admin", "alice-s", "ASIAOTHER");
        let mut a = assume(
            "a-1",
            "2024-05-01T10:00:00Z",
            &alice,
            "Admin",
            "alice-s",
            "ASIA1",
        );
        a["responseElements"]["credentials"]["expiration"] = json!("May 1, 2024, 11:00:00 AM");
        let t = run(
            spec("alice"),
            &[(
                "f.json",
                vec![
                    a,
                    call("x-1", "2024-05-01T10:30:00Z", "ListBuckets", &later),
                    call("x-2", "2024-05-03T10:30:00Z", "ListBuckets", &later),
                ],
            )],
        );
        assert_eq!(ids(&t), ["a-1", "x-1"]);
    }

    #[test]
    fn an_access_key_created_for_another_user_is_followed_to_its_use() {
        let alice = user("alice", "AKIAALICE");
        let create = json!({"eventVersion": "1.08", "eventID": "k-1",
            "eventTime": "2024-05-01T10:00:00Z", "eventName": "CreateAccessKey",
            "eventSource": "iam.amazonaws.com", "userIdentity": alice, "readOnly": false,
            "requestParameters": {"userName": "bob"},
            "responseElements": {"accessKey": {"accessKeyId": "AKIABOBNEW", "status": "Active",
                "userName": "bob", "createDate": "May 1, 2024, 10:00:00 AM"}}});
        let t = run(
            spec("alice"),
            &[
                (
                    "a.json",
                    vec![
                        call(
                            "b-1",
                            "2024-05-01T11:00:00Z",
                            "GetObject",
                            &user("bob", "AKIABOBNEW"),
                        ),
                        call(
                            "b-2",
                            "2024-05-01T11:01:00Z",
                            "GetObject",
                            &user("bob", "AKIABOBOLD"),
                        ),
                    ],
                ),
                ("b.json", vec![create]),
            ],
        );
        assert_eq!(ids(&t), ["k-1", "b-1"]);
        assert_eq!(
            why_of(&t, "b-1"),
            format!(
                "access key AKIABOBNEW created at 2024-05-01T10:00:00Z by arn:aws:iam::{ACCT}:user/alice (for user bob)"
            )
        );
        assert_eq!(t.links[0].kind, LinkKind::AccessKey);
    }

    #[test]
    fn a_console_login_explains_the_console_calls_that_follow() {
        let root = json!({"type": "Root", "accountId": ACCT, "principalId": ACCT,
                          "arn": format!("arn:aws:iam::{ACCT}:root")});
        let mut console = root.clone();
        console["accessKeyId"] = json!("ASIAROOTCONSOLE");
        console["sessionContext"] = json!({"attributes": {"mfaAuthenticated": "false"}});
        let login = json!({"eventVersion": "1.08", "eventID": "l-1",
            "eventTime": "2024-05-01T10:00:00Z", "eventName": "ConsoleLogin",
            "eventSource": "signin.amazonaws.com", "userIdentity": root,
            "sourceIPAddress": "198.51.100.9",
            "responseElements": {"ConsoleLogin": "Success"},
            "additionalEventData": {"MFAUsed": "No"}});
        let failed = json!({"eventVersion": "1.08", "eventID": "l-0",
            "eventTime": "2024-05-01T09:59:00Z", "eventName": "ConsoleLogin",
            "eventSource": "signin.amazonaws.com", "userIdentity": root,
            "errorMessage": "Failed authentication",
            "responseElements": {"ConsoleLogin": "Failure"}});
        let t = run(
            spec(&format!("root@{ACCT}")),
            &[(
                "f.json",
                vec![
                    call("c-1", "2024-05-01T10:01:00Z", "CreateUser", &console),
                    failed,
                    login,
                    call("c-0", "2024-05-01T09:00:00Z", "ListUsers", &console),
                ],
            )],
        );
        assert_eq!(ids(&t), ["c-0", "l-0", "l-1", "c-1"]);
        assert_eq!(
            why_of(&t, "c-1"),
            format!(
                "console session of arn:aws:iam::{ACCT}:root signed in at 2024-05-01T10:00:00Z (ConsoleLogin)"
            )
        );
        // Before the sign-in, the same console credentials are the identity itself.
        assert_eq!(why_of(&t, "c-0"), "the identity itself");
        assert_eq!(t.links.len(), 1, "a failed sign-in starts nothing");
    }

    #[test]
    fn chained_assume_roles_are_followed_whatever_order_the_files_come_in() {
        let alice = user("alice", "AKIAALICE");
        let one = session("One", "s1", "ASIAONE");
        let two = session("Two", "s2", "ASIATWO");
        let three = session("Three", "s3", "ASIATHREE");
        let t = run(
            spec("alice"),
            &[
                // Worst order: the deepest session first, then its parent's call, then the
                // identity's own call.
                (
                    "1.json",
                    vec![call("t-1", "2024-05-01T10:10:00Z", "PutObject", &three)],
                ),
                (
                    "2.json",
                    vec![
                        assume(
                            "r-3",
                            "2024-05-01T10:09:00Z",
                            &two,
                            "Three",
                            "s3",
                            "ASIATHREE",
                        ),
                        call("o-1", "2024-05-01T10:09:30Z", "GetObject", &two),
                    ],
                ),
                (
                    "3.json",
                    vec![assume(
                        "r-2",
                        "2024-05-01T10:05:00Z",
                        &one,
                        "Two",
                        "s2",
                        "ASIATWO",
                    )],
                ),
                (
                    "4.json",
                    vec![assume(
                        "r-1",
                        "2024-05-01T10:00:00Z",
                        &alice,
                        "One",
                        "s1",
                        "ASIAONE",
                    )],
                ),
            ],
        );
        assert_eq!(ids(&t), ["r-1", "r-2", "r-3", "o-1", "t-1"]);
        assert!(why_of(&t, "t-1").contains("assumed-role/Three/s3 started by AssumeRole"));
        assert!(
            why_of(&t, "t-1").contains(&format!("by arn:aws:iam::{ACCT}:role/Two/s2")),
            "{}",
            why_of(&t, "t-1")
        );
        assert_eq!(t.links.len(), 3);
        assert_eq!(
            t.links.iter().map(|l| l.steps).collect::<Vec<_>>(),
            [1, 2, 1]
        );
    }

    #[test]
    fn an_unrelated_identity_stays_out() {
        let alice = user("alice", "AKIAALICE");
        let bob = user("bob", "AKIABOB");
        let bobs = session("Admin", "bob-s", "ASIABOB");
        let t = run(
            spec("alice"),
            &[(
                "f.json",
                vec![
                    call("a-1", "2024-05-01T10:00:00Z", "ListBuckets", &alice),
                    call("b-1", "2024-05-01T10:00:00Z", "ListBuckets", &bob),
                    assume(
                        "b-2",
                        "2024-05-01T10:01:00Z",
                        &bob,
                        "Admin",
                        "bob-s",
                        "ASIABOB",
                    ),
                    call("b-3", "2024-05-01T10:02:00Z", "DeleteBucket", &bobs),
                ],
            )],
        );
        assert_eq!(ids(&t), ["a-1"]);
        assert!(t.links.is_empty());
        // Names compare exactly unless asked otherwise.
        assert!(
            run(
                spec("ALICE"),
                &[(
                    "f.json",
                    vec![call("a-1", "2024-05-01T10:00:00Z", "X", &alice)]
                )]
            )
            .steps
            .is_empty()
        );
        let mut i = spec("ALICE");
        i.ignore_case = true;
        assert_eq!(
            run(
                i,
                &[(
                    "f.json",
                    vec![call("a-1", "2024-05-01T10:00:00Z", "X", &alice)]
                )]
            )
            .steps
            .len(),
            1
        );
    }

    #[test]
    fn the_window_limits_the_steps_not_the_links() {
        let alice = user("alice", "AKIAALICE");
        let admin = session("Admin", "s", "ASIA1");
        let mut s = spec("alice");
        s.since = Some(crate::time::parse_user_time("2024-05-01T10:03:00Z").unwrap());
        s.until = Some(crate::time::parse_user_time("2024-05-01T10:10:00Z").unwrap());
        let t = run(
            s,
            &[
                (
                    "a.json",
                    vec![
                        call("s-1", "2024-05-01T10:05:00Z", "ListBuckets", &admin),
                        call("s-2", "2024-05-01T10:10:00Z", "ListBuckets", &admin),
                    ],
                ),
                (
                    "b.json",
                    vec![assume(
                        "a-1",
                        "2024-05-01T10:00:00Z",
                        &alice,
                        "Admin",
                        "s",
                        "ASIA1",
                    )],
                ),
            ],
        );
        assert_eq!(ids(&t), ["s-1"]);
        assert_eq!(t.links.len(), 1);
    }

    #[test]
    fn a_full_buffer_drops_whole_credentials_and_says_which_were_linked() {
        let alice = user("alice", "AKIAALICE");
        let admin = session("Admin", "s", "ASIA1");
        let mut s = spec("alice");
        s.buffer_bytes = 0;
        let t = run(
            s,
            &[
                (
                    "a.json",
                    vec![
                        call("s-1", "2024-05-01T10:05:00Z", "ListBuckets", &admin),
                        call("s-2", "2024-05-01T10:06:00Z", "ListBuckets", &admin),
                        call(
                            "x-1",
                            "2024-05-01T10:06:00Z",
                            "ListBuckets",
                            &user("bob", "AKIABOB"),
                        ),
                    ],
                ),
                (
                    "b.json",
                    vec![
                        assume("a-1", "2024-05-01T10:00:00Z", &alice, "Admin", "s", "ASIA1"),
                        // Read after the link: kept, whatever the buffer.
                        call("s-3", "2024-05-01T10:07:00Z", "ListBuckets", &admin),
                    ],
                ),
            ],
        );
        assert_eq!(ids(&t), ["a-1", "s-3"]);
        assert_eq!(t.not_kept.len(), 1, "{:?}", t.not_kept);
        let n = &t.not_kept[0];
        assert_eq!((n.credential.as_str(), n.records), ("ASIA1", 2));
        assert_eq!(
            n.first.map(|t| t.to_rfc3339()).as_deref(),
            Some("2024-05-01T10:05:00+00:00")
        );
        assert_eq!(t.outcome(None), Outcome::Incomplete);
        assert_eq!(t.outcome(Some(Outcome::Findings)), Outcome::Findings);
    }

    #[test]
    fn a_buffer_evicts_the_busiest_credential_first() {
        let mut b = Buffer {
            budget: 3 * (WAITING_OVERHEAD + 200),
            ..Buffer::default()
        };
        let shown = |n: usize| {
            Box::new(Shown {
                file: Arc::from("f"),
                verified: false,
                raw: "x".repeat(n),
                row: Row::default(),
                read_only: None,
            })
        };
        let cred = |k: &str| Cred {
            key: Some(k.to_owned()),
            ..Cred::default()
        };
        b.add(1, None, cred("QUIET"), shown(10));
        b.add(2, None, cred("BUSY"), shown(200));
        b.add(3, None, cred("BUSY"), shown(200));
        b.add(4, None, cred("BUSY"), shown(200));
        assert!(b.dropped.contains_key("BUSY"));
        assert!(!b.dropped.contains_key("QUIET"));
        b.add(5, None, cred("BUSY"), shown(1));
        assert_eq!(b.dropped["BUSY"].records, 4);
        assert_eq!(b.take_key("QUIET").len(), 1);
        assert_eq!(b.bytes, 0);
    }

    #[test]
    fn expirations_read_as_cloudtrail_writes_them() {
        let t = |s: &str| parse_expiration(s).map(|t| t.to_rfc3339());
        let want = Some("2024-01-17T17:39:05+00:00".to_owned());
        assert_eq!(t("Jan 17, 2024, 5:39:05 PM"), want);
        assert_eq!(t("Jan 17, 2024, 5:39:05\u{202f}PM"), want);
        assert_eq!(t("2024-01-17T17:39:05Z"), want);
        assert_eq!(t("soon"), None);
        let from = parse_rfc3339("2024-01-17T00:00:00Z");
        assert_eq!(
            expiry(None, Some(&json!(900)), from, ROLE_SESSION_SECONDS).map(|t| t.to_rfc3339()),
            Some("2024-01-17T00:15:00+00:00".to_owned())
        );
        assert_eq!(
            expiry(None, None, from, ROLE_SESSION_SECONDS).map(|t| t.to_rfc3339()),
            Some("2024-01-17T12:00:00+00:00".to_owned())
        );
    }
}

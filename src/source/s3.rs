//! Amazon S3 as an [`ObjectSource`], read-only: `ListObjectsV2`, `GetObject`, `HeadBucket`.
//!
//! One client per bucket region (found with `HeadBucket`'s `x-amz-bucket-region`, which also
//! answers cross-account, unlike `GetBucketLocation`). Every request, with its retries, holds
//! a permit of the run's shared [`Pace`], so the whole run has a bounded number of requests in
//! flight; an interceptor tells the pace of every attempt that met congestion (throttling,
//! server errors, connection errors, timeouts), including those the SDK goes on to retry. The
//! SDK retries throttling and server errors with backoff; a body cut short is retried here.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_s3::Client;
use aws_sdk_s3::config::interceptors::FinalizerInterceptorContextRef;
use aws_sdk_s3::config::retry::{RetryPartition, TokenBucket};
use aws_sdk_s3::config::{ConfigBag, Intercept, Region, RuntimeComponents};
use aws_sdk_s3::error::{BoxError, ProvideErrorMetadata, SdkError};

use super::pace::{Pace, is_congestion_status};
use super::{ObjectSource, ObjectVersion};
use crate::vocab::{FetchError, FetchErrorKind};
use crate::vocab::{FetchedObject, Location};

/// Attempts for reading a body that ends early or times out mid-stream.
const BODY_ATTEMPTS: u32 = 3;

/// Environment variable: seconds (fractions allowed, e.g. `0.5`) an S3 request attempt may
/// take before it is abandoned and retried, instead of the command's default (2 minutes for
/// `verify`). It also bounds how long a body may stall mid-stream (the SDK's default grace is
/// 20 s). For tests and slow links; unset, empty, zero or unparsable values keep the defaults.
pub const ATTEMPT_TIMEOUT_ENV: &str = "TRAILPROOF_ATTEMPT_TIMEOUT";

/// The per-attempt timeout from [`ATTEMPT_TIMEOUT_ENV`], when set to a positive number.
#[must_use]
pub fn attempt_timeout_override() -> Option<Duration> {
    let raw = std::env::var(ATTEMPT_TIMEOUT_ENV).ok()?;
    let secs: f64 = raw.trim().parse().ok()?;
    (secs.is_finite() && secs > 0.0).then(|| Duration::from_secs_f64(secs.min(86_400.0)))
}

/// Retry quota (the SDK's token bucket) per 32 requests in flight: the SDK's default bucket,
/// sized for the old fixed default of 32. The quota grows with the cap, so that a burst of
/// throttling meeting more requests in flight does not run it dry and turn retried requests
/// into errors.
const RETRY_QUOTA_PER_32: usize = 500;

/// S3 behind the [`ObjectSource`] trait.
#[derive(Debug)]
pub struct S3Source {
    base: aws_config::SdkConfig,
    path_style: bool,
    default_region: String,
    /// [`ATTEMPT_TIMEOUT_ENV`], read once.
    attempt_timeout: Option<Duration>,
    clients: Mutex<HashMap<String, Client>>,
    bucket_regions: tokio::sync::Mutex<HashMap<String, String>>,
    pace: Arc<Pace>,
    /// The retry quota shared by the clients of every region.
    retry_quota: TokenBucket,
}

/// Tells the [`Pace`] of every S3 attempt that met congestion, retried or not.
#[derive(Debug)]
struct CongestionSignal(Arc<Pace>);

impl Intercept for CongestionSignal {
    fn name(&self) -> &'static str {
        "trailproof::pace"
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let status = context.response().map(|r| r.status().as_u16());
        let transport = context
            .output_or_error()
            .and_then(Result::err)
            .is_some_and(|e| {
                e.is_timeout_error()
                    || e.as_connector_error()
                        .is_some_and(|c| c.is_io() || c.is_timeout())
            });
        if transport || status.is_some_and(is_congestion_status) {
            self.0.congested();
        }
        Ok(())
    }
}

/// Maps an SDK error to our kinds. `NoSuchKey` (and a bare 404) is the only "not found".
pub fn classify<E: ProvideErrorMetadata + std::error::Error + 'static>(
    err: &SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
) -> FetchError {
    match err {
        SdkError::TimeoutError(_) => FetchError::new(FetchErrorKind::Timeout, "request timed out"),
        SdkError::DispatchFailure(e) => {
            let kind = if e.is_timeout() {
                FetchErrorKind::Timeout
            } else {
                FetchErrorKind::Other
            };
            FetchError::new(kind, format!("connection failed: {}", display_chain(err)))
        }
        SdkError::ServiceError(se) => {
            let status = se.raw().status().as_u16();
            let code = se.err().code().unwrap_or_default().to_owned();
            let message = se.err().message().unwrap_or_default().to_owned();
            let kind = classify_code(&code, status);
            let text = match (code.is_empty(), message.is_empty()) {
                (true, _) => format!("HTTP {status}: {}", display_chain(err)),
                (false, true) => code,
                (false, false) => format!("{code}: {message}"),
            };
            FetchError::new(kind, text)
        }
        other => FetchError::new(FetchErrorKind::Other, display_chain(other)),
    }
}

/// Error code / HTTP status to kind.
#[must_use]
pub fn classify_code(code: &str, status: u16) -> FetchErrorKind {
    match code {
        "NoSuchKey" | "NotFound" => FetchErrorKind::NotFound,
        "" if status == 404 => FetchErrorKind::NotFound,
        "AccessDenied"
        | "AllAccessDisabled"
        | "AccessDeniedException"
        | "InvalidObjectState"
        | "KMS.AccessDeniedException"
        | "KMS.DisabledException"
        | "KMS.KMSInvalidStateException"
        | "InvalidAccessKeyId"
        | "SignatureDoesNotMatch"
        | "ExpiredToken" => FetchErrorKind::AccessDenied,
        c if c.starts_with("KMS.") => FetchErrorKind::AccessDenied,
        "SlowDown"
        | "Throttling"
        | "ThrottlingException"
        | "RequestLimitExceeded"
        | "TooManyRequests"
        | "TooManyRequestsException" => FetchErrorKind::Throttled,
        "RequestTimeout" => FetchErrorKind::Timeout,
        "" if status == 403 => FetchErrorKind::AccessDenied,
        "" if status == 429 || status == 503 => FetchErrorKind::Throttled,
        _ => FetchErrorKind::Other,
    }
}

/// The error and its sources on one line.
pub fn display_chain(err: &dyn std::error::Error) -> String {
    let mut parts = vec![err.to_string()];
    let mut cur = err.source();
    while let Some(e) = cur {
        let s = e.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cur = e.source();
    }
    parts.join(": ")
}

impl S3Source {
    /// A source built on the shared AWS configuration. `path_style` forces path-style
    /// addressing (used whenever the S3 endpoint is overridden); `pace` bounds the requests in
    /// flight (shared with the run's other sources).
    #[must_use]
    pub fn new(base: aws_config::SdkConfig, path_style: bool, pace: Arc<Pace>) -> Self {
        let default_region = base
            .region()
            .map_or_else(|| "us-east-1".to_owned(), ToString::to_string);
        let retry_quota = TokenBucket::new(RETRY_QUOTA_PER_32 * pace.cap().div_ceil(32));
        Self {
            base,
            path_style,
            default_region,
            attempt_timeout: attempt_timeout_override(),
            clients: Mutex::new(HashMap::new()),
            bucket_regions: tokio::sync::Mutex::new(HashMap::new()),
            pace,
            retry_quota,
        }
    }

    fn client(&self, region: &str) -> Client {
        let mut clients = match self.clients.lock() {
            Ok(c) => c,
            Err(poisoned) => poisoned.into_inner(),
        };
        clients
            .entry(region.to_owned())
            .or_insert_with(|| {
                let mut conf = aws_sdk_s3::config::Builder::from(&self.base)
                    .region(Region::new(region.to_owned()))
                    .force_path_style(self.path_style)
                    .retry_partition(
                        RetryPartition::custom("trailproof-s3")
                            .token_bucket(self.retry_quota.clone())
                            .build(),
                    )
                    .interceptor(CongestionSignal(Arc::clone(&self.pace)));
                if let Some(t) = self.attempt_timeout {
                    let timeouts = self
                        .base
                        .timeout_config()
                        .map(aws_config::timeout::TimeoutConfig::to_builder)
                        .unwrap_or_default()
                        .operation_attempt_timeout(t)
                        .build();
                    let stalled = aws_sdk_s3::config::StalledStreamProtectionConfig::enabled()
                        .grace_period(t.min(Duration::from_secs(20)))
                        .build();
                    conf = conf
                        .timeout_config(timeouts)
                        .stalled_stream_protection(stalled);
                }
                Client::from_conf(conf.build())
            })
            .clone()
    }

    /// The client for a bucket's region (`HeadBucket` once per bucket).
    async fn client_for(&self, bucket: &str) -> Client {
        let mut regions = self.bucket_regions.lock().await;
        if let Some(r) = regions.get(bucket) {
            return self.client(r);
        }
        let probe = self.client(&self.default_region);
        let region = {
            let _permit = self.pace.acquire().await;
            match probe.head_bucket().bucket(bucket).send().await {
                Ok(out) => out.bucket_region().map(ToOwned::to_owned),
                Err(e) => e
                    .raw_response()
                    .and_then(|r| r.headers().get("x-amz-bucket-region"))
                    .map(ToOwned::to_owned),
            }
        }
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| self.default_region.clone());
        regions.insert(bucket.to_owned(), region.clone());
        self.client(&region)
    }

    async fn get_once(
        &self,
        client: &Client,
        location: &Location,
        version: Option<&str>,
        max_bytes: u64,
    ) -> Result<FetchedObject, FetchError> {
        let permit = self.pace.acquire().await;
        let out = client
            .get_object()
            .bucket(&location.bucket)
            .key(&location.key)
            .set_version_id(version.map(ToOwned::to_owned))
            .send()
            .await
            .map_err(|e| classify(&e))?;
        let announced = out.content_length().and_then(|n| u64::try_from(n).ok());
        if announced.is_some_and(|n| n > max_bytes) {
            return Err(FetchError::new(
                FetchErrorKind::TooLarge,
                format!("{} bytes, limit {max_bytes}", announced.unwrap_or_default()),
            ));
        }
        let metadata: BTreeMap<String, String> = out
            .metadata()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
                    .collect()
            })
            .unwrap_or_default();
        let body = out.body.collect().await.map_err(|e| {
            // A body that stalls or breaks off is congestion too (the SDK's attempt is over).
            permit.congested();
            FetchError::new(
                FetchErrorKind::Truncated,
                format!("reading body: {}", display_chain(&e)),
            )
        })?;
        let body = body.into_bytes().to_vec();
        if let Some(n) = announced
            && body.len() as u64 != n
        {
            permit.congested();
            return Err(FetchError::new(
                FetchErrorKind::Truncated,
                format!("got {} of {n} bytes", body.len()),
            ));
        }
        Ok(FetchedObject { body, metadata })
    }
}

impl ObjectSource for S3Source {
    async fn list(
        &self,
        bucket: &str,
        prefix: &str,
        start_after: &str,
        stop: &(dyn Fn(&str) -> bool + Sync),
    ) -> Result<Vec<String>, FetchError> {
        let client = self.client_for(bucket).await;
        let mut keys = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let _permit = self.pace.acquire().await;
            let mut req = client.list_objects_v2().bucket(bucket).prefix(prefix);
            req = match &token {
                Some(t) => req.continuation_token(t),
                None => req.start_after(start_after),
            };
            let page = req.send().await.map_err(|e| classify(&e))?;
            let mut stop_now = false;
            for obj in page.contents() {
                if let Some(k) = obj.key() {
                    stop_now |= stop(k);
                    keys.push(k.to_owned());
                }
            }
            token = page.next_continuation_token().map(ToOwned::to_owned);
            if stop_now || token.is_none() || page.is_truncated() != Some(true) {
                return Ok(keys);
            }
        }
    }

    async fn list_dirs(&self, bucket: &str, prefix: &str) -> Result<Vec<String>, FetchError> {
        let client = self.client_for(bucket).await;
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let _permit = self.pace.acquire().await;
            let page = client
                .list_objects_v2()
                .bucket(bucket)
                .prefix(prefix)
                .delimiter("/")
                .set_continuation_token(token.clone())
                .send()
                .await
                .map_err(|e| classify(&e))?;
            for p in page.common_prefixes() {
                if let Some(name) = p.prefix().and_then(|p| p.strip_prefix(prefix)) {
                    out.push(name.trim_end_matches('/').to_owned());
                }
            }
            token = page.next_continuation_token().map(ToOwned::to_owned);
            if token.is_none() || page.is_truncated() != Some(true) {
                out.sort();
                return Ok(out);
            }
        }
    }

    async fn versions(
        &self,
        bucket: &str,
        prefix: &str,
    ) -> Result<Option<Vec<ObjectVersion>>, FetchError> {
        // ListObjectVersions answers for unversioned buckets too (every version id "null"),
        // so it alone tells whether versions exist; GetBucketVersioning would add a call (and
        // needs another permission).
        let client = self.client_for(bucket).await;
        let mut out = Vec::new();
        let (mut key_marker, mut version_marker): (Option<String>, Option<String>) = (None, None);
        loop {
            let _permit = self.pace.acquire().await;
            let page = client
                .list_object_versions()
                .bucket(bucket)
                .prefix(prefix)
                .set_key_marker(key_marker.clone())
                .set_version_id_marker(version_marker.clone())
                .send()
                .await;
            // S3-compatible stores without versioning answer NotImplemented: no versions.
            let page = match page {
                Err(e)
                    if e.as_service_error().and_then(ProvideErrorMetadata::code)
                        == Some("NotImplemented") =>
                {
                    return Ok(None);
                }
                other => other.map_err(|e| classify(&e))?,
            };
            let mut entries: Vec<(
                String,
                Option<&aws_sdk_s3::primitives::DateTime>,
                ObjectVersion,
            )> = Vec::new();
            for v in page.versions() {
                let key = v.key().unwrap_or_default().to_owned();
                entries.push((
                    key.clone(),
                    v.last_modified(),
                    ObjectVersion {
                        key,
                        version_id: v.version_id().unwrap_or("null").to_owned(),
                        is_latest: v.is_latest().unwrap_or(false),
                        delete_marker: false,
                    },
                ));
            }
            for m in page.delete_markers() {
                let key = m.key().unwrap_or_default().to_owned();
                entries.push((
                    key.clone(),
                    m.last_modified(),
                    ObjectVersion {
                        key,
                        version_id: m.version_id().unwrap_or("null").to_owned(),
                        is_latest: m.is_latest().unwrap_or(false),
                        delete_marker: true,
                    },
                ));
            }
            // Per key, newest first (the latest first, then by modification time).
            entries.sort_by(|a, b| {
                a.0.cmp(&b.0).then(b.2.is_latest.cmp(&a.2.is_latest)).then(
                    b.1.map(|t| (t.secs(), t.subsec_nanos()))
                        .cmp(&a.1.map(|t| (t.secs(), t.subsec_nanos()))),
                )
            });
            out.extend(entries.into_iter().map(|(_, _, v)| v));
            key_marker = page.next_key_marker().map(ToOwned::to_owned);
            version_marker = page.next_version_id_marker().map(ToOwned::to_owned);
            if page.is_truncated() != Some(true) || key_marker.is_none() {
                let versioned = out
                    .iter()
                    .any(|v| v.delete_marker || v.version_id != "null");
                return Ok(versioned.then_some(out));
            }
        }
    }

    async fn get_version(
        &self,
        location: &Location,
        version_id: &str,
        max_bytes: u64,
    ) -> Result<FetchedObject, FetchError> {
        let client = self.client_for(&location.bucket).await;
        self.get_once(&client, location, Some(version_id), max_bytes)
            .await
    }

    async fn get(&self, location: &Location, max_bytes: u64) -> Result<FetchedObject, FetchError> {
        let client = self.client_for(&location.bucket).await;
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.get_once(&client, location, None, max_bytes).await {
                Err(e)
                    if attempt < BODY_ATTEMPTS
                        && matches!(
                            e.kind,
                            FetchErrorKind::Truncated | FetchErrorKind::Timeout
                        ) =>
                {
                    tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
                }
                other => return other,
            }
        }
    }
}

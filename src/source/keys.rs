//! Public key providers: the `CloudTrail` `ListPublicKeys` API, or a saved key file.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use aws_sdk_cloudtrail::primitives::DateTime as AwsTime;
use base64::Engine as _;
use serde_json::Value;

use super::KeyProvider;
use super::pace::Pace;
use super::s3::classify;
use crate::chain::keys::PublicKeyRecord;
use crate::time::{UtcTime, format_rfc3339, parse_record_time};
use crate::vocab::{FetchError, FetchErrorKind};

/// Builds a `CloudTrail` client for a region; `endpoint` overrides the endpoint (the
/// reference's `--endpoint-url` applies to `CloudTrail` only).
#[must_use]
pub fn cloudtrail_client(
    base: &aws_config::SdkConfig,
    region: &str,
    endpoint: Option<&str>,
) -> aws_sdk_cloudtrail::Client {
    let mut conf = aws_sdk_cloudtrail::config::Builder::from(base)
        .region(aws_sdk_cloudtrail::config::Region::new(region.to_owned()));
    if let Some(url) = endpoint {
        conf = conf.endpoint_url(url);
    }
    aws_sdk_cloudtrail::Client::from_conf(conf.build())
}

fn to_utc(t: &AwsTime) -> Option<UtcTime> {
    chrono::DateTime::from_timestamp(t.secs(), t.subsec_nanos())
}

fn to_aws(t: &UtcTime) -> AwsTime {
    AwsTime::from_secs(t.timestamp())
}

/// Keys from `cloudtrail:ListPublicKeys`, asked in the digest's own region.
#[derive(Debug)]
pub struct CloudTrailKeys {
    base: aws_config::SdkConfig,
    endpoint: Option<String>,
    pace: Arc<Pace>,
}

impl CloudTrailKeys {
    /// A provider on the shared configuration; its calls count against `pace` (shared with
    /// the run's S3 source).
    #[must_use]
    pub fn new(base: aws_config::SdkConfig, endpoint: Option<String>, pace: Arc<Pace>) -> Self {
        Self {
            base,
            endpoint,
            pace,
        }
    }
}

impl KeyProvider for CloudTrailKeys {
    async fn public_keys(
        &self,
        region: &str,
        from: UtcTime,
        to: UtcTime,
    ) -> Result<Vec<PublicKeyRecord>, FetchError> {
        let client = cloudtrail_client(&self.base, region, self.endpoint.as_deref());
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let permit = self.pace.acquire().await;
            let resp = client
                .list_public_keys()
                .start_time(to_aws(&from))
                .end_time(to_aws(&to))
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| {
                    let mut err = classify(&e);
                    // Seen after the SDK's retries only (a few calls a run need no more).
                    if matches!(
                        err.kind,
                        FetchErrorKind::Throttled | FetchErrorKind::Timeout
                    ) {
                        permit.congested();
                    }
                    err.message = format!("ListPublicKeys in {region}: {}", err.message);
                    err
                })?;
            for k in resp.public_key_list() {
                let (Some(fp), Some(value)) = (k.fingerprint(), k.value()) else {
                    continue;
                };
                out.push(PublicKeyRecord {
                    fingerprint: fp.to_owned(),
                    der: value.as_ref().to_vec(),
                    valid_from: k.validity_start_time().and_then(to_utc),
                    valid_to: k.validity_end_time().and_then(to_utc),
                });
            }
            token = resp
                .next_token()
                .filter(|t| !t.is_empty())
                .map(ToOwned::to_owned);
            if token.is_none() {
                return Ok(out);
            }
        }
    }

    fn describe(&self) -> String {
        "cloudtrail:ListPublicKeys".to_owned()
    }
}

/// Keys from saved `aws cloudtrail list-public-keys` output: one output for every region, or
/// a JSON object mapping region → output. Filtered by validity like the API.
#[derive(Debug, Clone)]
pub struct FileKeys {
    path: String,
    all_regions: Option<Vec<PublicKeyRecord>>,
    by_region: BTreeMap<String, Vec<PublicKeyRecord>>,
}

/// A key file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// Unreadable.
    #[error("cannot read public key file {path}: {source}")]
    Read {
        /// File.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// Not the expected JSON shape.
    #[error("public key file {path}: {reason}")]
    Shape {
        /// File.
        path: String,
        /// What is wrong.
        reason: String,
    },
}

fn parse_time_value(v: Option<&Value>) -> Option<UtcTime> {
    match v? {
        Value::Number(n) => {
            let secs = n.as_f64()?;
            #[allow(clippy::cast_possible_truncation)]
            chrono::DateTime::from_timestamp(secs.floor() as i64, 0)
        }
        Value::String(s) => parse_record_time(s).ok(),
        _ => None,
    }
}

fn parse_list(path: &str, v: &Value) -> Result<Vec<PublicKeyRecord>, KeyFileError> {
    let shape = |reason: &str| KeyFileError::Shape {
        path: path.to_owned(),
        reason: reason.to_owned(),
    };
    let list = v
        .get("PublicKeyList")
        .and_then(Value::as_array)
        .ok_or_else(|| shape("expected an object with a PublicKeyList array"))?;
    list.iter()
        .map(|k| {
            let fp = k
                .get("Fingerprint")
                .and_then(Value::as_str)
                .ok_or_else(|| shape("a key has no Fingerprint"))?;
            let value = k
                .get("Value")
                .and_then(Value::as_str)
                .ok_or_else(|| shape("a key has no Value"))?;
            let der = base64::engine::general_purpose::STANDARD
                .decode(value.trim())
                .map_err(|e| shape(&format!("key {fp}: Value is not base64: {e}")))?;
            Ok(PublicKeyRecord {
                fingerprint: fp.to_owned(),
                der,
                valid_from: parse_time_value(k.get("ValidityStartTime")),
                valid_to: parse_time_value(k.get("ValidityEndTime")),
            })
        })
        .collect()
}

impl FileKeys {
    /// Reads and parses a key file.
    ///
    /// # Errors
    /// [`KeyFileError`] when the file is unreadable or not in a known shape.
    pub fn load(path: &Path) -> Result<Self, KeyFileError> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| KeyFileError::Read {
            path: name.clone(),
            source,
        })?;
        let v: Value = serde_json::from_slice(&bytes).map_err(|e| KeyFileError::Shape {
            path: name.clone(),
            reason: format!("not JSON: {e}"),
        })?;
        if v.get("PublicKeyList").is_some() {
            return Ok(Self {
                all_regions: Some(parse_list(&name, &v)?),
                by_region: BTreeMap::new(),
                path: name,
            });
        }
        let obj = v.as_object().ok_or_else(|| KeyFileError::Shape {
            path: name.clone(),
            reason: "expected list-public-keys output or a region map".to_owned(),
        })?;
        let mut by_region = BTreeMap::new();
        for (region, out) in obj {
            by_region.insert(region.clone(), parse_list(&name, out)?);
        }
        Ok(Self {
            path: name,
            all_regions: None,
            by_region,
        })
    }
}

impl KeyProvider for FileKeys {
    async fn public_keys(
        &self,
        region: &str,
        from: UtcTime,
        to: UtcTime,
    ) -> Result<Vec<PublicKeyRecord>, FetchError> {
        let list = match &self.all_regions {
            Some(all) => all,
            None => self.by_region.get(region).ok_or_else(|| {
                FetchError::new(
                    FetchErrorKind::NotFound,
                    format!("no keys for region {region} in {}", self.path),
                )
            })?,
        };
        Ok(list
            .iter()
            .filter(|k| {
                k.valid_from.is_none_or(|f| f <= to) && k.valid_to.is_none_or(|t| t >= from)
            })
            .cloned()
            .collect())
    }

    fn describe(&self) -> String {
        format!("file:{}", self.path)
    }
}

/// Renders records as `list-public-keys` output (used by bundles and fixtures).
#[must_use]
pub fn to_cli_json(records: &[PublicKeyRecord]) -> Value {
    let list: Vec<Value> = records
        .iter()
        .map(|r| {
            serde_json::json!({
                "Value": base64::engine::general_purpose::STANDARD.encode(&r.der),
                "ValidityStartTime": r.valid_from.as_ref().map(format_rfc3339),
                "ValidityEndTime": r.valid_to.as_ref().map(format_rfc3339),
                "Fingerprint": r.fingerprint,
            })
        })
        .collect();
    serde_json::json!({ "PublicKeyList": list })
}

/// Either key provider, chosen at run time.
#[derive(Debug)]
pub enum AnyKeys {
    /// A saved key file.
    File(FileKeys),
    /// The `CloudTrail` API.
    Api(Box<CloudTrailKeys>),
}

impl KeyProvider for AnyKeys {
    async fn public_keys(
        &self,
        region: &str,
        from: UtcTime,
        to: UtcTime,
    ) -> Result<Vec<PublicKeyRecord>, FetchError> {
        match self {
            Self::File(k) => k.public_keys(region, from, to).await,
            Self::Api(k) => k.public_keys(region, from, to).await,
        }
    }

    fn describe(&self) -> String {
        match self {
            Self::File(k) => k.describe(),
            Self::Api(k) => k.describe(),
        }
    }
}

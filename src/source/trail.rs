//! Trail and organization lookups (`CloudTrail` GetTrail/DescribeTrails, Organizations
//! `DescribeOrganization`).
//!
//! Unlike the reference, the trail is looked up by ARN in the ARN's own region (so
//! single-region trails of other regions are found), falling back to `DescribeTrails` there.

use aws_sdk_cloudtrail::error::ProvideErrorMetadata;

use super::keys::cloudtrail_client;
use super::s3::display_chain;
use crate::chain::layout::TrailArn;
use crate::vocab::{FetchError, FetchErrorKind};

/// What the verification needs to know about a trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailInfo {
    /// Bucket the trail delivers to.
    pub bucket: String,
    /// Its key prefix.
    pub prefix: Option<String>,
    /// Whether it is an organization trail.
    pub is_organization: bool,
}

fn sdk_error<E: ProvideErrorMetadata + std::error::Error + 'static>(
    what: &str,
    err: &aws_sdk_cloudtrail::error::SdkError<E, aws_sdk_cloudtrail::config::http::HttpResponse>,
) -> FetchError {
    let mut e = super::s3::classify(err);
    if e.message.is_empty() {
        e.message = display_chain(err);
    }
    e.message = format!("{what}: {}", e.message);
    e
}

/// Looks the trail up by ARN in its home region. `Ok(None)`: no such trail.
///
/// # Errors
/// [`FetchError`] when `CloudTrail` cannot be asked (credentials, denied, network).
pub async fn fetch_trail(
    base: &aws_config::SdkConfig,
    endpoint: Option<&str>,
    arn: &TrailArn,
) -> Result<Option<TrailInfo>, FetchError> {
    let client = cloudtrail_client(base, &arn.home_region, endpoint);
    match client.get_trail().name(&arn.arn).send().await {
        Ok(out) => {
            if let Some(t) = out.trail() {
                return Ok(Some(info(t)));
            }
        }
        Err(e) => {
            let not_found = e
                .as_service_error()
                .and_then(ProvideErrorMetadata::code)
                .is_some_and(|c| c == "TrailNotFoundException");
            if !not_found {
                return Err(sdk_error("GetTrail", &e));
            }
        }
    }
    // Shadow trails (organization trails seen from a member) may only be described.
    let out = client
        .describe_trails()
        .include_shadow_trails(true)
        .send()
        .await
        .map_err(|e| sdk_error("DescribeTrails", &e))?;
    Ok(out
        .trail_list()
        .iter()
        .find(|t| t.trail_arn() == Some(arn.arn.as_str()))
        .map(info))
}

fn info(t: &aws_sdk_cloudtrail::types::Trail) -> TrailInfo {
    TrailInfo {
        bucket: t.s3_bucket_name().unwrap_or_default().to_owned(),
        prefix: t.s3_key_prefix().map(ToOwned::to_owned),
        is_organization: t.is_organization_trail().unwrap_or(false),
    }
}

/// The organization id (`o-…`) of the caller's organization.
///
/// # Errors
/// [`FetchError`] when Organizations cannot be asked.
pub async fn fetch_organization_id(base: &aws_config::SdkConfig) -> Result<String, FetchError> {
    let mut conf = aws_sdk_organizations::config::Builder::from(base);
    if base.region().is_none() {
        conf = conf.region(aws_sdk_organizations::config::Region::new("us-east-1"));
    }
    let client = aws_sdk_organizations::Client::from_conf(conf.build());
    let out = client.describe_organization().send().await.map_err(|e| {
        let code = e
            .as_service_error()
            .and_then(ProvideErrorMetadata::code)
            .unwrap_or_default()
            .to_owned();
        let kind = if code.contains("AccessDenied") {
            FetchErrorKind::AccessDenied
        } else {
            FetchErrorKind::Other
        };
        FetchError::new(kind, format!("DescribeOrganization: {}", display_chain(&e)))
    })?;
    out.organization()
        .and_then(|o| o.id())
        .map(ToOwned::to_owned)
        .ok_or_else(|| {
            FetchError::new(
                FetchErrorKind::Other,
                "DescribeOrganization: no organization id",
            )
        })
}

/// `GetTrailStatus` of the trail, in its home region.
///
/// # Errors
/// [`FetchError`] when `CloudTrail` cannot be asked.
pub async fn fetch_trail_status(
    base: &aws_config::SdkConfig,
    endpoint: Option<&str>,
    arn: &TrailArn,
) -> Result<crate::chain::findings::TrailStatus, FetchError> {
    let client = cloudtrail_client(base, &arn.home_region, endpoint);
    let out = client
        .get_trail_status()
        .name(&arn.arn)
        .send()
        .await
        .map_err(|e| sdk_error("GetTrailStatus", &e))?;
    let latest = out.latest_digest_delivery_time().and_then(|t| {
        chrono::DateTime::from_timestamp(t.secs(), t.subsec_nanos())
            .map(|t| crate::time::format_rfc3339(&t))
    });
    Ok(crate::chain::findings::TrailStatus {
        is_logging: out.is_logging(),
        latest_digest_delivery: latest,
    })
}

/// Other trails that deliver to the same bucket and prefix without log file validation:
/// their log files are referenced by no digest, legitimately.
///
/// # Errors
/// [`FetchError`] when `CloudTrail` cannot be asked.
pub async fn unvalidated_neighbours(
    base: &aws_config::SdkConfig,
    endpoint: Option<&str>,
    arn: &TrailArn,
    bucket: &str,
    prefix: Option<&str>,
) -> Result<Vec<String>, FetchError> {
    let client = cloudtrail_client(base, &arn.home_region, endpoint);
    let out = client
        .describe_trails()
        .include_shadow_trails(true)
        .send()
        .await
        .map_err(|e| sdk_error("DescribeTrails", &e))?;
    let norm = |p: Option<&str>| p.filter(|p| !p.is_empty()).map(ToOwned::to_owned);
    let mut names: Vec<String> = out
        .trail_list()
        .iter()
        .filter(|t| t.trail_arn() != Some(arn.arn.as_str()))
        .filter(|t| t.s3_bucket_name() == Some(bucket) && norm(t.s3_key_prefix()) == norm(prefix))
        .filter(|t| t.log_file_validation_enabled() != Some(true))
        .filter_map(|t| t.trail_arn().map(ToOwned::to_owned))
        .collect();
    names.sort();
    Ok(names)
}

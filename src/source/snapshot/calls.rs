//! Recording one AWS call: a client per service and region (honouring the endpoint
//! override), a permit of the run's semaphore while the request runs, and the answer,
//! denial or failure as a [`Call`]. Read-only: no call here changes anything.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::operation::RequestId;
use chrono::{DateTime, Utc};
use futures::future::join_all;
use tokio::sync::Semaphore;

use crate::snapshot::model::{Call, Outcome};
use crate::source::s3::display_chain;
use crate::time::format_rfc3339;

/// The HTTP response type every SDK error carries.
type Resp = aws_sdk_s3::config::http::HttpResponse;

/// A call's value and the request id of its (last) answer, or the SDK error.
type Answer<T, E> = Result<(T, Option<String>), SdkError<E, Resp>>;

/// Error codes that mean "the thing asked about does not exist" (evaluated, not an error).
const ABSENT_CODES: [&str; 10] = [
    "NoSuchBucketPolicy",
    "NoSuchPublicAccessBlockConfiguration",
    "ObjectLockConfigurationNotFoundError",
    "NoSuchLifecycleConfiguration",
    "ServerSideEncryptionConfigurationNotFoundError",
    "OwnershipControlsNotFoundError",
    "NoSuchBucket",
    "InsightNotEnabledException",
    "AWSOrganizationsNotInUseException",
    // KMS DescribeKey on a key that does not exist (deleted): the trail cannot deliver.
    "NotFoundException",
];

/// Error codes that mean the caller was not allowed to ask (besides any HTTP 403).
const DENIED_CODES: [&str; 4] = [
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "AuthorizationError",
];

/// Shared state of one gather.
pub(super) struct Ctx<'a> {
    base: &'a aws_config::SdkConfig,
    endpoint: Option<&'a str>,
    permits: Semaphore,
    now: &'a (dyn Fn() -> DateTime<Utc> + Sync),
}

/// Builds a client of one service for one region, honouring the endpoint override.
macro_rules! client_fn {
    ($name:ident, $krate:ident) => {
        pub(super) fn $name(&self, region: &str) -> $krate::Client {
            let mut conf = $krate::config::Builder::from(self.base)
                .region($krate::config::Region::new(region.to_owned()));
            if let Some(url) = self.endpoint {
                conf = conf.endpoint_url(url);
            }
            $krate::Client::from_conf(conf.build())
        }
    };
}

impl<'a> Ctx<'a> {
    /// The state of a run asking through `base` (and `endpoint`, when set), with at most
    /// `concurrency` requests in flight, timing answers with `now`.
    pub(super) fn new(
        base: &'a aws_config::SdkConfig,
        endpoint: Option<&'a str>,
        concurrency: usize,
        now: &'a (dyn Fn() -> DateTime<Utc> + Sync),
    ) -> Self {
        Self {
            base,
            endpoint,
            permits: Semaphore::new(concurrency.max(1)),
            now,
        }
    }
}

impl Ctx<'_> {
    client_fn!(sts, aws_sdk_sts);
    client_fn!(account, aws_sdk_account);
    client_fn!(organizations, aws_sdk_organizations);
    client_fn!(cloudtrail, aws_sdk_cloudtrail);
    client_fn!(kms, aws_sdk_kms);
    client_fn!(logs, aws_sdk_cloudwatchlogs);
    client_fn!(cloudwatch, aws_sdk_cloudwatch);
    client_fn!(sns, aws_sdk_sns);
    client_fn!(iam, aws_sdk_iam);

    /// S3 in a region; path-style whenever the endpoint is overridden.
    pub(super) fn s3(&self, region: &str) -> aws_sdk_s3::Client {
        let mut conf = aws_sdk_s3::config::Builder::from(self.base)
            .region(aws_sdk_s3::config::Region::new(region.to_owned()));
        if let Some(url) = self.endpoint {
            conf = conf.endpoint_url(url).force_path_style(true);
        }
        aws_sdk_s3::Client::from_conf(conf.build())
    }

    /// S3 Control. Its endpoint puts the account id in the host name, which a loopback
    /// override cannot serve, so with an override it fails fast instead of retrying.
    pub(super) fn s3control(&self, region: &str) -> aws_sdk_s3control::Client {
        use aws_sdk_s3control::config::{retry::RetryConfig, timeout::TimeoutConfig};
        let mut conf = aws_sdk_s3control::config::Builder::from(self.base)
            .region(aws_sdk_s3control::config::Region::new(region.to_owned()));
        if let Some(url) = self.endpoint {
            conf = conf
                .endpoint_url(url)
                .retry_config(RetryConfig::disabled())
                .timeout_config(
                    TimeoutConfig::builder()
                        .connect_timeout(Duration::from_secs(1))
                        .operation_timeout(Duration::from_secs(3))
                        .build(),
                );
        }
        aws_sdk_s3control::Client::from_conf(conf.build())
    }

    /// Now, as a [`Call::at`] string.
    pub(super) fn at(&self) -> String {
        format_rfc3339(&(self.now)())
    }

    /// Runs one call (all its pages) under a permit and records its answer.
    ///
    /// Not `async`: the SDK's request futures are large, so `fut` goes to the heap before
    /// the returned (small) future is built.
    pub(super) fn call<T, E, F>(
        &self,
        action: &str,
        region: &str,
        fut: F,
    ) -> impl Future<Output = Call<T>>
    where
        F: Future<Output = Answer<T, E>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let fut = Box::pin(fut);
        let (action, region) = (action.to_owned(), region.to_owned());
        async move {
            let result = {
                let _permit = self.permits.acquire().await;
                fut.await
            };
            let (request_id, outcome) = match result {
                Ok((value, id)) => (id, Outcome::Ok { value }),
                Err(err) => (err.request_id().map(ToOwned::to_owned), outcome_of(&err)),
            };
            Call {
                action,
                region,
                at: self.at(),
                request_id,
                outcome,
            }
        }
    }

    /// [`Self::call`] for a single request whose output `map` reduces to the value.
    pub(super) fn one<O, T, E, F>(
        &self,
        action: &str,
        region: &str,
        fut: F,
        map: impl FnOnce(O) -> T,
    ) -> impl Future<Output = Call<T>>
    where
        F: Future<Output = Result<O, SdkError<E, Resp>>>,
        O: RequestId,
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        self.call(action, region, async {
            fut.await.map(|out| {
                let id = out.request_id().map(ToOwned::to_owned);
                (map(out), id)
            })
        })
    }

    /// [`Self::call`] for a paginated request (`pages` collects a paginator's stream);
    /// `map` reduces all pages to the value.
    pub(super) fn paged<O, T, E, F>(
        &self,
        action: &str,
        region: &str,
        pages: F,
        map: impl FnOnce(Vec<O>) -> T,
    ) -> impl Future<Output = Call<T>>
    where
        F: Future<Output = Vec<Result<O, SdkError<E, Resp>>>>,
        O: RequestId,
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        self.call(action, region, async {
            pages
                .await
                .into_iter()
                .collect::<Result<Vec<O>, _>>()
                .map(|pages| {
                    let id = pages
                        .last()
                        .and_then(RequestId::request_id)
                        .map(ToOwned::to_owned);
                    (map(pages), id)
                })
        })
    }

    /// One call per region, concurrently, keyed by region.
    pub(super) async fn per_region<'r, T, F, Fut>(
        &self,
        regions: &'r [String],
        f: F,
    ) -> BTreeMap<String, T>
    where
        F: Fn(&'r str) -> Fut,
        Fut: Future<Output = T>,
    {
        let values = join_all(regions.iter().map(|r| f(r))).await;
        regions.iter().cloned().zip(values).collect()
    }
}

/// Maps an SDK error to an outcome: denied, feature absent, or failed.
fn outcome_of<T, E>(err: &SdkError<E, Resp>) -> Outcome<T>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match err {
        SdkError::ServiceError(se) => {
            let status = se.raw().status().as_u16();
            let code = se.err().code().unwrap_or_default().to_owned();
            let mut message = se.err().message().unwrap_or_default().to_owned();
            if message.is_empty() {
                // No AWS error document (e.g. an answer the SDK could not read).
                message = format!("HTTP {status}: {}", display_chain(err));
            }
            classify(code, message, status)
        }
        other => Outcome::Failed {
            code: String::new(),
            message: display_chain(other),
        },
    }
}

/// A service error's code and HTTP status to an outcome.
fn classify<T>(code: String, message: String, status: u16) -> Outcome<T> {
    if ABSENT_CODES.contains(&code.as_str()) {
        Outcome::Absent { code }
    } else if DENIED_CODES.contains(&code.as_str()) || status == 403 {
        Outcome::Denied { code, message }
    } else {
        Outcome::Failed { code, message }
    }
}

/// One line for a call that did not answer.
pub(super) fn describe_outcome<T>(outcome: &Outcome<T>) -> String {
    match outcome {
        Outcome::Ok { .. } => "answered".to_owned(),
        Outcome::Absent { code } => code.clone(),
        Outcome::Denied { code, message } | Outcome::Failed { code, message } => {
            if code.is_empty() {
                message.clone()
            } else {
                format!("{code}: {message}")
            }
        }
        Outcome::Skipped { reason } => reason.clone(),
    }
}

/// The same call with its value (if any) mapped by `f`.
pub(super) fn retype<T, U>(call: Call<T>, f: impl FnOnce(T) -> U) -> Call<U> {
    let outcome = match call.outcome {
        Outcome::Ok { value } => Outcome::Ok { value: f(value) },
        Outcome::Absent { code } => Outcome::Absent { code },
        Outcome::Denied { code, message } => Outcome::Denied { code, message },
        Outcome::Failed { code, message } => Outcome::Failed { code, message },
        Outcome::Skipped { reason } => Outcome::Skipped { reason },
    };
    Call {
        action: call.action,
        region: call.region,
        at: call.at,
        request_id: call.request_id,
        outcome,
    }
}

/// The region field of an ARN (`arn:partition:service:region:…`), when present.
pub(super) fn arn_region(arn: &str) -> Option<&str> {
    arn.strip_prefix("arn:")
        .and_then(|rest| rest.split(':').nth(2))
        .filter(|r| !r.is_empty())
}

/// An SDK timestamp as RFC 3339 UTC.
pub(super) fn rfc3339(t: &aws_sdk_s3::primitives::DateTime) -> Option<String> {
    DateTime::from_timestamp(t.secs(), t.subsec_nanos()).map(|d| format_rfc3339(&d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arn_regions_and_outcomes() {
        assert_eq!(arn_region("arn:aws:sns:eu-west-2:1:t"), Some("eu-west-2"));
        let denied: Outcome<()> = classify("Forbidden".into(), "m".into(), 403);
        assert!(matches!(denied, Outcome::Denied { .. }));
        let absent: Outcome<()> = classify("NoSuchBucketPolicy".into(), "m".into(), 404);
        assert!(matches!(absent, Outcome::Absent { .. }));
        let failed: Outcome<()> = classify("Throttling".into(), "m".into(), 400);
        assert!(matches!(failed, Outcome::Failed { .. }));
    }
}

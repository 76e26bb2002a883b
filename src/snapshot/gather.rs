//! Gathers a [`Snapshot`] through the AWS SDK. Read-only: every call is a `Describe*`, `Get*`
//! or `List*`.
//!
//! The order is fixed by what each answer needs: the caller identity first (without it the
//! run cannot start), then the account-wide questions (regions, organization, buckets, IAM),
//! then `DescribeTrails` and the Lake stores in every scanned region, then everything the
//! de-duplicated trails name (their status and selectors in the home region, their bucket,
//! key and log group), then the alarms of the log group regions, then the alarms' topics.
//!
//! Every call holds a permit of one semaphore while it runs, so at most
//! [`GatherOptions::concurrency`] requests are in flight. Each answer, denial or failure is
//! recorded as a [`Call`]; maps are [`BTreeMap`]s and lists are sorted, so the same account
//! gives the same document whatever order the answers arrive in.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::time::Duration;

use aws_sdk_cloudtrail::operation::list_event_data_stores::ListEventDataStoresOutput;
use aws_sdk_cloudtrail::operation::list_tags::ListTagsOutput;
use aws_sdk_cloudwatch::operation::describe_alarms::DescribeAlarmsOutput;
use aws_sdk_cloudwatchlogs::operation::describe_log_groups::DescribeLogGroupsOutput;
use aws_sdk_cloudwatchlogs::operation::describe_metric_filters::DescribeMetricFiltersOutput;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::operation::RequestId;
use aws_sdk_sns::operation::list_subscriptions_by_topic::ListSubscriptionsByTopicOutput;
use chrono::{DateTime, Utc};
use futures::future::join_all;
use tokio::sync::Semaphore;

use super::model::{
    AdvancedSelector, Alarm, BasicSelector, BucketDetails, Call, DataResource, EventDataStore,
    EventSelectors, FieldSelector, Grant, IamPolicy, Identity, KeyDetails, KeyMetadata,
    LifecycleRule, LogGroup, LogGroupDetails, LoggingTarget, MetricFilter, MetricName, ObjectLock,
    Organization, Outcome, PublicAccessBlock, RegionState, SCHEMA, Snapshot, Subscription, Trail,
    TrailDetails, TrailStatus, Transition, Versioning,
};
use crate::source::s3::display_chain;
use crate::time::format_rfc3339;

/// The HTTP response type every SDK error carries.
type Resp = aws_sdk_s3::config::http::HttpResponse;

/// One page of `iam:GetAccountAuthorizationDetails`.
type AuthDetails =
    aws_sdk_iam::operation::get_account_authorization_details::GetAccountAuthorizationDetailsOutput;

/// A call's value and the request id of its (last) answer, or the SDK error.
type Answer<T, E> = Result<(T, Option<String>), SdkError<E, Resp>>;

/// Regions that are enabled in every account (no opt-in), scanned when `account:ListRegions`
/// cannot be read and no regions were asked for.
pub const DEFAULT_REGIONS: [&str; 17] = [
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ca-central-1",
    "eu-central-1",
    "eu-north-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
];

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

/// How to gather.
#[derive(Debug, Clone)]
pub struct GatherOptions {
    /// Regions to scan; None = every enabled region from account:ListRegions.
    pub regions: Option<Vec<String>>,
    /// Endpoint override (tests point every service at one loopback moto server); `None`
    /// falls back to the shared config's `endpoint_url`, if any.
    pub endpoint: Option<String>,
    /// Max concurrent API calls.
    pub concurrency: usize,
}

/// Why no snapshot could be taken at all (anything less is recorded in the snapshot).
#[derive(Debug, thiserror::Error)]
pub enum GatherError {
    /// `sts:GetCallerIdentity` failed: no usable credentials, so the run cannot start.
    #[error("cannot identify the caller (sts:GetCallerIdentity): {0}")]
    Identity(String),
}

/// Asks every read-only question the controls need and records the answers.
///
/// `now` is the clock: `taken_at` is read at the start and every [`Call::at`] when its answer
/// arrives.
pub async fn gather(
    base: &aws_config::SdkConfig,
    opts: &GatherOptions,
    now: &(dyn Fn() -> DateTime<Utc> + Sync),
) -> Result<Snapshot, GatherError> {
    let ctx = Ctx {
        base,
        // An endpoint set on the shared config counts as an override too (path-style S3,
        // fail-fast S3 Control).
        endpoint: opts.endpoint.as_deref().or_else(|| base.endpoint_url()),
        permits: Semaphore::new(opts.concurrency.max(1)),
        now,
    };
    let taken_at = ctx.at();
    let home = base
        .region()
        .map_or_else(|| "us-east-1".to_owned(), |r| r.as_ref().to_owned());
    let identity = ctx.identity(&home).await;
    let Some(me) = identity.value().cloned() else {
        return Err(GatherError::Identity(describe_outcome(&identity.outcome)));
    };
    let partition = partition_of(&me.arn);
    let global = global_region(&partition);

    let (regions, organization, list_buckets, account_pab, iam_policies) = tokio::join!(
        ctx.list_regions(global),
        ctx.organization(global),
        ctx.list_buckets(&home),
        ctx.account_public_access_block(&home, &me.account),
        ctx.iam_policies(global),
    );
    let scanned_regions = scanned(opts.regions.as_deref(), &regions);
    let (describe_trails, event_data_stores) = tokio::join!(
        ctx.per_region(&scanned_regions, |r| ctx.describe_trails(r)),
        ctx.per_region(&scanned_regions, |r| ctx.event_data_stores(r)),
    );
    let found = dedupe(&describe_trails);
    let targets = Targets::of(&found);
    let alarm_regions = targets.alarm_regions();
    let (trails, buckets, keys, log_groups, alarms) = tokio::join!(
        ctx.trails(found),
        ctx.buckets(&targets.buckets, &home),
        ctx.keys(&targets.keys),
        ctx.log_groups(&targets.log_groups),
        ctx.per_region(&alarm_regions, |r| ctx.alarms(r)),
    );
    let topics = ctx.topics(&alarms).await;

    Ok(Snapshot {
        schema: SCHEMA.to_owned(),
        tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        taken_at,
        partition,
        identity,
        regions,
        scanned_regions,
        regions_limited: opts.regions.is_some(),
        organization,
        describe_trails,
        trails,
        list_buckets,
        account_public_access_block: account_pab,
        buckets,
        keys,
        log_groups,
        alarms,
        topics,
        event_data_stores,
        iam_policies,
    })
}

// ---------------------------------------------------------------------------------------------
// Recording calls
// ---------------------------------------------------------------------------------------------

/// Shared state of one gather.
struct Ctx<'a> {
    base: &'a aws_config::SdkConfig,
    endpoint: Option<&'a str>,
    permits: Semaphore,
    now: &'a (dyn Fn() -> DateTime<Utc> + Sync),
}

/// Builds a client of one service for one region, honouring the endpoint override.
macro_rules! client_fn {
    ($name:ident, $krate:ident) => {
        fn $name(&self, region: &str) -> $krate::Client {
            let mut conf = $krate::config::Builder::from(self.base)
                .region($krate::config::Region::new(region.to_owned()));
            if let Some(url) = self.endpoint {
                conf = conf.endpoint_url(url);
            }
            $krate::Client::from_conf(conf.build())
        }
    };
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
    fn s3(&self, region: &str) -> aws_sdk_s3::Client {
        let mut conf = aws_sdk_s3::config::Builder::from(self.base)
            .region(aws_sdk_s3::config::Region::new(region.to_owned()));
        if let Some(url) = self.endpoint {
            conf = conf.endpoint_url(url).force_path_style(true);
        }
        aws_sdk_s3::Client::from_conf(conf.build())
    }

    /// S3 Control. Its endpoint puts the account id in the host name, which a loopback
    /// override cannot serve, so with an override it fails fast instead of retrying.
    fn s3control(&self, region: &str) -> aws_sdk_s3control::Client {
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
    fn at(&self) -> String {
        format_rfc3339(&(self.now)())
    }

    /// Runs one call (all its pages) under a permit and records its answer.
    ///
    /// Not `async`: the SDK's request futures are large, so `fut` goes to the heap before
    /// the returned (small) future is built.
    fn call<T, E, F>(&self, action: &str, region: &str, fut: F) -> impl Future<Output = Call<T>>
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
    fn one<O, T, E, F>(
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
    fn paged<O, T, E, F>(
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
    async fn per_region<'r, T, F, Fut>(&self, regions: &'r [String], f: F) -> BTreeMap<String, T>
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
fn describe_outcome<T>(outcome: &Outcome<T>) -> String {
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
fn retype<T, U>(call: Call<T>, f: impl FnOnce(T) -> U) -> Call<U> {
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

// ---------------------------------------------------------------------------------------------
// Account-wide questions
// ---------------------------------------------------------------------------------------------

impl Ctx<'_> {
    async fn identity(&self, region: &str) -> Call<Identity> {
        let fut = self.sts(region).get_caller_identity().send();
        self.one("sts:GetCallerIdentity", region, fut, |o| Identity {
            account: o.account().unwrap_or_default().to_owned(),
            arn: o.arn().unwrap_or_default().to_owned(),
        })
        .await
    }

    async fn list_regions(&self, region: &str) -> Call<Vec<RegionState>> {
        let pages = self
            .account(region)
            .list_regions()
            .into_paginator()
            .send()
            .collect::<Vec<_>>();
        self.paged("account:ListRegions", region, pages, |pages| {
            let mut out: Vec<RegionState> = pages
                .iter()
                .flat_map(aws_sdk_account::operation::list_regions::ListRegionsOutput::regions)
                .map(|r| RegionState {
                    name: r.region_name().unwrap_or_default().to_owned(),
                    status: r
                        .region_opt_status()
                        .map(|s| s.as_str().to_owned())
                        .unwrap_or_default(),
                })
                .collect();
            out.sort_by(|a, b| a.name.cmp(&b.name));
            out
        })
        .await
    }

    async fn organization(&self, region: &str) -> Call<Organization> {
        let fut = self.organizations(region).describe_organization().send();
        self.one("organizations:DescribeOrganization", region, fut, |o| {
            let org = o.organization();
            Organization {
                id: org.and_then(|x| x.id()).unwrap_or_default().to_owned(),
                management_account: org
                    .and_then(|x| x.master_account_id())
                    .unwrap_or_default()
                    .to_owned(),
            }
        })
        .await
    }

    async fn list_buckets(&self, region: &str) -> Call<Vec<String>> {
        let pages = self
            .s3(region)
            .list_buckets()
            .into_paginator()
            .send()
            .collect::<Vec<_>>();
        self.paged("s3:ListAllMyBuckets", region, pages, |pages| {
            let mut names: Vec<String> = pages
                .iter()
                .flat_map(aws_sdk_s3::operation::list_buckets::ListBucketsOutput::buckets)
                .filter_map(|b| b.name().map(ToOwned::to_owned))
                .collect();
            names.sort();
            names.dedup();
            names
        })
        .await
    }

    async fn account_public_access_block(
        &self,
        region: &str,
        account: &str,
    ) -> Call<PublicAccessBlock> {
        let fut = self
            .s3control(region)
            .get_public_access_block()
            .account_id(account)
            .send();
        self.one("s3:GetAccountPublicAccessBlock", region, fut, |o| {
            o.public_access_block_configuration()
                .map(|c| PublicAccessBlock {
                    block_public_acls: c.block_public_acls().unwrap_or(false),
                    ignore_public_acls: c.ignore_public_acls().unwrap_or(false),
                    block_public_policy: c.block_public_policy().unwrap_or(false),
                    restrict_public_buckets: c.restrict_public_buckets().unwrap_or(false),
                })
                .unwrap_or_default()
        })
        .await
    }

    async fn iam_policies(&self, region: &str) -> Call<Vec<IamPolicy>> {
        use aws_sdk_iam::types::EntityType;
        let pages = self
            .iam(region)
            .get_account_authorization_details()
            .filter(EntityType::LocalManagedPolicy)
            .filter(EntityType::User)
            .filter(EntityType::Group)
            .filter(EntityType::Role)
            .into_paginator()
            .send()
            .collect::<Vec<_>>();
        self.paged("iam:GetAccountAuthorizationDetails", region, pages, |p| {
            iam_policies_of(&p)
        })
        .await
    }
}

/// The scanned regions: those asked for, else the enabled ones, else the default set.
fn scanned(asked: Option<&[String]>, regions: &Call<Vec<RegionState>>) -> Vec<String> {
    let mut out: Vec<String> = match (asked, regions.value()) {
        (Some(asked), _) => asked.to_vec(),
        (None, Some(all)) => all
            .iter()
            .filter(|r| r.enabled())
            .map(|r| r.name.clone())
            .collect(),
        (None, None) => DEFAULT_REGIONS.iter().map(|r| (*r).to_owned()).collect(),
    };
    out.sort();
    out.dedup();
    out
}

/// `aws` from `arn:aws:…` (`aws` when the ARN cannot be read).
fn partition_of(arn: &str) -> String {
    arn.split(':')
        .nth(1)
        .filter(|p| !p.is_empty())
        .unwrap_or("aws")
        .to_owned()
}

/// The region of a partition's global services (IAM, Organizations, Account).
fn global_region(partition: &str) -> &'static str {
    match partition {
        "aws-cn" => "cn-northwest-1",
        "aws-us-gov" => "us-gov-west-1",
        _ => "us-east-1",
    }
}

/// The region field of an ARN (`arn:partition:service:region:…`), when present.
fn arn_region(arn: &str) -> Option<&str> {
    arn.strip_prefix("arn:")
        .and_then(|rest| rest.split(':').nth(2))
        .filter(|r| !r.is_empty())
}

// ---------------------------------------------------------------------------------------------
// IAM policies
// ---------------------------------------------------------------------------------------------

/// A user, group or role, as far as its policies go.
struct Principal {
    arn: String,
    /// ARNs of its attached managed policies.
    managed: Vec<String>,
    /// Its inline policies: (name, document).
    inline: Vec<(String, String)>,
}

impl Principal {
    fn new(
        arn: Option<&str>,
        attached: &[aws_sdk_iam::types::AttachedPolicy],
        inline: &[aws_sdk_iam::types::PolicyDetail],
    ) -> Self {
        Self {
            arn: arn.unwrap_or_default().to_owned(),
            managed: attached
                .iter()
                .filter_map(|a| a.policy_arn().map(ToOwned::to_owned))
                .collect(),
            inline: inline
                .iter()
                .map(|p| {
                    (
                        p.policy_name().unwrap_or_default().to_owned(),
                        p.policy_document().unwrap_or_default().to_owned(),
                    )
                })
                .collect(),
        }
    }
}

/// Attached customer managed policies and every inline policy, sorted by ARN.
fn iam_policies_of(pages: &[AuthDetails]) -> Vec<IamPolicy> {
    let mut principals = Vec::new();
    for page in pages {
        principals.extend(
            page.user_detail_list().iter().map(|u| {
                Principal::new(u.arn(), u.attached_managed_policies(), u.user_policy_list())
            }),
        );
        principals.extend(page.group_detail_list().iter().map(|g| {
            Principal::new(
                g.arn(),
                g.attached_managed_policies(),
                g.group_policy_list(),
            )
        }));
        principals.extend(
            page.role_detail_list().iter().map(|r| {
                Principal::new(r.arn(), r.attached_managed_policies(), r.role_policy_list())
            }),
        );
    }
    let mut out: Vec<IamPolicy> = pages
        .iter()
        .flat_map(AuthDetails::policies)
        .filter_map(|p| managed_policy(p, &principals))
        .collect();
    for principal in &principals {
        for (name, document) in &principal.inline {
            out.push(IamPolicy {
                arn: format!("{}/inline/{name}", principal.arn),
                kind: "inline".to_owned(),
                attached_to: vec![principal.arn.clone()],
                document: policy_document(document),
            });
        }
    }
    out.sort_by(|a, b| a.arn.cmp(&b.arn));
    out
}

/// A customer managed policy with its default version, when it is attached to something.
fn managed_policy(
    policy: &aws_sdk_iam::types::ManagedPolicyDetail,
    principals: &[Principal],
) -> Option<IamPolicy> {
    let arn = policy.arn()?;
    if policy.attachment_count().unwrap_or(0) <= 0 {
        return None;
    }
    let version = policy
        .policy_version_list()
        .iter()
        .find(|v| v.is_default_version() || v.version_id() == policy.default_version_id());
    let mut attached_to: Vec<String> = principals
        .iter()
        .filter(|p| p.managed.iter().any(|m| m == arn))
        .map(|p| p.arn.clone())
        .collect();
    attached_to.sort();
    Some(IamPolicy {
        arn: arn.to_owned(),
        kind: "managed".to_owned(),
        attached_to,
        document: policy_document(version.and_then(|v| v.document()).unwrap_or_default()),
    })
}

/// An IAM policy document: URL-decoded and parsed; the text as a JSON string when it is not
/// JSON.
fn policy_document(raw: &str) -> serde_json::Value {
    let decoded = percent_decode(raw);
    serde_json::from_str(&decoded)
        .or_else(|_| serde_json::from_str(raw))
        .unwrap_or(serde_json::Value::String(decoded))
}

/// Decodes `%XX` escapes (RFC 3986; `+` stays `+`). Invalid escapes are kept as they are.
fn percent_decode(s: &str) -> String {
    fn hex(b: Option<&u8>) -> Option<u8> {
        b.and_then(|b| char::from(*b).to_digit(16))
            .and_then(|d| u8::try_from(d).ok())
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%'
            && let (Some(hi), Some(lo)) = (hex(bytes.get(i + 1)), hex(bytes.get(i + 2)))
        {
            out.push((hi << 4) | lo);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

// ---------------------------------------------------------------------------------------------
// Trails
// ---------------------------------------------------------------------------------------------

/// A de-duplicated trail before its home-region calls.
struct Found {
    trail: Trail,
    seen_in: Vec<String>,
}

/// De-duplicates the trails of every region's `DescribeTrails` by ARN.
fn dedupe(describe: &BTreeMap<String, Call<Vec<Trail>>>) -> BTreeMap<String, Found> {
    let mut found: BTreeMap<String, Found> = BTreeMap::new();
    for (region, call) in describe {
        for trail in call.value().into_iter().flatten() {
            let entry = found.entry(trail.arn.clone()).or_insert_with(|| Found {
                trail: trail.clone(),
                seen_in: Vec::new(),
            });
            entry.seen_in.push(region.clone());
            // The home region's own entry wins over a shadow copy seen first.
            if *region == trail.home_region {
                entry.trail = trail.clone();
            }
        }
    }
    found
}

/// What the trails name: buckets, keys (with their regions) and log groups.
struct Targets {
    buckets: BTreeSet<String>,
    keys: BTreeMap<String, String>,
    log_groups: BTreeMap<String, Option<(String, String)>>,
}

impl Targets {
    fn of(found: &BTreeMap<String, Found>) -> Self {
        let mut t = Self {
            buckets: BTreeSet::new(),
            keys: BTreeMap::new(),
            log_groups: BTreeMap::new(),
        };
        for f in found.values() {
            let trail = &f.trail;
            if let Some(b) = trail.s3_bucket_name.as_ref().filter(|b| !b.is_empty()) {
                t.buckets.insert(b.clone());
            }
            if let Some(k) = trail.kms_key_id.as_ref().filter(|k| !k.is_empty()) {
                let region = arn_region(k).unwrap_or(&trail.home_region).to_owned();
                t.keys.entry(k.clone()).or_insert(region);
            }
            if let Some(g) = trail
                .cloud_watch_logs_log_group_arn
                .as_ref()
                .filter(|g| !g.is_empty())
            {
                t.log_groups.insert(g.clone(), parse_log_group_arn(g));
            }
        }
        t
    }

    /// The regions of the parsed log group ARNs.
    fn alarm_regions(&self) -> Vec<String> {
        let set: BTreeSet<String> = self
            .log_groups
            .values()
            .flatten()
            .map(|(region, _)| region.clone())
            .collect();
        set.into_iter().collect()
    }
}

/// (region, name) of `arn:aws:logs:<region>:<account>:log-group:<name>[:*]`.
fn parse_log_group_arn(arn: &str) -> Option<(String, String)> {
    let parts: Vec<&str> = arn.split(':').collect();
    match parts.as_slice() {
        ["arn", _, "logs", region, _, "log-group", name, rest @ ..]
            if !region.is_empty() && !name.is_empty() && rest.len() <= 1 =>
        {
            Some(((*region).to_owned(), (*name).to_owned()))
        }
        _ => None,
    }
}

impl Ctx<'_> {
    async fn describe_trails(&self, region: &str) -> Call<Vec<Trail>> {
        let fut = self
            .cloudtrail(region)
            .describe_trails()
            .include_shadow_trails(true)
            .send();
        self.one("cloudtrail:DescribeTrails", region, fut, |o| {
            let mut trails: Vec<Trail> = o.trail_list().iter().map(trail_of).collect();
            trails.sort_by(|a, b| a.arn.cmp(&b.arn));
            trails
        })
        .await
    }

    /// Each trail's home-region calls, by ARN.
    async fn trails(&self, found: BTreeMap<String, Found>) -> BTreeMap<String, TrailDetails> {
        let details = join_all(found.into_values().map(|f| self.trail_details(f))).await;
        details
            .into_iter()
            .map(|d| (d.trail.arn.clone(), d))
            .collect()
    }

    async fn trail_details(&self, found: Found) -> TrailDetails {
        let Found { trail, seen_in } = found;
        let region = if trail.home_region.is_empty() {
            seen_in.first().cloned().unwrap_or_default()
        } else {
            trail.home_region.clone()
        };
        let (r, arn) = (region.as_str(), trail.arn.as_str());
        let ct = self.cloudtrail(r);
        let (status, event_selectors, insight_selectors, tags) = tokio::join!(
            self.one(
                "cloudtrail:GetTrailStatus",
                r,
                ct.get_trail_status().name(arn).send(),
                |o| trail_status_of(&o),
            ),
            self.one(
                "cloudtrail:GetEventSelectors",
                r,
                ct.get_event_selectors().trail_name(arn).send(),
                |o| EventSelectors {
                    basic: o.event_selectors().iter().map(basic_selector).collect(),
                    advanced: o
                        .advanced_event_selectors()
                        .iter()
                        .map(advanced_selector)
                        .collect(),
                },
            ),
            self.one(
                "cloudtrail:GetInsightSelectors",
                r,
                ct.get_insight_selectors().trail_name(arn).send(),
                |o| {
                    o.insight_selectors()
                        .iter()
                        .filter_map(|s| s.insight_type().map(|t| t.as_str().to_owned()))
                        .collect()
                },
            ),
            self.paged(
                "cloudtrail:ListTags",
                r,
                ct.list_tags()
                    .resource_id_list(arn)
                    .into_paginator()
                    .send()
                    .collect::<Vec<_>>(),
                |pages| {
                    pages
                        .iter()
                        .flat_map(ListTagsOutput::resource_tag_list)
                        .flat_map(aws_sdk_cloudtrail::types::ResourceTag::tags_list)
                        .map(|t| (t.key().to_owned(), t.value().unwrap_or_default().to_owned()))
                        .collect()
                },
            ),
        );
        TrailDetails {
            trail,
            seen_in,
            status,
            event_selectors,
            insight_selectors,
            tags,
        }
    }

    /// `ListEventDataStores`, then `GetEventDataStore` for each (the list lacks the key).
    async fn event_data_stores(&self, region: &str) -> Call<Vec<EventDataStore>> {
        let ct = self.cloudtrail(region);
        let pages = ct.list_event_data_stores().into_paginator().send();
        let listed = self
            .paged(
                "cloudtrail:ListEventDataStores",
                region,
                pages.collect::<Vec<_>>(),
                |pages| {
                    pages
                        .iter()
                        .flat_map(ListEventDataStoresOutput::event_data_stores)
                        .filter_map(|s| s.event_data_store_arn().map(ToOwned::to_owned))
                        .collect::<Vec<String>>()
                },
            )
            .await;
        let Some(arns) = listed.value().cloned() else {
            return retype(listed, |_| Vec::new());
        };
        let got = join_all(arns.iter().map(|arn| {
            let fut = ct.get_event_data_store().event_data_store(arn).send();
            self.one("cloudtrail:GetEventDataStore", region, fut, |o| {
                event_data_store_of(&o)
            })
        }))
        .await;
        let mut stores = Vec::with_capacity(got.len());
        for call in got {
            if call.value().is_none() {
                // A store whose details cannot be read makes the whole answer incomplete.
                return retype(call, |_| Vec::new());
            }
            stores.extend(call.value().cloned());
        }
        stores.sort_by(|a, b| a.arn.cmp(&b.arn));
        retype(listed, |_| stores)
    }
}

fn trail_of(t: &aws_sdk_cloudtrail::types::Trail) -> Trail {
    let s = |v: Option<&str>| v.map(ToOwned::to_owned);
    Trail {
        name: t.name().unwrap_or_default().to_owned(),
        arn: t.trail_arn().unwrap_or_default().to_owned(),
        home_region: t.home_region().unwrap_or_default().to_owned(),
        s3_bucket_name: s(t.s3_bucket_name()),
        s3_key_prefix: s(t.s3_key_prefix()),
        sns_topic_arn: s(t.sns_topic_arn()),
        include_global_service_events: t.include_global_service_events().unwrap_or(false),
        is_multi_region_trail: t.is_multi_region_trail().unwrap_or(false),
        is_organization_trail: t.is_organization_trail().unwrap_or(false),
        log_file_validation_enabled: t.log_file_validation_enabled().unwrap_or(false),
        cloud_watch_logs_log_group_arn: s(t.cloud_watch_logs_log_group_arn()),
        cloud_watch_logs_role_arn: s(t.cloud_watch_logs_role_arn()),
        kms_key_id: s(t.kms_key_id()),
        has_custom_event_selectors: t.has_custom_event_selectors().unwrap_or(false),
        has_insight_selectors: t.has_insight_selectors().unwrap_or(false),
    }
}

/// An SDK timestamp as RFC 3339 UTC.
fn rfc3339(t: &aws_sdk_s3::primitives::DateTime) -> Option<String> {
    DateTime::from_timestamp(t.secs(), t.subsec_nanos()).map(|d| format_rfc3339(&d))
}

fn trail_status_of(
    o: &aws_sdk_cloudtrail::operation::get_trail_status::GetTrailStatusOutput,
) -> TrailStatus {
    let s = |v: Option<&str>| v.map(ToOwned::to_owned);
    TrailStatus {
        is_logging: o.is_logging(),
        latest_delivery_time: o.latest_delivery_time().and_then(rfc3339),
        latest_delivery_error: s(o.latest_delivery_error()),
        latest_digest_delivery_time: o.latest_digest_delivery_time().and_then(rfc3339),
        latest_digest_delivery_error: s(o.latest_digest_delivery_error()),
        latest_cloud_watch_logs_delivery_time: o
            .latest_cloud_watch_logs_delivery_time()
            .and_then(rfc3339),
        latest_cloud_watch_logs_delivery_error: s(o.latest_cloud_watch_logs_delivery_error()),
        latest_notification_error: s(o.latest_notification_error()),
        start_logging_time: o.start_logging_time().and_then(rfc3339),
        stop_logging_time: o.stop_logging_time().and_then(rfc3339),
    }
}

fn basic_selector(s: &aws_sdk_cloudtrail::types::EventSelector) -> BasicSelector {
    BasicSelector {
        read_write_type: s.read_write_type().map(|t| t.as_str().to_owned()),
        include_management_events: s.include_management_events(),
        exclude_management_event_sources: s.exclude_management_event_sources().to_vec(),
        data_resources: s
            .data_resources()
            .iter()
            .map(|d| DataResource {
                r#type: d.r#type().unwrap_or_default().to_owned(),
                values: d.values().to_vec(),
            })
            .collect(),
    }
}

fn advanced_selector(s: &aws_sdk_cloudtrail::types::AdvancedEventSelector) -> AdvancedSelector {
    AdvancedSelector {
        name: s.name().map(ToOwned::to_owned),
        field_selectors: s
            .field_selectors()
            .iter()
            .map(|f| FieldSelector {
                field: f.field().to_owned(),
                equals: f.equals().to_vec(),
                starts_with: f.starts_with().to_vec(),
                ends_with: f.ends_with().to_vec(),
                not_equals: f.not_equals().to_vec(),
                not_starts_with: f.not_starts_with().to_vec(),
                not_ends_with: f.not_ends_with().to_vec(),
            })
            .collect(),
    }
}

fn event_data_store_of(
    o: &aws_sdk_cloudtrail::operation::get_event_data_store::GetEventDataStoreOutput,
) -> EventDataStore {
    EventDataStore {
        arn: o.event_data_store_arn().unwrap_or_default().to_owned(),
        name: o.name().unwrap_or_default().to_owned(),
        status: o.status().map(|s| s.as_str().to_owned()),
        kms_key_id: o.kms_key_id().map(ToOwned::to_owned),
        retention_period: o.retention_period(),
        termination_protection_enabled: o.termination_protection_enabled(),
        multi_region_enabled: o.multi_region_enabled(),
        organization_enabled: o.organization_enabled(),
    }
}

// ---------------------------------------------------------------------------------------------
// Buckets
// ---------------------------------------------------------------------------------------------

/// `GetBucketLocation`'s answer as a region name.
fn location_of(o: &aws_sdk_s3::operation::get_bucket_location::GetBucketLocationOutput) -> String {
    normalise_location(
        o.location_constraint()
            .map(aws_sdk_s3::types::BucketLocationConstraint::as_str),
    )
}

/// A location constraint as a region name: none or empty is `us-east-1`, `EU` `eu-west-1`.
fn normalise_location(constraint: Option<&str>) -> String {
    match constraint {
        None | Some("") => "us-east-1".to_owned(),
        Some("EU") => "eu-west-1".to_owned(),
        Some(other) => other.to_owned(),
    }
}

impl Ctx<'_> {
    async fn buckets(
        &self,
        names: &BTreeSet<String>,
        home: &str,
    ) -> BTreeMap<String, BucketDetails> {
        let details = join_all(names.iter().map(|n| self.bucket(n, home))).await;
        names.iter().cloned().zip(details).collect()
    }

    async fn bucket(&self, name: &str, home: &str) -> BucketDetails {
        let location = self
            .one(
                "s3:GetBucketLocation",
                home,
                self.s3(home).get_bucket_location().bucket(name).send(),
                |o| location_of(&o),
            )
            .await;
        let region = location.value().map_or(home, String::as_str).to_owned();
        let (r, c) = (region.as_str(), self.s3(&region));
        let (public_access_block, policy_status, policy, acl, ownership_controls) = tokio::join!(
            self.one(
                "s3:GetBucketPublicAccessBlock",
                r,
                c.get_public_access_block().bucket(name).send(),
                |o| bucket_pab(o.public_access_block_configuration()),
            ),
            self.one(
                "s3:GetBucketPolicyStatus",
                r,
                c.get_bucket_policy_status().bucket(name).send(),
                |o| o
                    .policy_status()
                    .and_then(aws_sdk_s3::types::PolicyStatus::is_public)
                    .unwrap_or(false),
            ),
            self.one(
                "s3:GetBucketPolicy",
                r,
                c.get_bucket_policy().bucket(name).send(),
                |o| o.policy().unwrap_or_default().to_owned(),
            ),
            self.one(
                "s3:GetBucketAcl",
                r,
                c.get_bucket_acl().bucket(name).send(),
                |o| o.grants().iter().map(grant_of).collect(),
            ),
            self.one(
                "s3:GetBucketOwnershipControls",
                r,
                c.get_bucket_ownership_controls().bucket(name).send(),
                |o| ownership_of(&o),
            ),
        );
        let (logging, versioning, object_lock, lifecycle, encryption) = tokio::join!(
            self.one(
                "s3:GetBucketLogging",
                r,
                c.get_bucket_logging().bucket(name).send(),
                |o| logging_of(&o),
            ),
            self.one(
                "s3:GetBucketVersioning",
                r,
                c.get_bucket_versioning().bucket(name).send(),
                |o| Versioning {
                    status: o.status().map(|s| s.as_str().to_owned()),
                    mfa_delete: o.mfa_delete().map(|s| s.as_str().to_owned()),
                },
            ),
            self.one(
                "s3:GetBucketObjectLockConfiguration",
                r,
                c.get_object_lock_configuration().bucket(name).send(),
                |o| object_lock_of(o.object_lock_configuration()),
            ),
            self.one(
                "s3:GetLifecycleConfiguration",
                r,
                c.get_bucket_lifecycle_configuration().bucket(name).send(),
                |o| o.rules().iter().map(lifecycle_rule_of).collect(),
            ),
            self.one(
                "s3:GetEncryptionConfiguration",
                r,
                c.get_bucket_encryption().bucket(name).send(),
                |o| encryption_of(&o),
            ),
        );
        BucketDetails {
            location,
            public_access_block,
            policy_status,
            policy,
            acl,
            ownership_controls,
            logging,
            versioning,
            object_lock,
            lifecycle,
            encryption,
        }
    }
}

fn ownership_of(
    o: &aws_sdk_s3::operation::get_bucket_ownership_controls::GetBucketOwnershipControlsOutput,
) -> String {
    o.ownership_controls()
        .and_then(|oc| oc.rules().first())
        .map(|rule| rule.object_ownership().as_str().to_owned())
        .unwrap_or_default()
}

fn logging_of(
    o: &aws_sdk_s3::operation::get_bucket_logging::GetBucketLoggingOutput,
) -> Option<LoggingTarget> {
    o.logging_enabled().map(|l| LoggingTarget {
        bucket: l.target_bucket().to_owned(),
        prefix: l.target_prefix().to_owned(),
    })
}

fn encryption_of(
    o: &aws_sdk_s3::operation::get_bucket_encryption::GetBucketEncryptionOutput,
) -> Vec<String> {
    o.server_side_encryption_configuration()
        .map(aws_sdk_s3::types::ServerSideEncryptionConfiguration::rules)
        .unwrap_or_default()
        .iter()
        .filter_map(
            aws_sdk_s3::types::ServerSideEncryptionRule::apply_server_side_encryption_by_default,
        )
        .map(|d| d.sse_algorithm().as_str().to_owned())
        .collect()
}

fn bucket_pab(c: Option<&aws_sdk_s3::types::PublicAccessBlockConfiguration>) -> PublicAccessBlock {
    c.map(|c| PublicAccessBlock {
        block_public_acls: c.block_public_acls().unwrap_or(false),
        ignore_public_acls: c.ignore_public_acls().unwrap_or(false),
        block_public_policy: c.block_public_policy().unwrap_or(false),
        restrict_public_buckets: c.restrict_public_buckets().unwrap_or(false),
    })
    .unwrap_or_default()
}

fn grant_of(g: &aws_sdk_s3::types::Grant) -> Grant {
    let grantee = g.grantee();
    Grant {
        grantee_type: grantee
            .map(|x| x.r#type().as_str().to_owned())
            .unwrap_or_default(),
        uri: grantee.and_then(|x| x.uri()).map(ToOwned::to_owned),
        id: grantee.and_then(|x| x.id()).map(ToOwned::to_owned),
        permission: g
            .permission()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default(),
    }
}

fn object_lock_of(c: Option<&aws_sdk_s3::types::ObjectLockConfiguration>) -> ObjectLock {
    use aws_sdk_s3::types::ObjectLockEnabled;
    let retention = c.and_then(|c| c.rule()).and_then(|r| r.default_retention());
    ObjectLock {
        enabled: c.and_then(|c| c.object_lock_enabled()) == Some(&ObjectLockEnabled::Enabled),
        mode: retention
            .and_then(|d| d.mode())
            .map(|m| m.as_str().to_owned()),
        days: retention.and_then(aws_sdk_s3::types::DefaultRetention::days),
        years: retention.and_then(aws_sdk_s3::types::DefaultRetention::years),
    }
}

// The legacy rule-level `Prefix` is deprecated in the API but still returned for old rules.
#[allow(deprecated)]
fn lifecycle_rule_of(r: &aws_sdk_s3::types::LifecycleRule) -> LifecycleRule {
    let filter = r.filter();
    let and = filter.and_then(|f| f.and());
    let prefix = filter
        .and_then(|f| f.prefix())
        .or_else(|| and.and_then(|a| a.prefix()))
        .or_else(|| r.prefix());
    let narrowed = filter.is_some_and(|f| {
        f.tag().is_some()
            || f.object_size_greater_than().is_some()
            || f.object_size_less_than().is_some()
    }) || and.is_some_and(|a| {
        !a.tags().is_empty()
            || a.object_size_greater_than().is_some()
            || a.object_size_less_than().is_some()
    });
    let expiration = r.expiration();
    LifecycleRule {
        id: r.id().map(ToOwned::to_owned),
        status: r.status().as_str().to_owned(),
        prefix: prefix.map(ToOwned::to_owned),
        narrowed,
        expiration_days: expiration.and_then(aws_sdk_s3::types::LifecycleExpiration::days),
        expiration_date: expiration.and_then(|e| e.date()).and_then(rfc3339),
        transitions: r
            .transitions()
            .iter()
            .map(|t| Transition {
                days: t.days(),
                date: t.date().and_then(rfc3339),
                storage_class: t
                    .storage_class()
                    .map(|s| s.as_str().to_owned())
                    .unwrap_or_default(),
            })
            .collect(),
        noncurrent_expiration_days: r
            .noncurrent_version_expiration()
            .and_then(aws_sdk_s3::types::NoncurrentVersionExpiration::noncurrent_days),
    }
}

// ---------------------------------------------------------------------------------------------
// Keys, log groups, alarms, topics
// ---------------------------------------------------------------------------------------------

impl Ctx<'_> {
    async fn keys(&self, keys: &BTreeMap<String, String>) -> BTreeMap<String, KeyDetails> {
        let details = join_all(keys.iter().map(|(k, r)| self.key(k, r))).await;
        keys.keys().cloned().zip(details).collect()
    }

    async fn key(&self, key: &str, region: &str) -> KeyDetails {
        let kms = self.kms(region);
        let (describe, rotation) = tokio::join!(
            self.one(
                "kms:DescribeKey",
                region,
                kms.describe_key().key_id(key).send(),
                |o| {
                    let m = o.key_metadata();
                    KeyMetadata {
                        arn: m.and_then(|m| m.arn()).unwrap_or_default().to_owned(),
                        key_manager: m
                            .and_then(|m| m.key_manager())
                            .map(|x| x.as_str().to_owned())
                            .unwrap_or_default(),
                        key_state: m
                            .and_then(|m| m.key_state())
                            .map(|x| x.as_str().to_owned())
                            .unwrap_or_default(),
                        key_spec: m
                            .and_then(|m| m.key_spec())
                            .map(|x| x.as_str().to_owned())
                            .unwrap_or_default(),
                    }
                },
            ),
            self.one(
                "kms:GetKeyRotationStatus",
                region,
                kms.get_key_rotation_status().key_id(key).send(),
                |o| o.key_rotation_enabled(),
            ),
        );
        KeyDetails { describe, rotation }
    }

    async fn log_groups(
        &self,
        groups: &BTreeMap<String, Option<(String, String)>>,
    ) -> BTreeMap<String, LogGroupDetails> {
        let details = join_all(
            groups
                .values()
                .map(|parsed| self.log_group(parsed.as_ref())),
        )
        .await;
        groups.keys().cloned().zip(details).collect()
    }

    async fn log_group(&self, parsed: Option<&(String, String)>) -> LogGroupDetails {
        let Some((region, name)) = parsed else {
            let at = self.at();
            let why = "the trail's CloudWatchLogsLogGroupArn is not a log group ARN";
            return LogGroupDetails {
                region: String::new(),
                name: String::new(),
                group: Call::skipped("logs:DescribeLogGroups", "", &at, why),
                metric_filters: Call::skipped("logs:DescribeMetricFilters", "", &at, why),
            };
        };
        let logs = self.logs(region);
        let (group, metric_filters) = tokio::join!(
            self.paged(
                "logs:DescribeLogGroups",
                region,
                logs.describe_log_groups()
                    .log_group_name_prefix(name)
                    .into_paginator()
                    .send()
                    .collect::<Vec<_>>(),
                |pages| {
                    pages
                        .iter()
                        .flat_map(DescribeLogGroupsOutput::log_groups)
                        .find(|g| g.log_group_name() == Some(name.as_str()))
                        .map(|g| LogGroup {
                            retention_in_days: g.retention_in_days(),
                            kms_key_id: g.kms_key_id().map(ToOwned::to_owned),
                        })
                },
            ),
            self.paged(
                "logs:DescribeMetricFilters",
                region,
                logs.describe_metric_filters()
                    .log_group_name(name)
                    .into_paginator()
                    .send()
                    .collect::<Vec<_>>(),
                |pages| {
                    let mut filters: Vec<MetricFilter> = pages
                        .iter()
                        .flat_map(DescribeMetricFiltersOutput::metric_filters)
                        .map(metric_filter_of)
                        .collect();
                    filters.sort_by(|a, b| a.name.cmp(&b.name));
                    filters
                },
            ),
        );
        LogGroupDetails {
            region: region.clone(),
            name: name.clone(),
            group,
            metric_filters,
        }
    }

    async fn alarms(&self, region: &str) -> Call<Vec<Alarm>> {
        use aws_sdk_cloudwatch::types::AlarmType;
        let pages = self
            .cloudwatch(region)
            .describe_alarms()
            .alarm_types(AlarmType::MetricAlarm)
            .into_paginator()
            .send()
            .collect::<Vec<_>>();
        self.paged("cloudwatch:DescribeAlarms", region, pages, |pages| {
            let mut alarms: Vec<Alarm> = pages
                .iter()
                .flat_map(DescribeAlarmsOutput::metric_alarms)
                .map(|a| Alarm {
                    name: a.alarm_name().unwrap_or_default().to_owned(),
                    namespace: a.namespace().map(ToOwned::to_owned),
                    metric_name: a.metric_name().map(ToOwned::to_owned),
                    actions_enabled: a.actions_enabled().unwrap_or(false),
                    alarm_actions: a.alarm_actions().to_vec(),
                })
                .collect();
            alarms.sort_by(|a, b| a.name.cmp(&b.name));
            alarms
        })
        .await
    }

    /// `ListSubscriptionsByTopic` for every SNS topic an alarm notifies, in the topic's region.
    async fn topics(
        &self,
        alarms: &BTreeMap<String, Call<Vec<Alarm>>>,
    ) -> BTreeMap<String, Call<Vec<Subscription>>> {
        let topics: BTreeMap<String, String> = alarms
            .values()
            .filter_map(Call::value)
            .flatten()
            .flat_map(|a| &a.alarm_actions)
            .filter(|arn| arn.split(':').nth(2) == Some("sns"))
            .filter_map(|arn| arn_region(arn).map(|r| (arn.clone(), r.to_owned())))
            .collect();
        let calls = join_all(topics.iter().map(|(arn, region)| self.topic(arn, region))).await;
        topics.into_keys().zip(calls).collect()
    }

    async fn topic(&self, arn: &str, region: &str) -> Call<Vec<Subscription>> {
        let pages = self
            .sns(region)
            .list_subscriptions_by_topic()
            .topic_arn(arn)
            .into_paginator()
            .send()
            .collect::<Vec<_>>();
        self.paged("sns:ListSubscriptionsByTopic", region, pages, |pages| {
            let mut subs: Vec<Subscription> = pages
                .iter()
                .flat_map(ListSubscriptionsByTopicOutput::subscriptions)
                .map(|s| Subscription {
                    arn: s.subscription_arn().unwrap_or_default().to_owned(),
                    protocol: s.protocol().unwrap_or_default().to_owned(),
                    endpoint: s.endpoint().unwrap_or_default().to_owned(),
                })
                .collect();
            subs.sort_by(|a, b| a.arn.cmp(&b.arn));
            subs
        })
        .await
    }
}

fn metric_filter_of(f: &aws_sdk_cloudwatchlogs::types::MetricFilter) -> MetricFilter {
    let mut metrics: Vec<MetricName> = f
        .metric_transformations()
        .iter()
        .map(|m| MetricName {
            namespace: m.metric_namespace().to_owned(),
            name: m.metric_name().to_owned(),
        })
        .collect();
    metrics.sort();
    MetricFilter {
        name: f.filter_name().unwrap_or_default().to_owned(),
        pattern: f.filter_pattern().unwrap_or_default().to_owned(),
        metrics,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("%7B%22a%22%3A%201%7D"), "{\"a\": 1}");
        assert_eq!(percent_decode("a+b%2"), "a+b%2");
        assert_eq!(percent_decode("%zz%41"), "%zzA");
        assert_eq!(percent_decode("caf%C3%A9"), "café");
    }

    #[test]
    fn policy_documents() {
        let v = policy_document("%7B%22Version%22%3A%222012-10-17%22%7D");
        assert_eq!(v["Version"], "2012-10-17");
        let raw = policy_document("{\"Version\": \"100%\"}");
        assert_eq!(raw["Version"], "100%");
        assert_eq!(policy_document("not json"), serde_json::json!("not json"));
    }

    #[test]
    fn log_group_arns() {
        assert_eq!(
            parse_log_group_arn("arn:aws:logs:eu-west-1:123456789012:log-group:ct/logs:*"),
            Some(("eu-west-1".to_owned(), "ct/logs".to_owned()))
        );
        assert_eq!(
            parse_log_group_arn("arn:aws:logs:eu-west-1:123456789012:log-group:g"),
            Some(("eu-west-1".to_owned(), "g".to_owned()))
        );
        assert_eq!(parse_log_group_arn("ct-logs"), None);
    }

    #[test]
    fn locations_partitions_and_outcomes() {
        assert_eq!(normalise_location(None), "us-east-1");
        assert_eq!(normalise_location(Some("")), "us-east-1");
        assert_eq!(normalise_location(Some("EU")), "eu-west-1");
        assert_eq!(normalise_location(Some("ap-east-1")), "ap-east-1");
        assert_eq!(partition_of("arn:aws-cn:iam::1:root"), "aws-cn");
        assert_eq!(global_region("aws-us-gov"), "us-gov-west-1");
        assert_eq!(arn_region("arn:aws:sns:eu-west-2:1:t"), Some("eu-west-2"));
        let denied: Outcome<()> = classify("Forbidden".into(), "m".into(), 403);
        assert!(matches!(denied, Outcome::Denied { .. }));
        let absent: Outcome<()> = classify("NoSuchBucketPolicy".into(), "m".into(), 404);
        assert!(matches!(absent, Outcome::Absent { .. }));
        let failed: Outcome<()> = classify("Throttling".into(), "m".into(), 400);
        assert!(matches!(failed, Outcome::Failed { .. }));
    }

    #[test]
    fn scanned_regions() {
        let at = "2026-01-01T00:00:00Z";
        let denied: Call<Vec<RegionState>> = Call {
            action: "account:ListRegions".into(),
            region: "us-east-1".into(),
            at: at.into(),
            request_id: None,
            outcome: Outcome::Denied {
                code: "AccessDeniedException".into(),
                message: String::new(),
            },
        };
        assert_eq!(scanned(None, &denied).len(), DEFAULT_REGIONS.len());
        let asked = [
            "us-west-2".to_owned(),
            "eu-west-1".to_owned(),
            "us-west-2".to_owned(),
        ];
        assert_eq!(scanned(Some(&asked), &denied), ["eu-west-1", "us-west-2"]);
        let listed = Call {
            outcome: Outcome::Ok {
                value: vec![
                    RegionState {
                        name: "af-south-1".into(),
                        status: "DISABLED".into(),
                    },
                    RegionState {
                        name: "ap-east-1".into(),
                        status: "ENABLED".into(),
                    },
                ],
            },
            ..denied
        };
        assert_eq!(scanned(None, &listed), ["ap-east-1"]);
    }
}

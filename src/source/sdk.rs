//! The AWS SDK configuration every command shares: the default credential chain (or a
//! profile), standard retries with backoff, and timeouts. Loading it reads the environment
//! and the AWS config files; it makes no request.

use std::time::Duration;

/// The shared configuration: the default credential chain (or `profile`), standard retries
/// with backoff (five attempts), a 10 s connect timeout and `attempt_timeout` per attempt.
pub async fn load(
    profile: Option<&str>,
    region: Option<&str>,
    attempt_timeout: Duration,
) -> aws_config::SdkConfig {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    if let Some(p) = profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = region {
        loader = loader.region(aws_config::Region::new(r.to_owned()));
    }
    let retry = aws_config::retry::RetryConfig::standard()
        .with_max_attempts(5)
        .with_initial_backoff(Duration::from_millis(200));
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(10))
        .operation_attempt_timeout(attempt_timeout)
        .build();
    loader
        .retry_config(retry)
        .timeout_config(timeouts)
        .load()
        .await
}

/// Whether S3's endpoint is overridden (then S3 is addressed path-style).
#[must_use]
pub fn s3_endpoint_overridden(conf: &aws_config::SdkConfig) -> bool {
    conf.endpoint_url().is_some()
        || ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"]
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()))
}

/// Logs (at info) where the configuration came from: region, profile, endpoints.
pub fn log_loaded(
    conf: &aws_config::SdkConfig,
    profile: Option<&str>,
    started: std::time::Instant,
) {
    if !tracing::enabled!(tracing::Level::INFO) {
        return;
    }
    let overrides: Vec<String> = std::env::vars()
        .filter(|(k, _)| {
            k.starts_with("AWS_ENDPOINT_URL") || k == "AWS_EC2_METADATA_SERVICE_ENDPOINT"
        })
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    tracing::info!(
        region = conf.region().map_or("(none)", |r| r.as_ref()),
        profile = profile.unwrap_or("(default chain)"),
        endpoint_url = conf.endpoint_url().unwrap_or("(default)"),
        endpoint_overrides = ?overrides,
        elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        "AWS configuration loaded"
    );
}

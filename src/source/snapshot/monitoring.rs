//! What monitors the trails: their KMS keys, their `CloudWatch` Logs groups and metric
//! filters, the alarms of the groups' regions, and the SNS topics those alarms notify.

use std::collections::BTreeMap;

use aws_sdk_cloudwatch::operation::describe_alarms::DescribeAlarmsOutput;
use aws_sdk_cloudwatchlogs::operation::describe_log_groups::DescribeLogGroupsOutput;
use aws_sdk_cloudwatchlogs::operation::describe_metric_filters::DescribeMetricFiltersOutput;
use aws_sdk_sns::operation::list_subscriptions_by_topic::ListSubscriptionsByTopicOutput;
use futures::future::join_all;

use super::calls::{Ctx, arn_region};
use crate::snapshot::model::{
    Alarm, Call, KeyDetails, KeyMetadata, LogGroup, LogGroupDetails, MetricFilter, MetricName,
    Subscription,
};

impl Ctx<'_> {
    pub(super) async fn keys(
        &self,
        keys: &BTreeMap<String, String>,
    ) -> BTreeMap<String, KeyDetails> {
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

    pub(super) async fn log_groups(
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

    pub(super) async fn alarms(&self, region: &str) -> Call<Vec<Alarm>> {
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
    pub(super) async fn topics(
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

//! The trails: `DescribeTrails` in every scanned region, de-duplicated by ARN, then each
//! trail's status, selectors and tags in its home region; what the trails name (buckets,
//! keys, log groups); and the `CloudTrail` Lake event data stores of every region.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_cloudtrail::operation::list_event_data_stores::ListEventDataStoresOutput;
use aws_sdk_cloudtrail::operation::list_tags::ListTagsOutput;
use futures::future::join_all;

use super::calls::{Ctx, arn_region, retype, rfc3339};
use crate::snapshot::model::{
    AdvancedSelector, BasicSelector, Call, DataResource, EventDataStore, EventSelectors,
    FieldSelector, Trail, TrailDetails, TrailStatus,
};

/// A de-duplicated trail before its home-region calls.
pub(super) struct Found {
    trail: Trail,
    seen_in: Vec<String>,
}

/// De-duplicates the trails of every region's `DescribeTrails` by ARN.
pub(super) fn dedupe(describe: &BTreeMap<String, Call<Vec<Trail>>>) -> BTreeMap<String, Found> {
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
pub(super) struct Targets {
    /// Bucket names.
    pub(super) buckets: BTreeSet<String>,
    /// Key (as the trail names it) → the region to ask.
    pub(super) keys: BTreeMap<String, String>,
    /// Log group ARN → (region, name), `None` when the ARN cannot be read.
    pub(super) log_groups: BTreeMap<String, Option<(String, String)>>,
}

impl Targets {
    /// What `found` names.
    pub(super) fn of(found: &BTreeMap<String, Found>) -> Self {
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
    pub(super) fn alarm_regions(&self) -> Vec<String> {
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
    pub(super) async fn describe_trails(&self, region: &str) -> Call<Vec<Trail>> {
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
    pub(super) async fn trails(
        &self,
        found: BTreeMap<String, Found>,
    ) -> BTreeMap<String, TrailDetails> {
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
    pub(super) async fn event_data_stores(&self, region: &str) -> Call<Vec<EventDataStore>> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}

//! The trail buckets: where each is, and every setting the bucket controls read (Block
//! Public Access, policy and its status, ACL, ownership, logging, versioning, Object Lock,
//! lifecycle, encryption), asked in the bucket's own region.

use std::collections::{BTreeMap, BTreeSet};

use futures::future::join_all;

use super::calls::{Ctx, rfc3339};
use crate::snapshot::model::{
    BucketDetails, Grant, LifecycleRule, LoggingTarget, ObjectLock, PublicAccessBlock, Transition,
    Versioning,
};

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
    pub(super) async fn buckets(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations() {
        assert_eq!(normalise_location(None), "us-east-1");
        assert_eq!(normalise_location(Some("")), "us-east-1");
        assert_eq!(normalise_location(Some("EU")), "eu-west-1");
        assert_eq!(normalise_location(Some("ap-east-1")), "ap-east-1");
    }
}

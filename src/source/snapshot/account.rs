//! The account-wide questions: who is asking, which regions are enabled, the organization,
//! the buckets this account owns, the account-level Block Public Access, and the IAM
//! policies (decoded from `GetAccountAuthorizationDetails`).

use super::calls::Ctx;
use crate::snapshot::model::{
    Call, IamPolicy, Identity, Organization, PublicAccessBlock, RegionState,
};

/// One page of `iam:GetAccountAuthorizationDetails`.
type AuthDetails =
    aws_sdk_iam::operation::get_account_authorization_details::GetAccountAuthorizationDetailsOutput;

impl Ctx<'_> {
    pub(super) async fn identity(&self, region: &str) -> Call<Identity> {
        let fut = self.sts(region).get_caller_identity().send();
        self.one("sts:GetCallerIdentity", region, fut, |o| Identity {
            account: o.account().unwrap_or_default().to_owned(),
            arn: o.arn().unwrap_or_default().to_owned(),
        })
        .await
    }

    pub(super) async fn list_regions(&self, region: &str) -> Call<Vec<RegionState>> {
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

    pub(super) async fn organization(&self, region: &str) -> Call<Organization> {
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

    pub(super) async fn list_buckets(&self, region: &str) -> Call<Vec<String>> {
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

    pub(super) async fn account_public_access_block(
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

    pub(super) async fn iam_policies(&self, region: &str) -> Call<Vec<IamPolicy>> {
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
}

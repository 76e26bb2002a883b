//! The CIS AWS Foundations monitoring items (v3.0 numbering 4.1–4.15) and a matcher that
//! tells whether a `CloudWatch` Logs metric filter pattern implements one.
//!
//! The matcher is order- and spacing-independent, like prowler's: the pattern is reduced to
//! its clauses without whitespace and quotes, and every clause the item requires must be
//! present, ending at a word boundary (so `DeleteTrail` is not satisfied by
//! `DeleteTrailX`). It does not evaluate the `&&`/`||` structure; the evidence shows the
//! pattern so a reviewer can.

/// One CIS monitoring item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CisItem {
    /// Number in CIS v1.3–v5.0 (`"4.1"` … `"4.15"`); v6.0+ is `5.x`.
    pub id: &'static str,
    /// Topic in the benchmark's wording.
    pub topic: &'static str,
    /// Clauses every matching filter pattern contains (whitespace and quotes removed).
    pub clauses: &'static [&'static str],
}

/// The 15 items, in order.
pub const CIS_ITEMS: &[CisItem] = &[
    CisItem {
        id: "4.1",
        topic: "unauthorized API calls",
        clauses: &[
            "$.errorCode=*UnauthorizedOperation",
            "$.errorCode=AccessDenied*",
        ],
    },
    CisItem {
        id: "4.2",
        topic: "Management Console sign-in without MFA",
        clauses: &[
            "$.eventName=ConsoleLogin",
            "$.additionalEventData.MFAUsed!=Yes",
        ],
    },
    CisItem {
        id: "4.3",
        topic: "usage of the 'root' account",
        clauses: &[
            "$.userIdentity.type=Root",
            "$.userIdentity.invokedByNOTEXISTS",
            "$.eventType!=AwsServiceEvent",
        ],
    },
    CisItem {
        id: "4.4",
        topic: "IAM policy changes",
        clauses: &[
            "$.eventName=DeleteGroupPolicy",
            "$.eventName=DeleteRolePolicy",
            "$.eventName=DeleteUserPolicy",
            "$.eventName=PutGroupPolicy",
            "$.eventName=PutRolePolicy",
            "$.eventName=PutUserPolicy",
            "$.eventName=CreatePolicy",
            "$.eventName=DeletePolicy",
            "$.eventName=CreatePolicyVersion",
            "$.eventName=DeletePolicyVersion",
            "$.eventName=AttachRolePolicy",
            "$.eventName=DetachRolePolicy",
            "$.eventName=AttachUserPolicy",
            "$.eventName=DetachUserPolicy",
            "$.eventName=AttachGroupPolicy",
            "$.eventName=DetachGroupPolicy",
        ],
    },
    CisItem {
        id: "4.5",
        topic: "CloudTrail configuration changes",
        clauses: &[
            "$.eventName=CreateTrail",
            "$.eventName=UpdateTrail",
            "$.eventName=DeleteTrail",
            "$.eventName=StartLogging",
            "$.eventName=StopLogging",
        ],
    },
    CisItem {
        id: "4.6",
        topic: "AWS Management Console authentication failures",
        clauses: &[
            "$.eventName=ConsoleLogin",
            "$.errorMessage=Failedauthentication",
        ],
    },
    CisItem {
        id: "4.7",
        topic: "disabling or scheduled deletion of customer created CMKs",
        clauses: &[
            "$.eventSource=kms.amazonaws.com",
            "$.eventName=DisableKey",
            "$.eventName=ScheduleKeyDeletion",
        ],
    },
    CisItem {
        id: "4.8",
        topic: "S3 bucket policy changes",
        clauses: &[
            "$.eventSource=s3.amazonaws.com",
            "$.eventName=PutBucketAcl",
            "$.eventName=PutBucketPolicy",
            "$.eventName=PutBucketCors",
            "$.eventName=PutBucketLifecycle",
            "$.eventName=PutBucketReplication",
            "$.eventName=DeleteBucketPolicy",
            "$.eventName=DeleteBucketCors",
            "$.eventName=DeleteBucketLifecycle",
            "$.eventName=DeleteBucketReplication",
        ],
    },
    CisItem {
        id: "4.9",
        topic: "AWS Config configuration changes",
        clauses: &[
            "$.eventSource=config.amazonaws.com",
            "$.eventName=StopConfigurationRecorder",
            "$.eventName=DeleteDeliveryChannel",
            "$.eventName=PutDeliveryChannel",
            "$.eventName=PutConfigurationRecorder",
        ],
    },
    CisItem {
        id: "4.10",
        topic: "security group changes",
        clauses: &[
            "$.eventName=AuthorizeSecurityGroupIngress",
            "$.eventName=AuthorizeSecurityGroupEgress",
            "$.eventName=RevokeSecurityGroupIngress",
            "$.eventName=RevokeSecurityGroupEgress",
            "$.eventName=CreateSecurityGroup",
            "$.eventName=DeleteSecurityGroup",
        ],
    },
    CisItem {
        id: "4.11",
        topic: "changes to Network Access Control Lists (NACL)",
        clauses: &[
            "$.eventName=CreateNetworkAcl",
            "$.eventName=CreateNetworkAclEntry",
            "$.eventName=DeleteNetworkAcl",
            "$.eventName=DeleteNetworkAclEntry",
            "$.eventName=ReplaceNetworkAclEntry",
            "$.eventName=ReplaceNetworkAclAssociation",
        ],
    },
    CisItem {
        id: "4.12",
        topic: "changes to network gateways",
        clauses: &[
            "$.eventName=CreateCustomerGateway",
            "$.eventName=DeleteCustomerGateway",
            "$.eventName=AttachInternetGateway",
            "$.eventName=CreateInternetGateway",
            "$.eventName=DeleteInternetGateway",
            "$.eventName=DetachInternetGateway",
        ],
    },
    CisItem {
        id: "4.13",
        topic: "route table changes",
        clauses: &[
            "$.eventName=CreateRoute",
            "$.eventName=CreateRouteTable",
            "$.eventName=ReplaceRoute",
            "$.eventName=ReplaceRouteTableAssociation",
            "$.eventName=DeleteRouteTable",
            "$.eventName=DeleteRoute",
            "$.eventName=DisassociateRouteTable",
        ],
    },
    CisItem {
        id: "4.14",
        topic: "VPC changes",
        clauses: &[
            "$.eventName=CreateVpc",
            "$.eventName=DeleteVpc",
            "$.eventName=ModifyVpcAttribute",
            "$.eventName=AcceptVpcPeeringConnection",
            "$.eventName=CreateVpcPeeringConnection",
            "$.eventName=DeleteVpcPeeringConnection",
            "$.eventName=RejectVpcPeeringConnection",
            "$.eventName=AttachClassicLinkVpc",
            "$.eventName=DetachClassicLinkVpc",
            "$.eventName=DisableVpcClassicLink",
            "$.eventName=EnableVpcClassicLink",
        ],
    },
    CisItem {
        id: "4.15",
        topic: "AWS Organizations changes",
        clauses: &[
            "$.eventSource=organizations.amazonaws.com",
            "$.eventName=AcceptHandshake",
            "$.eventName=AttachPolicy",
            "$.eventName=CreateAccount",
            "$.eventName=CreateOrganizationalUnit",
            "$.eventName=CreatePolicy",
            "$.eventName=DeclineHandshake",
            "$.eventName=DeleteOrganization",
            "$.eventName=DeleteOrganizationalUnit",
            "$.eventName=DeletePolicy",
            "$.eventName=DetachPolicy",
            "$.eventName=DisablePolicyType",
            "$.eventName=EnablePolicyType",
            "$.eventName=InviteAccountToOrganization",
            "$.eventName=LeaveOrganization",
            "$.eventName=MoveAccount",
            "$.eventName=RemoveAccountFromOrganization",
            "$.eventName=UpdatePolicy",
            "$.eventName=UpdateOrganizationalUnit",
        ],
    },
];

/// The item with this id (`"4.5"`).
#[must_use]
pub fn item(id: &str) -> Option<&'static CisItem> {
    CIS_ITEMS.iter().find(|i| i.id == id)
}

fn normalise(pattern: &str) -> String {
    pattern
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '"')
        .collect()
}

fn has_clause(haystack: &str, clause: &str) -> bool {
    let mut from = 0;
    while let Some(pos) = haystack[from..].find(clause) {
        let end = from + pos + clause.len();
        let boundary = haystack[end..]
            .chars()
            .next()
            .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'));
        if boundary {
            return true;
        }
        from = from + pos + 1;
    }
    false
}

/// The clauses of `item` that `pattern` lacks (empty: the pattern implements the item).
#[must_use]
pub fn missing_clauses(item: &CisItem, pattern: &str) -> Vec<&'static str> {
    let p = normalise(pattern);
    item.clauses
        .iter()
        .copied()
        .filter(|c| !has_clause(&p, c))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CIS_4_5: &str = "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }";

    #[test]
    fn the_benchmark_pattern_matches_in_any_order_and_spacing() {
        let i = item("4.5").unwrap();
        assert!(missing_clauses(i, CIS_4_5).is_empty());
        let shuffled = "{($.eventName=\"StopLogging\")||($.eventName=StartLogging)||($.eventName = DeleteTrail)||($.eventName=UpdateTrail)||($.eventName=CreateTrail)}";
        assert!(missing_clauses(i, shuffled).is_empty());
    }

    #[test]
    fn a_missing_event_is_named_and_prefixes_do_not_count() {
        let i = item("4.5").unwrap();
        let p = CIS_4_5.replace("StopLogging", "StopLoggingX");
        assert_eq!(missing_clauses(i, &p), vec!["$.eventName=StopLogging"]);
    }

    #[test]
    fn root_usage_pattern() {
        let p = r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#;
        assert!(missing_clauses(item("4.3").unwrap(), p).is_empty());
    }

    #[test]
    fn fifteen_items_numbered_in_order() {
        let ids: Vec<&str> = CIS_ITEMS.iter().map(|i| i.id).collect();
        assert_eq!(ids.len(), 15);
        assert_eq!(ids[0], "4.1");
        assert_eq!(ids[14], "4.15");
    }
}

#!/usr/bin/env python3
"""Deterministic Sigma rules over AWS CloudTrail for scripts/bench-hunt.

    gen_sigma_rules.py ROOT --counts 57,800 [--seed 1]

Writes ``ROOT/rules-<N>/NNNN-<slug>.yml`` for each N in --counts: the first N rules of one
sequence (so the 57 rules are also the first 57 of the 800), and ``ROOT/rules.manifest.json``.
Every rule is a pure function of (seed, its index); a set whose manifest matches the
arguments is reused. Prints one line per set: ``rules-<N> <N> <rules naming an eventName>``.

The rules are written here, in the shape of community CloudTrail rules (logsource
``product: aws`` / ``service: cloudtrail``; selections on ``eventSource`` and ``eventName``,
some with ``userIdentity.type``, ``errorCode``, ``requestParameters.*`` or ``userAgent``;
``|contains`` / ``|startswith`` / ``|endswith`` / ``|cased``; ``field: null``; a ``filter``
under ``not``; ``1 of selection_*``; a few rules that name no event at all). Their values are
drawn from what scripts/gen_activity_logs.py writes and from a larger vocabulary of real API
names, so some rules fire on the generated logs and most do not, as with a real rule pack.

What the rules avoid, so that the DuckDB route (pySigma's DuckDB backend) can compute the same
hits: list-valued paths (SQL cannot walk a list element by element), ``_`` and ``%`` in
``|contains``-like values (they are LIKE wildcards in the backend's SQL), values whose case
differs from the records' (the backend's ``=`` is case-sensitive; Sigma's is not), ``|exists``
(the backend renders ``IS NOT NULL``: a JSON null counts as absent) and ``|re``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sys
import uuid
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_activity_logs import ACCOUNTS, ERRORS, EVENTS  # noqa: E402

GENERATOR_VERSION = 1

# eventSource -> API names. The names of gen_activity_logs.EVENTS are among them; the others
# never occur in the generated logs (rules about them fire on nothing, like most of a pack).
VOCABULARY = {
    "iam.amazonaws.com": [
        "CreateUser", "DeleteUser", "CreateAccessKey", "DeleteAccessKey", "UpdateAccessKey",
        "CreateLoginProfile", "UpdateLoginProfile", "DeleteLoginProfile", "AttachUserPolicy",
        "DetachUserPolicy", "AttachRolePolicy", "DetachRolePolicy", "AttachGroupPolicy",
        "PutUserPolicy", "PutRolePolicy", "PutGroupPolicy", "DeleteUserPolicy",
        "DeleteRolePolicy", "CreatePolicyVersion", "SetDefaultPolicyVersion", "CreateRole",
        "DeleteRole", "UpdateAssumeRolePolicy", "AddUserToGroup", "RemoveUserFromGroup",
        "CreateVirtualMFADevice", "DeactivateMFADevice", "DeleteVirtualMFADevice",
        "EnableMFADevice", "UpdateAccountPasswordPolicy", "DeleteAccountPasswordPolicy",
        "CreateSAMLProvider", "UpdateSAMLProvider", "CreateOpenIDConnectProvider",
        "GetRole", "ListRoles", "ListUsers", "GetAccountAuthorizationDetails",
    ],
    "sts.amazonaws.com": [
        "AssumeRole", "AssumeRoleWithSAML", "AssumeRoleWithWebIdentity", "GetFederationToken",
        "GetSessionToken", "GetCallerIdentity",
    ],
    "signin.amazonaws.com": ["ConsoleLogin", "GetSigninToken", "SwitchRole", "ExitRole"],
    "cloudtrail.amazonaws.com": [
        "StopLogging", "DeleteTrail", "UpdateTrail", "PutEventSelectors", "CreateTrail",
        "DescribeTrails", "StartLogging", "DeleteEventDataStore", "PutInsightSelectors",
    ],
    "s3.amazonaws.com": [
        "PutBucketPolicy", "DeleteBucketPolicy", "PutBucketAcl", "PutBucketVersioning",
        "PutBucketLogging", "PutBucketPublicAccessBlock", "DeleteBucketPublicAccessBlock",
        "PutBucketEncryption", "DeleteBucketEncryption", "PutBucketReplication",
        "PutBucketLifecycle", "DeleteBucket", "CreateBucket", "GetBucketAcl", "ListBuckets",
        "PutBucketWebsite", "PutObjectAcl", "GetBucketPolicy",
    ],
    "ec2.amazonaws.com": [
        "RunInstances", "TerminateInstances", "StopInstances", "ModifyInstanceAttribute",
        "CreateSecurityGroup", "DeleteSecurityGroup", "AuthorizeSecurityGroupIngress",
        "AuthorizeSecurityGroupEgress", "RevokeSecurityGroupIngress", "CreateNetworkAclEntry",
        "DeleteNetworkAclEntry", "ReplaceNetworkAclEntry", "CreateNetworkAcl",
        "DeleteNetworkAcl", "CreateRoute", "DeleteRoute", "ReplaceRoute", "CreateVpc",
        "DeleteVpc", "ModifyVpcAttribute", "CreateVpcPeeringConnection",
        "AttachInternetGateway", "CreateCustomerGateway", "ModifySnapshotAttribute",
        "ModifyImageAttribute", "CreateKeyPair", "ImportKeyPair", "GetPasswordData",
        "DisableEbsEncryptionByDefault", "CreateTags", "DescribeInstances",
        "DescribeSecurityGroups", "DescribeVolumes", "CreateTrafficMirrorSession",
    ],
    "kms.amazonaws.com": [
        "ScheduleKeyDeletion", "DisableKey", "CreateKey", "PutKeyPolicy", "CreateGrant",
        "Decrypt", "GenerateDataKey", "DisableKeyRotation", "ImportKeyMaterial",
    ],
    "config.amazonaws.com": [
        "StopConfigurationRecorder", "DeleteConfigurationRecorder", "DeleteDeliveryChannel",
        "PutConfigurationRecorder", "DeleteConfigRule", "DescribeConfigRules",
    ],
    "guardduty.amazonaws.com": [
        "DeleteDetector", "UpdateDetector", "DisassociateFromMasterAccount", "CreateFilter",
        "DeleteMembers", "StopMonitoringMembers", "CreateIPSet", "UpdateIPSet",
    ],
    "logs.amazonaws.com": [
        "DeleteLogGroup", "DeleteLogStream", "PutRetentionPolicy", "DeleteSubscriptionFilter",
        "DescribeLogStreams", "CreateExportTask",
    ],
    "cloudwatch.amazonaws.com": ["DeleteAlarms", "DisableAlarmActions", "GetMetricData",
                                 "PutMetricAlarm"],
    "lambda.amazonaws.com": [
        "UpdateFunctionCode20150331v2", "UpdateFunctionConfiguration20150331v2",
        "CreateFunction20150331", "AddPermission20150331v2", "ListFunctions20150331",
        "PublishLayerVersion20181031", "CreateEventSourceMapping20150331",
    ],
    "secretsmanager.amazonaws.com": ["GetSecretValue", "DeleteSecret", "PutResourcePolicy",
                                     "BatchGetSecretValue", "RestoreSecret"],
    "ssm.amazonaws.com": ["GetParameter", "GetParameters", "SendCommand", "StartSession",
                          "DeleteParameter", "PutParameter"],
    "rds.amazonaws.com": ["ModifyDBInstance", "DeleteDBInstance", "ModifyDBSnapshotAttribute",
                          "RestoreDBInstanceFromDBSnapshot", "DescribeDBInstances",
                          "DeleteDBCluster"],
    "ecr.amazonaws.com": ["GetAuthorizationToken", "SetRepositoryPolicy", "DeleteRepository",
                          "PutImage", "BatchDeleteImage"],
    "organizations.amazonaws.com": ["LeaveOrganization", "DeleteOrganization",
                                    "RemoveAccountFromOrganization", "CreateAccount",
                                    "DetachPolicy", "DisablePolicyType"],
    "dynamodb.amazonaws.com": ["DeleteTable", "DescribeTable", "UpdateContinuousBackups",
                               "ExportTableToPointInTime"],
    "cloudformation.amazonaws.com": ["DescribeStacks", "CreateStack", "DeleteStack",
                                     "UpdateStack", "CreateStackSet"],
    "route53.amazonaws.com": ["ChangeResourceRecordSets", "DisableDomainTransferLock",
                              "TransferDomainToAnotherAwsAccount"],
    "sso.amazonaws.com": ["CreatePermissionSet", "AttachManagedPolicyToPermissionSet",
                          "DeleteAccountAssignment"],
    "securityhub.amazonaws.com": ["DisableSecurityHub", "BatchDisableStandards",
                                  "DeleteInsight"],
    "elasticfilesystem.amazonaws.com": ["DeleteFileSystem", "PutFileSystemPolicy"],
    "sagemaker.amazonaws.com": ["CreateNotebookInstance", "CreatePresignedNotebookInstanceUrl"],
    "ses.amazonaws.com": ["VerifyEmailIdentity", "UpdateAccountSendingEnabled",
                          "GetSendQuota"],
    "eks.amazonaws.com": ["CreateCluster", "DeleteCluster", "UpdateClusterConfig"],
}

IN_LOGS = {(src, name) for src, name, _, _ in EVENTS}
# What detections look for: the rare calls (changes, sensitive reads). The frequent calls
# (HOT, over ~1% of the records each) are named rarely, as by the few noisy rules of a pack.
PRESENT = {(src, name) for src, name, _, w in EVENTS if w < 50}
HOT = IN_LOGS - PRESENT
for _src, _name in IN_LOGS:
    assert _name in VOCABULARY[_src], (_src, _name)

LEVELS = [("low", 25), ("medium", 40), ("high", 28), ("critical", 7)]
TACTICS = [
    ("persistence", ["t1098", "t1136.003", "t1078.004"]),
    ("privilege-escalation", ["t1098.003", "t1548"]),
    ("defense-evasion", ["t1562.008", "t1562.001", "t1070", "t1578"]),
    ("credential-access", ["t1552.005", "t1528", "t1555.006"]),
    ("discovery", ["t1580", "t1087.004", "t1526"]),
    ("exfiltration", ["t1537"]),
    ("impact", ["t1485", "t1486", "t1496", "t1531"]),
    ("initial-access", ["t1078.004", "t1190"]),
]
IDENTITY_TYPES = ["Root", "IAMUser", "AssumedRole", "FederatedUser", "AWSService"]
AGENT_FRAGMENTS = ["terraform", "aws-cli/2.", "Boto3/", "console.amazonaws.com", "aws-sdk-go",
                   "Mozilla/5.0", "kali", "sqlmap", "nmap", "parrot", "powershell"]
IP_PREFIXES = ["198.", "203.", "52.", "34.", "18.", "10.", "192.168.", "185.220.", "45.155."]
ERROR_CODES = [e[0] for e in ERRORS] + ["InvalidClientTokenId", "ValidationException"]

# requestParameters fields the generated logs carry, per event, with values to look for.
REQUEST_PARAMETERS = {
    "bucketName": ("contains", ["backup", "logs", "assets", "-123456789012", "secret"]),
    "roleArn": ("contains", [":role/deploy-1", ":role/deploy-3", ":role/admin", "OrganizationAccountAccessRole"]),
    "roleSessionName": ("startswith", ["session-0", "session-a", "session-f", "botocore-session"]),
    "keyId": ("startswith", ["arn:aws:kms:eu-", "arn:aws:kms:us-west-2:", "alias/"]),
    "resourceArn": ("contains", [":resource/0", ":resource/ff", ":iam::555566667777:"]),
    "Host": ("endswith", ["eu-west-1.amazonaws.com", "us-east-1.amazonaws.com"]),
}


def q(value) -> str:
    """A YAML scalar: bare when plain, single-quoted otherwise."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    s = str(value)
    if (re.fullmatch(r"[A-Za-z][A-Za-z0-9.\-/]*", s)
            and s.lower() not in {"true", "false", "null", "yes", "no", "on", "off", "y", "n"}):
        return s
    return "'" + s.replace("'", "''") + "'"


def emit_map(lines: list[str], m: dict, indent: int) -> None:
    pad = " " * indent
    for key, value in m.items():
        if isinstance(value, list):
            lines.append(f"{pad}{key}:")
            lines.extend(f"{pad}    - {q(v)}" for v in value)
        else:
            lines.append(f"{pad}{key}: {q(value)}")


class Builder:
    """Draws one rule's parts from its own random.Random."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def source(self, in_logs: float) -> str:
        if self.rng.random() < in_logs:
            return self.rng.choice(sorted({s for s, _ in IN_LOGS}))
        return self.rng.choice(sorted(VOCABULARY))

    def names(self, src: str, in_logs: float, k_max: int = 4) -> list[str]:
        """1..k_max names of src; with probability in_logs one of them occurs in the logs
        (rarely a hot one)."""
        vocab = VOCABULARY[src]
        k = min(len(vocab), self.rng.choice([1, 1, 1, 2, 2, 3, k_max]))
        present = [n for n in vocab if (src, n) in PRESENT]
        hot = [n for n in vocab if (src, n) in HOT]
        absent = [n for n in vocab if (src, n) not in IN_LOGS]
        out: list[str] = []
        roll = self.rng.random()
        if roll < in_logs * 0.02 and hot:
            out.append(self.rng.choice(hot))
        elif roll < in_logs and present:
            out.append(self.rng.choice(present))
        pool = absent or vocab
        while len(out) < k:
            n = self.rng.choice(pool)
            if n not in out:
                out.append(n)
            elif len(set(pool) - set(out)) == 0:
                break
        self.rng.shuffle(out)
        return out

    def selection(self, in_logs: float) -> dict:
        src = self.source(in_logs)
        names = self.names(src, in_logs)
        return {"eventSource": src, "eventName": names if len(names) > 1 else names[0]}


def make_rule(seed: int, i: int) -> tuple[str, str, bool]:
    """(file name, YAML text, whether the rule requires a literal eventName) of rule i."""
    rng = random.Random(seed * 1_000_003 + 7919 * i)
    b = Builder(rng)
    det: dict[str, dict] = {}
    names_event = True
    kind = rng.choices(
        ["plain", "identity", "filter", "params", "one_of", "errors", "prefix", "no_event",
         "object", "cased", "console", "nested"],
        weights=[33, 11, 13, 8, 6, 6, 5, 4, 4, 3, 3, 4])[0]
    sel = b.selection(0.4)
    if kind == "plain":
        det["selection"] = sel
        cond = "selection"
    elif kind == "identity":
        sel["userIdentity.type"] = rng.choice(IDENTITY_TYPES + ["IAMUser"])
        det["selection"] = sel
        cond = "selection"
    elif kind == "filter":
        det["selection"] = sel
        which = rng.random()
        if which < 0.4:
            det["filter"] = {"errorCode": rng.sample(ERROR_CODES, rng.randint(1, 2))}
        elif which < 0.7:
            det["filter"] = {"userAgent|contains": rng.sample(AGENT_FRAGMENTS, rng.randint(1, 3))}
        elif which < 0.85:
            det["filter"] = {"sourceIPAddress|startswith": rng.sample(IP_PREFIXES, 2)}
        else:
            det["filter"] = {"userIdentity.arn|endswith": f"user/svc-{rng.randrange(240):03d}"}
        name = rng.choice(["filter", "filter_main", "filter_optional_service"])
        det[name] = det.pop("filter")
        cond = f"selection and not {name}"
    elif kind == "params":
        key = rng.choice(sorted(REQUEST_PARAMETERS))
        mod, values = REQUEST_PARAMETERS[key]
        sel[f"requestParameters.{key}|{mod}"] = rng.choice(values)
        det["selection"] = sel
        cond = "selection"
    elif kind == "one_of":
        det["selection_a"] = sel
        det["selection_b"] = b.selection(0.4)
        if rng.random() < 0.3:
            det["selection_c"] = b.selection(0.2)
        cond = rng.choice(["1 of selection_*", "1 of them"])
    elif kind == "errors":
        roll = rng.random()
        if roll < 0.5:
            sel["errorCode"] = rng.choice(ERROR_CODES)
        elif roll < 0.75:
            sel["errorCode|startswith"] = rng.choice(["Client.", "Access", "Throttl"])
        else:
            sel["errorCode"] = None  # successful calls only
        det["selection"] = sel
        cond = "selection"
    elif kind == "prefix":
        names_event = False
        src = b.source(0.6)
        verb = rng.choice(["Delete", "Put", "Create", "Disable", "Stop", "Update", "Attach",
                           "Remove"])
        det["selection"] = {"eventSource": src, "eventName|startswith": verb}
        if rng.random() < 0.5:
            det["filter"] = {"errorCode": None}
            cond = "selection and filter"
        else:
            cond = "selection"
    elif kind == "no_event":
        names_event = False
        roll = rng.random()
        if roll < 0.35:
            det["selection"] = {"userAgent|contains": rng.sample(AGENT_FRAGMENTS[6:], 2)}
            cond = "selection"
        elif roll < 0.6:
            det["selection"] = {"userIdentity.type": "Root"}
            det["filter"] = {"eventType": "AwsServiceEvent"}
            cond = "selection and not filter"
        elif roll < 0.8:
            det["selection"] = {"sourceIPAddress|startswith": rng.sample(IP_PREFIXES[5:], 2)}
            cond = "selection"
        else:
            det["selection"] = {"userIdentity.arn|endswith": rng.choice([":root", "user/ops-007", "user/ci-042"])}
            cond = "selection"
    elif kind == "object":
        sel["requestParameters|contains"] = rng.choice(
            ["Suspended", "deploy-2", "includeAllInstances", "corp-backup", "encryptionContext",
             "Enabled"])
        det["selection"] = sel
        cond = "selection"
    elif kind == "cased":
        name = sel.pop("eventName")
        sel["eventName|cased"] = name
        det["selection"] = sel
        cond = "selection"
    elif kind == "console":
        det["selection"] = {"eventSource": "signin.amazonaws.com", "eventName": "ConsoleLogin",
                            "additionalEventData.MFAUsed": "No",
                            "responseElements.ConsoleLogin": rng.choice(["Success", "Failure"])}
        if rng.random() < 0.5:
            det["filter"] = {"userIdentity.type": rng.choice(["AssumedRole", "FederatedUser"])}
            cond = "selection and not filter"
        else:
            cond = "selection"
    else:  # nested
        src = b.source(0.5)
        det["selection_source"] = {"eventSource": src}
        det["selection_write"] = {"eventName": b.names(src, 0.5, 3)}
        det["selection_other"] = {"eventName": b.names(src, 0.3, 2)}
        det["filter_errors"] = {"errorCode": rng.sample(ERROR_CODES, 2)}
        det["filter_account"] = {"recipientAccountId": rng.choice(ACCOUNTS)}
        cond = ("selection_source and (selection_write or selection_other) "
                "and not 1 of filter_*")

    src_words = {"plain": "activity", "identity": "call by identity type", "filter":
                 "call outside the usual clients", "params": "request on a named resource",
                 "one_of": "one of several activities", "errors": "call with error outcome",
                 "prefix": "family of calls", "no_event": "suspicious caller", "object":
                 "request parameters mention", "cased": "exact event", "console":
                 "console sign-in without MFA", "nested": "changes without error"}
    def first_of(*keys):
        for m in det.values():
            for k in keys:
                if k in m:
                    return m[k][0] if isinstance(m[k], list) else m[k]
        return None

    event = first_of("eventName", "eventName|cased", "eventName|startswith") or \
        next(iter(next(iter(det.values())).values()))
    if isinstance(event, list):
        event = event[0]
    service = str(first_of("eventSource") or "aws").split(".")[0].upper()
    title = f"AWS {service} {src_words[kind]}: {event} (bench {i:04d})"
    tactic, techniques = rng.choice(TACTICS)
    level = rng.choices([lv for lv, _ in LEVELS], weights=[w for _, w in LEVELS])[0]
    rid = uuid.UUID(int=rng.getrandbits(128), version=4)

    lines = [
        f"title: {q(title)}",
        f"id: {rid}",
        "status: experimental",
        f"description: Generated rule {i} of trailproof's hunt benchmark ({src_words[kind]}).",
        "references:",
        "    - https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference.html",
        "author: trailproof benchmark generator",
        "date: 2026-03-01",
        "tags:",
        f"    - attack.{tactic}",
        f"    - attack.{rng.choice(techniques)}",
        "logsource:",
        "    product: aws",
        "    service: cloudtrail",
        "detection:",
    ]
    for name, m in det.items():
        lines.append(f"    {name}:")
        emit_map(lines, m, 8)
    lines.append(f"    condition: {cond}")
    lines += ["falsepositives:", "    - Administrators doing their job", f"level: {level}", ""]
    slug = re.sub(r"[^a-z0-9]+", "-", f"{service} {event}".lower()).strip("-")[:48]
    return f"{i:04d}-{slug}.yml", "\n".join(lines), names_event


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("root")
    ap.add_argument("--counts", default="57,800")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    counts = sorted({int(c) for c in a.counts.split(",") if c.strip()})
    root = Path(a.root)
    params = {"generator": GENERATOR_VERSION, "seed": a.seed, "counts": counts}
    manifest = root / "rules.manifest.json"
    try:
        old = json.loads(manifest.read_text())
    except (OSError, ValueError):
        old = None
    if old and old.get("params") == params and all((root / f"rules-{n}").is_dir()
                                                   for n in counts):
        for line in old["sets"]:
            print(line)
        return
    rules = [make_rule(a.seed, i) for i in range(counts[-1])]
    lines = []
    for n in counts:
        out = root / f"rules-{n}"
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        for name, text, _ in rules[:n]:
            (out / name).write_text(text)
        lines.append(f"rules-{n} {n} {sum(1 for _, _, e in rules[:n] if e)}")
    manifest.write_text(json.dumps({"params": params, "sets": lines}, indent=1) + "\n")
    for line in lines:
        print(line)


if __name__ == "__main__":
    main(sys.argv[1:])

#!/usr/bin/env python3
"""Deterministic CloudTrail-shaped log files for scripts/bench-summarize.

    gen_activity_logs.py ROOT --sizes 100,200,400 [--seed 1] [--jobs 2] [--min-records 50]
                              [--max-records 100] [--day 2026-03-01]

Writes many small gzip'd CloudTrail log files (``{"Records":[...]}``, compact JSON, about
1.1-1.5 KB a record, 50-100 records a file) in S3's layout
(``AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<time>_<id>.json.gz``):

* ``ROOT/pool/``: the files of the largest size, in generation order;
* ``ROOT/<N>mb/``: hard links to the shortest prefix of that sequence whose inflated bytes
  reach N x 10^6 (so each set holds the same kind of data, only more of it), with
  ``ROOT/<N>mb.manifest.json`` (files, records, gzip and inflated bytes, seed).

Every file is a pure function of (seed, its index): file i covers the 5-minute slot
``i * 7 % 288`` of the day (any prefix spreads evenly over the 24 hours), and its records are
drawn from a random.Random seeded with (seed, i). The same arguments always give byte-identical
files (gzip mtime 0), whatever --jobs is. A set whose manifest already matches the arguments
is reused. Prints one line per set: ``<N>mb <files> <records> <gzip bytes> <inflated bytes>``.

Identities are IAM users (``userIdentity.type`` IAMUser), whose trailproof actor key is
``userIdentity.arn``, so actors compare one to one with a plain GROUP BY on the ARN.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import shutil
import sys
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

GENERATOR_VERSION = 1
SLOTS = 288  # 5-minute slots in a day
BATCH = 64   # files per task handed to a worker

ACCOUNTS = ["123456789012", "210987654321", "555566667777"]
REGIONS = [("us-east-1", 50), ("eu-west-1", 20), ("us-west-2", 15), ("ap-southeast-2", 8),
           ("eu-central-1", 7)]

# (eventSource, eventName, readOnly, relative weight): ~40 names with distinct weights, so the
# top ten are well separated.
EVENTS = [
    ("ec2.amazonaws.com", "DescribeInstances", True, 900),
    ("s3.amazonaws.com", "GetBucketAcl", True, 700),
    ("sts.amazonaws.com", "AssumeRole", False, 560),
    ("kms.amazonaws.com", "Decrypt", True, 450),
    ("logs.amazonaws.com", "DescribeLogStreams", True, 380),
    ("iam.amazonaws.com", "GetRole", True, 320),
    ("ec2.amazonaws.com", "DescribeSecurityGroups", True, 270),
    ("lambda.amazonaws.com", "ListFunctions20150331", True, 230),
    ("s3.amazonaws.com", "ListBuckets", True, 200),
    ("cloudwatch.amazonaws.com", "GetMetricData", True, 175),
    ("dynamodb.amazonaws.com", "DescribeTable", True, 150),
    ("ec2.amazonaws.com", "DescribeVolumes", True, 130),
    ("sts.amazonaws.com", "GetCallerIdentity", True, 115),
    ("kms.amazonaws.com", "GenerateDataKey", True, 100),
    ("ssm.amazonaws.com", "GetParameter", True, 90),
    ("iam.amazonaws.com", "ListRoles", True, 80),
    ("ecr.amazonaws.com", "GetAuthorizationToken", True, 70),
    ("cloudformation.amazonaws.com", "DescribeStacks", True, 62),
    ("rds.amazonaws.com", "DescribeDBInstances", True, 55),
    ("secretsmanager.amazonaws.com", "GetSecretValue", True, 48),
    ("ec2.amazonaws.com", "RunInstances", False, 40),
    ("s3.amazonaws.com", "PutBucketPolicy", False, 34),
    ("ec2.amazonaws.com", "CreateTags", False, 30),
    ("iam.amazonaws.com", "CreateAccessKey", False, 26),
    ("signin.amazonaws.com", "ConsoleLogin", False, 22),
    ("ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", False, 19),
    ("lambda.amazonaws.com", "UpdateFunctionCode20150331v2", False, 16),
    ("iam.amazonaws.com", "AttachRolePolicy", False, 14),
    ("ec2.amazonaws.com", "TerminateInstances", False, 12),
    ("kms.amazonaws.com", "CreateKey", False, 10),
    ("s3.amazonaws.com", "PutBucketAcl", False, 9),
    ("iam.amazonaws.com", "PutUserPolicy", False, 8),
    ("ec2.amazonaws.com", "CreateSecurityGroup", False, 7),
    ("cloudtrail.amazonaws.com", "DescribeTrails", True, 6),
    ("config.amazonaws.com", "DescribeConfigRules", True, 5),
    ("ec2.amazonaws.com", "CreateNetworkAclEntry", False, 4),
    ("cloudtrail.amazonaws.com", "UpdateTrail", False, 3),
    ("kms.amazonaws.com", "ScheduleKeyDeletion", False, 2),
    ("iam.amazonaws.com", "DeleteUserPolicy", False, 2),
    ("cloudtrail.amazonaws.com", "StopLogging", False, 1),
]
EVENT_WEIGHTS = [e[3] for e in EVENTS]

USER_AGENTS = [
    "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.79-99.167.amzn2023.x86_64 exe/x86_64.amzn.2023 prompt/off command/{cmd}",
    "aws-sdk-go-v2/1.25.2 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64 api/{svc}#1.150.0",
    "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.10.213-201.855.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.2 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69",
    "aws-sdk-java/2.25.16 Linux/5.10.210-201.852.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.10+7-LTS Java/17.0.10 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/legacy",
    "terraform-provider-aws/5.42.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.26.0 os/linux lang/go#1.22.1",
    "console.amazonaws.com",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36",
]
ERRORS = [("AccessDenied", "User is not authorized to perform this operation"),
          ("Client.UnauthorizedOperation", "You are not authorized to perform this operation."),
          ("ThrottlingException", "Rate exceeded"),
          ("ResourceNotFoundException", "The specified resource does not exist.")]

_USERS = None


def users():
    """(account, name, principalId, accessKeyId, [source IPs]) of ~240 IAM users, fixed."""
    global _USERS
    if _USERS is None:
        rng = random.Random(424242)
        out = []
        alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
        for n in range(240):
            acct = ACCOUNTS[n % len(ACCOUNTS)]
            name = f"{rng.choice(['svc', 'ci', 'dev', 'ops', 'data', 'app'])}-{n:03d}"
            pid = "AIDA" + "".join(rng.choice(alnum) for _ in range(17))
            key = "AKIA" + "".join(rng.choice(alnum) for _ in range(16))
            ips = [f"{rng.choice([198, 203, 52, 34, 18])}.{rng.randrange(256)}."
                   f"{rng.randrange(256)}.{rng.randrange(1, 255)}" for _ in range(rng.randint(1, 3))]
            out.append((acct, name, pid, key, ips))
        _USERS = out
    return _USERS


_BY_ACCOUNT = {}


def account_users(acct):
    """The users of one account and their Zipf-like weights (a few busy automation users, a
    long tail)."""
    if acct not in _BY_ACCOUNT:
        us = [u for u in users() if u[0] == acct]
        _BY_ACCOUNT[acct] = (us, [1.0 / (k + 1) ** 0.9 for k in range(len(us))])
    return _BY_ACCOUNT[acct]


def rid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def hexid(rng: random.Random, n: int) -> str:
    return f"{rng.getrandbits(4 * n):0{n}x}"


def request_parameters(rng, name, region, acct):
    if name.startswith("Describe") and "Instances" in name:
        return {"instancesSet": {"items": [{"instanceId": f"i-{hexid(rng, 17)}"}
                                           for _ in range(rng.randint(1, 3))]},
                "filterSet": {}, "includeAllInstances": False}
    if "Bucket" in name or name == "ListBuckets":
        return {"bucketName": f"corp-{rng.choice(['logs', 'data', 'assets', 'backup'])}-{acct}",
                "Host": f"s3.{region}.amazonaws.com", "acl": ""}
    if name in ("Decrypt", "GenerateDataKey", "CreateKey", "ScheduleKeyDeletion"):
        return {"encryptionAlgorithm": "SYMMETRIC_DEFAULT",
                "keyId": f"arn:aws:kms:{region}:{acct}:key/{rid(rng)}",
                "encryptionContext": {"aws:lambda:FunctionArn":
                                      f"arn:aws:lambda:{region}:{acct}:function:worker-{rng.randrange(40)}"}}
    if name == "AssumeRole":
        return {"roleArn": f"arn:aws:iam::{acct}:role/deploy-{rng.randrange(12)}",
                "roleSessionName": f"session-{hexid(rng, 8)}", "durationSeconds": 3600}
    if name == "ConsoleLogin":
        return None
    return {"maxResults": rng.choice([50, 100, 1000]),
            "resourceArn": f"arn:aws:{name[:3].lower()}:{region}:{acct}:resource/{hexid(rng, 12)}"}


def record(rng, t: datetime, region: str, acct: str):
    ulist, weights = account_users(acct)
    u = rng.choices(ulist, weights=weights)[0]
    acct, uname, pid, key, ips = u
    src, name, ro, _ = rng.choices(EVENTS, weights=EVENT_WEIGHTS)[0]
    svc = src.split(".")[0]
    ua = rng.choice(USER_AGENTS).format(cmd=f"{svc}.{name.lower()}", svc=svc)
    r = {
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "IAMUser",
            "principalId": pid,
            "arn": f"arn:aws:iam::{acct}:user/{uname}",
            "accountId": acct,
            "accessKeyId": key,
            "userName": uname,
        },
        "eventTime": t.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": src,
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": rng.choice(ips),
        "userAgent": ua,
    }
    err = rng.random() < 0.04
    if err:
        code, msg = rng.choice(ERRORS)
        r["errorCode"] = code
        r["errorMessage"] = msg
    r["requestParameters"] = request_parameters(rng, name, region, acct)
    if name == "ConsoleLogin":
        ok = rng.random() < 0.9
        r["responseElements"] = {"ConsoleLogin": "Success" if ok else "Failure"}
        r["additionalEventData"] = {"LoginTo": "https://console.aws.amazon.com/console/home",
                                    "MobileVersion": "No",
                                    "MFAUsed": "Yes" if rng.random() < 0.8 else "No"}
        if not ok:
            r["errorMessage"] = "Failed authentication"
    elif ro or err:
        r["responseElements"] = None
    else:
        r["responseElements"] = {"requestId": rid(rng), "_return": True,
                                 "resourceId": f"{svc}-{hexid(rng, 17)}"}
    if src == "s3.amazonaws.com":
        r["additionalEventData"] = {
            "SignatureVersion": "SigV4", "CipherSuite": "TLS_AES_128_GCM_SHA256",
            "bytesTransferredIn": 0, "AuthenticationMethod": "AuthHeader",
            "x-amz-id-2": hexid(rng, 60), "bytesTransferredOut": rng.randrange(200, 4000)}
    if src in ("s3.amazonaws.com", "kms.amazonaws.com", "iam.amazonaws.com") or not ro:
        r["resources"] = [{"accountId": acct, "type": f"AWS::{svc.upper()}::Resource",
                           "ARN": f"arn:aws:{svc}:{region}:{acct}:resource/{hexid(rng, 16)}"}]
    r["requestID"] = rid(rng)
    r["eventID"] = rid(rng)
    r["readOnly"] = ro
    r["eventType"] = "AwsConsoleSignIn" if name == "ConsoleLogin" else "AwsApiCall"
    r["managementEvent"] = True
    r["recipientAccountId"] = acct
    r["eventCategory"] = "Management"
    r["tlsDetails"] = {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256",
                       "clientProvidedHostHeader": f"{svc}.{region}.amazonaws.com"}
    return r


def make_file(seed: int, i: int, day: datetime, min_rec: int, max_rec: int):
    """(relative path, gzip bytes, inflated length, record count) of file i."""
    rng = random.Random(seed * 1_000_003 + i)
    slot = i * 7 % SLOTS
    start = day + timedelta(minutes=5 * slot)
    region = rng.choices([r for r, _ in REGIONS], weights=[w for _, w in REGIONS])[0]
    acct = ACCOUNTS[i % len(ACCOUNTS)]
    n = rng.randint(min_rec, max_rec)
    times = sorted(start + timedelta(seconds=rng.randrange(300)) for _ in range(n))
    recs = [record(rng, t, region, acct) for t in times]
    raw = json.dumps({"Records": recs}, separators=(",", ":")).encode()
    stamp = (start + timedelta(minutes=5)).strftime("%Y%m%dT%H%MZ")
    ident = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
                    for _ in range(16))
    rel = (f"AWSLogs/{acct}/CloudTrail/{region}/{day:%Y/%m/%d}/"
           f"{acct}_CloudTrail_{region}_{stamp}_{ident}_{i:06d}.json.gz")
    return rel, gzip.compress(raw, compresslevel=6, mtime=0), len(raw), n


def write_batch(args):
    root, seed, first, count, day_iso, min_rec, max_rec = args
    day = datetime.fromisoformat(day_iso).replace(tzinfo=timezone.utc)
    out = []
    for i in range(first, first + count):
        rel, gz, raw_len, n = make_file(seed, i, day, min_rec, max_rec)
        path = Path(root) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gz)
        out.append((rel, len(gz), raw_len, n))
    return out


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("root")
    ap.add_argument("--sizes", default="100,200,400", help="inflated MB (10^6) per set")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--min-records", type=int, default=50)
    ap.add_argument("--max-records", type=int, default=100)
    ap.add_argument("--day", default="2026-03-01")
    a = ap.parse_args(argv)
    sizes = sorted({int(s) for s in a.sizes.split(",") if s.strip()})
    root = Path(a.root)
    params = {"generator": GENERATOR_VERSION, "seed": a.seed, "min_records": a.min_records,
              "max_records": a.max_records, "day": a.day}

    def manifest_path(mb):
        return root / f"{mb}mb.manifest.json"

    def current(mb):
        try:
            m = json.loads(manifest_path(mb).read_text())
        except (OSError, ValueError):
            return None
        ok = m.get("params") == params and (root / f"{mb}mb").is_dir()
        return m if ok else None

    if all(current(mb) for mb in sizes):
        for mb in sizes:
            m = current(mb)
            print(f"{mb}mb {m['files']} {m['records']} {m['gzip_bytes']} {m['inflated_bytes']}")
        return

    # Generate the pool: batches of files until the inflated total reaches the largest size.
    pool = root / "pool"
    for old in [pool, *(root / f"{mb}mb" for mb in sizes)]:
        shutil.rmtree(old, ignore_errors=True)
    for mb in sizes:
        manifest_path(mb).unlink(missing_ok=True)
    pool.mkdir(parents=True)
    target = sizes[-1] * 10**6
    files = []  # (rel, gz, raw, records) in index order
    total = 0
    next_i = 0
    with ProcessPoolExecutor(max_workers=max(1, a.jobs)) as ex:
        while total < target:
            # Enough batches to (most likely) finish, at least one per worker.
            est = max(1, (target - total) // (75 * 1300 * BATCH) + 1)
            n_batches = max(a.jobs, min(est, 64))
            jobs = [(str(pool), a.seed, next_i + k * BATCH, BATCH, a.day, a.min_records,
                     a.max_records) for k in range(n_batches)]
            next_i += n_batches * BATCH
            for batch in ex.map(write_batch, jobs):
                for f in batch:
                    if total < target:
                        files.append(f)
                        total += f[2]
                    else:
                        (pool / f[0]).unlink()
            print(f"  generated {len(files)} files, {total / 1e6:.0f} MB inflated",
                  file=sys.stderr)

    for mb in sizes:
        want = mb * 10**6
        out = root / f"{mb}mb"
        acc = recs = gz = 0
        n = 0
        for rel, g, raw, r in files:
            if acc >= want:
                break
            dst = out / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.link(pool / rel, dst)
            acc += raw
            gz += g
            recs += r
            n += 1
        m = {"params": params, "files": n, "records": recs, "gzip_bytes": gz,
             "inflated_bytes": acc}
        manifest_path(mb).write_text(json.dumps(m, indent=1) + "\n")
        print(f"{mb}mb {n} {recs} {gz} {acc}")


if __name__ == "__main__":
    main(sys.argv[1:])

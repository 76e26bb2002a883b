#!/usr/bin/env python3
"""Smoke test for tests/harness/moto_server.py (plain Python, no pytest).

Starts the server on a free loopback port in a subprocess and checks, with
boto3 and the venv's aws CLI, everything the Rust tests rely on. Prints one
line per check and a closing "harness: N passed, M failed"; exits non-zero
if anything failed.

    .venv/bin/python tests/harness/test_harness.py
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError, IncompleteReadError, ResponseStreamingError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

HERE = Path(__file__).resolve().parent
SERVER = HERE / "moto_server.py"
AWS_CLI = os.environ.get("TRAILPROOF_TEST_AWS_CLI") or str(Path(sys.executable).parent / "aws")
LIST_PUBLIC_KEYS_TARGET = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.ListPublicKeys"

# Dummy credentials; never let a developer's real AWS config leak in.
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": "/dev/null",
    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
}
for _name in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
    os.environ.pop(_name, None)
os.environ.update(AWS_ENV)

T0 = 1_767_225_600  # 2026-01-01T00:00:00Z
DAY = 86_400


# ---------------------------------------------------------------- plumbing


class Server:
    """moto_server.py in a subprocess on a free port."""

    def __init__(self) -> None:
        self.tmp = tempfile.TemporaryDirectory(prefix="trailproof-harness-")
        self.port_file = Path(self.tmp.name) / "port"
        self.log_path = Path(self.tmp.name) / "server.log"
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(SERVER),
                "--port",
                "0",
                "--port-file",
                str(self.port_file),
                "--quiet",
                "--exit-with-parent",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early ({self.proc.returncode}):\n{self.log_text()}")
            if self.port_file.exists():
                self.port = int(self.port_file.read_text())
                self.endpoint = f"http://127.0.0.1:{self.port}"
                try:
                    if call("GET", self.endpoint + "/_trailproof/health")[1] == b"ok":
                        break
                except OSError:
                    pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server not healthy after 30 s:\n{self.log_text()}")
            time.sleep(0.05)

    def log_text(self) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        self.tmp.cleanup()


def call(
    method: str, url: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, bytes, Any]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read(), resp.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read(), e.headers


def client(server: Server, service: str, region: str = "us-east-1") -> Any:
    config = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1})
    return boto3.client(service, endpoint_url=server.endpoint, region_name=region, config=config)


def rsa_public_der() -> bytes:
    """A fresh RSA public key, DER PKCS#1 (what CloudTrail's PublicKey.Value holds)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)


def wire_key(der: bytes, start: float, end: float) -> dict[str, Any]:
    return {
        "Value": base64.b64encode(der).decode(),
        "ValidityStartTime": start,
        "ValidityEndTime": end,
        "Fingerprint": hashlib.md5(der).hexdigest(),
    }


def register(server: Server, region: str, keys: list[dict[str, Any]]) -> dict[str, Any]:
    status, body, _ = call(
        "POST", server.endpoint + "/_trailproof/public-keys", {"region": region, "keys": keys}
    )
    assert status == 200, (status, body)
    return json.loads(body)


def add_fault(server: Server, **spec: Any) -> None:
    status, body, _ = call("POST", server.endpoint + "/_trailproof/faults", spec)
    assert status == 200, (status, body)


def error_code(exc: ClientError) -> str:
    return exc.response["Error"]["Code"]


# ---------------------------------------------------------------- checks


def check_s3_roundtrip(server: Server) -> None:
    s3 = client(server, "s3")
    s3.create_bucket(Bucket="tp-roundtrip")
    key = "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/01/01/digest file+1.json.gz"
    meta = {"signature": "ab" * 8, "signature-algorithm": "SHA256withRSA", "under_score": "kept"}
    s3.put_object(Bucket="tp-roundtrip", Key=key, Body=b"hello digest", Metadata=meta)
    got = s3.get_object(Bucket="tp-roundtrip", Key=key)
    assert got["Body"].read() == b"hello digest"
    assert got["Metadata"] == meta, got["Metadata"]
    listed = s3.list_objects_v2(Bucket="tp-roundtrip", Prefix="AWSLogs/")
    assert [o["Key"] for o in listed["Contents"]] == [key], listed
    # The CLI reads bucket locations; make sure moto answers them over loopback.
    assert s3.get_bucket_location(Bucket="tp-roundtrip").get("LocationConstraint") is None


def check_routing_other_services(server: Server) -> None:
    ident = client(server, "sts").get_caller_identity()
    assert ident["Account"].isdigit(), ident
    org = client(server, "organizations")
    org.create_organization(FeatureSet="ALL")
    assert org.describe_organization()["Organization"]["Id"].startswith("o-")


def check_trails(server: Server) -> None:
    client(server, "s3").create_bucket(Bucket="tp-trail-bucket")
    ct = client(server, "cloudtrail")
    created = ct.create_trail(
        Name="tp-trail", S3BucketName="tp-trail-bucket", S3KeyPrefix="pfx", EnableLogFileValidation=True
    )
    trails = ct.describe_trails(trailNameList=[created["TrailARN"]])["trailList"]
    assert len(trails) == 1, trails
    assert trails[0]["Name"] == "tp-trail" and trails[0]["S3BucketName"] == "tp-trail-bucket", trails[0]
    assert trails[0]["LogFileValidationEnabled"] is True, trails[0]


def check_public_keys(server: Server) -> None:
    der_a, der_b, der_eu = rsa_public_der(), rsa_public_der(), rsa_public_der()
    key_a = wire_key(der_a, T0, T0 + 10 * DAY)  # Jan 1 .. Jan 11
    key_b = wire_key(der_b, T0 + 10 * DAY, T0 + 20 * DAY + 0.5)  # Jan 11 .. Jan 21 (+0.5 s)
    key_eu = wire_key(der_eu, T0, T0 + 20 * DAY)

    reply = register(server, "us-east-1", [key_a, key_b])
    assert reply["added"] == 2, reply
    register(server, "eu-west-1", [key_eu])
    # Idempotent, also under concurrent registration of the same keys.
    threads = [
        threading.Thread(target=register, args=(server, "us-east-1", [key_b, key_a])) for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    reply = register(server, "us-east-1", [key_a])
    assert reply == {"region": "us-east-1", "added": 0, "total": 2}, reply
    status, body, _ = call("GET", server.endpoint + "/_trailproof/public-keys?region=us-east-1")
    assert status == 200 and json.loads(body)["keys"] == [key_a, key_b], body

    def fingerprints(region: str, **kwargs: Any) -> list[str]:
        keys = client(server, "cloudtrail", region).list_public_keys(**kwargs)["PublicKeyList"]
        return [k["Fingerprint"] for k in keys]

    us = client(server, "cloudtrail").list_public_keys(StartTime=T0, EndTime=T0 + 30 * DAY)["PublicKeyList"]
    assert [k["Value"] for k in us] == [der_a, der_b], "SDK must decode Value to the DER bytes"
    assert us[0]["ValidityStartTime"].timestamp() == T0
    assert fingerprints("us-east-1", StartTime=T0 + DAY, EndTime=T0 + 2 * DAY) == [key_a["Fingerprint"]]
    assert fingerprints("us-east-1", StartTime=T0 + 15 * DAY, EndTime=T0 + 16 * DAY) == [key_b["Fingerprint"]]
    # Bounds are inclusive: a range touching both keys at Jan 11 returns both.
    assert fingerprints("us-east-1", StartTime=T0 + 10 * DAY, EndTime=T0 + 10 * DAY) == [
        key_a["Fingerprint"],
        key_b["Fingerprint"],
    ]
    assert fingerprints("us-east-1", StartTime=T0 - 5 * DAY, EndTime=T0 - DAY) == []
    assert fingerprints("us-east-1") == [], "no StartTime/EndTime means 'now', after every key"
    assert fingerprints("eu-west-1", StartTime=T0, EndTime=T0 + DAY) == [key_eu["Fingerprint"]]
    assert fingerprints("ap-south-1", StartTime=T0, EndTime=T0 + DAY) == []
    try:
        client(server, "cloudtrail").list_public_keys(StartTime=T0 + DAY, EndTime=T0)
        raise AssertionError("StartTime > EndTime should fail")
    except ClientError as e:
        assert error_code(e) == "InvalidTimeRangeException", e.response

    # On the wire: one layer of standard base64, float epoch seconds accepted,
    # region taken from the SigV4 credential scope.
    status, body, headers = call(
        "POST",
        server.endpoint + "/",
        {"StartTime": T0 + 20.5 * DAY, "EndTime": T0 + 20.5 * DAY},
        {
            "X-Amz-Target": LIST_PUBLIC_KEYS_TARGET,
            "Content-Type": "application/x-amz-json-1.1",
            "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/eu-west-1/cloudtrail/aws4_request,"
            " SignedHeaders=host, Signature=00",
        },
    )
    assert status == 200 and headers["Content-Type"] == "application/x-amz-json-1.1", (status, headers)
    assert json.loads(body) == {"PublicKeyList": []}, body  # eu key ends at Jan 21 00:00
    status, body, _ = call(
        "POST",
        server.endpoint + "/",
        {"StartTime": T0 + 20 * DAY + 0.25},
        # The short target form is what the Rust SDK (smithy-rs) sends.
        {"X-Amz-Target": "CloudTrail_20131101.ListPublicKeys", "Content-Type": "application/x-amz-json-1.1"},
    )
    # StartTime given, EndTime = now: key_b (ends 0.5 s past Jan 21) only; unsigned = us-east-1.
    assert json.loads(body) == {"PublicKeyList": [key_b]}, body


def check_aws_cli_list_public_keys(server: Server) -> None:
    der = rsa_public_der()
    key = wire_key(der, T0 + 100 * DAY, T0 + 110 * DAY)
    register(server, "us-west-2", [key])
    out = subprocess.run(
        [
            AWS_CLI,
            "cloudtrail",
            "list-public-keys",
            "--endpoint-url",
            server.endpoint,
            "--region",
            "us-west-2",
            "--start-time",
            str(T0 + 101 * DAY),
            "--end-time",
            str(T0 + 102 * DAY),
            "--output",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **AWS_ENV},
    )
    assert out.returncode == 0, (out.returncode, out.stderr)
    keys = json.loads(out.stdout)["PublicKeyList"]
    assert len(keys) == 1, keys
    assert keys[0]["Value"] == key["Value"], "aws CLI shows the same single-layer base64 Value"
    assert base64.b64decode(keys[0]["Value"]) == der
    assert keys[0]["Fingerprint"] == key["Fingerprint"]


def check_fault_access_denied(server: Server) -> None:
    s3 = client(server, "s3")
    s3.create_bucket(Bucket="tp-faults")
    key = "dir/obj with space.json.gz"
    s3.put_object(Bucket="tp-faults", Key=key, Body=b"0123456789" * 100)

    # times=1: the first read fails, the next one goes through.
    add_fault(
        server, bucket="tp-faults", key=key, status=403, code="AccessDenied", message="Access Denied", times=1
    )
    try:
        s3.get_object(Bucket="tp-faults", Key=key)
        raise AssertionError("expected AccessDenied")
    except ClientError as e:
        assert error_code(e) == "AccessDenied", e.response
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        assert e.response["Error"]["Message"] == "Access Denied"
    assert s3.get_object(Bucket="tp-faults", Key=key)["Body"].read() == b"0123456789" * 100

    # Forever (no times): GET and HEAD fail until cleared; other keys unaffected.
    add_fault(server, bucket="tp-faults", key=key, status=404, code="NoSuchKey", message="gone")
    for _ in range(2):
        try:
            s3.get_object(Bucket="tp-faults", Key=key)
            raise AssertionError("expected NoSuchKey")
        except ClientError as e:
            assert error_code(e) == "NoSuchKey", e.response
    try:
        s3.head_object(Bucket="tp-faults", Key=key)
        raise AssertionError("expected HEAD 404")
    except ClientError as e:
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    s3.put_object(Bucket="tp-faults", Key="other", Body=b"x")
    assert s3.get_object(Bucket="tp-faults", Key="other")["Body"].read() == b"x"
    status, body, _ = call("DELETE", server.endpoint + "/_trailproof/faults")
    assert status == 200 and json.loads(body)["removed"] == 1, body
    assert s3.get_object(Bucket="tp-faults", Key=key)["Body"].read() == b"0123456789" * 100


def check_fault_truncate_and_slow(server: Server) -> None:
    s3 = client(server, "s3")
    s3.create_bucket(Bucket="tp-faults2")
    s3.put_object(Bucket="tp-faults2", Key="k", Body=b"a" * 1000)

    add_fault(server, bucket="tp-faults2", key="k", mode="truncate", times=1)
    assert s3.head_object(Bucket="tp-faults2", Key="k")["ContentLength"] == 1000, (
        "HEAD doesn't use up a truncate"
    )
    # Raw HTTP: full Content-Length announced, half the body, then EOF.
    # (Signed: moto refuses anonymous reads of private buckets with a 403.)
    signed = AWSRequest(method="GET", url=server.endpoint + "/tp-faults2/k")
    S3SigV4Auth(Credentials("testing", "testing"), "s3", "us-east-1").add_auth(signed)
    req = urllib.request.Request(signed.url, headers=dict(signed.headers.items()))
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.headers["Content-Length"] == "1000", resp.headers
        try:
            data = resp.read()
            raise AssertionError(f"expected a short read, got {len(data)} bytes")
        except http.client.IncompleteRead as e:
            assert len(e.partial) == 500, len(e.partial)
    # Through boto3 the short body surfaces as an error while reading it.
    add_fault(server, bucket="tp-faults2", key="k", mode="truncate", times=1)
    body = s3.get_object(Bucket="tp-faults2", Key="k")["Body"]
    try:
        data = body.read()
        raise AssertionError(f"expected a short read, got {len(data)} bytes")
    except (IncompleteReadError, ResponseStreamingError):
        pass
    assert s3.get_object(Bucket="tp-faults2", Key="k")["Body"].read() == b"a" * 1000

    add_fault(server, bucket="tp-faults2", key="k", mode="slow", delay_ms=400, times=1)
    started = time.monotonic()
    assert s3.get_object(Bucket="tp-faults2", Key="k")["Body"].read() == b"a" * 1000
    assert time.monotonic() - started >= 0.4


def check_control_errors(server: Server) -> None:
    status, _, _ = call("POST", server.endpoint + "/_trailproof/faults", {"bucket": "b"})
    assert status == 400
    status, _, _ = call(
        "POST",
        server.endpoint + "/_trailproof/public-keys",
        {"region": "us-east-1", "keys": [{"Value": "not base64!"}]},
    )
    assert status == 400
    status, _, _ = call("GET", server.endpoint + "/_trailproof/nope")
    assert status == 404


def check_fault_proxy(server: Server) -> None:
    """tests/harness/fault_proxy.py in front of the server: forwarding, rules, request log."""
    tmp = Path(server.tmp.name)
    port_file = tmp / "proxy-port"
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "fault_proxy.py"), "--upstream", server.endpoint,
         "--port-file", str(port_file), "--exit-with-parent"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while not port_file.exists():
            assert time.monotonic() < deadline, "proxy did not start"
            time.sleep(0.02)
        ep = f"http://127.0.0.1:{int(port_file.read_text())}"
        assert call("GET", ep + "/_proxy/health")[1] == b"ok"
        s3 = boto3.client(
            "s3",
            endpoint_url=ep,
            region_name="us-east-1",
            config=Config(s3={"addressing_style": "path"}, retries={"total_max_attempts": 1}, read_timeout=1),
        )
        s3.create_bucket(Bucket="tp-proxy")
        for i in range(5):
            s3.put_object(Bucket="tp-proxy", Key=f"k{i}", Body=b"b" * 100)

        def rule(**spec: Any) -> int:
            status, body, _ = call("POST", ep + "/_proxy/rules", spec)
            assert status == 200, body
            return json.loads(body)["ids"][0]

        # Pages of two keys; page 2 fails once with a 500, then passes.
        rule(fault="page_size", bucket="tp-proxy", max_keys=2)
        rule(fault="status", bucket="tp-proxy", page=2, status=500, code="InternalError", times=1)
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket="tp-proxy")
        try:
            [o for p in pages for o in p.get("Contents", [])]
            raise AssertionError("page 2 did not fail")
        except ClientError as e:
            assert error_code(e) == "InternalError", e
        keys = [o["Key"] for p in s3.get_paginator("list_objects_v2").paginate(Bucket="tp-proxy") for o in p["Contents"]]
        assert keys == [f"k{i}" for i in range(5)], keys

        rule(fault="status", key="k1", status=403, code="KMS.AccessDeniedException", message="no")
        try:
            s3.get_object(Bucket="tp-proxy", Key="k1")
            raise AssertionError("no KMS denial")
        except ClientError as e:
            assert error_code(e) == "KMS.AccessDeniedException", e
        rule(fault="cut", key="k2", times=1)
        try:
            s3.get_object(Bucket="tp-proxy", Key="k2")["Body"].read()
            raise AssertionError("body not cut")
        except (IncompleteReadError, ResponseStreamingError):
            pass
        rule(fault="stall", key="k3", times=1)
        started = time.monotonic()
        try:
            s3.get_object(Bucket="tp-proxy", Key="k3")
            raise AssertionError("no stall")
        except Exception as e:  # botocore's ReadTimeoutError
            assert "timeout" in type(e).__name__.lower() or "timed out" in str(e), repr(e)
        assert time.monotonic() - started < 5
        assert s3.get_object(Bucket="tp-proxy", Key="k3")["Body"].read() == b"b" * 100
        rule(fault="delay", key="k4", delay_ms=300, times=1)
        started = time.monotonic()
        assert s3.get_object(Bucket="tp-proxy", Key="k4")["Body"].read() == b"b" * 100
        assert time.monotonic() - started >= 0.3

        seen = json.loads(call("GET", ep + "/_proxy/requests")[1])["requests"]
        assert {r["service"] for r in seen if r["method"] == "PUT"} == {"s3"}, seen
        faults = [r["fault"] for r in seen if r["fault"]]
        assert faults == ["status", "status", "cut", "stall", "delay"], faults
        status, _, _ = call("POST", ep + "/_proxy/rules", {"fault": "explode"})
        assert status == 400
    finally:
        proc.terminate()
        proc.wait(10)


CHECKS: list[Callable[[Server], None]] = [
    check_s3_roundtrip,
    check_routing_other_services,
    check_trails,
    check_public_keys,
    check_aws_cli_list_public_keys,
    check_fault_access_denied,
    check_fault_truncate_and_slow,
    check_control_errors,
    check_fault_proxy,
]


def main() -> int:
    started = time.monotonic()
    server = Server()
    print(f"harness: server on {server.endpoint} ({time.monotonic() - started:.1f} s to start)", flush=True)
    passed = failed = 0
    try:
        for check in CHECKS:
            t = time.monotonic()
            try:
                check(server)
            except Exception:
                failed += 1
                print(f"FAIL {check.__name__}\n{traceback.format_exc()}", flush=True)
            else:
                passed += 1
                print(f"ok   {check.__name__} ({time.monotonic() - t:.2f} s)", flush=True)
        if failed:
            print("---- server log ----\n" + server.log_text()[-20000:], flush=True)
    finally:
        server.stop()
    print(f"harness: done in {time.monotonic() - started:.1f} s")
    # Alone on its line, in the plain "N passed, N failed" form test runners report.
    print(f"harness: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Helpers for scripts/bench-verify (run with the repo venv's Python: boto3 comes with moto).

    bench_upload.py stats   MIRROR_DIR
        Counts and byte totals of the mirror's log files (compressed and inflated).
    bench_upload.py upload  MIRROR_DIR BUCKET ENDPOINT [--threads N]
        Creates BUCKET on the S3 endpoint and uploads every object of MIRROR_DIR/BUCKET
        (path-style), each with the user metadata of its ``<key>.meta.json`` sidecar, then
        checks that a digest's metadata comes back on GetObject.
    bench_upload.py keys    PUBLIC_KEYS_JSON ENDPOINT
        Registers ``{region: list-public-keys output}`` with the harness moto server
        (``POST /_trailproof/public-keys``), times converted to epoch seconds.
    bench_upload.py run     OUT_PREFIX -- CMD...
        Runs CMD; writes its stdout/stderr to OUT_PREFIX.stdout/.stderr and prints
        ``<exit code> <wall seconds> <peak RSS KiB>`` (wall time around the child only,
        peak RSS from wait4's rusage of that child).
    bench_upload.py wait-port PORT [SECONDS]
        Waits until 127.0.0.1:PORT accepts TCP connections.
    bench_upload.py free-port
        Prints a free loopback port.

Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
"""

from __future__ import annotations

import gzip
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

META_SUFFIX = ".meta.json"


def objects(root: Path):
    """(key, path, metadata) of every object under root (one bucket folder)."""
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.name.endswith(META_SUFFIX):
            continue
        key = path.relative_to(root).as_posix()
        meta_path = path.with_name(path.name + META_SUFFIX)
        meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
        yield key, path, meta


def cmd_stats(mirror: str) -> None:
    files = compressed = inflated = digests = 0
    for path in Path(mirror).rglob("*.json.gz"):
        if "CloudTrail-Digest" in path.as_posix():
            digests += 1
            continue
        body = path.read_bytes()
        files += 1
        compressed += len(body)
        inflated += len(gzip.decompress(body))
    print(f"{files} {compressed} {inflated} {digests}")


def s3_client(endpoint: str, threads: int):
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        config=Config(
            s3={"addressing_style": "path"},
            max_pool_connections=threads,
            retries={"max_attempts": 5, "mode": "standard"},
        ),
    )


def cmd_upload(mirror: str, bucket: str, endpoint: str, threads: int) -> None:
    client = s3_client(endpoint, threads)
    try:
        client.create_bucket(Bucket=bucket)
    except client.exceptions.BucketAlreadyOwnedByYou:
        pass
    items = list(objects(Path(mirror) / bucket))

    def put(item):
        key, path, meta = item
        client.put_object(Bucket=bucket, Key=key, Body=path.read_bytes(), Metadata=meta)
        return len(meta)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        with_meta = sum(1 for n in pool.map(put, items) if n)
    elapsed = time.perf_counter() - started

    # The verifiers need the digests' user metadata back, byte for byte.
    checked = 0
    for key, path, meta in items:
        if not meta:
            continue
        got = client.get_object(Bucket=bucket, Key=key)
        if got["Metadata"] != meta or got["Body"].read() != path.read_bytes():
            sys.exit(f"bench_upload: s3://{bucket}/{key} does not round-trip: "
                     f"metadata {got['Metadata']!r}, want {meta!r}")
        checked += 1
        if checked >= 3:
            break
    if with_meta and not checked:
        sys.exit("bench_upload: no object with metadata to check")
    print(f"uploaded {len(items)} objects ({with_meta} with metadata) in {elapsed:.1f} s "
          f"with {threads} threads; metadata round-trip checked on {checked}")


def epoch(value) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.timestamp()


def cmd_keys(path: str, endpoint: str) -> None:
    by_region = json.loads(Path(path).read_text())
    for region, listing in by_region.items():
        keys = [
            {
                "Value": k["Value"],
                "Fingerprint": k["Fingerprint"],
                "ValidityStartTime": int(epoch(k["ValidityStartTime"])),
                "ValidityEndTime": int(epoch(k["ValidityEndTime"])),
            }
            for k in listing["PublicKeyList"]
        ]
        req = urllib.request.Request(
            endpoint.rstrip("/") + "/_trailproof/public-keys",
            data=json.dumps({"region": region, "keys": keys}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            resp.read()
        print(f"registered {len(keys)} public key(s) for {region}")


def cmd_run(prefix: str, argv: list[str]) -> None:
    with open(prefix + ".stdout", "wb") as out, open(prefix + ".stderr", "wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    print(f"{proc.returncode} {wall:.3f} {usage.ru_maxrss}")


def cmd_wait_port(port: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"bench_upload: nothing listening on 127.0.0.1:{port} after {seconds} s")


def cmd_free_port() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])


def main(argv: list[str]) -> None:
    if not argv:
        sys.exit(__doc__)
    cmd, rest = argv[0], argv[1:]
    if cmd == "stats" and len(rest) == 1:
        cmd_stats(rest[0])
    elif cmd == "upload" and len(rest) in (3, 5):
        threads = int(rest[4]) if len(rest) == 5 and rest[3] == "--threads" else 16
        cmd_upload(rest[0], rest[1], rest[2], threads)
    elif cmd == "keys" and len(rest) == 2:
        cmd_keys(rest[0], rest[1])
    elif cmd == "run" and len(rest) >= 3 and rest[1] == "--":
        cmd_run(rest[0], rest[2:])
    elif cmd == "wait-port" and len(rest) in (1, 2):
        cmd_wait_port(int(rest[0]), float(rest[1]) if len(rest) == 2 else 30.0)
    elif cmd == "free-port" and not rest:
        cmd_free_port()
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])

#!/usr/bin/env python3
"""Loopback AWS stand-in (S3 + CloudTrail + friends) for trailproof's tests.

This is moto's own server application (the same one `moto_server` runs),
wrapped in a small WSGI middleware that adds what moto 5.2.5 lacks or what
the tests need to control:

* CloudTrail ``ListPublicKeys`` (moto answers HTTP 500 for it): served from
  keys the tests register per region. Recognised by ``X-Amz-Target`` in both
  the long form botocore sends and the short form the Rust SDK sends.
* CloudTrail ``ListEventDataStores`` (moto models no CloudTrail Lake):
  always ``{"EventDataStores": []}``. Both ``X-Amz-Target`` forms.
* Account ``ListRegions`` (moto lacks it; the Rust SDK sends REST-JSON
  ``POST /listRegions`` signed for service ``account``): answered from a
  per-account region store. The default is the 17 regions that need no
  opt-in as ``ENABLED_BY_DEFAULT``, plus ``af-south-1`` ``DISABLED`` and
  ``ap-east-1`` ``ENABLED``. The account is the body's ``AccountId``, else the
  caller's (moto's access key to account mapping). Every region in one page.
* CloudWatch over Smithy RPC v2 CBOR (what the Rust SDK speaks; moto only
  parses JSON 1.0 and query): ``POST /service/<Service>/operation/<Op>`` is
  translated to a JSON 1.0 request for moto, and moto's JSON answer back to
  CBOR, shaped by botocore's service model (timestamps as tag 1, doubles as
  floats).
* S3 ``GetBucketVersioning``: moto's root element (``GetBucketVersioningResponse``)
  is renamed to S3's ``VersioningConfiguration``, which the Rust SDK insists on.
* ``x-amzn-RequestId`` on the answers we make up, as AWS sends.
* ``POST /_trailproof/regions`` with ``{"regions": [{"RegionName": ...,
  "RegionOptStatus": ...}], "account": "123456789012"}`` replaces the region
  list of that account (of every account without ``account``).
  ``GET /_trailproof/regions[?account=A]``: the list ListRegions would give.
  ``DELETE /_trailproof/regions[?account=A]``: back to the default.
* ``POST /_trailproof/public-keys``: register digest-signing public keys.
  ``GET  /_trailproof/public-keys[?region=R]``: list them (debugging).
* ``POST /_trailproof/faults``: inject faults into S3 object reads
  (error response, truncated body, slow response).
  ``GET /_trailproof/faults``: list them.  ``DELETE /_trailproof/faults``:
  clear all of them, or with ``?bucket=B[&key=K]`` only those.
* ``GET /_trailproof/health``: 200 ``ok``.

Everything else goes to moto unchanged.  moto's dispatcher picks the service
from the SigV4 credential scope in the ``Authorization`` header
(``Credential=AKID/20260101/us-east-1/<service>/aws4_request``), so a single
``http://127.0.0.1:PORT`` endpoint serves s3, cloudtrail, organizations, sts...
S3 must be addressed path-style (``/<bucket>/<key>``).

Usage::

    python moto_server.py --port 0 --port-file /tmp/port [--host 127.0.0.1]
        [--quiet] [--exit-with-parent]

``--port 0`` binds a free port; the bound port is written to ``--port-file``
(atomically, via rename) once the socket is listening.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import io
import json
import os
import re
import signal
import struct
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from xml.sax.saxutils import escape as xml_escape

from moto.server import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

CONTROL_PREFIX = "/_trailproof/"
# X-Amz-Target of ListPublicKeys. botocore/aws-cli send the long form
# "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.ListPublicKeys";
# the Rust SDK (smithy-rs) sends just "CloudTrail_20131101.ListPublicKeys".
# AWS accepts both, and so do we.
LIST_PUBLIC_KEYS_TARGETS = frozenset(
    {
        "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.ListPublicKeys",
        "CloudTrail_20131101.ListPublicKeys",
    }
)
LIST_EVENT_DATA_STORES_TARGETS = frozenset(
    {
        "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.ListEventDataStores",
        "CloudTrail_20131101.ListEventDataStores",
    }
)
DEFAULT_REGION = "us-east-1"
# account:ListRegions' default answer: the regions that need no opt-in, one
# opt-in region left disabled and one opted in.
STANDARD_REGIONS = (
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ap-south-1",
    "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1",
    "ap-southeast-2", "ca-central-1", "eu-central-1", "eu-west-1", "eu-west-2",
    "eu-west-3", "eu-north-1", "sa-east-1",
)  # fmt: skip
DEFAULT_REGIONS = [
    *({"RegionName": r, "RegionOptStatus": "ENABLED_BY_DEFAULT"} for r in STANDARD_REGIONS),
    {"RegionName": "af-south-1", "RegionOptStatus": "DISABLED"},
    {"RegionName": "ap-east-1", "RegionOptStatus": "ENABLED"},
]
REGION_OPT_STATUSES = frozenset({"ENABLED", "ENABLING", "DISABLING", "DISABLED", "ENABLED_BY_DEFAULT"})
# Smithy RPC v2 CBOR services (service shape name in the request path) that we
# translate to moto's JSON 1.0 handling: shape name -> botocore service name.
CBOR_SERVICES = {"GraniteServiceVersion20100801": "cloudwatch"}
CBOR_PATH_RE = re.compile(r"^/service/(?P<service>[^/]+)/operation/(?P<operation>[^/]+)$")
ACCESS_KEY_RE = re.compile(r"Credential=(?P<key>[^/,\s]+)/")
# SigV4: "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/cloudtrail/aws4_request, ..."
CREDENTIAL_SCOPE_RE = re.compile(
    r"Credential=[^/,\s]+/\d{8}/(?P<region>[^/,\s]+)/(?P<service>[^/,\s]+)/aws4_request"
)

WsgiEnviron = dict[str, Any]
StartResponse = Callable[..., Any]


class BadRequest(Exception):
    """Invalid input to one of our own endpoints; becomes an HTTP 400."""


def json_response(payload: Any, status: int = 200, content_type: str = "application/json") -> Response:
    return Response(json.dumps(payload), status=status, content_type=content_type)


def aws_json_error(type_name: str, message: str, status: int = 400) -> Response:
    """An error in the shape of the AWS JSON 1.1 protocol."""
    return json_response(
        {"__type": type_name, "message": message},
        status=status,
        content_type="application/x-amz-json-1.1",
    )


def region_from_auth(environ: WsgiEnviron) -> str:
    """Region of the SigV4 credential scope; us-east-1 when unsigned/unparsable."""
    match = CREDENTIAL_SCOPE_RE.search(environ.get("HTTP_AUTHORIZATION", ""))
    return match.group("region") if match else DEFAULT_REGION


def service_from_auth(environ: WsgiEnviron) -> str | None:
    """Service of the SigV4 credential scope; None when unsigned/unparsable."""
    match = CREDENTIAL_SCOPE_RE.search(environ.get("HTTP_AUTHORIZATION", ""))
    return match.group("service") if match else None


def with_request_id(response: Response) -> Response:
    """Add an ``x-amzn-RequestId`` like AWS (and moto) send."""
    response.headers["x-amzn-RequestId"] = str(uuid.uuid4())
    return response


def is_get_bucket_versioning(environ: WsgiEnviron) -> bool:
    """A path-style S3 ``GET /<bucket>?versioning``."""
    if service_from_auth(environ) != "s3":
        return False
    bucket = environ.get("PATH_INFO", "").strip("/")
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    return bool(bucket) and "/" not in bucket and "versioning" in query


def cbor_response(payload: Any, status: int, headers: list[tuple[str, str]]) -> Response:
    """An answer in the Smithy RPC v2 CBOR protocol."""
    response = Response(cbor_encode(payload), status=status, headers=headers, content_type="application/cbor")
    response.headers["smithy-protocol"] = "rpc-v2-cbor"
    return response


def parse_epoch(value: Any, field: str) -> float:
    """Parse a JSON timestamp: epoch seconds (int/float, or a numeric string),
    or an ISO-8601 string as a lenient fallback."""
    if isinstance(value, bool):  # bool is an int subclass; never a timestamp
        raise BadRequest(f"{field}: expected epoch seconds, got {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise BadRequest(f"{field}: not a timestamp: {value!r}") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.timestamp()
    raise BadRequest(f"{field}: expected epoch seconds, got {value!r}")


def tidy_number(seconds: float) -> int | float:
    """Whole seconds as an int (1767225600, not 1767225600.0) on the wire."""
    return int(seconds) if seconds.is_integer() else seconds


def read_json_body(request: Request) -> Any:
    raw = request.get_data(cache=False)
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except ValueError as e:
        raise BadRequest(f"body is not valid JSON: {e}") from None


# --------------------------------------------------------------------------
# Public keys
# --------------------------------------------------------------------------


class PublicKeyStore:
    """Per-region list of CloudTrail public keys, de-duplicated by Fingerprint."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_region: dict[str, list[dict[str, Any]]] = {}

    @staticmethod
    def _validate(raw: Any, index: int) -> dict[str, Any]:
        where = f"keys[{index}]"
        if not isinstance(raw, dict):
            raise BadRequest(f"{where}: expected an object")
        value = raw.get("Value")
        fingerprint = raw.get("Fingerprint")
        if not isinstance(value, str) or not value:
            raise BadRequest(f"{where}.Value: expected a base64 string")
        try:
            # Exactly one layer of standard base64 over the DER; what AWS sends.
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise BadRequest(f"{where}.Value: not valid standard base64") from None
        if not isinstance(fingerprint, str) or not fingerprint:
            raise BadRequest(f"{where}.Fingerprint: expected a non-empty string")
        start = parse_epoch(raw.get("ValidityStartTime"), f"{where}.ValidityStartTime")
        end = parse_epoch(raw.get("ValidityEndTime"), f"{where}.ValidityEndTime")
        if start > end:
            raise BadRequest(f"{where}: ValidityStartTime is after ValidityEndTime")
        return {
            "Value": value,
            "ValidityStartTime": tidy_number(start),
            "ValidityEndTime": tidy_number(end),
            "Fingerprint": fingerprint,
        }

    def register(self, region: str, raw_keys: list[Any]) -> tuple[int, int]:
        """Append keys not yet known (by Fingerprint). Returns (added, total)."""
        keys = [self._validate(k, i) for i, k in enumerate(raw_keys)]
        added = 0
        with self._lock:
            existing = self._by_region.setdefault(region, [])
            known = {k["Fingerprint"] for k in existing}
            for key in keys:
                if key["Fingerprint"] not in known:
                    existing.append(key)
                    known.add(key["Fingerprint"])
                    added += 1
            return added, len(existing)

    def list(self, region: str) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(k) for k in self._by_region.get(region, [])]

    def all(self) -> dict[str, list[dict[str, Any]]]:
        with self._lock:
            return {r: [dict(k) for k in ks] for r, ks in self._by_region.items()}

    def overlapping(self, region: str, start: float, end: float) -> list[dict[str, Any]]:
        """Keys whose validity interval overlaps [start, end], bounds inclusive."""
        return [
            k
            for k in self.list(region)
            if float(k["ValidityStartTime"]) <= end and float(k["ValidityEndTime"]) >= start
        ]


# --------------------------------------------------------------------------
# Faults
# --------------------------------------------------------------------------

FAULT_MODES = ("error", "truncate", "slow")


@dataclass
class Fault:
    id: int
    bucket: str
    key: str
    mode: str  # "error" | "truncate" | "slow"
    status: int
    code: str
    message: str
    times: int | None  # None = forever; else remaining matches
    delay_ms: int

    def applies_to(self, method: str) -> bool:
        # A truncated body only makes sense for GET (HEAD has no body), so a
        # truncate fault neither fires on nor is used up by HEAD requests.
        if self.mode == "truncate":
            return method == "GET"
        return method in ("GET", "HEAD")


class FaultStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._next_id = 1

    def add(self, spec: Any) -> Fault:
        if not isinstance(spec, dict):
            raise BadRequest("expected a JSON object")
        bucket, key = spec.get("bucket"), spec.get("key")
        if not isinstance(bucket, str) or not bucket:
            raise BadRequest("bucket: expected a non-empty string")
        if not isinstance(key, str) or not key:
            raise BadRequest("key: expected a non-empty string")
        mode = spec.get("mode") or "error"
        if mode not in FAULT_MODES:
            raise BadRequest(f"mode: expected one of {FAULT_MODES}, got {mode!r}")
        times = spec.get("times")
        if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 1):
            raise BadRequest("times: expected a positive integer or null (forever)")
        status = spec.get("status", 403)
        if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
            raise BadRequest("status: expected an HTTP status code")
        delay_ms = spec.get("delay_ms", 0)
        if isinstance(delay_ms, bool) or not isinstance(delay_ms, (int, float)) or delay_ms < 0:
            raise BadRequest("delay_ms: expected a non-negative number")
        code = spec.get("code", "AccessDenied")
        message = spec.get("message", "Access Denied")
        if not isinstance(code, str) or not isinstance(message, str):
            raise BadRequest("code/message: expected strings")
        with self._lock:
            fault = Fault(
                id=self._next_id,
                bucket=bucket,
                key=key,
                mode=mode,
                status=status,
                code=code,
                message=message,
                times=times,
                delay_ms=int(delay_ms),
            )
            self._next_id += 1
            self._faults.append(fault)
            return fault

    def take(self, method: str, bucket: str, key: str) -> Fault | None:
        """The oldest fault matching this request, with one use consumed."""
        with self._lock:
            for fault in self._faults:
                if fault.bucket == bucket and fault.key == key and fault.applies_to(method):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self._faults.remove(fault)
                    return fault
            return None

    def clear(self, bucket: str | None = None, key: str | None = None) -> int:
        with self._lock:
            keep = [
                f
                for f in self._faults
                if not ((bucket is None or f.bucket == bucket) and (key is None or f.key == key))
            ]
            removed = len(self._faults) - len(keep)
            self._faults = keep
            return removed

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(f) for f in self._faults]


def s3_path_style_target(environ: WsgiEnviron) -> tuple[str, str] | None:
    """(bucket, key) of a path-style S3 object request, key URL-decoded.

    Uses the raw request target rather than PATH_INFO so that an encoded
    slash (%2F) inside the bucket segment can't shift the split point.
    """
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        # Undo werkzeug's WSGI latin-1 "encoding dance" to get the original text.
        raw = raw.encode("latin-1").decode("utf-8", "replace")
        path = urlsplit(raw).path  # also strips an absolute-form "http://host"
    else:
        path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")
    bucket, sep, key = path.lstrip("/").partition("/")
    if not bucket or not sep or not key:
        return None
    return unquote(bucket), unquote(key)


def s3_error(status: int, code: str, message: str, key: str, head: bool) -> Response:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<Error><Code>{xml_escape(code)}</Code><Message>{xml_escape(message)}</Message>"
        f"<Key>{xml_escape(key)}</Key><RequestId>trailproof-fault</RequestId></Error>"
    )
    response = Response(b"" if head else body.encode("utf-8"), status=status, content_type="application/xml")
    response.headers["x-amz-request-id"] = "trailproof-fault"
    return response


# --------------------------------------------------------------------------
# Regions (account:ListRegions)
# --------------------------------------------------------------------------


class RegionStore:
    """The region list ListRegions answers: a default, overridable per account."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._default: list[dict[str, str]] = [dict(r) for r in DEFAULT_REGIONS]
        self._by_account: dict[str, list[dict[str, str]]] = {}

    @staticmethod
    def _validate(raw: Any) -> list[dict[str, str]]:
        if not isinstance(raw, list):
            raise BadRequest('expected {"regions": [{"RegionName": str, "RegionOptStatus": str}, ...]}')
        out = []
        for i, r in enumerate(raw):
            if not isinstance(r, dict):
                raise BadRequest(f"regions[{i}]: expected an object")
            name, status = r.get("RegionName"), r.get("RegionOptStatus")
            if not isinstance(name, str) or not name:
                raise BadRequest(f"regions[{i}].RegionName: expected a non-empty string")
            if status not in REGION_OPT_STATUSES:
                raise BadRequest(f"regions[{i}].RegionOptStatus: expected one of {sorted(REGION_OPT_STATUSES)}")
            out.append({"RegionName": name, "RegionOptStatus": status})
        return out

    def replace(self, raw: Any, account: str | None) -> int:
        regions = self._validate(raw)
        with self._lock:
            if account:
                self._by_account[account] = regions
            else:
                self._default = regions
                self._by_account.clear()
        return len(regions)

    def reset(self, account: str | None) -> None:
        with self._lock:
            if account:
                self._by_account.pop(account, None)
            else:
                self._default = [dict(r) for r in DEFAULT_REGIONS]
                self._by_account.clear()

    def list(self, account: str | None) -> list[dict[str, str]]:
        with self._lock:
            regions = self._by_account.get(account or "", self._default)
            return [dict(r) for r in regions]


def account_from_auth(environ: WsgiEnviron) -> str:
    """The moto account of the request's access key (moto's default when unknown)."""
    match = ACCESS_KEY_RE.search(environ.get("HTTP_AUTHORIZATION", ""))
    from moto.iam.models import get_account_id_from  # needs moto's backends loaded

    return get_account_id_from(match.group("key") if match else "")


# --------------------------------------------------------------------------
# Smithy RPC v2 CBOR <-> JSON 1.0 (CloudWatch)
# --------------------------------------------------------------------------


class CborTag:
    """A tagged CBOR item (tag 1 = epoch-seconds timestamp)."""

    def __init__(self, tag: int, value: Any) -> None:
        self.tag, self.value = tag, value


_CBOR_BREAK = object()


def cbor_decode(data: bytes) -> Any:
    """Decode one CBOR item (RFC 8949): everything Smithy RPC v2 sends,
    including indefinite-length strings, arrays and maps."""
    stream = io.BytesIO(data)

    def read(n: int) -> bytes:
        chunk = stream.read(n)
        if len(chunk) != n:
            raise BadRequest("truncated CBOR")
        return chunk

    def argument(info: int) -> int | None:
        if info < 24:
            return info
        if info in (24, 25, 26, 27):
            size = 1 << (info - 24)
            return int.from_bytes(read(size), "big")
        if info == 31:
            return None  # indefinite length
        raise BadRequest(f"bad CBOR additional info {info}")

    def item() -> Any:
        initial = read(1)[0]
        major, info = initial >> 5, initial & 0x1F
        if major == 7:
            return simple(info)
        arg = argument(info)
        if major == 0:
            return arg
        if major == 1:
            return -1 - arg
        if major in (2, 3):
            raw = read(arg) if arg is not None else b"".join(chunks())
            return raw if major == 2 else raw.decode("utf-8")
        if major == 4:
            return [item() for _ in range(arg)] if arg is not None else list(until_break())
        if major == 5:
            if arg is not None:
                return {item(): item() for _ in range(arg)}
            keys_values = list(until_break())
            return dict(zip(keys_values[::2], keys_values[1::2], strict=True))
        return CborTag(arg, item())  # major 6

    def simple(info: int) -> Any:
        if info == 20:
            return False
        if info == 21:
            return True
        if info in (22, 23):
            return None
        if info == 25:
            return struct.unpack(">e", read(2))[0]
        if info == 26:
            return struct.unpack(">f", read(4))[0]
        if info == 27:
            return struct.unpack(">d", read(8))[0]
        if info == 31:
            return _CBOR_BREAK
        raise BadRequest(f"unsupported CBOR simple value {info}")

    def until_break() -> Iterable[Any]:
        while (value := item()) is not _CBOR_BREAK:
            yield value

    def chunks() -> Iterable[bytes]:
        for chunk in until_break():
            yield chunk.encode("utf-8") if isinstance(chunk, str) else chunk

    return item() if data else {}


def cbor_encode(value: Any) -> bytes:
    """Encode to CBOR with definite lengths; floats as float64."""

    def head(major: int, n: int) -> bytes:
        if n < 24:
            return bytes([major << 5 | n])
        for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
            if n < 1 << (8 * size):
                return bytes([major << 5 | info]) + n.to_bytes(size, "big")
        raise ValueError("integer too large for CBOR")

    if value is None:
        return b"\xf6"
    if value is True:
        return b"\xf5"
    if value is False:
        return b"\xf4"
    if isinstance(value, CborTag):
        return head(6, value.tag) + cbor_encode(value.value)
    if isinstance(value, int):
        return head(0, value) if value >= 0 else head(1, -1 - value)
    if isinstance(value, float):
        return b"\xfb" + struct.pack(">d", value)
    if isinstance(value, bytes):
        return head(2, len(value)) + value
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return head(3, len(raw)) + raw
    if isinstance(value, (list, tuple)):
        return head(4, len(value)) + b"".join(cbor_encode(v) for v in value)
    if isinstance(value, dict):
        return head(5, len(value)) + b"".join(cbor_encode(k) + cbor_encode(v) for k, v in value.items())
    raise TypeError(f"cannot encode {type(value).__name__} as CBOR")


def cbor_to_json(value: Any) -> Any:
    """A decoded CBOR request as JSON 1.0 input: timestamps as epoch seconds,
    blobs as base64."""
    if isinstance(value, CborTag):
        return cbor_to_json(value.value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, list):
        return [cbor_to_json(v) for v in value]
    if isinstance(value, dict):
        return {k: cbor_to_json(v) for k, v in value.items()}
    return value


def json_to_cbor(value: Any, shape: Any) -> Any:
    """moto's JSON 1.0 answer as CBOR values, typed by the botocore shape."""
    if value is None or shape is None:
        return value
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        members = shape.members
        return {k: json_to_cbor(v, members.get(k)) for k, v in value.items() if v is not None}
    if kind == "list" and isinstance(value, list):
        return [json_to_cbor(v, shape.member) for v in value]
    if kind == "map" and isinstance(value, dict):
        return {k: json_to_cbor(v, shape.value) for k, v in value.items()}
    if kind == "timestamp":
        return CborTag(1, float(parse_epoch(value, shape.name)))
    if kind in ("double", "float") and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if kind in ("integer", "long") and isinstance(value, float) and value.is_integer():
        return int(value)
    if kind == "blob" and isinstance(value, str):
        return base64.b64decode(value)
    return value


_SERVICE_MODELS: dict[str, Any] = {}
_SERVICE_MODELS_LOCK = threading.Lock()


def service_model(name: str) -> Any:
    with _SERVICE_MODELS_LOCK:
        if name not in _SERVICE_MODELS:
            import botocore.session

            _SERVICE_MODELS[name] = botocore.session.get_session().get_service_model(name)
        return _SERVICE_MODELS[name]


# --------------------------------------------------------------------------
# The middleware
# --------------------------------------------------------------------------


class TrailproofMiddleware:
    def __init__(self, moto_app: Callable[[WsgiEnviron, StartResponse], Iterable[bytes]]) -> None:
        self.moto_app = moto_app
        self.keys = PublicKeyStore()
        self.faults = FaultStore()
        self.regions = RegionStore()

    def __call__(self, environ: WsgiEnviron, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        path = environ.get("PATH_INFO", "")
        try:
            if path.startswith(CONTROL_PREFIX):
                return self.control(environ, start_response)
            target = environ.get("HTTP_X_AMZ_TARGET", "").strip()
            if method == "POST" and target in LIST_PUBLIC_KEYS_TARGETS:
                return self.list_public_keys(environ)(environ, start_response)
            if method == "POST" and target in LIST_EVENT_DATA_STORES_TARGETS:
                # moto models no CloudTrail Lake: never any event data store.
                empty = {"EventDataStores": []}
                return with_request_id(json_response(empty, content_type="application/x-amz-json-1.1"))(
                    environ, start_response
                )
            if method == "GET" and is_get_bucket_versioning(environ):
                return self.get_bucket_versioning(environ, start_response)
            if method == "POST" and path.rstrip("/") == "/listRegions" and service_from_auth(environ) == "account":
                return with_request_id(self.list_regions(environ))(environ, start_response)
            cbor = CBOR_PATH_RE.match(path) if method == "POST" else None
            if cbor and cbor.group("service") in CBOR_SERVICES:
                return self.cbor_call(environ, start_response, cbor.group("service"), cbor.group("operation"))
            if method in ("GET", "HEAD"):
                target = s3_path_style_target(environ)
                if target is not None:
                    fault = self.faults.take(method, *target)
                    if fault is not None:
                        return self.apply_fault(fault, target[1], environ, start_response)
        except BadRequest as e:
            return json_response({"error": str(e)}, status=400)(environ, start_response)
        return self.moto_app(environ, start_response)

    def call_moto(self, environ: WsgiEnviron) -> tuple[str, list[tuple[str, str]], bytes]:
        """Run moto on a request and return (status line, headers, whole body)."""
        captured: dict[str, Any] = {}

        def capture(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], None]:
            captured["status"], captured["headers"] = status, list(headers)
            return lambda _data: None  # legacy write(): moto's Flask app never uses it

        result = self.moto_app(environ, capture)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        return captured["status"], captured["headers"], body

    # ---- CloudTrail ListPublicKeys (JSON 1.1) ----

    def list_public_keys(self, environ: WsgiEnviron) -> Response:
        try:
            body = read_json_body(Request(environ))
            if not isinstance(body, dict):
                raise BadRequest("request body must be a JSON object")
            end = parse_epoch(body["EndTime"], "EndTime") if body.get("EndTime") is not None else time.time()
            start = parse_epoch(body["StartTime"], "StartTime") if body.get("StartTime") is not None else end
        except BadRequest as e:
            return aws_json_error("SerializationException", str(e))
        if start > end:
            return aws_json_error(
                "InvalidTimeRangeException",
                "Occurs if the timestamp values are invalid. Either the start time occurs after "
                "the end time or the time range is outside the range of possible values.",
            )
        keys = self.keys.overlapping(region_from_auth(environ), start, end)
        return json_response({"PublicKeyList": keys}, content_type="application/x-amz-json-1.1")

    # ---- Account ListRegions (REST-JSON) ----

    def list_regions(self, environ: WsgiEnviron) -> Response:
        try:
            body = read_json_body(Request(environ))
        except BadRequest as e:
            return aws_json_error("ValidationException", str(e))
        account = body.get("AccountId") if isinstance(body, dict) else None
        if not isinstance(account, str) or not account:
            account = account_from_auth(environ)
        regions = self.regions.list(account)
        wanted = body.get("RegionOptStatusContains") if isinstance(body, dict) else None
        if isinstance(wanted, list) and wanted:
            regions = [r for r in regions if r["RegionOptStatus"] in wanted]
        return json_response({"Regions": regions})

    # ---- Smithy RPC v2 CBOR -> moto's JSON 1.0 ----

    def cbor_call(
        self, environ: WsgiEnviron, start_response: StartResponse, service: str, operation: str
    ) -> Iterable[bytes]:
        model = service_model(CBOR_SERVICES[service])
        try:
            output_shape = model.operation_model(operation).output_shape
        except Exception:  # botocore's OperationNotFoundError
            error = {"__type": "UnknownOperationException", "message": f"unknown operation {operation}"}
            return cbor_response(error, 400, [])(environ, start_response)
        payload = cbor_to_json(cbor_decode(Request(environ).get_data(cache=False)))
        body = json.dumps(payload).encode("utf-8")
        inner = dict(environ)
        inner.update(
            {
                "PATH_INFO": "/",
                "RAW_URI": "/",
                "REQUEST_URI": "/",
                "QUERY_STRING": "",
                "CONTENT_TYPE": "application/x-amz-json-1.0",
                "CONTENT_LENGTH": str(len(body)),
                "HTTP_X_AMZ_TARGET": f"{model.metadata['targetPrefix']}.{operation}",
                "HTTP_X_AMZN_QUERY_MODE": "true",
                "wsgi.input": io.BytesIO(body),
            }
        )
        status_line, headers, raw = self.call_moto(inner)
        status = int(status_line.split()[0])
        try:
            answer = json.loads(raw) if raw.strip() else {}
        except ValueError:
            answer = {"__type": "InternalFailure", "message": raw.decode("utf-8", "replace")}
        if status < 300:
            answer = json_to_cbor(answer, output_shape)
        keep = [
            (k, v)
            for k, v in headers
            if k.lower() not in ("content-type", "content-length", "smithy-protocol")
        ]
        return cbor_response(answer, status, keep)(environ, start_response)

    # ---- S3 GetBucketVersioning ----

    def get_bucket_versioning(self, environ: WsgiEnviron, start_response: StartResponse) -> Iterable[bytes]:
        """moto names the root element GetBucketVersioningResponse; S3 (and the
        Rust SDK, which checks it) says VersioningConfiguration."""
        status, headers, body = self.call_moto(environ)
        if status.startswith("200"):
            body = body.replace(b"<GetBucketVersioningResponse", b"<VersioningConfiguration").replace(
                b"</GetBucketVersioningResponse>", b"</VersioningConfiguration>"
            )
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
            headers.append(("Content-Length", str(len(body))))
        start_response(status, headers)
        return [body]

    # ---- S3 faults ----

    def apply_fault(
        self, fault: Fault, key: str, environ: WsgiEnviron, start_response: StartResponse
    ) -> Iterable[bytes]:
        if fault.mode == "error":
            head = environ["REQUEST_METHOD"].upper() == "HEAD"
            return s3_error(fault.status, fault.code, fault.message, key, head)(environ, start_response)
        if fault.mode == "slow":
            time.sleep(fault.delay_ms / 1000.0)
            return self.moto_app(environ, start_response)
        # truncate: run moto, then send only the first half of its body while
        # keeping the full Content-Length. werkzeug's server closes every
        # connection after the response, so the client sees a premature EOF.
        status, headers, body = self.call_moto(environ)
        if not any(name.lower() == "content-length" for name, _ in headers):
            headers.append(("Content-Length", str(len(body))))
        start_response(status, headers)
        return [body[: len(body) // 2]]

    # ---- /_trailproof/* ----

    def control(self, environ: WsgiEnviron, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        route = (request.method.upper(), request.path[len(CONTROL_PREFIX) :].rstrip("/"))
        if route == ("GET", "health"):
            response = Response("ok", content_type="text/plain")
        elif route == ("POST", "public-keys"):
            body = read_json_body(request)
            if not isinstance(body, dict):
                raise BadRequest("expected a JSON object")
            region = body.get("region") or DEFAULT_REGION
            keys = body.get("keys")
            if not isinstance(region, str) or not isinstance(keys, list):
                raise BadRequest('expected {"region": str, "keys": [...]}')
            added, total = self.keys.register(region, keys)
            response = json_response({"region": region, "added": added, "total": total})
        elif route == ("GET", "public-keys"):
            region = request.args.get("region")
            if region:
                response = json_response({"region": region, "keys": self.keys.list(region)})
            else:
                response = json_response({"regions": self.keys.all()})
        elif route == ("POST", "regions"):
            body = read_json_body(request)
            if not isinstance(body, dict):
                raise BadRequest("expected a JSON object")
            account = body.get("account")
            if account is not None and not isinstance(account, str):
                raise BadRequest("account: expected a string")
            count = self.regions.replace(body.get("regions"), account)
            response = json_response({"account": account, "regions": count})
        elif route == ("GET", "regions"):
            account = request.args.get("account")
            response = json_response({"account": account, "Regions": self.regions.list(account)})
        elif route == ("DELETE", "regions"):
            self.regions.reset(request.args.get("account"))
            response = json_response({"reset": True})
        elif route == ("POST", "faults"):
            fault = self.faults.add(read_json_body(request))
            response = json_response({"fault": asdict(fault)})
        elif route == ("GET", "faults"):
            response = json_response({"faults": self.faults.list()})
        elif route == ("DELETE", "faults"):
            args = parse_qs(environ.get("QUERY_STRING", ""))
            removed = self.faults.clear(
                bucket=args["bucket"][0] if "bucket" in args else None,
                key=args["key"][0] if "key" in args else None,
            )
            response = json_response({"removed": removed})
        else:
            response = json_response(
                {"error": f"no such control endpoint: {route[0]} {request.path}"}, status=404
            )
        return response(environ, start_response)


# --------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------


def build_app() -> TrailproofMiddleware:
    return TrailproofMiddleware(DomainDispatcherApplication(create_backend_app))


class QuietRequestHandler(MotoRequestHandler):
    """moto's handler (keeps S3 metadata headers with underscores) minus the
    per-request access log lines; errors are still logged."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


def write_port_file(path: str, port: int) -> None:
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(f"{port}\n")
    os.replace(tmp, path)  # readers never see a half-written file


def exit_when_orphaned(poll_seconds: float = 1.0) -> None:
    """Exit once our parent process is gone (e.g. the test script was SIGKILLed
    and its EXIT trap never ran), so no server outlives its test run."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(poll_seconds)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one (default 0)")
    parser.add_argument("--port-file", help="write the bound port here once listening")
    parser.add_argument("--quiet", action="store_true", help="no per-request access log")
    parser.add_argument("--exit-with-parent", action="store_true", help="exit when the parent process dies")
    args = parser.parse_args(argv)

    handler = QuietRequestHandler if args.quiet else MotoRequestHandler
    # make_server binds and listens right away; requests queue until serve_forever.
    server = make_server(args.host, args.port, build_app(), threaded=True, request_handler=handler)
    port = server.server_address[1]
    # moto builds some self-referencing URLs from MOTO_PORT (as moto_server does).
    os.environ["MOTO_PORT"] = str(port)

    def stop(signum: int, _frame: Any) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.exit_with_parent:
        exit_when_orphaned()

    if args.port_file:
        write_port_file(args.port_file, port)
    print(f"trailproof moto server listening on http://{args.host}:{port}", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except SystemExit:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Loopback AWS stand-in (S3 + CloudTrail + friends) for trailproof's tests.

This is moto's own server application (the same one `moto_server` runs),
wrapped in a small WSGI middleware that adds what moto 5.2.5 lacks or what
the tests need to control:

* CloudTrail ``ListPublicKeys`` (moto answers HTTP 500 for it): served from
  keys the tests register per region. Recognised by ``X-Amz-Target`` in both
  the long form botocore sends and the short form the Rust SDK sends.
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
import json
import os
import re
import signal
import sys
import threading
import time
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
DEFAULT_REGION = "us-east-1"
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
# The middleware
# --------------------------------------------------------------------------


class TrailproofMiddleware:
    def __init__(self, moto_app: Callable[[WsgiEnviron, StartResponse], Iterable[bytes]]) -> None:
        self.moto_app = moto_app
        self.keys = PublicKeyStore()
        self.faults = FaultStore()

    def __call__(self, environ: WsgiEnviron, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        path = environ.get("PATH_INFO", "")
        try:
            if path.startswith(CONTROL_PREFIX):
                return self.control(environ, start_response)
            if method == "POST" and environ.get("HTTP_X_AMZ_TARGET", "").strip() in LIST_PUBLIC_KEYS_TARGETS:
                return self.list_public_keys(environ)(environ, start_response)
            if method in ("GET", "HEAD"):
                target = s3_path_style_target(environ)
                if target is not None:
                    fault = self.faults.take(method, *target)
                    if fault is not None:
                        return self.apply_fault(fault, target[1], environ, start_response)
        except BadRequest as e:
            return json_response({"error": str(e)}, status=400)(environ, start_response)
        return self.moto_app(environ, start_response)

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
        headers = captured["headers"]
        if not any(name.lower() == "content-length" for name, _ in headers):
            headers.append(("Content-Length", str(len(body))))
        start_response(captured["status"], headers)
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

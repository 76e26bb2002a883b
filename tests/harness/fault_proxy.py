#!/usr/bin/env python3
"""Fault-injecting HTTP proxy on loopback, in front of tests/harness/moto_server.py.

Python standard library only (asyncio). Every request a client sends is
forwarded to ``--upstream`` (one upstream connection per request, answered
with ``Connection: close``) unless a *rule* matches it, in which case the rule's
fault is injected instead. Every request is recorded, so a test can also prove
what the client did (e.g. that it never wrote to S3).

Faults (``fault`` of a rule):

* ``status``  answer ``status`` (default 503) with an error body: S3's XML
  ``<Error><Code>..</Code><Message>..</Message></Error>`` for S3, the JSON 1.1
  ``{"__type": code, "message": ..}`` shape for every other service. Use it for
  503 SlowDown / 500 InternalError bursts, 403 AccessDenied and
  403 KMS.AccessDeniedException.
* ``reset``   read the request, then close the socket with SO_LINGER 0, so the
  client gets a TCP RST instead of an answer.
* ``stall``   read the request and answer nothing for ``stall_ms`` (default:
  600 s, i.e. until the client gives up and closes), then close. Longer than
  any client read timeout the tests configure.
* ``cut``     forward the request, send the upstream's status line and headers
  (with the full ``Content-Length``) and only ``cut_bytes`` (default: half) of
  the body, then close.
* ``substitute`` forward the request; from the ``after``-th answer on (default 1:
  every GET of an object after its first), per object key, replace a 200
  answer's body with ``body_b64`` (base64), fixing ``Content-Length`` and
  dropping the headers that would vouch for the original bytes (``ETag``,
  ``Content-MD5``, ``x-amz-checksum-*``). The first GET of each object gets the
  real bytes: a client that reads an object twice gets other, well-formed bytes
  the second time. Never used up.
* ``delay``   wait ``delay_ms`` (default 200) before forwarding the request, then answer
  as the upstream does: a slow server. Concurrent requests wait concurrently.
* ``page_size`` not a fault: rewrite ``max-keys`` of a matching
  ``ListObjectsV2`` to ``max_keys`` before forwarding, so a small bucket is
  listed in several pages (moto honours ``max-keys``; it does not check SigV4
  signatures, so rewriting the query is harmless). Never used up.

Matching (every given field must match; absent fields match anything):

* ``method``   one method or a list (``"GET"``, ``["GET", "HEAD"]``).
* ``service``  the SigV4 service of the credential scope (``s3``, ``cloudtrail``).
* ``bucket``   path-style bucket (first path segment, URL-decoded).
* ``key``      exact object key (URL-decoded rest of the path).
* ``key_prefix`` object key prefix.
* ``list``     ``true``: only ``ListObjectsV2`` (``GET /<bucket>?list-type=2``).
* ``prefix``   the listing's ``prefix`` query parameter, exactly.
* ``page``     the listing page, 1-based: page 1 has no ``continuation-token``;
  the proxy learns each ``NextContinuationToken`` it forwards, so page N is a
  request carrying the token of page N-1's answer.
* ``times``    fire this many times, then let requests pass (null: forever).

Control API (served by the proxy itself, never forwarded)::

    POST   /_proxy/rules     {rule} or [{rule}, ...] -> {"ids": [..]}
    GET    /_proxy/rules     every rule with its "hits" and remaining "times"
    DELETE /_proxy/rules     remove every rule (?id=N: one)
    GET    /_proxy/requests  every request seen, in order:
                             {"method", "path", "query", "service", "region",
                              "operation", "status", "fault", "rule", "time"}
    DELETE /_proxy/requests  forget them
    GET    /_proxy/health    200 "ok"

Usage::

    python fault_proxy.py --upstream http://127.0.0.1:PORT --port 0 \\
        --port-file /tmp/proxy.port [--exit-with-parent]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import re
import signal
import socket
import struct
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

CONTROL_PREFIX = "/_proxy/"
FAULTS = ("status", "reset", "stall", "cut", "substitute", "delay", "page_size")
# SigV4: "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/s3/aws4_request, ..."
CREDENTIAL_SCOPE_RE = re.compile(
    r"Credential=[^/,\s]+/\d{8}/(?P<region>[^/,\s]+)/(?P<service>[^/,\s]+)/aws4_request"
)
CBOR_PATH_RE = re.compile(r"^/service/[^/]+/operation/(?P<operation>[^/]+)$")
NEXT_TOKEN_RE = re.compile(rb"<NextContinuationToken>([^<]*)</NextContinuationToken>")
DEFAULT_STALL_MS = 600_000
DEFAULT_DELAY_MS = 200
MAX_HEADER_BYTES = 64 * 1024
REASONS = {
    200: "OK",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


class BadRequest(Exception):
    """Invalid input to the control API; becomes an HTTP 400."""


# --------------------------------------------------------------------------
# HTTP/1.1 plumbing
# --------------------------------------------------------------------------


@dataclass
class HttpRequest:
    method: str
    target: str
    version: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> str:
        return urlsplit(self.target).query

    def operation(self) -> str | None:
        """The API operation, where the protocol names it: ``X-Amz-Target`` (JSON 1.0/1.1),
        ``Action`` (query protocol form body) or the Smithy RPC v2 CBOR path. None for REST
        protocols (S3, REST-JSON), whose method and path say what they do."""
        target = self.header("x-amz-target")
        if target:
            return target.rsplit(".", 1)[-1]
        if (self.header("content-type") or "").startswith("application/x-www-form-urlencoded"):
            action = parse_qs(self.body.decode("utf-8", "replace")).get("Action")
            if action:
                return action[0]
        match = CBOR_PATH_RE.match(self.path)
        return match.group("operation") if match else None

    def scope(self) -> tuple[str | None, str | None]:
        """(service, region) of the SigV4 credential scope, if signed."""
        match = CREDENTIAL_SCOPE_RE.search(self.header("authorization") or "")
        return (match.group("service"), match.group("region")) if match else (None, None)


async def read_chunked(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while True:
        size_line = await reader.readline()
        size = int(size_line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            # Trailers, up to the empty line.
            while (await reader.readline()).strip():
                pass
            return bytes(body)
        body += await reader.readexactly(size)
        await reader.readexactly(2)  # CRLF after the chunk


async def read_request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> HttpRequest | None:
    """One request, or None when the client closed the connection first."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3:
        return None
    method, target, version = parts
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if not line:
            continue
        name, _, value = line.partition(":")
        headers.append((name.strip(), value.strip()))
    req = HttpRequest(method, target, version, headers, b"")
    if (req.header("expect") or "").lower() == "100-continue":
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        await writer.drain()
        req.headers = [(k, v) for k, v in headers if k.lower() != "expect"]
    if "chunked" in (req.header("transfer-encoding") or "").lower():
        req.body = await read_chunked(reader)
        req.headers = [(k, v) for k, v in req.headers if k.lower() != "transfer-encoding"]
        req.headers.append(("Content-Length", str(len(req.body))))
    else:
        length = int(req.header("content-length") or "0")
        req.body = await reader.readexactly(length) if length else b""
    return req


def encode_request(req: HttpRequest, target: str, host: str) -> bytes:
    out = [f"{req.method} {target} HTTP/1.1"]
    for k, v in req.headers:
        if k.lower() in ("connection", "keep-alive", "proxy-connection", "host"):
            continue
        out.append(f"{k}: {v}")
    out.append(f"Host: {host}")
    out.append("Connection: close")
    return ("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + req.body


@dataclass
class HttpResponse:
    status: int
    head: bytes  # status line + headers, without the final CRLFCRLF
    body: bytes  # raw, as framed by the upstream (may be chunked)

    def header(self, name: str) -> str | None:
        name = name.lower()
        for line in self.head.decode("latin-1").split("\r\n")[1:]:
            k, _, v = line.partition(":")
            if k.strip().lower() == name:
                return v.strip()
        return None

    def with_connection_close(self) -> bytes:
        lines = [
            line
            for line in self.head.decode("latin-1").split("\r\n")
            if not line.lower().startswith(("connection:", "keep-alive:"))
        ]
        lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def substituted(resp: HttpResponse, body: bytes) -> bytes:
    """``resp`` with ``body`` in place of its own, and nothing that vouches for the original."""
    dropped = ("connection:", "keep-alive:", "content-length:", "transfer-encoding:", "etag:", "content-md5:", "x-amz-checksum-")
    lines = [line for line in resp.head.decode("latin-1").split("\r\n") if not line.lower().startswith(dropped)]
    lines += [f"Content-Length: {len(body)}", "Connection: close"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def parse_response(raw: bytes) -> HttpResponse:
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        raise ValueError("upstream answer has no header end")
    status = int(head.split(b" ", 2)[1])
    return HttpResponse(status, head, body)


def simple_response(status: int, body: bytes, content_type: str, extra: list[tuple[str, str]] | None = None) -> bytes:
    headers = [
        f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}",
        f"Content-Type: {content_type}",
        f"Content-Length: {len(body)}",
        "Connection: close",
        *(f"{k}: {v}" for k, v in (extra or [])),
    ]
    return ("\r\n".join(headers) + "\r\n\r\n").encode("latin-1") + body


# --------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------


def _opt_str(spec: dict[str, Any], name: str) -> str | None:
    value = spec.get(name)
    if value is not None and not isinstance(value, str):
        raise BadRequest(f"{name}: expected a string")
    return value


def _opt_int(spec: dict[str, Any], name: str, minimum: int) -> int | None:
    value = spec.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise BadRequest(f"{name}: expected an integer >= {minimum}")
    return value


@dataclass
class Rule:
    id: int
    fault: str
    methods: list[str] | None = None
    service: str | None = None
    bucket: str | None = None
    key: str | None = None
    key_prefix: str | None = None
    list: bool = False
    prefix: str | None = None
    page: int | None = None
    times: int | None = None  # remaining; None = forever
    status: int = 503
    code: str = "SlowDown"
    message: str = "Please reduce your request rate."
    stall_ms: int = DEFAULT_STALL_MS
    cut_bytes: int | None = None
    delay_ms: int = DEFAULT_DELAY_MS
    max_keys: int = 1
    body: bytes = b""
    after: int = 1
    seen: dict[str, int] = field(default_factory=dict)
    hits: int = 0
    spec: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, rule_id: int, spec: Any) -> Rule:
        if not isinstance(spec, dict):
            raise BadRequest("a rule is a JSON object")
        fault = spec.get("fault")
        if fault not in FAULTS:
            raise BadRequest(f"fault: expected one of {FAULTS}, got {fault!r}")
        method = spec.get("method")
        if isinstance(method, str):
            methods: list[str] | None = [method.upper()]
        elif isinstance(method, list) and all(isinstance(m, str) for m in method):
            methods = [m.upper() for m in method]
        elif method is None:
            methods = None
        else:
            raise BadRequest("method: expected a string or a list of strings")
        listing = spec.get("list", False)
        if not isinstance(listing, bool):
            raise BadRequest("list: expected a boolean")
        status = _opt_int(spec, "status", 100)
        if status is not None and status > 599:
            raise BadRequest("status: expected an HTTP status code")
        rule = cls(
            id=rule_id,
            fault=fault,
            methods=methods,
            service=_opt_str(spec, "service"),
            bucket=_opt_str(spec, "bucket"),
            key=_opt_str(spec, "key"),
            key_prefix=_opt_str(spec, "key_prefix"),
            list=listing,
            prefix=_opt_str(spec, "prefix"),
            page=_opt_int(spec, "page", 1),
            times=_opt_int(spec, "times", 1),
            stall_ms=_opt_int(spec, "stall_ms", 0) or DEFAULT_STALL_MS,
            cut_bytes=_opt_int(spec, "cut_bytes", 0),
            delay_ms=_opt_int(spec, "delay_ms", 0) or DEFAULT_DELAY_MS,
            max_keys=_opt_int(spec, "max_keys", 1) or 1,
            spec=spec,
        )
        if status is not None:
            rule.status = status
        for name in ("code", "message"):
            value = _opt_str(spec, name)
            if value is not None:
                setattr(rule, name, value)
        if rule.page is not None or rule.prefix is not None:
            rule.list = True
        if fault == "page_size":
            rule.list = True
            rule.times = None
        if fault == "substitute":
            body = _opt_str(spec, "body_b64")
            if body is None:
                raise BadRequest("substitute: body_b64 is required")
            try:
                rule.body = base64.b64decode(body, validate=True)
            except ValueError as e:
                raise BadRequest(f"body_b64: {e}") from e
            rule.after = _opt_int(spec, "after", 0) or 1
            rule.times = None
        return rule

    def describe(self) -> dict[str, Any]:
        return {**self.spec, "id": self.id, "hits": self.hits, "times": self.times}


@dataclass
class Target:
    """What a request addresses, as the rules see it."""

    method: str
    service: str | None
    bucket: str | None
    key: str | None
    is_list: bool
    prefix: str | None
    page: int | None


class State:
    """Rules, learned continuation tokens and the request log; asyncio-only (one thread)."""

    def __init__(self) -> None:
        self.rules: list[Rule] = []
        self.next_id = 1
        self.requests: list[dict[str, Any]] = []
        # continuation token -> page number it opens
        self.token_pages: dict[str, int] = {}

    def add_rules(self, payload: Any) -> list[int]:
        specs = payload if isinstance(payload, list) else [payload]
        parsed = []
        for spec in specs:
            parsed.append(Rule.parse(self.next_id, spec))
            self.next_id += 1
        self.rules.extend(parsed)
        return [r.id for r in parsed]

    def target(self, req: HttpRequest) -> Target:
        service, _ = req.scope()
        segments = req.path.lstrip("/").split("/", 1)
        bucket = unquote(segments[0]) if segments[0] else None
        key = unquote(segments[1]) if len(segments) > 1 and segments[1] else None
        query = parse_qs(req.query, keep_blank_values=True)
        is_list = req.method == "GET" and key is None and query.get("list-type") == ["2"]
        prefix = query.get("prefix", [None])[0] if is_list else None
        page = None
        if is_list:
            token = query.get("continuation-token", [None])[0]
            page = 1 if token is None else self.token_pages.get(token)
        return Target(req.method, service, bucket, key, is_list, prefix, page)

    def match(self, t: Target, faults_only: bool) -> Rule | None:
        for rule in self.rules:
            if (rule.fault == "page_size") == faults_only:
                continue
            if rule.times is not None and rule.times <= 0:
                continue
            if rule.methods is not None and t.method not in rule.methods:
                continue
            if rule.service is not None and t.service != rule.service:
                continue
            if rule.bucket is not None and t.bucket != rule.bucket:
                continue
            if rule.key is not None and t.key != rule.key:
                continue
            if rule.key_prefix is not None and not (t.key or "").startswith(rule.key_prefix):
                continue
            if rule.list and not t.is_list:
                continue
            if rule.prefix is not None and t.prefix != rule.prefix:
                continue
            if rule.page is not None and t.page != rule.page:
                continue
            return rule
        return None


# --------------------------------------------------------------------------
# The proxy
# --------------------------------------------------------------------------


class Proxy:
    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        if parts.scheme != "http" or not parts.hostname:
            raise SystemExit(f"--upstream must be http://host:port, got {upstream!r}")
        self.upstream_host = parts.hostname
        self.upstream_port = parts.port or 80
        self.upstream_hostport = f"{self.upstream_host}:{self.upstream_port}"
        self.state = State()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            req = await read_request(reader, writer)
            if req is None:
                return
            if req.path.startswith(CONTROL_PREFIX):
                writer.write(self.control(req))
                await writer.drain()
                return
            await self.proxy(req, reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, OSError):
            pass
        finally:
            if not writer.is_closing():
                writer.close()
            try:
                await writer.wait_closed()
            except (ConnectionError, OSError):
                pass

    def record(self, req: HttpRequest, status: int | None, rule: Rule | None) -> None:
        service, region = req.scope()
        self.state.requests.append(
            {
                "method": req.method,
                "path": req.path,
                "query": req.query,
                "service": service,
                "region": region,
                "operation": req.operation(),
                "status": status,
                "fault": rule.fault if rule and rule.fault != "page_size" else None,
                "rule": rule.id if rule else None,
                "time": time.time(),
            }
        )

    async def forward(self, req: HttpRequest, target: str) -> HttpResponse:
        up_reader, up_writer = await asyncio.open_connection(self.upstream_host, self.upstream_port)
        try:
            up_writer.write(encode_request(req, target, self.upstream_hostport))
            await up_writer.drain()
            raw = await up_reader.read()  # Connection: close -> until EOF
        finally:
            up_writer.close()
            try:
                await up_writer.wait_closed()
            except (ConnectionError, OSError):
                pass
        return parse_response(raw)

    def learn_token(self, t: Target, resp: HttpResponse) -> None:
        if not t.is_list or t.page is None:
            return
        match = NEXT_TOKEN_RE.search(resp.body)
        if match:
            token = match.group(1).decode("utf-8").replace("&amp;", "&")
            self.state.token_pages[token] = t.page + 1

    async def proxy(self, req: HttpRequest, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        t = self.state.target(req)
        target = req.target
        paged = self.state.match(t, faults_only=False)
        if paged is not None:
            paged.hits += 1
            target = rewrite_query(target, "max-keys", str(paged.max_keys))
        rule = self.state.match(t, faults_only=True)
        if rule is not None:
            rule.hits += 1
            if rule.times is not None:
                rule.times -= 1
        fault = rule.fault if rule else None

        if fault == "status":
            self.record(req, rule.status, rule)
            writer.write(error_response(rule, t.service))
            await writer.drain()
            return
        if fault == "reset":
            self.record(req, None, rule)
            sock = writer.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
            return
        if fault == "stall":
            self.record(req, None, rule)
            # Wait for the stall to pass or the client to give up, whichever is first.
            try:
                await asyncio.wait_for(reader.read(), timeout=rule.stall_ms / 1000)
            except TimeoutError:
                pass
            return

        if fault == "delay":
            await asyncio.sleep(rule.delay_ms / 1000)

        try:
            resp = await self.forward(req, target)
        except (OSError, ValueError) as e:
            self.record(req, 502, rule)
            writer.write(simple_response(502, f"upstream: {e}".encode(), "text/plain"))
            await writer.drain()
            return
        self.learn_token(t, resp)
        if fault == "substitute" and resp.status == 200 and t.key is not None:
            served = rule.seen.get(t.key, 0)
            rule.seen[t.key] = served + 1
            if served >= rule.after:
                self.record(req, resp.status, rule)
                writer.write(substituted(resp, rule.body))
                await writer.drain()
                return
        if fault == "cut":
            self.record(req, resp.status, rule)
            keep = rule.cut_bytes if rule.cut_bytes is not None else len(resp.body) // 2
            writer.write(resp.with_connection_close() + resp.body[: min(keep, max(len(resp.body) - 1, 0))])
            await writer.drain()
            # A clean FIN (not a RST, which may discard what was sent): the client reads the
            # partial body and then an early end of stream.
            return
        self.record(req, resp.status, rule if fault == "delay" else paged)
        writer.write(resp.with_connection_close() + resp.body)
        await writer.drain()

    def control(self, req: HttpRequest) -> bytes:
        name = req.path[len(CONTROL_PREFIX) :].strip("/")
        query = parse_qs(req.query)
        state = self.state
        try:
            if name == "health" and req.method == "GET":
                return simple_response(200, b"ok", "text/plain")
            if name == "rules":
                if req.method == "POST":
                    try:
                        payload = json.loads(req.body or b"null")
                    except ValueError as e:
                        raise BadRequest(f"body is not JSON: {e}") from None
                    return json_ok({"ids": state.add_rules(payload)})
                if req.method == "GET":
                    return json_ok({"rules": [r.describe() for r in state.rules]})
                if req.method == "DELETE":
                    if "id" in query:
                        wanted = {int(i) for i in query["id"]}
                        state.rules = [r for r in state.rules if r.id not in wanted]
                    else:
                        state.rules = []
                    return json_ok({"rules": len(state.rules)})
            if name == "requests":
                if req.method == "GET":
                    return json_ok({"requests": state.requests})
                if req.method == "DELETE":
                    state.requests = []
                    return json_ok({"requests": 0})
        except BadRequest as e:
            return simple_response(400, json.dumps({"error": str(e)}).encode(), "application/json")
        except ValueError as e:
            return simple_response(400, json.dumps({"error": str(e)}).encode(), "application/json")
        return simple_response(404, json.dumps({"error": f"no {req.method} {req.path}"}).encode(), "application/json")


def json_ok(payload: Any) -> bytes:
    return simple_response(200, json.dumps(payload).encode(), "application/json")


def rewrite_query(target: str, name: str, value: str) -> str:
    path, sep, query = target.partition("?")
    pairs = [p for p in query.split("&") if p and p.split("=", 1)[0] != name] if sep else []
    pairs.append(f"{name}={value}")
    return f"{path}?{'&'.join(pairs)}"


def error_response(rule: Rule, service: str | None) -> bytes:
    request_id = f"proxy-{rule.id}-{rule.hits}"
    if service in (None, "s3"):
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{xml_escape(rule.code)}</Code><Message>{xml_escape(rule.message)}</Message>"
            f"<RequestId>{request_id}</RequestId></Error>"
        ).encode()
        return simple_response(rule.status, body, "application/xml", [("x-amz-request-id", request_id)])
    body = json.dumps({"__type": rule.code, "message": rule.message}).encode()
    return simple_response(rule.status, body, "application/x-amz-json-1.1", [("x-amzn-RequestId", request_id)])


def xml_escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_port_file(path: str, port: int) -> None:
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(f"{port}\n")
    os.replace(tmp, path)  # readers never see a half-written file


def exit_when_orphaned(poll_seconds: float = 0.5) -> None:
    """Exit once the parent (the test) is gone, so no proxy outlives its test."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(poll_seconds)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


async def serve(args: argparse.Namespace) -> None:
    proxy = Proxy(args.upstream)
    server = await asyncio.start_server(proxy.handle, args.host, args.port, limit=MAX_HEADER_BYTES, backlog=512)
    port = server.sockets[0].getsockname()[1]
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    if args.port_file:
        write_port_file(args.port_file, port)
    print(f"fault proxy on http://{args.host}:{port} -> {args.upstream}", file=sys.stderr, flush=True)
    async with server:
        await stop


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--upstream", required=True, help="http://host:port of the server behind the proxy")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one (default 0)")
    parser.add_argument("--port-file", help="write the bound port here once listening")
    parser.add_argument("--exit-with-parent", action="store_true", help="exit when the parent process dies")
    args = parser.parse_args(argv)
    if args.exit_with_parent:
        exit_when_orphaned()
    asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())

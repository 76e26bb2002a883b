#!/usr/bin/env python3
"""Helpers for scripts/bench-search (run with the bench venv's Python).

    bench_search.py duckdb-filter LOG_DIR OUT --event-name NAME [--threads N]
        Lists the records whose eventName is NAME, as `trailproof search --format jsonl` does:
        read_json over LOG_DIR/**/*.json.gz with each file's Records as JSON (the records as
        read) and its file name, filtered on `->>'eventName'`. Writes OUT.jsonl (one
        {"file", "record"} a line) and OUT.json (rows, query seconds).
    bench_search.py duckdb-count LOG_DIR OUT_JSON --field PATH [--threads N]
        The records per value of the dotted PATH (GROUP BY, most common first), read with the
        one typed field; writes {"counts": {value: n}, "query_seconds": s}.
    bench_search.py ids KIND FILE OUT_JSON
        The eventIDs (sorted) of a listing: KIND trailproof (`search --format jsonl`: one
        {"file", "verified", "record"} a line), duckdb (OUT.jsonl above) or jq (one record a
        line).
    bench_search.py counts KIND FILE OUT_JSON
        The counts of a --count-by result: KIND jq (`sort | uniq -c` lines), duckdb (JSON
        above) or trailproof (its output, in whatever shape: a JSON document, JSON Lines or
        a text table; the value/count pairs are looked for in it).
    bench_search.py check NAME=JSON...
        Compares the eventIDs (or the counts) of two or more of the above; prints one
        ``check:`` line, exits 1 when they differ.

A null or absent field counts under the value "null" (as jq prints it).
"""

from __future__ import annotations

import json
import os
import re
import sys
import time


def write(out: str, doc: dict) -> None:
    with open(out, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write("\n")


def read_json_sql(log_dir: str, columns: str, filename: bool = False) -> str:
    g = os.path.join(log_dir, "**", "*.json.gz").replace("'", "''")
    fn = ", filename = true" if filename else ""
    return (f"read_json('{g}', format = 'auto', records = true, compression = 'gzip'{fn}, "
            f"columns = {{'Records': '{columns}'}})")


def connect(threads: int):
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads = {int(threads)}")
    return con


def cmd_duckdb_filter(log_dir: str, out: str, name: str, threads: int) -> None:
    con = connect(threads)
    lit = name.replace("'", "''")
    sql = (f"SELECT filename, r FROM (SELECT filename, unnest(Records) AS r "
           f"FROM {read_json_sql(log_dir, 'JSON[]', filename=True)}) "
           f"WHERE r->>'eventName' = '{lit}'")
    started = time.perf_counter()
    rows = con.execute(sql).fetchall()
    with open(out + ".jsonl", "w") as f:
        for file, rec in rows:
            f.write('{"file":' + json.dumps(file) + ',"record":' + rec + "}\n")
    seconds = time.perf_counter() - started
    write(out + ".json", {"rows": len(rows), "query_seconds": round(seconds, 4), "sql": sql})


def cmd_duckdb_count(log_dir: str, out: str, field: str, threads: int) -> None:
    con = connect(threads)
    parts = field.split(".")
    typ = "VARCHAR"
    for p in reversed(parts):
        typ = f'STRUCT("{p}" {typ})'
    path = "r." + ".".join(f'"{p}"' for p in parts)
    sql = (f"SELECT coalesce({path}, 'null') AS v, count(*) AS n FROM (SELECT unnest(Records) "
           f"AS r FROM {read_json_sql(log_dir, typ + '[]')}) GROUP BY v ORDER BY n DESC, v")
    started = time.perf_counter()
    rows = con.execute(sql).fetchall()
    seconds = time.perf_counter() - started
    write(out, {"counts": {v: n for v, n in rows}, "query_seconds": round(seconds, 4),
                "sql": sql})


def cmd_ids(kind: str, path: str, out: str) -> None:
    ids, bad = [], 0
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                rec = obj if kind == "jq" else obj["record"]
                ids.append(str(rec.get("eventID")))
            except (ValueError, KeyError, TypeError, AttributeError):
                bad += 1
    write(out, {"matches": len(ids), "event_ids": sorted(ids), "unreadable_lines": bad})


def count_tables(obj) -> list[dict[str, int]]:
    """Every value -> count table in a JSON value: an object of integers, or a list of objects
    each with one integer (the count) and one string (the value)."""
    found: list[dict[str, int]] = []
    if isinstance(obj, dict):
        ints = {k: v for k, v in obj.items() if isinstance(v, int) and not isinstance(v, bool)}
        if ints and len(ints) == len(obj):
            found.append(ints)
        for v in obj.values():
            found += count_tables(v)
    elif isinstance(obj, list):
        rows: dict[str, int] = {}
        for item in obj:
            if isinstance(item, dict):
                ints = [v for v in item.values() if isinstance(v, int) and not isinstance(v, bool)]
                strs = [v for v in item.values() if isinstance(v, str) or v is None]
                if len(ints) == 1 and strs:
                    rows["null" if strs[0] is None else strs[0]] = ints[0]
                    continue
            found += count_tables(item)
        if rows:
            found.append(rows)
    return found


def pairs_in(obj) -> dict[str, int]:
    """The count table of a --count-by result: the one with the most values (then the largest
    total), so that a summary object such as {"files": 3, "records": 9} is not taken."""
    tables = count_tables(obj)
    return max(tables, key=lambda t: (len(t), sum(t.values()))) if tables else {}


def cmd_counts(kind: str, path: str, out: str) -> None:
    with open(path) as f:
        text = f.read()
    counts: dict[str, int] = {}
    if kind == "duckdb":
        counts = json.loads(text)["counts"]
    elif kind == "jq":
        for line in text.splitlines():
            m = re.fullmatch(r"\s*(\d+) (.*)", line)
            if m:
                counts[m.group(2)] = int(m.group(1))
    else:
        try:
            counts = pairs_in(json.loads(text))
        except ValueError:
            lines = [ln for ln in text.splitlines() if ln.strip()]
            try:
                counts = pairs_in([json.loads(ln) for ln in lines])
            except ValueError:
                counts = {}
                for ln in lines:  # a text table: a count and a value on one line
                    m = (re.fullmatch(r"\s*(\d[\d,]*)\s+(\S+)\s*", ln)
                         or re.fullmatch(r"\s*(\S+)\s+(\d[\d,]*)\s*", ln))
                    if m:
                        a, b = m.groups()
                        n, v = (a, b) if a[0].isdigit() and not b[0].isdigit() else (b, a)
                        if n.replace(",", "").isdigit():
                            counts[v] = int(n.replace(",", ""))
    write(out, {"counts": counts, "total": sum(counts.values())})


def cmd_check(named: list[tuple[str, str]]) -> None:
    docs = []
    for name, path in named:
        with open(path) as f:
            docs.append((name, json.load(f)))
    key = "event_ids" if "event_ids" in docs[0][1] else "counts"
    first = docs[0][1][key]
    if all(d[key] == first for _, d in docs):
        if key == "event_ids":
            print(f"check: OK: {len(first)} matching records, the same eventIDs from "
                  + ", ".join(n for n, _ in docs))
        else:
            top = max(first.items(), key=lambda kv: kv[1]) if first else ("-", 0)
            print(f"check: OK: {len(first)} values, {sum(first.values())} records (#1 {top[0]} "
                  f"{top[1]}), the same counts from " + ", ".join(n for n, _ in docs))
        return
    print("check: MISMATCH: " + "; ".join(
        f"{n}: {len(d[key])} {'records' if key == 'event_ids' else 'values'}"
        + (f", {sum(d[key].values())} records" if key == "counts" else "") for n, d in docs))
    for n, d in docs[1:]:
        if key == "event_ids":
            a, b = set(first), set(d[key])
            print(f"  {docs[0][0]} only: {sorted(a - b)[:5]}; {n} only: {sorted(b - a)[:5]}")
        else:
            diff = {k: (first.get(k), d[key].get(k)) for k in set(first) | set(d[key])
                    if first.get(k) != d[key].get(k)}
            print(f"  {docs[0][0]} vs {n}: {dict(sorted(diff.items())[:8])}")
    sys.exit(1)


def main(argv: list[str]) -> None:
    if not argv:
        sys.exit(__doc__)
    cmd, rest = argv[0], argv[1:]

    def opt(name, default=None):
        return rest[rest.index(name) + 1] if name in rest else default

    threads = int(opt("--threads", os.cpu_count() or 1))
    if cmd == "duckdb-filter" and len(rest) >= 2 and opt("--event-name"):
        cmd_duckdb_filter(rest[0], rest[1], opt("--event-name"), threads)
    elif cmd == "duckdb-count" and len(rest) >= 2 and opt("--field"):
        cmd_duckdb_count(rest[0], rest[1], opt("--field"), threads)
    elif cmd == "ids" and len(rest) == 3:
        cmd_ids(*rest)
    elif cmd == "counts" and len(rest) == 3:
        cmd_counts(*rest)
    elif cmd == "check" and len(rest) >= 2:
        cmd_check([tuple(a.split("=", 1)) for a in rest])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])

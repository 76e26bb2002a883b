#!/usr/bin/env python3
"""Helpers for scripts/bench-summarize.

    bench_summarize.py run OUT_PREFIX -- CMD...
        Runs CMD with stdout/stderr to OUT_PREFIX.stdout/.stderr and prints
        ``<exit code> <wall s> <peak RSS KiB> <user+sys CPU s>`` (wall time around the child
        only; peak RSS and CPU from wait4's rusage of that child).
    bench_summarize.py duckdb LOG_DIR OUT_JSON [--threads N] [--idle]
        (with the bench venv's Python) Computes, in one scan of LOG_DIR/**/*.json.gz, the
        records per eventName, per userIdentity.arn and per hour of eventTime plus the total
        (GROUP BY GROUPING SETS), and writes them with the query's own time to OUT_JSON.
        --idle only imports duckdb and connects (the interpreter + library baseline RSS).
    bench_summarize.py trailproof SUMMARY_JSON OUT_JSON
        The same aggregates from `trailproof summarize --format json` output.
    bench_summarize.py check A_JSON B_JSON [--records N]
        Compares two aggregate files (total records, the top 10 event names and actors with
        their counts, every hourly count); prints one ``check:`` line, exits 1 on a mismatch.

The top 10 of a map is ordered by count (descending), then key (ascending) on both sides.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

TOP = 10


def cmd_run(prefix: str, argv: list[str]) -> None:
    with open(prefix + ".stdout", "wb") as out, open(prefix + ".stderr", "wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    print(f"{code} {wall:.3f} {usage.ru_maxrss} {usage.ru_utime + usage.ru_stime:.2f}")


def top(counts: dict[str, int], n: int = TOP) -> list[list]:
    return [[k, v] for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]


def write(out: str, records: int, names: dict, actors: dict, hours: dict, **extra) -> None:
    doc = {"records": records, "top_event_names": top(names), "top_actors": top(actors),
           "distinct_event_names": len(names), "distinct_actors": len(actors),
           "by_hour": dict(sorted(hours.items())), **extra}
    with open(out, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


def cmd_duckdb(log_dir: str, out: str, threads: int, idle: bool) -> None:
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads = {int(threads)}")
    if idle:
        return
    glob = os.path.join(log_dir, "**", "*.json.gz").replace("'", "''")
    # A CloudTrail file is one object {"Records": [...]}: read each file as one row whose only
    # column is the Records list, typed with just the three fields the query needs (no schema
    # sampling, nothing else materialised), then unnest it.
    sql = f"""
        WITH r AS (
            SELECT unnest(Records) AS r
            FROM read_json('{glob}', format = 'auto', records = true,
                           compression = 'gzip',
                           columns = {{'Records': 'STRUCT(eventName VARCHAR, eventTime TIMESTAMP,
                                                         userIdentity STRUCT(arn VARCHAR))[]'}})
        )
        SELECT GROUPING(name, actor, hour) AS g, name, actor,
               strftime(hour, '%Y-%m-%dT%H:%M:%SZ') AS hour, count(*) AS n
        FROM (SELECT r.eventName AS name, r.userIdentity.arn AS actor,
                     date_trunc('hour', r.eventTime) AS hour FROM r)
        GROUP BY GROUPING SETS ((name), (actor), (hour), ())
    """
    started = time.perf_counter()
    rows = con.execute(sql).fetchall()
    seconds = time.perf_counter() - started
    names, actors, hours, total = {}, {}, {}, 0
    for g, name, actor, hour, n in rows:
        # GROUPING bits: name 4, actor 2, hour 1 (set = aggregated away).
        if g == 0b011:
            names["(none)" if name is None else name] = n
        elif g == 0b101:
            actors["unknown" if actor is None else actor] = n
        elif g == 0b110:
            if hour is not None:
                hours[hour] = n
        elif g == 0b111:
            total = n
    write(out, total, names, actors, hours, query_seconds=round(seconds, 4),
          duckdb=duckdb.__version__, threads=threads)


def cmd_trailproof(summary: str, out: str) -> None:
    with open(summary) as f:
        s = json.load(f)
    actors = {k: v["events"] for k, v in s["identities"].items()}
    write(out, s["records"], s["by_event_name"], actors, s["by_hour"],
          files=len(s["files"]), skipped=len(s["skipped"]["files"]))


def cmd_check(a_path: str, b_path: str, records: int | None) -> None:
    with open(a_path) as f:
        a = json.load(f)
    with open(b_path) as f:
        b = json.load(f)
    problems = []
    if a["records"] != b["records"]:
        problems.append(f"records {a['records']} != {b['records']}")
    if records is not None and a["records"] != records:
        problems.append(f"records {a['records']} != generated {records}")
    for key in ("top_event_names", "top_actors"):
        if a[key] != b[key]:
            problems.append(f"{key} differ: {a[key]} != {b[key]}")
    if a["by_hour"] != b["by_hour"]:
        diff = sorted(set(a["by_hour"].items()) ^ set(b["by_hour"].items()))
        problems.append(f"by_hour differs: {diff[:6]}")
    if problems:
        print("check: MISMATCH: " + "; ".join(problems))
        sys.exit(1)
    print(f"check: OK: {a['records']} records{' (as generated)' if records is not None else ''}, "
          f"top {len(a['top_event_names'])} event names (#1 {a['top_event_names'][0][0]} "
          f"{a['top_event_names'][0][1]}), top {len(a['top_actors'])} actors and "
          f"{len(a['by_hour'])} hourly counts identical")


def main(argv: list[str]) -> None:
    if not argv:
        sys.exit(__doc__)
    cmd, rest = argv[0], argv[1:]
    if cmd == "run" and len(rest) >= 3 and rest[1] == "--":
        cmd_run(rest[0], rest[2:])
    elif cmd == "duckdb" and len(rest) >= 2:
        threads = os.cpu_count() or 1
        if "--threads" in rest:
            threads = int(rest[rest.index("--threads") + 1])
        cmd_duckdb(rest[0], rest[1], threads, "--idle" in rest)
    elif cmd == "trailproof" and len(rest) == 2:
        cmd_trailproof(rest[0], rest[1])
    elif cmd == "check" and len(rest) in (2, 4):
        records = int(rest[3]) if len(rest) == 4 and rest[2] == "--records" else None
        cmd_check(rest[0], rest[1], records)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])

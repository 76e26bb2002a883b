#!/usr/bin/env python3
"""Helpers for scripts/bench-hunt (run with the bench venv's Python).

    bench_hunt.py duckdb LOG_DIR RULES_DIR OUT_JSON [--threads N] [--mode table|scan] [--stock]
        The DuckDB route: converts every rule of RULES_DIR with pySigma's DuckDB backend, runs
        the SQL over LOG_DIR/**/*.json.gz with read_json and writes the hits per rule id with
        the conversion, load and query times. The backend renders `not X` as SQL's `NOT X`,
        which is NULL, not true, when X reads a field the record lacks; by default `not` is
        rendered as `NOT coalesce(X, false)` (Sigma's two-valued logic) and every other part of
        the SQL is the backend's own. --stock runs the backend's SQL unchanged.
        The records are read once, with one column per field the rules name (called by its
        dotted path, as the backend's SQL names it). --mode table (default): into a temporary
        table, then each rule's `SELECT * FROM logs WHERE ...` runs as the backend wrote it,
        wrapped in a count. --mode scan: no table; one query over a view of the files with one
        `count(*) FILTER (WHERE <rule>)` per rule (much slower with hundreds of rules).
    bench_hunt.py reference LOG_DIR RULES_DIR OUT_JSON [--jobs N]
        An independent, plain-Python evaluation of the same rules by the Sigma specification
        (case-insensitive strings, wildcards, the modifiers the generator writes, two-valued
        `not`, dotted paths walking lists, objects as compact JSON): the expected hits per rule.
    bench_hunt.py trailproof HITS_JSONL OUT_JSON
        The hits per rule_id of `trailproof hunt --format jsonl` output.
    bench_hunt.py check RULES_DIR NAME=JSON... [--records N]
        Compares the hits per rule of two or more of the above; prints the totals, then one
        line per rule whose counts differ (id, title, each side's count, the backend's SQL);
        exits 1 when any differ.

Every OUT_JSON holds {"hits": total, "rules": {rule id: hits}, ...}; a rule without an `id` is
named by its file path, as trailproof names it.
"""

from __future__ import annotations

import glob
import gzip
import json
import os
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import yaml


def rule_files(rules_dir: str) -> list[str]:
    out = []
    for root, _, files in os.walk(rules_dir):
        out += [os.path.join(root, f) for f in files if f.endswith((".yml", ".yaml"))]
    return sorted(out)


def rule_key(doc: dict, path: str) -> str:
    return str(doc.get("id") or path)


def write(out: str, doc: dict) -> None:
    with open(out, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write("\n")


# ---------------------------------------------------------------- DuckDB route

# Top-level keys read as JSON (their sub-fields vary by event); every other referenced key is
# typed VARCHAR, or a STRUCT of VARCHAR leaves when the rules name its sub-fields.
JSON_OBJECTS = {"requestParameters", "responseElements", "additionalEventData",
                "serviceEventDetails", "tlsDetails", "resources"}


def backend_class(two_valued: bool):
    from sigma_backend_duckdb import DuckDBBackend

    if not two_valued:
        return DuckDBBackend

    class TwoValuedNot(DuckDBBackend):
        """The backend, with `not X` as `NOT coalesce(X, false)`: Sigma's `not` over a field
        the record lacks is true, where SQL's NOT over NULL is NULL (row dropped)."""

        def convert_condition_not(self, cond, state):
            inner = self.convert_condition(cond.args[0], state)
            if inner is None or not isinstance(inner, str):
                return super().convert_condition_not(cond, state)
            return f"NOT coalesce(({inner}), false)"

    return TwoValuedNot


def detection_fields(rule) -> set[str]:
    from sigma.rule import SigmaDetection

    fields: set[str] = set()

    def walk(item):
        if isinstance(item, SigmaDetection):
            for sub in item.detection_items:
                walk(sub)
        elif item.field:
            fields.add(item.field)

    for det in rule.detection.detections.values():
        walk(det)
    return fields


def convert(rules_dir: str, two_valued: bool) -> tuple[list[dict], list[dict]]:
    """([{key, title, path, sql, fields}], [{path, error}]) for every rule file."""
    from sigma.collection import SigmaCollection

    backend = backend_class(two_valued)()
    converted, refused = [], []
    for path in rule_files(rules_dir):
        with open(path) as f:
            text = f.read()
        try:
            doc = yaml.safe_load(text)
            rule = SigmaCollection.from_yaml(text).rules[0]
            sql = backend.convert_rule(rule)
            if len(sql) != 1:
                raise ValueError(f"{len(sql)} queries")
            converted.append({"key": rule_key(doc, path), "title": doc.get("title"),
                              "path": path, "sql": sql[0],
                              "fields": sorted(detection_fields(rule))})
        except Exception as e:  # noqa: BLE001 -- every refusal is listed with its reason
            refused.append({"path": path, "error": f"{type(e).__name__}: {e}"})
    return converted, refused


def view_sql(glob_pattern: str, fields: set[str]) -> str:
    """SELECT of one column per rule field, named by its dotted path, over the files."""
    tree: dict = {}
    whole: set[str] = set()
    for f in fields:
        top, _, rest = f.partition(".")
        if not rest:
            whole.add(top)
        node = tree.setdefault(top, {})
        for part in rest.split(".") if rest else []:
            node = node.setdefault(part, {})

    def struct(node: dict) -> str:
        if not node:
            return "VARCHAR"
        return "STRUCT(" + ", ".join(f'"{k}" {struct(v)}' for k, v in sorted(node.items())) + ")"

    typed, cols = [], []
    for top, node in sorted(tree.items()):
        as_json = top in JSON_OBJECTS or (node and top in whole)
        typed.append(f'"{top}" {"JSON" if as_json else struct(node)}')
    for f in sorted(fields):
        top, _, rest = f.partition(".")
        if tree[top] and (top in JSON_OBJECTS or top in whole):
            expr = (f"CAST(r.\"{top}\" AS VARCHAR)" if not rest else
                    f"json_extract_string(r.\"{top}\", '$." +
                    ".".join(f'"{p}"' for p in rest.split(".")) + "')")
        elif top in JSON_OBJECTS:
            expr = f"CAST(r.\"{top}\" AS VARCHAR)"
        else:
            expr = "r." + ".".join(f'"{p}"' for p in f.split("."))
        cols.append(f'{expr} AS "{f}"')
    records = "STRUCT(" + ", ".join(typed) + ")[]"
    g = glob_pattern.replace("'", "''")
    return (f"SELECT {', '.join(cols)} FROM (SELECT unnest(Records) AS r FROM read_json('{g}', "
            f"format = 'auto', records = true, compression = 'gzip', "
            f"columns = {{'Records': '{records}'}}))")


def where_of(sql: str) -> str:
    prefix = "SELECT * FROM logs WHERE "
    if not sql.startswith(prefix):
        raise ValueError(f"unexpected SQL shape: {sql[:80]}")
    return sql[len(prefix):]


def scan_counts(con, view: str, rules: list[dict]) -> list[int]:
    aggs = ", ".join(f'count(*) FILTER (WHERE {where_of(r["sql"])}) AS "c{i}"'
                     for i, r in enumerate(rules))
    return list(con.execute(f"WITH logs AS ({view}) SELECT {aggs} FROM logs").fetchone())


def cmd_duckdb(log_dir: str, rules_dir: str, out: str, threads: int, mode: str,
               stock: bool) -> None:
    import duckdb

    started = time.perf_counter()
    rules, refused = convert(rules_dir, two_valued=not stock)
    convert_seconds = time.perf_counter() - started
    fields = set().union(*(set(r["fields"]) for r in rules)) if rules else {"eventName"}
    view = view_sql(os.path.join(log_dir, "**", "*.json.gz"), fields)
    con = duckdb.connect()
    con.execute(f"SET threads = {int(threads)}")
    started = time.perf_counter()
    if mode == "scan":
        counts = scan_counts(con, view, rules) if rules else []
        load_seconds = 0.0
    else:
        con.execute(f"CREATE TEMP TABLE logs AS {view}")
        load_seconds = time.perf_counter() - started
        counts = [con.execute(f"SELECT count(*) FROM ({r['sql']})").fetchone()[0]
                  for r in rules]
    query_seconds = time.perf_counter() - started
    doc = {"hits": sum(counts), "rules": {r["key"]: n for r, n in zip(rules, counts)},
           "refused": refused, "convert_seconds": round(convert_seconds, 4),
           "load_seconds": round(load_seconds, 4), "query_seconds": round(query_seconds, 4),
           "mode": mode, "not": "stock" if stock else "two-valued",
           "duckdb": duckdb.__version__, "threads": threads,
           "sql": {r["key"]: r["sql"] for r in rules}}
    write(out, doc)


# ---------------------------------------------------------------- reference evaluator


def text_of(v) -> str | None:
    """A value's string form: numbers and booleans by their JSON text, objects and lists as
    compact JSON (keys in the record's order), null as None."""
    if v is None:
        return None
    if isinstance(v, str):
        return v
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)


def values_at(rec, path: list[str]) -> tuple[bool, list]:
    """(key present, [values]) of a dotted path, walking lists element by element."""
    nodes, present = [rec], True
    for key in path:
        nxt = []
        for n in nodes:
            for m in (n if isinstance(n, list) else [n]):
                if isinstance(m, dict) and key in m:
                    nxt.append(m[key])
        if not nxt:
            return False, []
        nodes = nxt
    leaves = []
    for n in nodes:
        leaves.extend(n if isinstance(n, list) else [n])
    return present, leaves


def wildcard_regex(value: str, cased: bool):
    out, i = [], 0
    while i < len(value):
        c = value[i]
        if c == "\\" and i + 1 < len(value) and value[i + 1] in "*?\\":
            out.append(re.escape(value[i + 1]))
            i += 2
            continue
        out.append(".*" if c == "*" else "." if c == "?" else re.escape(c))
        i += 1
    return re.compile("".join(out), re.S | (0 if cased else re.I))


def compile_item(key: str, values):
    field, *mods = key.split("|")
    path = field.split(".")
    if not isinstance(values, list):
        values = [values]
    unsupported = set(mods) - {"contains", "startswith", "endswith", "all", "cased"}
    if unsupported:
        raise ValueError(f"reference evaluator: unsupported modifier {sorted(unsupported)}")
    cased = "cased" in mods
    pats = []
    for v in values:
        if v is None:
            pats.append(None)
            continue
        s = v if isinstance(v, str) else text_of(v)
        if "contains" in mods:
            s = f"*{s}*"
        elif "startswith" in mods:
            s = f"{s}*"
        elif "endswith" in mods:
            s = f"*{s}"
        pats.append(wildcard_regex(s, cased))
    need_all = "all" in mods

    def match(rec) -> bool:
        present, leaves = values_at(rec, path)
        texts = [text_of(x) for x in leaves]

        def one(p):
            if p is None:
                return not present or all(t is None for t in texts)
            return any(t is not None and p.fullmatch(t) for t in texts)

        return all(map(one, pats)) if need_all else any(map(one, pats))

    return match


def compile_detection(d):
    if isinstance(d, list):
        if all(isinstance(x, dict) for x in d):
            subs = [compile_detection(x) for x in d]
            return lambda rec: any(s(rec) for s in subs)
        raise ValueError("reference evaluator: keyword lists are not supported")
    items = [compile_item(k, v) for k, v in d.items()]
    return lambda rec: all(i(rec) for i in items)


TOKEN = re.compile(r"\s*(\(|\)|[^\s()]+)")


def compile_condition(cond: str, dets: dict):
    tokens = TOKEN.findall(cond)
    pos = 0

    def peek():
        return tokens[pos] if pos < len(tokens) else None

    def take():
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def names(pattern: str) -> list[str]:
        if pattern == "them":
            return [n for n in dets if not n.startswith("_")]
        rx = wildcard_regex(pattern, cased=True)
        return [n for n in dets if rx.fullmatch(n)]

    def primary():
        t = take()
        if t == "(":
            e = disj()
            if take() != ")":
                raise ValueError(f"bad condition {cond!r}")
            return e
        if t == "not":
            e = primary()
            return lambda rec: not e(rec)
        if t in ("1", "all") and peek() == "of":
            take()
            subs = [dets[n] for n in names(take())]
            if t == "1":
                return lambda rec: any(s(rec) for s in subs)
            return lambda rec: all(s(rec) for s in subs)
        return dets[t]

    def conj():
        e = primary()
        while peek() == "and":
            take()
            a, b = e, primary()
            e = (lambda a, b: lambda rec: a(rec) and b(rec))(a, b)
        return e

    def disj():
        e = conj()
        while peek() == "or":
            take()
            a, b = e, conj()
            e = (lambda a, b: lambda rec: a(rec) or b(rec))(a, b)
        return e

    e = disj()
    if pos != len(tokens):
        raise ValueError(f"bad condition {cond!r}")
    return e


def required_names(det) -> set[str] | None:
    """Lower-cased eventName values one of which a detection requires, or None."""
    if isinstance(det, list):
        parts = [required_names(d) for d in det]
        return None if any(p is None for p in parts) else set().union(*parts)
    v = det.get("eventName")
    if v is None:
        return None
    vs = v if isinstance(v, list) else [v]
    if any(not isinstance(x, str) or re.search(r"[*?\\]", x) for x in vs):
        return None
    return {x.lower() for x in vs}


def condition_names(cond: str, dets: dict) -> set[str] | None:
    """eventName values one of which a condition requires, when it is a plain AND chain."""
    tokens = TOKEN.findall(cond)
    if any(t in ("or", "(", ")") for t in tokens):
        # `a and (b or c)`: the names are those of a when a requires some; else unknown.
        tokens = tokens[:next(i for i, t in enumerate(tokens) if t in ("or", "(", ")"))]
        if tokens and tokens[-1] == "and":
            tokens = tokens[:-1]
        if not tokens or "of" in tokens:
            return None
    best = None
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t == "not":
            i += 4 if tokens[i + 1:i + 3] in (["1", "of"], ["all", "of"]) else 2
            continue
        if t in ("1", "all") and i + 1 < len(tokens) and tokens[i + 1] == "of":
            return best
        if t in dets:
            n = required_names(dets[t])
            if n is not None:
                best = n if best is None else best & n
        i += 1
    return best


def load_reference_rules(rules_dir: str):
    rules = []
    for path in rule_files(rules_dir):
        with open(path) as f:
            doc = yaml.safe_load(f)
        det = dict(doc["detection"])
        cond = det.pop("condition")
        compiled = {k: compile_detection(v) for k, v in det.items()}
        rules.append((rule_key(doc, path), compile_condition(cond, compiled),
                      condition_names(cond, det)))
    return rules


_RULES = None


def reference_files(args):
    rules_dir, paths = args
    global _RULES
    if _RULES is None:
        _RULES = load_reference_rules(rules_dir)
    by_name, always = {}, []
    for i, (_, _, names) in enumerate(_RULES):
        if names is None:
            always.append(i)
        else:
            for n in names:
                by_name.setdefault(n, []).append(i)
    counts = [0] * len(_RULES)
    records = 0
    for p in paths:
        with gzip.open(p, "rb") as f:
            recs = json.loads(f.read())["Records"]
        records += len(recs)
        for rec in recs:
            name = rec.get("eventName")
            cand = by_name.get(name.lower(), []) if isinstance(name, str) else []
            for i in (*cand, *always):
                if _RULES[i][1](rec):
                    counts[i] += 1
    return records, counts


def cmd_reference(log_dir: str, rules_dir: str, out: str, jobs: int) -> None:
    started = time.perf_counter()
    keys = [k for k, _, _ in load_reference_rules(rules_dir)]
    paths = sorted(glob.glob(os.path.join(log_dir, "**", "*.json.gz"), recursive=True))
    chunks = [paths[i::jobs * 8] for i in range(jobs * 8)]
    totals, records = [0] * len(keys), 0
    with ProcessPoolExecutor(max_workers=jobs) as ex:
        for n, counts in ex.map(reference_files, [(rules_dir, c) for c in chunks]):
            records += n
            totals = [a + b for a, b in zip(totals, counts)]
    write(out, {"hits": sum(totals), "rules": dict(zip(keys, totals)), "records": records,
                "seconds": round(time.perf_counter() - started, 3)})


# ---------------------------------------------------------------- trailproof, check


def cmd_trailproof(hits_jsonl: str, out: str) -> None:
    rules: dict[str, int] = {}
    bad = 0
    with open(hits_jsonl) as f:
        for line in f:
            if not line.strip():
                continue
            try:
                hit = json.loads(line)
                key = str(hit["rule_id"])
            except (ValueError, KeyError, TypeError):
                bad += 1
                continue
            rules[key] = rules.get(key, 0) + 1
    write(out, {"hits": sum(rules.values()), "rules": rules, "unreadable_lines": bad})


def cmd_check(rules_dir: str, named: list[tuple[str, str]], records: int | None) -> None:
    docs = []
    for name, path in named:
        with open(path) as f:
            docs.append((name, json.load(f)))
    titles, sqls = {}, {}
    for path in rule_files(rules_dir):
        with open(path) as f:
            doc = yaml.safe_load(f)
        titles[rule_key(doc, path)] = doc.get("title", "")
    for _, d in docs:
        sqls.update(d.get("sql", {}))
    keys = sorted(titles)
    totals = ", ".join(f"{n} {d['hits']}" for n, d in docs)
    fired = sum(1 for k in keys if docs[0][1]["rules"].get(k, 0))
    diffs = [k for k in keys if len({d["rules"].get(k, 0) for _, d in docs}) > 1]
    extra = [k for _, d in docs for k in d["rules"] if k not in titles]
    suffix = f" over {records} records" if records is not None else ""
    if not diffs and not extra:
        print(f"check: OK: hits {totals}{suffix}; {len(keys)} rules, {fired} fired, "
              f"every rule's count identical")
        return
    print(f"check: MISMATCH: hits {totals}{suffix}; {len(diffs)} of {len(keys)} rules differ")
    for k in diffs[:20]:
        counts = ", ".join(f"{n} {d['rules'].get(k, 0)}" for n, d in docs)
        print(f"  {k} {titles[k]!r}: {counts}")
        if k in sqls:
            print(f"    SQL: {sqls[k][:300]}")
    if len(diffs) > 20:
        print(f"  ... {len(diffs) - 20} more")
    for k in extra[:5]:
        print(f"  {k}: hits for a rule not in {rules_dir}")
    sys.exit(1)


def main(argv: list[str]) -> None:
    if not argv:
        sys.exit(__doc__)
    cmd, rest = argv[0], argv[1:]

    def opt(name, default):
        return rest[rest.index(name) + 1] if name in rest else default

    if cmd == "duckdb" and len(rest) >= 3:
        cmd_duckdb(rest[0], rest[1], rest[2], int(opt("--threads", os.cpu_count() or 1)),
                   opt("--mode", "table"), "--stock" in rest)
    elif cmd == "reference" and len(rest) >= 3:
        cmd_reference(rest[0], rest[1], rest[2], int(opt("--jobs", os.cpu_count() or 1)))
    elif cmd == "trailproof" and len(rest) == 2:
        cmd_trailproof(rest[0], rest[1])
    elif cmd == "check" and len(rest) >= 3:
        records = int(opt("--records", "-1"))
        named = [tuple(a.split("=", 1)) for a in rest[1:] if "=" in a]
        cmd_check(rest[0], named, None if records < 0 else records)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])

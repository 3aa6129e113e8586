#!/usr/bin/python3
"""The tool-neutral client of bench/compare.sh (a benchmark run by hand, not a test).

The same code measures pgrunbook, repmgr and Patroni: it only knows a libpq conninfo (a multi-host one with
target_session_attrs=read-write, or one PgBouncer) and the table items(note text) that every cluster of the
benchmark has.

  writer DSN TAG OUT      one row per transaction, note 'TAG:n' with n increasing; records every acknowledged n and
                          the time of its acknowledgement in OUT (written at SIGTERM/SIGINT)
  window OUT T0 T1 DSN TAG  the longest gap between acknowledged commits overlapping [T0, T1], and the acknowledged
                          rows missing on the primary afterwards ("lost"); prints "WINDOW LOST ACKED"
  firstwrite DSN T0       retries one insert every 5 ms until one commits; prints the seconds from T0 (epoch) to it
  report TSV MD ...       the markdown section of BENCHMARKS.md from the raw figures (see compare.sh)
"""
import json
import signal
import statistics
import sys
import time

import psycopg2


def connect(dsn):
    c = psycopg2.connect(dsn)
    c.autocommit = True
    return c


def writer(dsn, tag, out):
    acked = []
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    n = 0
    conn = None
    while not stop:
        try:
            if conn is None:
                conn = connect(dsn)
                cur = conn.cursor()
            n += 1
            cur.execute("INSERT INTO items(note) VALUES (%s)", (f"{tag}:{n}",))
            acked.append((n, time.time()))
        except psycopg2.Error:
            # an id whose commit was not acknowledged is neither counted nor checked: only acknowledged ones must survive
            try:
                if conn is not None:
                    conn.close()
            except psycopg2.Error:
                pass
            conn = None
            time.sleep(0.005)
    with open(out, "w") as f:
        for i, t in acked:
            f.write(f"{i}\t{t:.6f}\n")


def window(out, t0, t1, dsn, tag):
    t0, t1 = float(t0), float(t1)
    acked = []
    with open(out) as f:
        for line in f:
            i, t = line.split()
            acked.append((int(i), float(t)))
    gap = 0.0
    for (_, a), (_, b) in zip(acked, acked[1:]):
        if b > t0 and a < t1:
            gap = max(gap, b - a)
    deadline = time.time() + 30
    while True:
        try:
            with connect(dsn) as c, c.cursor() as cur:
                cur.execute("SELECT note FROM items WHERE note LIKE %s", (tag + ":%",))
                present = {int(r[0].split(":")[1]) for r in cur.fetchall()}
            break
        except psycopg2.Error:
            if time.time() > deadline:
                raise
            time.sleep(0.1)
    lost = sum(1 for i, _ in acked if i not in present)
    print(f"{gap:.3f} {lost} {len(acked)}")


def firstwrite(dsn, t0):
    t0 = float(t0)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            with connect(dsn) as c, c.cursor() as cur:
                cur.execute("INSERT INTO items(note) VALUES ('first-write')")
                print(f"{time.time() - t0:.3f}")
                return
        except psycopg2.Error:
            time.sleep(0.005)
    print("nan")


# ------------------------------------------------------------------ report

def fmt(xs, unit):
    if not xs:
        return "n/a"
    m = statistics.median(xs)
    if unit == "n":
        s = f"{m:g}"
        return s if min(xs) == max(xs) else f"{s} ({min(xs):g} .. {max(xs):g})"
    s = f"{m:.2f} s"
    return s if len(xs) == 1 else f"{s} ({min(xs):.2f} .. {max(xs):.2f})"


def ratio(a, b):
    if not a or not b:
        return "–"
    mb = statistics.median(b)
    if mb == 0:
        return "n/a"
    return f"{statistics.median(a) / mb:.2f}"


def report(tsv, md, meta_json):
    """tsv rows: measure, tool, value, unit, note. Tools are columns in the order they first appear."""
    meta = json.loads(open(meta_json).read())
    rows = {}
    measures, tools = [], []
    notes = {}
    for line in open(tsv):
        parts = line.rstrip("\n").split("\t")
        if len(parts) < 4 or parts[0] == "measure":
            continue
        m, tool, v, unit = parts[:4]
        if m not in measures:
            measures.append(m)
        if tool not in tools:
            tools.append(tool)
        if v not in ("", "nan"):
            rows.setdefault((m, tool), []).append(float(v))
        notes[m] = unit
    order = ["pgrunbook", "pgrunbook-baseline", "repmgr", "Patroni", "plain PostgreSQL"]
    tools.sort(key=lambda t: order.index(t) if t in order else len(order))
    pg = tools[:1] if tools and tools[0] == "pgrunbook" else []
    others = [t for t in tools if t not in pg]
    lines = [meta["header"], ""]
    head = ["measure"] + tools + [f"{p} / {o}" for p in pg for o in others]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + " --- |" * len(head))
    for m in measures:
        cells = [meta.get("labels", {}).get(m, m)]
        for t in tools:
            cells.append(fmt(rows.get((m, t), []), notes[m]) if (m, t) in rows else "–")
        for p in pg:
            for o in others:
                # a variant row of pgrunbook ("status: over SSH") is set against the other tool's main row ("status")
                # (not against pgrunbook's own baseline: a row it lacks is a feature it did not have)
                theirs = rows.get((m, o)) or (None if o.startswith("pgrunbook") else rows.get((m.split(":")[0], o)))
                cells.append(ratio(rows.get((m, p)), theirs) if notes[m] != "n" else "")
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(meta["footer"])
    open(md, "w").write("\n".join(lines) + "\n")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"writer": writer, "window": window, "firstwrite": firstwrite, "report": report}[cmd](*args)

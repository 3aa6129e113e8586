#!/usr/bin/env python3
"""Writes the inventory of bench/fleet.sh: CLUSTERS clusters of the lab's four hosts, each at a relay port of its own
(20001, 20002, ...; bench/fleet-relay.py forwards them to the lab's servers), the last DEAD of them at addresses where
nothing listens (127.0.126.x: refused at once) and the SILENT before those at addresses that accept and never answer
(127.0.125.x, fleet-relay.py --silent; connect_timeout 1s).

Usage: fleet-inventory.py LAB_INVENTORY CLUSTERS DEAD SILENT OUT [--no-pgbouncer]
(--no-pgbouncer: the hosts without their PgBouncer, to see what reading the consoles costs)
"""
import copy
import sys

import yaml

lab_file, clusters, dead, silent, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
with open(lab_file) as f:
    lab = yaml.safe_load(f)
template = next(iter(lab["clusters"].values()))
fleet = {"version": 1, "defaults": lab["defaults"], "clusters": {}}
for k in range(1, clusters + 1):
    c = copy.deepcopy(template)
    c.pop("drill", None)
    kind = "dead" if k > clusters - dead else "silent" if k > clusters - dead - silent else "live"
    for i, (name, h) in enumerate(c["hosts"].items()):
        if "--no-pgbouncer" in sys.argv[6:]:
            h.pop("pgbouncer", None)
        pg = h.setdefault("postgres", {})
        if kind == "live":
            pg["port"] = 20000 + k
        else:
            net = 126 if kind == "dead" else 125
            h["address"] = "127.0.%d.%d" % (net, 11 + 4 * (k - 1) % 240 + i)
            pg["data_dir"] = "/nonexistent/c%03d/%s" % (k, name)
            if kind == "silent":
                pg["connect_timeout"] = "1s"
    fleet["clusters"]["c%03d" % k] = c
with open(out, "w") as f:
    f.write("# Written by bench/fleet-inventory.py: %d clusters on one lab (%d dead, %d silent)\n" % (clusters, dead, silent))
    yaml.safe_dump(fleet, f, sort_keys=False, default_flow_style=False)

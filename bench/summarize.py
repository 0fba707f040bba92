#!/usr/bin/env python3
"""Medians and ratios from banter-bench JSON lines written by bench/compare.sh.
Usage: bench/summarize.py bench/results/A.jsonl [B.jsonl ...]"""
import json, statistics, sys
# Later files win for each scenario and server they contain (a re-run
# replaces the older runs of that pair).
rows = []
for path in sys.argv[1:]:
    new = [json.loads(l) for l in open(path)]
    fresh = {(r["scenario"], r["server"]) for r in new}
    rows = [r for r in rows if (r["scenario"], r["server"]) not in fresh] + new
def med(scn, srv, key, sub=None):
    vals = []
    for r in rows:
        res = r["result"]
        if r["scenario"] == scn and r["server"] == srv and res:
            v = res[key][sub] if sub else res[key]
            if v is not None:
                vals.append(v)
    return statistics.median(vals) if vals else None
def clean(scn, srv):
    return all(r["result"] and r["result"]["lost"] == 0 and not r["result"]["timed_out"]
               for r in rows if r["scenario"] == scn and r["server"] == srv)
servers = ["banter", "ngircd", "inspircd"]
metrics = {
    "throughput": [("delivered_per_sec", None, "deliveries/s", max), ("latency_us", "p99", "p99 latency µs", min),
                   ("server_cpu_pct", None, "server CPU %", None), ("bench_cpu_pct", None, "generator CPU %", None)],
    "latency": [("latency_us", "p50", "p50 latency µs", min), ("latency_us", "p99", "p99 latency µs", min),
                ("latency_us", "max", "max latency µs", min)],
    "idle": [("rss_per_client_kib", None, "server KiB per client", min), ("clients_connected", None, "clients held", max)],
}
print(f"| scenario | metric | {' | '.join(servers)} | Banter vs better peer |")
print("| --- | --- | " + " | ".join("---" for _ in servers) + " | --- |")
for scn in dict.fromkeys(r["scenario"] for r in rows):
    kind = scn.split("-")[0]
    for key, sub, label, better in metrics[kind]:
        vals = {s: med(scn, s, key, sub) for s in servers}
        cells = []
        for s in servers:
            v = vals[s]
            cell = "n/a" if v is None else (f"{v:,.2f}" if isinstance(v, float) and v < 100 else f"{v:,.0f}")
            if v is not None and not clean(scn, s):
                cell += " (incomplete)"
            cells.append(cell)
        ratio = ""
        peers = [vals[s] for s in servers[1:] if vals[s] is not None]
        if better and vals["banter"] is not None and peers:
            best = better(peers)
            if best:
                ratio = f"{vals['banter'] / best:.2f}x"
        print(f"| {scn} | {label} | {' | '.join(cells)} | {ratio} |")

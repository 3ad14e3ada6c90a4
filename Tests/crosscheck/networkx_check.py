#!/usr/bin/env python3
"""Cross-check Tandem's exact matching against networkx on exported graphs.

Usage: networkx_check.py PATH/TO/matching-bench

For each (kind, n, seed) below, runs `matching-bench export`, solves the same graph with
networkx.max_weight_matching(maxcardinality=True) and requires equal cardinality and total
weight (the pairs may differ when several optima tie). Prints the timing of both solvers on
the n = 2,000 top-k graph. Ends with "N passed, M failed"; exits non-zero on any mismatch.
"""
import json
import subprocess
import sys
import time

import networkx as nx

CASES = [
    ("random", 10, 1, 4), ("random", 31, 2, 6), ("random", 200, 3, 6), ("random", 500, 4, 3),
    ("topk", 50, 1, 5), ("topk", 301, 2, 8), ("topk", 500, 3, 24), ("topk", 1000, 4, 12),
    ("complete", 40, 1, 0), ("complete", 150, 2, 0),
    ("topk", 2000, 5, 24),
]
TIMED = ("topk", 2000, 5, 24)


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    bench = sys.argv[1]
    passed = failed = 0
    for kind, n, seed, k in CASES:
        out = subprocess.run([bench, "export", kind, str(n), str(seed), str(k)],
                             check=True, capture_output=True, text=True).stdout
        data = json.loads(out)
        graph = nx.Graph()
        graph.add_nodes_from(range(data["vertices"]))
        for u, v, w in data["edges"]:
            if u == v:
                continue
            if graph.has_edge(u, v):
                w = max(w, graph[u][v]["weight"])
            graph.add_edge(u, v, weight=w)
        start = time.perf_counter()
        reference = nx.max_weight_matching(graph, maxcardinality=True)
        nx_seconds = time.perf_counter() - start
        nx_total = sum(graph[u][v]["weight"] for u, v in reference)
        pairs = data["pairs"]
        valid = (len({x for p in pairs for x in p}) == 2 * len(pairs)
                 and all(graph.has_edge(a, b) for a, b in pairs)
                 and sum(graph[a][b]["weight"] for a, b in pairs) == data["total"])
        ok = valid and len(reference) == data["cardinality"] and nx_total == data["total"]
        status = "ok" if ok else "MISMATCH"
        print(f"{kind:9} n={n:5} seed={seed} k={k:2}  edges={len(data['edges']):7}  "
              f"networkx: {len(reference)} pairs, {nx_total}  tandem: {data['cardinality']} pairs, "
              f"{data['total']}  {status}")
        if (kind, n, seed, k) == TIMED:
            ratio = nx_seconds / max(data["seconds"], 1e-9)
            print(f"timing on n={n} top-{k}: networkx {nx_seconds:.3f} s, tandem {data['seconds']:.4f} s "
                  f"(tandem {ratio:.0f}x faster)")
        if ok:
            passed += 1
        else:
            failed += 1
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Checks the optimality certificates in `tandem match --json` output, from the JSON alone.

Usage: check_certificate.py MATCH.json            (or - for stdin)
       check_certificate.py --portal DIR --tandem BIN   (runs `BIN match --json DIR` itself)
       add --tampered to check, besides, that damaged copies of each certificate are rejected
       (a dual lowered, a pair dropped, a barrier vertex removed, a heavier edge added)

No Tandem code is used: this is plain linear-programming duality for maximum-weight matching
on a general graph (Edmonds' matching polytope), written from the textbook statement.

For every pairs-format program with a certificate, the solver's graph G is rebuilt from the
JSON: the vertices and candidate edges, minus the edges below `floor` (fairness), plus the
sit-out vertex "(sit-out)" joined to each of `sit_out.joined` by an edge of `sit_out.weight`.
The matching M is `pairs`, plus (`sit_out.matched`, "(sit-out)") when someone sits out.
All duals are doubled integers: vertex duals y, blossom duals z (a blossom's vertices are those
whose innermost blossom, `vertex_blossom`, is it or lies inside it, following `blossoms`
[parent, dual] entries). The checker verifies:

  1. M is a matching of G (every pair an edge, nobody twice);
  2. dual feasibility: every z >= 0, and for every edge (u, v, w) of G
         y[u] + y[v] + sum of z over the blossoms holding both u and v  >=  2w;
  3. the weight bound is tight:
         2 w(M) = sum y + sum z_B * floor(|B| / 2) - (|V| - 2|M|) * min(y).
     For any matching M' with |M'| = |M| edges, summing the edge inequalities over M' gives
     2 w(M') <= that same right-hand side, so no matching of |M| edges is heavier;
  4. the Tutte-Berge barrier X: |M| = (|V| + |X| - odd(G - X)) / 2, so no matching of G has
     more edges than M.

Together: M is a maximum-cardinality matching of G, and the heaviest among them — which is
what the pairs solver promises. What this does NOT prove: that G holds the right edges. Each
person's candidates are their k best allowed partners (the "candidates" field says how they
were found; "approximation" must be null); that they are exactly the k best is Tandem's claim,
tested against a brute-force scan in its test suite, not something the JSON can show.
Trios formed afterwards from the leftovers, and the fairness floor's own choice, are outside
the certificate too.

Exits 0 when every certificate holds (and at least one was checked), 1 otherwise.
"""
import json
import subprocess
import sys

SIT_OUT = "(sit-out)"


def fail(program, message):
    print(f"check_certificate: {program}: FAILED: {message}")
    return False


def check_program(p):
    name = p["program"]
    cert = p.get("certificate")
    ids = p["vertices"]
    index = {v: i for i, v in enumerate(ids)}
    if len(index) != len(ids):
        return fail(name, "duplicate vertex ids")
    candidates = p.get("candidates") or {}
    if candidates.get("approximation") is not None or candidates.get("exact") is not True:
        return fail(name, f"the candidate graph is marked approximate: {candidates}")
    sit_out = cert.get("sit_out")
    n = len(ids) + (1 if sit_out else 0)
    if sit_out:
        index[SIT_OUT] = len(ids)
    floor = cert.get("floor")

    edges = {}
    for u, v, w in p["edges"]:
        if u not in index or v not in index or u == v:
            return fail(name, f"edge {u}-{v} names an unknown vertex or a loop")
        if floor is not None and w < floor:
            continue
        a, b = sorted((index[u], index[v]))
        edges[(a, b)] = max(w, edges.get((a, b), w))
    if sit_out:
        d = index[SIT_OUT]
        for u in sit_out["joined"]:
            if u not in index or u == SIT_OUT:
                return fail(name, f"sit-out edge to unknown vertex {u}")
            edges[(index[u], d)] = sit_out["weight"]

    matching = [(index.get(a), index.get(b)) for a, b in p["pairs"]]
    if sit_out and sit_out.get("matched") is not None:
        matching.append((index.get(sit_out["matched"]), index[SIT_OUT]))
    mate = [None] * n
    weight = 0
    for a, b in matching:
        if a is None or b is None:
            return fail(name, "a pair names an unknown vertex")
        key = (min(a, b), max(a, b))
        if key not in edges:
            return fail(name, f"pair {a}-{b} is not an edge of the graph")
        if mate[a] is not None or mate[b] is not None or a == b:
            return fail(name, f"vertex matched twice in pair {a}-{b}")
        mate[a], mate[b] = b, a
        weight += edges[key]
    size = len(matching)

    y = cert["vertex_duals"]
    inner = cert["vertex_blossom"]
    blossoms = cert["blossoms"]
    if len(y) != n or len(inner) != n:
        return fail(name, f"expected {n} vertex duals and blossoms, got {len(y)} and {len(inner)}")
    parent = [b[0] for b in blossoms]
    z = [b[1] for b in blossoms]
    nb = len(blossoms)
    if any(v < 0 for v in z):
        return fail(name, "a blossom dual is negative")
    if any(not (-1 <= q < nb) for q in parent + inner):
        return fail(name, "a blossom reference is out of range")
    depth = [None] * nb
    for b in range(nb):
        chain, c = [], b
        while c >= 0 and depth[c] is None:
            chain.append(c)
            c = parent[c]
            if len(chain) > nb:
                return fail(name, "the blossom parents form a cycle")
        d = -1 if c < 0 else depth[c]
        for q in reversed(chain):
            d += 1
            depth[q] = d
    inherited = [0] * nb  # z of a blossom plus all its ancestors
    for b in sorted(range(nb), key=lambda q: depth[q]):
        inherited[b] = z[b] + (inherited[parent[b]] if parent[b] >= 0 else 0)

    def common(a, b):
        x, w_ = inner[a], inner[b]
        while x != w_:
            if x < 0 or w_ < 0:
                return 0
            if depth[x] >= depth[w_]:
                x = parent[x]
            else:
                w_ = parent[w_]
        return 0 if x < 0 else inherited[x]

    for (a, b), w in edges.items():
        if y[a] + y[b] + common(a, b) < 2 * w:
            return fail(name, f"edge {a}-{b} (weight {w}) violates dual feasibility")

    members = [0] * nb
    for v in range(n):
        c = inner[v]
        while c >= 0:
            members[c] += 1
            c = parent[c]
    bound = sum(y) + sum(z[b] * (members[b] // 2) for b in range(nb)) - (n - 2 * size) * min(y, default=0)
    if 2 * weight != bound:
        return fail(name, f"2·w(M) = {2 * weight} but the dual bound is {bound}")

    removed = set()
    for v in cert["barrier"]:
        if v not in index:
            return fail(name, f"barrier names unknown vertex {v}")
        removed.add(index[v])
    root = list(range(n))

    def find(v):
        while root[v] != v:
            root[v] = root[root[v]]
            v = root[v]
        return v

    for a, b in edges:
        if a not in removed and b not in removed:
            ra, rb = find(a), find(b)
            if ra != rb:
                root[max(ra, rb)] = min(ra, rb)
    sizes = {}
    for v in range(n):
        if v not in removed:
            r = find(v)
            sizes[r] = sizes.get(r, 0) + 1
    odd = sum(1 for s in sizes.values() if s % 2 == 1)
    if 2 * size != n + len(removed) - odd:
        return fail(name, f"{size} pairs, but the barrier only bounds the matching at {(n + len(removed) - odd) // 2}")

    sat_out = 1 if sit_out and sit_out.get("matched") is not None else 0
    real = weight - (sit_out["weight"] if sat_out else 0)
    print(f"check_certificate: {name}: OK: {size - sat_out} pairs of {len(ids)} people"
          + (f" (and {sit_out['matched']} matched with the sit-out vertex)" if sat_out else "")
          + f", weight {real}, optimal on its "
          f"{len(p['edges'])}-edge candidate graph ("
          + (f"{candidates.get('method')} top-{candidates.get('k')}" if candidates.get("k") else "every allowed pair") + ")")
    return True


def tampered_copies(p):
    """Damaged copies of a program's certificate or matching, each of which must fail."""
    import copy
    cert = p["certificate"]
    if p["pairs"]:
        a, b = p["pairs"][0]
        i = p["vertices"].index(a)
        q = copy.deepcopy(p)
        q["certificate"]["vertex_duals"][i] -= 2
        yield "a matched vertex's dual lowered", q
        q = copy.deepcopy(p)
        q["pairs"] = q["pairs"][1:]
        yield "a pair dropped", q
        q = copy.deepcopy(p)
        u, v = p["vertices"].index(a), p["vertices"].index(b)
        y = cert["vertex_duals"]
        heavy = (y[u] + y[v]) // 2 + 1 + sum(max(0, z) for _, z in cert["blossoms"])
        q["edges"] = q["edges"] + [[a, b, heavy]]
        yield "the matched edge made heavier", q
    if cert["barrier"]:
        q = copy.deepcopy(p)
        q["certificate"]["barrier"] = q["certificate"]["barrier"][1:]
        # Removing a barrier vertex can leave the bound intact only by chance; check below.
        yield "a barrier vertex removed", q


def main(argv):
    if "--portal" in argv:
        portal = argv[argv.index("--portal") + 1]
        tandem = argv[argv.index("--tandem") + 1] if "--tandem" in argv else "tandem"
        text = subprocess.run([tandem, "match", "--json", portal], check=True, capture_output=True, text=True).stdout
    elif len([a for a in argv[1:] if a != "--tampered"]) == 1:
        path = [a for a in argv[1:] if a != "--tampered"][0]
        text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()
    else:
        sys.exit(__doc__)
    data = json.loads(text)
    checked, ok = 0, True
    for p in data["programs"]:
        if p["format"] != "pairs":
            continue
        if p.get("certificate") is None:
            print(f"check_certificate: {p['program']}: no certificate ({p.get('certificate_note', 'no reason given')})")
            continue
        checked += 1
        ok = check_program(p) and ok
        if "--tampered" in argv:
            caught = 0
            for what, q in tampered_copies(p):
                print(f"check_certificate: {p['program']}: tampered ({what}):", end=" ")
                if check_program(q):
                    if what == "a barrier vertex removed":
                        print("(another barrier can prove the same bound: not counted)")
                        continue
                    print(f"check_certificate: {p['program']}: a damaged certificate passed ({what})")
                    ok = False
                else:
                    caught += 1
            ok = ok and caught >= 3
    if checked == 0:
        print("check_certificate: no certificate to check")
        return 1
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))

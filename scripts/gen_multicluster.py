#!/usr/bin/env python3
"""Deterministic multi-cluster fixtures for zonetop's counting rules.

Simulates a three-cluster ambient mesh for 2 minutes at a 5 s interval:

  east   us-east1            network net1
  west   us-west1            network net1 (east and west reach each other's pods directly)
  south  southamerica-east1  network net2, reached through an east-west gateway

The same workload names run in every cluster. West's legacy/client is not in ambient (its
calls are reported by the server side only); an ingress gateway (destination side only), a
waypoint in east (two one-sided hops) and egress from south (source side only) are there too.

Hops into south cross networks through the east-west gateway; how ztunnel labels them
depends on versions (../shared/reports/ztunnel-topologies.md, section 2.2), one recording
per variant:

  baggage     every ztunnel 1.29+ with response baggage: both sides name both ends
  no-baggage  ztunnels before 1.29 (or response baggage off): the client side names the
              gateway (no workload, cluster or locality; the gateway's identity; the real
              destination_service), the server side names the real client (request baggage)
  mixed       client ztunnels 1.28, server ztunnels 1.29+: the client side names the gateway,
              the server side names the gateway pod as the source (its zone, cluster south)

Writes Fixtures/multicluster/VARIANT.ztrec.gz and VARIANT.truth.json: the truth per
directional zone pair and cluster pair, computed from the simulated connections (never from
zonetop). Where the metrics cannot name both ends (mixed), `expected_zone_pairs` is what an
exact count can give (the client's zone to unknown) and `physical_zone_pairs` the real pairs.
Usage: python3 scripts/gen_multicluster.py [OUT_DIR]
"""
import gzip
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(__file__))
from gen_fixtures import FAMILIES, LABELS, frame_bytes  # noqa: E402

SEED = 20261202
T0_MS = 1764633600000  # 2025-12-02T00:00:00Z
INTERVAL_MS = 5000
ROUNDS = 25  # 2 minutes: rounds 0..24

CLUSTERS = {"east": ("net1", "us-east1"), "west": ("net1", "us-west1"), "south": ("net2", "southamerica-east1")}
NODES = [  # name, cluster, zone, ip
    ("east-b-1", "east", "us-east1-b", "10.10.0.11"),
    ("east-c-1", "east", "us-east1-c", "10.10.0.21"),
    ("west-a-1", "west", "us-west1-a", "10.20.0.11"),
    ("west-b-1", "west", "us-west1-b", "10.20.0.21"),
    ("south-a-1", "south", "southamerica-east1-a", "10.30.0.11"),
    ("south-b-1", "south", "southamerica-east1-b", "10.30.0.21"),
]
NODE = {n[0]: n for n in NODES}
GATEWAY = ("istio-eastwestgateway", "istio-system", "south", "south-a-1")

# (workload, namespace, cluster) -> nodes of its pods
PODS = {}
for c, nodes in (("east", ["east-b-1", "east-c-1"]), ("west", ["west-a-1", "west-b-1"]),
                 ("south", ["south-a-1", "south-b-1"])):
    PODS[("frontend", "shop", c)] = nodes
    PODS[("cart", "shop", c)] = nodes[:1]
    PODS[("catalog", "shop", c)] = nodes[1:]
    PODS[("client", "legacy", c)] = nodes[:1]
PODS[("ingress-gateway", "istio-ingress", "east")] = ["east-b-1"]
PODS[("shop-waypoint", "shop", "east")] = ["east-c-1"]
NOT_AMBIENT = {("client", "legacy", "west"), ("ingress-gateway", "istio-ingress", "east")}

# client (workload, ns, cluster), server (workload, ns, cluster), bytes/s, response ratio
CALLS = []
for c in CLUSTERS:
    CALLS += [(("client", "legacy", c), ("frontend", "shop", c), 20_000, 4.0),
              (("frontend", "shop", c), ("cart", "shop", c), 15_000, 2.0),
              (("frontend", "shop", c), ("catalog", "shop", c), 10_000, 6.0)]
CALLS += [
    (("ingress-gateway", "istio-ingress", "east"), ("frontend", "shop", "east"), 30_000, 8.0),
    (("frontend", "shop", "east"), ("catalog", "shop", "west"), 8_000, 5.0),  # one network, cross-region
    (("frontend", "shop", "west"), ("cart", "shop", "east"), 6_000, 1.5),
    (("frontend", "shop", "east"), ("catalog", "shop", "south"), 12_000, 7.0),  # through the gateway
    (("frontend", "shop", "west"), ("catalog", "shop", "south"), 9_000, 7.0),
    (("cart", "shop", "east"), ("cart", "shop", "south"), 4_000, 1.2),
]
WAYPOINTED = [(("frontend", "shop", "east"), ("cart", "shop", "east"), 5_000, 1.5)]
EGRESS = [(("cart", "shop", "south"), "api.payments.example", 3_000, 2.0)]


def loc(node):
    _, cluster, zone, _ = NODE[node]
    return CLUSTERS[cluster][1], zone


def principal(wl, ns):
    return f"spiffe://cluster.local/ns/{ns}/sa/{wl}"


def build_flows(rng):
    """Each flow: one L4 hop between a client pod and a server pod (or host)."""
    flows = []

    def add(kind, client, cnode, server, snode, service, rate, ratio):
        flows.append(dict(kind=kind, client=client, cnode=cnode, server=server, snode=snode, service=service,
                          rate=rate, ratio=ratio, seed=rng.randrange(1 << 30)))

    for client, server, rate, ratio in CALLS:
        cnodes, snodes = PODS[client], PODS[server]
        cross_network = CLUSTERS[client[2]][0] != CLUSTERS[server[2]][0]
        kind = "gateway" if cross_network else ("nonambient-client" if client in NOT_AMBIENT else "mesh")
        for cn in cnodes:
            for sn in snodes:
                add(kind, client, cn, server, sn, server, rate / len(cnodes) / len(snodes), ratio)
    waypoint = ("shop-waypoint", "shop", "east")
    for client, server, rate, ratio in WAYPOINTED:
        wnode = PODS[waypoint][0]
        for cn in PODS[client]:
            add("to-waypoint", client, cn, waypoint, wnode, server, rate / len(PODS[client]), ratio)
        for sn in PODS[server]:
            add("from-waypoint", waypoint, wnode, server, sn, server, rate / len(PODS[server]), ratio)
    for client, host, rate, ratio in EGRESS:
        for cn in PODS[client]:
            add("egress", client, cn, None, None, host, rate / len(PODS[client]), ratio)
    return flows


def end(wl, node):
    """Label values of one end: workload, namespace, principal, cluster, region, zone."""
    if wl is None:
        return dict(workload="unknown", ns="unknown", principal="unknown", cluster="unknown",
                    region="unknown", zone="unknown")
    region, zone = loc(node)
    return dict(workload=wl[0], ns=wl[1], principal=principal(wl[0], wl[1]), cluster=wl[2], region=region, zone=zone)


GATEWAY_AS_DESTINATION = dict(workload="unknown", ns=GATEWAY[1], principal=principal(GATEWAY[0], GATEWAY[1]),
                              cluster="unknown", region="unknown", zone="unknown")
GATEWAY_AS_SOURCE = dict(workload=GATEWAY[0], ns=GATEWAY[1], principal=principal(GATEWAY[0], GATEWAY[1]),
                         cluster=GATEWAY[2], region=loc(GATEWAY[3])[0], zone=loc(GATEWAY[3])[1])


def sides(flow, variant):
    """The series this hop produces: (reporter, node, source end, destination end)."""
    k = flow["kind"]
    s, d = end(flow["client"], flow["cnode"]), end(flow["server"], flow["snode"])
    if k == "mesh":
        return [("source", flow["cnode"], s, d), ("destination", flow["snode"], s, d)]
    if k in ("nonambient-client", "from-waypoint"):
        return [("destination", flow["snode"], s, d)]
    if k in ("to-waypoint", "egress"):
        return [("source", flow["cnode"], s, d)]
    assert k == "gateway"
    if variant == "baggage":
        return [("source", flow["cnode"], s, d), ("destination", flow["snode"], s, d)]
    if variant == "no-baggage":
        return [("source", flow["cnode"], s, GATEWAY_AS_DESTINATION), ("destination", flow["snode"], s, d)]
    return [("source", flow["cnode"], s, GATEWAY_AS_DESTINATION), ("destination", flow["snode"], GATEWAY_AS_SOURCE, d)]


def labels(flow, reporter, s, d):
    if flow["server"] is not None:
        svc_wl, svc_ns = flow["service"][0], flow["service"][1]
        svc_host, svc_name = f"{svc_wl}.{svc_ns}.svc.cluster.local", svc_wl
    else:
        svc_ns, svc_host, svc_name = "unknown", flow["service"], flow["service"]
    policy = "unknown" if flow["kind"] in ("egress",) else "mutual_tls"
    values = [reporter,
              s["workload"], s["workload"], "v1", s["ns"], s["principal"], s["workload"], "v1", s["cluster"],
              svc_host, svc_ns, svc_name,
              d["workload"], d["workload"], "v1", d["ns"], d["principal"], d["workload"], "v1", d["cluster"],
              "tcp", "-", policy, s["region"], s["zone"], d["region"], d["zone"]]
    return tuple(zip(LABELS, values))


def interval_traffic(flow, k):
    r = random.Random(flow["seed"] * 1000 + k)
    rx = max(1, int(flow["rate"] * 5 * r.uniform(0.7, 1.3)))
    tx = max(1, int(rx * flow["ratio"] * r.uniform(0.8, 1.2)))
    return rx, tx, r.randrange(1, 6)


def render(node, cumulative, variant):
    version = {"baggage": "1.29.1", "no-baggage": "1.28.3"}.get(variant, "1.28.3" if node.startswith(("east", "west"))
                                                                    else "1.29.1")
    out = ['# HELP istio_build Istio component build info.\n# TYPE istio_build gauge\n',
           'istio_build{component="ztunnel",tag="%s"} 1\n' % version]
    mine = sorted((lbl, v) for (n, lbl), v in cumulative.items() if n == node)
    for fi, (metric, help_text, _) in enumerate(FAMILIES):
        out.append(f"# HELP {metric} {help_text}\n# TYPE {metric} counter\n")
        for lbl, vals in mine:
            body = ",".join(f'{k}="{v}"' for k, v in lbl)
            out.append(f"{metric}_total{{{body}}} {vals[fi]}\n")
    out.append("# EOF\n")
    return "".join(out).encode()


def generate(variant, out_dir):
    rng = random.Random(SEED)
    flows = build_flows(rng)
    cumulative = {}
    for f in flows:
        for reporter, node, s, d in sides(f, variant):
            cumulative[(node, labels(f, reporter, s, d))] = [0, 0, 0, 0]
    expected, physical, clusters = {}, {}, {}
    totals = dict(bytes=0, gateway_bytes=0)

    def add(table, fwd, rx, tx, opened):
        back = (fwd[2], fwd[3], fwd[0], fwd[1]) if len(fwd) == 4 else (fwd[1], fwd[0])
        table.setdefault(fwd, [0, 0])
        table.setdefault(back, [0, 0])
        table[fwd][0] += rx
        table[fwd][1] += opened
        table[back][0] += tx

    frames = []
    for k in range(ROUNDS):
        if k > 0:
            for f in flows:
                rx, tx, opened = interval_traffic(f, k)
                for reporter, node, s, d in sides(f, variant):
                    c = cumulative[(node, labels(f, reporter, s, d))]
                    c[0] += opened
                    c[1] += max(0, opened - 1)
                    c[2] += rx
                    c[3] += tx
                s, d = end(f["client"], f["cnode"]), end(f["server"], f["snode"])
                real = (s["region"], s["zone"], d["region"], d["zone"])
                add(physical, real, rx, tx, opened)
                totals["bytes"] += rx + tx
                if f["kind"] == "gateway":
                    totals["gateway_bytes"] += rx + tx
                if f["kind"] == "gateway" and variant == "mixed":
                    add(expected, (s["region"], s["zone"], "unknown", "unknown"), rx, tx, opened)
                    add(clusters, (s["cluster"], "unknown"), rx, tx, opened)
                else:
                    add(expected, real, rx, tx, opened)
                    add(clusters, (s["cluster"], d["cluster"]), rx, tx, opened)
        for i, (node, _, _, ip) in enumerate(NODES):
            t_ms = T0_MS + k * INTERVAL_MS + i * 41
            frames.append((t_ms, f"http://{ip}:15020/metrics", render(node, cumulative, variant)))

    rec = bytearray(b"ZONETOP-RECORDING 1\n")
    for t_ms, target, body in frames:
        rec += frame_bytes(t_ms, target, 200, body, None)
    with gzip.GzipFile(os.path.join(out_dir, f"{variant}.ztrec.gz"), "wb", mtime=0) as g:
        g.write(bytes(rec))

    def zone_rows(t):
        return [dict(source_region=a, source_zone=b, destination_region=c, destination_zone=d, bytes=v[0],
                     connections_opened=v[1]) for (a, b, c, d), v in sorted(t.items()) if v[0] or v[1]]

    doc = {
        "comment": f"Ground truth of the '{variant}' variant from scripts/gen_multicluster.py's simulated "
                   "connections, between the first and the last scrape round.",
        "variant": variant, "rounds": ROUNDS, "targets": len(NODES), "flows": len(flows),
        "total_bytes": totals["bytes"], "gateway_bytes": totals["gateway_bytes"],
        "expected_zone_pairs": zone_rows(expected),
        "physical_zone_pairs": zone_rows(physical),
        "cluster_pairs": [dict(source_cluster=a, destination_cluster=b, bytes=v[0], connections_opened=v[1])
                          for (a, b), v in sorted(clusters.items()) if v[0] or v[1]],
    }
    with open(os.path.join(out_dir, f"{variant}.truth.json"), "w") as fh:
        json.dump(doc, fh, indent=1, sort_keys=True)
        fh.write("\n")
    print(f"{variant}: {len(frames)} frames, {len(flows)} flows, {len(rec)} bytes raw", file=sys.stderr)


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "Fixtures",
                                                                 "multicluster")
    os.makedirs(out_dir, exist_ok=True)
    for variant in ("baggage", "no-baggage", "mixed"):
        generate(variant, out_dir)


if __name__ == "__main__":
    main()

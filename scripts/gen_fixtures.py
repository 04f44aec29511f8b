#!/usr/bin/env python3
"""Deterministic fixture generator for zonetop.

Simulates an Istio ambient mesh (3 regions, 7 zones, 12 ztunnels, 40+
workloads in 7 namespaces) for 10 minutes at a 5 s scrape interval, and
writes what the ztunnels would have served:

  Fixtures/demo/demo.ztrec.gz   the scrapes as a zonetop recording (gzip)
  Fixtures/demo/scrapes/NODE/EPOCH_MS.prom.gz   the same scrapes as a scrape directory
  Fixtures/demo/truth.json      ground truth per directional zone pair, computed
                                from the simulated flows (never from zonetop)

Quirks a real mesh has, each on purpose: every mesh-to-mesh hop reported by
both ztunnels; a ztunnel restart (counter reset) on gke-euw1-b-1 after round
60; flows that start mid-way; an older ztunnel (gke-use1-c-2) without
locality labels; non-mesh clients (destination-only); egress to non-mesh hosts
(source-only); waypoint hops (client->waypoint source-only, waypoint->server
destination-only); a missed scrape of gke-ase1-b-1 at round 80.

Label names and order follow ztunnel's CommonTrafficLabels (src/proxy/metrics.rs),
with the four locality labels last. Usage: python3 scripts/gen_fixtures.py [OUT_DIR]
"""
import gzip
import json
import os
import random
import shutil
import sys

SEED = 20250303
T0_MS = 1740996000000  # 2025-03-03T10:00:00Z
INTERVAL_MS = 5000
ROUNDS = 121  # 10 minutes: rounds 0..120
RESTART_NODE, RESTART_AFTER = "gke-euw1-b-1", 60
MISSED_NODE, MISSED_ROUND = "gke-ase1-b-1", 80
OLD_NODE = "gke-use1-c-2"

LABELS = [
    "reporter",
    "source_workload", "source_canonical_service", "source_canonical_revision",
    "source_workload_namespace", "source_principal", "source_app", "source_version",
    "source_cluster",
    "destination_service", "destination_service_namespace", "destination_service_name",
    "destination_workload", "destination_canonical_service",
    "destination_canonical_revision", "destination_workload_namespace",
    "destination_principal", "destination_app", "destination_version",
    "destination_cluster",
    "request_protocol", "response_flags", "connection_security_policy",
    "source_region", "source_zone", "destination_region", "destination_zone",
]
LOCALITY = LABELS[-4:]
FAMILIES = [
    ("istio_tcp_connections_opened", "The total number of TCP connections opened.", "opened"),
    ("istio_tcp_connections_closed", "The total number of TCP connections closed.", "closed"),
    ("istio_tcp_received_bytes",
     "The size of total bytes received during request in case of a TCP connection.", "rx"),
    ("istio_tcp_sent_bytes",
     "The size of total bytes sent during response in case of a TCP connection.", "tx"),
]

NODES = [  # name, ip, region, zone
    ("gke-use1-b-1", "10.128.0.11", "us-east1", "us-east1-b"),
    ("gke-use1-b-2", "10.128.0.12", "us-east1", "us-east1-b"),
    ("gke-use1-c-1", "10.128.0.21", "us-east1", "us-east1-c"),
    ("gke-use1-c-2", "10.128.0.22", "us-east1", "us-east1-c"),
    ("gke-use1-d-1", "10.128.0.31", "us-east1", "us-east1-d"),
    ("gke-euw1-b-1", "10.132.0.11", "europe-west1", "europe-west1-b"),
    ("gke-euw1-b-2", "10.132.0.12", "europe-west1", "europe-west1-b"),
    ("gke-euw1-c-1", "10.132.0.21", "europe-west1", "europe-west1-c"),
    ("gke-euw1-c-2", "10.132.0.22", "europe-west1", "europe-west1-c"),
    ("gke-ase1-a-1", "10.140.0.11", "asia-east1", "asia-east1-a"),
    ("gke-ase1-a-2", "10.140.0.12", "asia-east1", "asia-east1-a"),
    ("gke-ase1-b-1", "10.140.0.21", "asia-east1", "asia-east1-b"),
]
NODE = {n[0]: n for n in NODES}

# workload, namespace, pods (nodes); the old node hosts only clients of other nodes.
WORKLOADS = [
    ("frontend", "shop", ["gke-use1-b-1", "gke-use1-c-1", "gke-use1-d-1"]),
    ("cart", "shop", ["gke-use1-b-2", "gke-use1-d-1"]),
    ("checkout", "shop", ["gke-use1-c-1"]),
    ("catalog", "shop", ["gke-use1-b-1", "gke-use1-c-1"]),
    ("recommendation", "shop", ["gke-use1-d-1"]),
    ("ad", "shop", ["gke-use1-b-2"]),
    ("shipping", "shop", ["gke-use1-c-1"]),
    ("currency", "shop", ["gke-use1-b-1"]),
    ("email", "shop", ["gke-use1-d-1"]),
    ("reviews", "shop", ["gke-use1-b-2", "gke-use1-c-1"]),
    ("ratings", "shop", ["gke-use1-d-1"]),
    ("payment", "payments", ["gke-use1-b-2", "gke-use1-c-1"]),
    ("ledger", "payments", ["gke-use1-d-1"]),
    ("fraud-check", "payments", ["gke-use1-b-1"]),
    ("billing", "payments", ["gke-use1-c-1"]),
    ("invoice-batch", "payments", ["gke-use1-c-2"]),
    ("auth", "identity", ["gke-use1-b-1", "gke-euw1-b-1", "gke-ase1-a-1"]),
    ("users", "identity", ["gke-use1-d-1", "gke-euw1-c-1"]),
    ("session", "identity", ["gke-use1-b-2", "gke-euw1-b-2"]),
    ("profile", "identity", ["gke-euw1-c-1"]),
    ("search", "catalog", ["gke-euw1-b-1", "gke-euw1-c-1"]),
    ("indexer", "catalog", ["gke-euw1-b-2"]),
    ("inventory", "catalog", ["gke-euw1-c-2"]),
    ("pricing", "catalog", ["gke-euw1-b-1"]),
    ("media", "catalog", ["gke-euw1-c-2"]),
    ("thumbnail", "catalog", ["gke-euw1-b-2"]),
    ("eu-frontend", "shop", ["gke-euw1-b-1", "gke-euw1-c-1"]),
    ("eu-cart", "shop", ["gke-euw1-b-2"]),
    ("eu-checkout", "shop", ["gke-euw1-c-2"]),
    ("analytics", "data", ["gke-ase1-a-1"]),
    ("feed", "data", ["gke-ase1-a-2"]),
    ("warehouse-loader", "data", ["gke-ase1-b-1"]),
    ("kafka", "data", ["gke-ase1-a-1", "gke-ase1-a-2", "gke-ase1-b-1"]),
    ("clickhouse", "data", ["gke-ase1-a-2"]),
    ("apac-frontend", "shop", ["gke-ase1-a-1", "gke-ase1-b-1"]),
    ("apac-cart", "shop", ["gke-ase1-a-2"]),
    ("quote", "ml-serving", ["gke-ase1-b-1"]),
    ("recommender-model", "ml-serving", ["gke-ase1-a-1"]),
    ("notification", "platform", ["gke-use1-b-2", "gke-euw1-b-2"]),
    ("config", "platform", ["gke-use1-c-1"]),
    ("ingress-gateway", "edge", ["gke-use1-b-1", "gke-euw1-b-1"]),
    ("shop-waypoint", "shop", ["gke-use1-c-1"]),
]
WL = {w[0]: w for w in WORKLOADS}

# client workload -> server workload, base bytes/s client->server, server->client ratio,
# start round (flows that appear mid-way), prefer_same_zone
CALLS = [
    ("ingress-gateway", "frontend", 90_000, 8.0, 0, False),
    ("frontend", "cart", 40_000, 3.0, 0, False),
    ("frontend", "catalog", 30_000, 12.0, 0, True),
    ("frontend", "ad", 8_000, 4.0, 0, False),
    ("frontend", "currency", 5_000, 1.5, 0, False),
    ("frontend", "auth", 6_000, 1.2, 0, True),
    ("frontend", "recommendation", 12_000, 5.0, 36, False),
    ("cart", "checkout", 10_000, 1.4, 0, False),
    ("checkout", "payment", 7_000, 1.1, 0, False),
    ("checkout", "shipping", 4_000, 1.3, 0, False),
    ("checkout", "email", 2_500, 0.2, 0, False),
    ("payment", "ledger", 6_000, 0.8, 0, False),
    ("payment", "fraud-check", 3_000, 0.5, 0, False),
    ("billing", "ledger", 2_000, 0.6, 0, False),
    ("invoice-batch", "billing", 15_000, 0.3, 0, False),
    ("invoice-batch", "ledger", 9_000, 2.0, 0, False),
    ("catalog", "reviews", 9_000, 6.0, 0, False),
    ("reviews", "ratings", 3_000, 1.0, 0, False),
    ("catalog", "search", 5_000, 7.0, 0, False),
    ("frontend", "session", 4_000, 1.1, 0, False),
    ("session", "users", 3_000, 2.5, 0, False),
    ("users", "profile", 2_000, 4.0, 0, False),
    ("ingress-gateway", "eu-frontend", 60_000, 8.0, 0, False),
    ("eu-frontend", "eu-cart", 20_000, 3.0, 0, False),
    ("eu-frontend", "search", 18_000, 9.0, 0, True),
    ("eu-frontend", "auth", 4_000, 1.2, 0, True),
    ("eu-cart", "eu-checkout", 6_000, 1.4, 0, False),
    ("eu-checkout", "payment", 3_000, 1.1, 0, False),
    ("search", "indexer", 6_000, 2.0, 0, False),
    ("indexer", "inventory", 4_000, 3.0, 0, False),
    ("search", "pricing", 2_000, 2.0, 0, False),
    ("eu-frontend", "media", 5_000, 20.0, 0, False),
    ("media", "thumbnail", 7_000, 1.5, 0, False),
    ("apac-frontend", "apac-cart", 15_000, 3.0, 0, False),
    ("apac-frontend", "catalog", 6_000, 12.0, 0, False),
    ("apac-frontend", "auth", 3_000, 1.2, 0, True),
    ("apac-frontend", "quote", 4_000, 2.0, 0, False),
    ("quote", "recommender-model", 9_000, 1.5, 0, False),
    ("feed", "kafka", 30_000, 0.1, 0, False),
    ("kafka", "analytics", 25_000, 0.05, 0, False),
    ("warehouse-loader", "clickhouse", 20_000, 0.1, 0, False),
    ("analytics", "clickhouse", 8_000, 0.5, 48, False),
    ("notification", "email", 1_500, 0.3, 0, False),
    ("config", "auth", 500, 3.0, 0, False),
    ("frontend", "config", 700, 5.0, 0, False),
]
# non-mesh clients (destination-only): server workload, bytes/s, ratio
NON_MESH_CLIENTS = [("ingress-gateway", 25_000, 6.0), ("apac-frontend", 12_000, 6.0)]
# egress to non-mesh hosts (source-only): client workload, host, bytes/s, ratio
EGRESS = [("payment", "api.payments-provider.example", 3_000, 2.0),
          ("email", "smtp.mail-relay.example", 2_000, 0.1),
          ("feed", "203.0.113.40", 10_000, 8.0)]
# waypoint hops: client -> shop-waypoint (source-only) -> server (destination-only)
WAYPOINTED = [("frontend", "shipping", 3_000, 1.5)]


def pod_locality(node):
    return NODE[node][2], NODE[node][3]


def build_flows(rng):
    """Each flow: one L4 hop between a client pod and a server pod."""
    flows = []

    def add(kind, client, cnode, server, snode, service, rate, ratio, start):
        flows.append(dict(kind=kind, client=client, cnode=cnode, server=server, snode=snode,
                          service=service, rate=rate, ratio=ratio, start=start,
                          flags="-", seed=rng.randrange(1 << 30)))

    for client, server, rate, ratio, start, same_zone in CALLS:
        cpods, spods = WL[client][2], WL[server][2]
        for cnode in cpods:
            targets = spods
            if same_zone:
                local = [s for s in spods if NODE[s][3] == NODE[cnode][3]]
                targets = local or spods
            for snode in targets:
                share = rate / len(cpods) / len(targets)
                add("mesh", client, cnode, server, snode, server, share, ratio, start)
    for server, rate, ratio in NON_MESH_CLIENTS:
        for snode in WL[server][2]:
            add("nonmesh-client", None, None, server, snode, server, rate / len(WL[server][2]), ratio, 0)
    for client, host, rate, ratio in EGRESS:
        for cnode in WL[client][2]:
            add("egress", client, cnode, None, None, host, rate / len(WL[client][2]), ratio, 0)
    for client, server, rate, ratio in WAYPOINTED:
        wnode = WL["shop-waypoint"][2][0]
        for cnode in WL[client][2]:
            add("to-waypoint", client, cnode, "shop-waypoint", wnode, server, rate / len(WL[client][2]), ratio, 0)
        for snode in WL[server][2]:
            add("from-waypoint", "shop-waypoint", wnode, server, snode, server, rate / len(WL[server][2]), ratio, 0)
    return flows


def sides(flow):
    """The reporters that count this hop: (reporter, node) pairs."""
    k = flow["kind"]
    if k == "mesh":
        return [("source", flow["cnode"]), ("destination", flow["snode"])]
    if k in ("nonmesh-client", "from-waypoint"):
        return [("destination", flow["snode"])]
    return [("source", flow["cnode"])]  # egress, to-waypoint


def labels_for(flow, reporter, node):
    def wl_labels(name):
        if name is None:
            return dict(workload="unknown", canonical="unknown", rev="unknown", ns="unknown",
                        principal="unknown", app="unknown", version="unknown", cluster="unknown")
        ns = WL[name][1]
        return dict(workload=name, canonical=name, rev="v1", ns=ns,
                    principal=f"spiffe://cluster.local/ns/{ns}/sa/{name}", app=name, version="v1",
                    cluster="Kubernetes")
    s, d = wl_labels(flow["client"]), wl_labels(flow["server"])
    if flow["server"] is not None:
        svc_ns = WL[flow["service"]][1]
        svc_host = f"{flow['service']}.{svc_ns}.svc.cluster.local"
        svc_name = flow["service"]
    else:
        svc_ns, svc_host, svc_name = "unknown", flow["service"], flow["service"]
    src_loc = pod_locality(flow["cnode"]) if flow["cnode"] else ("unknown", "unknown")
    dst_loc = pod_locality(flow["snode"]) if flow["snode"] else ("unknown", "unknown")
    policy = "unknown" if flow["kind"] in ("nonmesh-client", "egress") else "mutual_tls"
    values = [reporter,
              s["workload"], s["canonical"], s["rev"], s["ns"], s["principal"], s["app"], s["version"], s["cluster"],
              svc_host, svc_ns, svc_name,
              d["workload"], d["canonical"], d["rev"], d["ns"], d["principal"], d["app"], d["version"], d["cluster"],
              "tcp", flow["flags"], policy,
              src_loc[0], src_loc[1], dst_loc[0], dst_loc[1]]
    pairs = list(zip(LABELS, values))
    if node == OLD_NODE:
        pairs = [(k, v) for k, v in pairs if k not in LOCALITY]
    return pairs


def observed_locality(flow, side_reporter):
    """The (src region, src zone, dst region, dst zone) that one side's series carries."""
    node = flow["cnode"] if side_reporter == "source" else flow["snode"]
    if node == OLD_NODE:
        return None
    src = pod_locality(flow["cnode"]) if flow["cnode"] else ("unknown", "unknown")
    dst = pod_locality(flow["snode"]) if flow["snode"] else ("unknown", "unknown")
    return (src[0], src[1], dst[0], dst[1])


def interval_traffic(flow, k):
    """Bytes client->server, server->client and connections opened/closed in interval k."""
    r = random.Random(flow["seed"] * 1000 + k)
    wave = 1.0 + 0.25 * ((k % 24) - 12) / 12.0
    rx = max(1, int(flow["rate"] * 40 * 5 * wave * r.uniform(0.7, 1.3)))
    tx = max(1, int(rx * flow["ratio"] * r.uniform(0.8, 1.2)))
    opened = r.randrange(1, 6)
    closed = max(0, opened - r.randrange(0, 2))
    return rx, tx, opened, closed


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "Fixtures", "demo")
    rng = random.Random(SEED)
    flows = build_flows(rng)
    node_order = {n[0]: i for i, n in enumerate(NODES)}

    # Series per node: key (family metric, tuple(labels)) -> cumulative value.
    series = {n[0]: {} for n in NODES}
    series_flow = {n[0]: {} for n in NODES}
    for fi, f in enumerate(flows):
        for reporter, node in sides(f):
            lbl = tuple(labels_for(f, reporter, node))
            series_flow[node][lbl] = fi
    offsets_rng = random.Random(SEED + 1)
    cumulative = {}  # (node, lbl) -> [opened, closed, rx, tx]
    for node, m in series_flow.items():
        for lbl, fi in sorted(m.items()):
            if flows[fi]["start"] == 0:
                base = offsets_rng.randrange(10**9, 10**11)
                cumulative[(node, lbl)] = [base // 10**6, base // 10**6 - 3, base, base * 3]

    truth = {p: {} for p in ("auto", "source", "destination")}
    dropped = 0

    def add_truth(policy, loc, rx, tx, opened):
        if loc is None:
            loc = ("unknown", "unknown", "unknown", "unknown")
        fwd = (loc[0], loc[1], loc[2], loc[3])
        back = (loc[2], loc[3], loc[0], loc[1])
        t = truth[policy]
        t.setdefault(fwd, [0, 0])
        t.setdefault(back, [0, 0])
        t[fwd][0] += rx
        t[fwd][1] += opened
        t[back][0] += tx

    frames = []  # (time_ms, node, status, body or None, error)
    for k in range(ROUNDS):
        if k > 0:
            for fi, f in enumerate(flows):
                if k < f["start"]:
                    continue
                rx, tx, opened, closed = interval_traffic(f, k)
                present = sides(f)
                for reporter, node in present:
                    lbl = tuple(labels_for(f, reporter, node))
                    c = cumulative.setdefault((node, lbl), [0, 0, 0, 0])
                    c[0] += opened
                    c[1] += closed
                    c[2] += rx
                    c[3] += tx
                # ground truth, from the flow itself
                reporters = [r for r, _ in present]
                if "source" in reporters:
                    src_loc = observed_locality(f, "source")
                    add_truth("source", src_loc, rx, tx, opened)
                    loc = src_loc
                    if loc is None and "destination" in reporters:
                        loc = observed_locality(f, "destination")
                    add_truth("auto", loc, rx, tx, opened)
                    if "destination" in reporters:
                        dropped += rx + tx
                else:
                    add_truth("auto", observed_locality(f, "destination"), rx, tx, opened)
                if "destination" in reporters:
                    add_truth("destination", observed_locality(f, "destination"), rx, tx, opened)
        for node, ip, region, zone in NODES:
            t_ms = T0_MS + k * INTERVAL_MS + node_order[node] * 37
            if node == MISSED_NODE and k == MISSED_ROUND:
                frames.append((t_ms, node, ip, 0, None, "timed out after 2 s"))
                continue
            frames.append((t_ms, node, ip, 200, render(node, cumulative, k), None))
        if k == RESTART_AFTER:
            # ztunnel on RESTART_NODE restarts right after this scrape: its counters start again from zero.
            for key in list(cumulative):
                if key[0] == RESTART_NODE:
                    old = cumulative[key]
                    cumulative[key] = [0, 0, 0, 0]
                    assert old[2] > 10**6, "reset must be visible in the byte counters"

    write_outputs(out_dir, frames, truth, dropped, flows)


def render(node, cumulative, k):
    out = []
    out.append("# HELP istio_build Istio component build info.\n# TYPE istio_build gauge\n")
    out.append('istio_build{component="ztunnel",tag="%s"} 1\n' % ("1.24.3" if node == OLD_NODE else "1.25.1"))
    mine = sorted((lbl, v) for (n, lbl), v in cumulative.items() if n == node)
    order = list(range(len(mine)))
    random.Random(sum(map(ord, node))).shuffle(order)  # fixed per node, like a HashMap order
    for fi, (metric, help_text, _) in enumerate(FAMILIES):
        out.append(f"# HELP {metric} {help_text}\n# TYPE {metric} counter\n")
        for idx in order:
            lbl, vals = mine[idx]
            body = ",".join(f'{k}="{v}"' for k, v in lbl)
            out.append(f"{metric}_total{{{body}}} {vals[fi]}\n")
    out.append("# HELP istio_xds_connection_terminations Total number of connection terminations.\n")
    out.append("# TYPE istio_xds_connection_terminations counter\n")
    out.append('istio_xds_connection_terminations_total{reason="Reconnect"} %d\n' % (k // 60))
    out.append("# HELP workload_manager_active_proxy_count The total number current workloads with active proxies.\n")
    out.append("# TYPE workload_manager_active_proxy_count gauge\n")
    out.append("workload_manager_active_proxy_count %d\n" % (len(mine) // 8 + 1))
    out.append("# EOF\n")
    return "".join(out).encode()


def pct(s):
    return "".join(c if (c.isalnum() or c in "-._~:/?&=[]@!$'()*+,;") else "%%%02X" % b
                   for c, b in ((ch, ord(ch)) for ch in s))


def _crc32c_table():
    table = []
    for b in range(256):
        c = b
        for _ in range(8):
            c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
        table.append(c)
    return table


CRC32C_TABLE = _crc32c_table()


def crc32c(data):
    """CRC-32C (Castagnoli), the frame checksum of zonetop recordings."""
    crc = 0xFFFFFFFF
    table = CRC32C_TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def frame_bytes(t_ms, target, status, body, error):
    body = body or b""
    header = (f"@frame v1 time_ms={t_ms} status={status} length={len(body)} "
              f"crc32c={crc32c(body):08x} target={pct(target)}")
    if status == 200:
        header += " content_type=" + pct("application/openmetrics-text; version=1.0.0; charset=utf-8")
    if error:
        header += " error=" + pct(error)
    return header.encode() + b"\n" + body + b"\n"


def write_outputs(out_dir, frames, truth, dropped, flows):
    os.makedirs(out_dir, exist_ok=True)
    rec = bytearray(b"ZONETOP-RECORDING 1\n")
    for t_ms, node, ip, status, body, error in frames:
        rec += frame_bytes(t_ms, f"http://{ip}:15020/metrics", status, body, error)
    with gzip.GzipFile(os.path.join(out_dir, "demo.ztrec.gz"), "wb", mtime=0) as g:
        g.write(bytes(rec))
    scr = os.path.join(out_dir, "scrapes")
    shutil.rmtree(scr, ignore_errors=True)
    for t_ms, node, ip, status, body, error in frames:
        if status != 200:
            continue
        d = os.path.join(scr, node)
        os.makedirs(d, exist_ok=True)
        with gzip.GzipFile(os.path.join(d, f"{t_ms}.prom.gz"), "wb", mtime=0) as g:
            g.write(body)
    def rows(t):
        return [dict(source_region=k[0], source_zone=k[1], destination_region=k[2], destination_zone=k[3],
                     bytes=v[0], connections_opened=v[1]) for k, v in sorted(t.items()) if v[0] or v[1]]
    doc = {
        "comment": "Ground truth from scripts/gen_fixtures.py's simulated flows: bytes and connections "
                   "opened per directional zone pair between the first and the last scrape round.",
        "window_start_ms": T0_MS, "window_end_ms": T0_MS + (ROUNDS - 1) * INTERVAL_MS,
        "targets": len(NODES), "rounds": ROUNDS, "flows": len(flows),
        "duplicate_bytes_dropped_auto": dropped,
        "restart": {"node": RESTART_NODE, "after_round": RESTART_AFTER},
        "missed_scrape": {"node": MISSED_NODE, "round": MISSED_ROUND},
        "old_ztunnel_node": OLD_NODE,
        "zone_pairs": {p: rows(t) for p, t in truth.items()},
    }
    with open(os.path.join(out_dir, "truth.json"), "w") as fh:
        json.dump(doc, fh, indent=1, sort_keys=True)
        fh.write("\n")
    print(f"wrote {len(frames)} frames, {len(flows)} flows, recording {len(rec)} bytes raw", file=sys.stderr)


if __name__ == "__main__":
    main()

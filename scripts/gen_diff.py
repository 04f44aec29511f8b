#!/usr/bin/env python3
"""A before/after fixture pair for `zonetop diff`: the demo mesh (scripts/gen_fixtures.py) for
2 minutes, then (a day later) the same mesh after `trafficDistribution: PreferSameZone` was set on the cart,
reviews and eu-cart services, so their clients stay in their zone where an endpoint is there.

Writes Fixtures/diff/before.ztrec.gz, after.ztrec.gz and truth.json: per side, the window (first
to last scrape), and the bytes per directional zone pair, per destination service and per
(source namespace, source workload, destination service), computed from the simulated flows
(never from zonetop), each flow counted once as zonetop's auto policy does.
Usage: python3 scripts/gen_diff.py [OUT_DIR]
"""
import gzip
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import gen_fixtures as g  # noqa: E402

ROUNDS = 25
PREFER_SAME_ZONE = {"cart", "reviews", "eu-cart"}


def simulate(prefer, t0_ms):
    """Runs the demo generator with its outputs captured; returns frames, flows and zone truth."""
    g.ROUNDS = ROUNDS
    g.T0_MS = t0_ms
    g.CALLS = [(c, s, rate, ratio, start, same or s in prefer) for c, s, rate, ratio, start, same in BASE_CALLS]
    captured = {}

    def capture(out_dir, frames, truth, dropped, flows):
        captured.update(frames=frames, truth=truth, flows=flows)

    g.write_outputs = capture
    g.main()
    return captured


def side_truth(c):
    frames = [f for f in c["frames"] if f[3] == 200]
    start, end = min(f[0] for f in frames), max(f[0] for f in frames)
    services, workloads = {}, {}
    for f in c["flows"]:
        reporter, node = g.sides(f)[0]
        labels = dict(g.labels_for(f, reporter, node))
        total = 0
        for k in range(1, ROUNDS):
            if k >= f["start"]:
                rx, tx, _, _ = g.interval_traffic(f, k)
                total += rx + tx
        svc = labels["destination_service"]
        services[svc] = services.get(svc, 0) + total
        key = (labels["source_workload_namespace"], labels["source_workload"], svc)
        workloads[key] = workloads.get(key, 0) + total
    pairs = [dict(source_region=k[0], source_zone=k[1], destination_region=k[2], destination_zone=k[3], bytes=v[0])
             for k, v in sorted(c["truth"]["auto"].items()) if v[0]]
    return {
        "window_start_ms": start, "window_end_ms": end,
        "zone_pairs": pairs,
        "services": [dict(destination_service=k, bytes=v) for k, v in sorted(services.items()) if v],
        "workloads": [dict(source_namespace=k[0], source_workload=k[1], destination_service=k[2], bytes=v)
                      for k, v in sorted(workloads.items()) if v],
    }


def write_recording(path, frames):
    rec = bytearray(b"ZONETOP-RECORDING 1\n")
    for t_ms, node, ip, status, body, error in frames:
        rec += g.frame_bytes(t_ms, f"http://{ip}:15020/metrics", status, body, error)
    with gzip.GzipFile(path, "wb", mtime=0) as out:
        out.write(bytes(rec))


BASE_CALLS = list(g.CALLS)
BASE_T0_MS = g.T0_MS


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "Fixtures", "diff")
    os.makedirs(out_dir, exist_ok=True)
    # The change rolled out in between: the after recording is from the next day.
    before, after = simulate(set(), BASE_T0_MS), simulate(PREFER_SAME_ZONE, BASE_T0_MS + 86_400_000)
    write_recording(os.path.join(out_dir, "before.ztrec.gz"), before["frames"])
    write_recording(os.path.join(out_dir, "after.ztrec.gz"), after["frames"])
    doc = {
        "comment": "Ground truth from scripts/gen_diff.py's simulated flows: the demo mesh before and after "
                   "PreferSameZone on " + ", ".join(sorted(PREFER_SAME_ZONE)) + "; bytes between the first and "
                   "the last scrape of each recording.",
        "prefer_same_zone": sorted(PREFER_SAME_ZONE),
        "before": side_truth(before), "after": side_truth(after),
    }
    with open(os.path.join(out_dir, "truth.json"), "w") as fh:
        json.dump(doc, fh, indent=1, sort_keys=True)
        fh.write("\n")


if __name__ == "__main__":
    main()

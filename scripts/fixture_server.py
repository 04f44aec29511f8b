#!/usr/bin/env python3
"""Loopback fixture server for zonetop's tests and benchmarks.

Serves the frames of a zonetop recording as ztunnels would: target i of the
recording is /t/i/metrics, and each GET returns that target's next frame (an
error frame answers 503). The body is OpenMetrics text; it is labelled
application/openmetrics-text when the client asks for it, text/plain
otherwise (as ztunnel does), and gzip-compressed when the client accepts gzip.

GET /control/freeze makes every target answer 503 from then on (tests use it to stop
the frames served at a known point); /stats reports what was served.

Also misbehaving endpoints under /hostile/: slow (a byte a second), endless,
gzipbomb (1 GiB inflating from about 1 MB), reset (connection reset mid-body),
500, redirect (a loop), binary (random bytes), ok (a small valid body), elsewhere (a
redirect to another host name of this server, landing on whoami, which echoes the
Authorization header it got). Anything under /hung/ (an API URL such as
/hung/api/v1/query) never answers: the connection is held for two minutes.

Binds 127.0.0.1 only; prints "PORT <n>" on stdout once listening.
Usage: fixture_server.py --recording FILE [--port N] [--loop]
       fixture_server.py --synthetic TARGETS:SERIES [--port N]   (benchmark bodies)
"""
import argparse
import gzip
import os
import random
import socket
import struct
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def gzip_bomb(mib=1024):
    """A valid gzip stream of `mib` MiB of zeros (about 1 MB), built in a fraction of a
    second: after a full flush the compressor's state is the same for every 1 MiB of
    zeros, so the middle blocks are one block repeated; the trailer carries the real
    CRC-32 and length."""
    zeros = b"\0" * (1 << 20)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)
    middle = c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)
    last = c.compress(zeros) + c.flush(zlib.Z_FINISH)
    crc = 0
    for _ in range(mib):
        crc = zlib.crc32(zeros, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = struct.pack("<II", crc, (mib << 20) & 0xFFFFFFFF)
    return header + first + middle * (mib - 2) + last + trailer


def read_recording(path):
    data = open(path, "rb").read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    assert data.startswith(b"ZONETOP-RECORDING 1\n"), "not a zonetop recording"
    pos = len(b"ZONETOP-RECORDING 1\n")
    frames = {}
    order = []
    while pos < len(data):
        nl = data.index(b"\n", pos)
        header = data[pos:nl].decode()
        fields = dict(p.split("=", 1) for p in header.split(" ")[2:])
        length = int(fields["length"])
        body = data[nl + 1:nl + 1 + length]
        pos = nl + 1 + length + 1
        target = fields["target"]
        if target not in frames:
            frames[target] = []
            order.append(target)
        frames[target].append((int(fields["status"]), body))
    return [frames[t] for t in order], order


def synthetic_body(series, seed):
    rng = random.Random(seed)
    lines = []
    names = ["istio_tcp_connections_opened", "istio_tcp_connections_closed", "istio_tcp_received_bytes", "istio_tcp_sent_bytes"]
    per = max(1, series // 4)
    for name in names:
        lines.append(f"# HELP {name} x.\n# TYPE {name} counter\n")
        for i in range(per):
            z = i % 7
            lines.append(f'{name}_total{{reporter="source",source_workload="wl-{i % 97}",source_canonical_service="wl-{i % 97}",'
                         f'source_canonical_revision="v1",source_workload_namespace="ns-{i % 13}",'
                         f'source_principal="spiffe://cluster.local/ns/ns-{i % 13}/sa/wl-{i % 97}",source_app="wl-{i % 97}",'
                         f'source_version="v1",source_cluster="Kubernetes",destination_service="svc-{i}.ns-{i % 11}.svc.cluster.local",'
                         f'destination_service_namespace="ns-{i % 11}",destination_service_name="svc-{i}",destination_workload="svc-{i}",'
                         f'destination_canonical_service="svc-{i}",destination_canonical_revision="v1",destination_workload_namespace="ns-{i % 11}",'
                         f'destination_principal="spiffe://cluster.local/ns/ns-{i % 11}/sa/svc-{i}",destination_app="svc-{i}",'
                         f'destination_version="v1",destination_cluster="Kubernetes",request_protocol="tcp",response_flags="-",'
                         f'connection_security_policy="mutual_tls",source_region="r{z % 3}",source_zone="r{z % 3}-z{z}",'
                         f'destination_region="r{(z + 1) % 3}",destination_zone="r{(z + 1) % 3}-z{(z + 2) % 7}"}} {rng.randrange(1, 10**12)}\n')
    lines.append("# EOF\n")
    return "".join(lines).encode()


class State:
    frozen = False
    gzip_responses = 0
    openmetrics_responses = 0
    frames = []
    targets = []
    cursor = []
    loop = False
    synthetic = None
    lock = threading.Lock()
    bomb = None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_body(self, status, body, content_type):
        if "gzip" in (self.headers.get("Accept-Encoding") or ""):
            body = gzip.compress(body, 1)
            encoding = "gzip"
            State.gzip_responses += 1
        else:
            encoding = None
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if encoding:
            self.send_header("Content-Encoding", encoding)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def content_type(self):
        if "application/openmetrics-text" in (self.headers.get("Accept") or ""):
            State.openmetrics_responses += 1
            return "application/openmetrics-text; version=1.0.0; charset=utf-8"
        return "text/plain; version=0.0.4; charset=utf-8"

    def do_GET(self):
        parts = self.path.strip("/").split("/")
        try:
            if parts == ["metrics"]:  # ztunnel's own path: target 0
                return self.target(0)
            if parts[0] == "t" and len(parts) == 3:
                return self.target(int(parts[1]))
            if parts[0] == "s" and len(parts) == 3 and State.synthetic:
                return self.send_body(200, State.synthetic[int(parts[1]) % len(State.synthetic)], self.content_type())
            if parts[0] == "hung":  # an API that never answers: /hung/api/v1/query...
                time.sleep(120)
                return
            if parts[0] == "hostile" and len(parts) == 2:
                return getattr(self, "hostile_" + parts[1])()
            if parts[0] == "control" and parts[1:] == ["freeze"]:
                State.frozen = True
                return self.send_body(200, b"frozen\n", "text/plain")
            if parts[0] == "stats":
                body = f'{{"gzip": {State.gzip_responses}, "openmetrics": {State.openmetrics_responses}, "served": {State.cursor}}}\n'
                return self.send_body(200, body.encode(), "application/json")
            if parts[0] == "targets":
                body = "".join(f"/t/{i}/metrics\n" for i in range(len(State.frames))).encode()
                return self.send_body(200, body, "text/plain")
        except (BrokenPipeError, ConnectionResetError):
            return
        self.send_body(404, b"not found\n", "text/plain")

    def target(self, i):
        if State.frozen:
            return self.send_body(503, b"frozen\n", "text/plain")
        with State.lock:
            k = State.cursor[i]
            frames = State.frames[i]
            if k >= len(frames):
                if not State.loop:
                    return self.send_body(410, b"recording exhausted\n", "text/plain")
                k = len(frames) - 1
            else:
                State.cursor[i] = k + 1
        status, body = frames[k]
        if status != 200:
            return self.send_body(503, b"unavailable\n", "text/plain")
        self.send_body(200, body, self.content_type())

    def hostile_ok(self):
        self.send_body(200, b"# TYPE istio_tcp_sent_bytes counter\nistio_tcp_sent_bytes_total{reporter=\"source\"} 1\n# EOF\n", self.content_type())

    def hostile_html(self):
        self.send_body(200, b"<!doctype html><html><body>Not metrics</body></html>\n", "text/html; charset=utf-8")

    def hostile_500(self):
        self.send_body(500, b"internal error\n", "text/plain")

    def hostile_redirect(self):
        self.send_response(302)
        self.send_header("Location", "/hostile/redirect")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def hostile_elsewhere(self):
        # A redirect to another host name for the same server: the token must not follow.
        self.send_response(302)
        self.send_header("Location", f"http://localhost:{self.server.server_address[1]}/hostile/whoami")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def hostile_whoami(self):
        auth = self.headers.get("Authorization", "none")
        self.send_body(200, f"# authorization: {auth}\n".encode(), "text/plain")

    def hostile_binary(self):
        self.send_body(200, random.Random(1).randbytes(4096), "text/plain")

    def hostile_slow(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "1000")
        self.end_headers()
        for _ in range(30):
            self.wfile.write(b"#")
            self.wfile.flush()
            time.sleep(1)

    def hostile_endless(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        chunk = b"istio_tcp_sent_bytes_total{reporter=\"source\"} 1\n" * 1000
        deadline = time.time() + 30
        while time.time() < deadline:
            self.wfile.write(chunk)
        self.close_connection = True

    def hostile_gzipbomb(self):
        if State.bomb is None:
            State.bomb = gzip_bomb()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(State.bomb)))
        self.end_headers()
        self.wfile.write(State.bomb)

    def hostile_reset(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "100000")
        self.end_headers()
        self.wfile.write(b"istio_tcp_sent_bytes_total 1\n" * 100)
        self.wfile.flush()
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        os.close(self.connection.detach())  # closing with linger 0 sends a TCP reset
        self.close_connection = True
        raise ConnectionResetError("reset sent on purpose")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--recording")
    ap.add_argument("--synthetic", help="TARGETS:SERIES bodies for benchmarks (/s/i/metrics)")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--loop", action="store_true", help="repeat the last frame when a target's frames run out")
    args = ap.parse_args()
    if args.recording:
        State.frames, State.targets = read_recording(args.recording)
        State.cursor = [0] * len(State.frames)
    State.loop = args.loop
    if args.synthetic:
        n, series = map(int, args.synthetic.split(":"))
        distinct = min(n, 8)
        State.synthetic = [synthetic_body(series, i) for i in range(distinct)]
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.request_queue_size = 512
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()

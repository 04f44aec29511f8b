#!/usr/bin/env python3
"""A fake Kubernetes API server on loopback, for zonetop's --kube tests.

Serves over HTTPS (--cert/--key, signed by a test CA) and answers only requests that
authenticate: a bearer token from --token (repeatable), a token matching
--token-prefix, or a client certificate signed by --client-ca. Otherwise 401 with
a Status object, as the real server does.

  GET /api/v1/namespaces/NS/pods?labelSelector=K=V   pods of the state
  GET /api/v1/nodes                                    nodes with topology labels
  GET /api/v1/services                                 services (trafficDistribution)
  GET /api/v1/namespaces/NS/pods/NAME:15020/proxy/metrics
        the pod's node's next scrape from --scrapes DIR/NODE/*.prom.gz (cycling),
        or the pod's "proxy" status (403, 503) when it has one
  GET /control/load?file=PATH   replaces the state with PATH's JSON: {"pods": [...],
                        "nodes": [...], "services": [...], "revoked": ["token", ...]}
  GET /control/stats    requests seen: by path kind, and 401s

A pod in the state: {"name", "node", "uid", "ip", "ready": true, "created": RFC3339, "started": RFC3339,
"namespace": "istio-system", "labels": {"app": "ztunnel"}, "proxy": 403}.
Prints "PORT <n>" once listening.
"""
import argparse
import glob
import gzip
import json
import os
import re
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlparse

lock = threading.Lock()
state = {"pods": [], "nodes": [], "services": [], "revoked": []}
stats = {"pods": 0, "nodes": 0, "services": 0, "proxy": 0, "unauthorized": 0, "tokens": [], "client_certs": 0}
served = {}
scrapes = {}


def status(code, reason, message):
    return {"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": message, "reason": reason, "code": code}


def pod_object(p):
    return {
        "metadata": {"name": p["name"], "namespace": p.get("namespace", "istio-system"), "uid": p.get("uid", p["name"]),
                     "creationTimestamp": p.get("created", "2026-01-01T00:00:00Z"), "labels": p.get("labels", {"app": "ztunnel"})},
        "spec": {"nodeName": p["node"], "containers": [{"name": "istio-proxy"}]},
        "status": {"phase": p.get("phase", "Running"), "podIP": p.get("ip", "10.0.0.1"),
                   "conditions": [{"type": "Ready", "status": "True" if p.get("ready", True) else "False"}],
                   "containerStatuses": [{"name": "istio-proxy", "restartCount": p.get("restarts", 0),
                                          "state": {"running": {"startedAt": p.get("started", p.get("created", "2026-01-01T00:00:00Z"))}}}]},
    }


def selector_matches(selector, labels):
    for term in filter(None, selector.split(",")):
        k, _, v = term.partition("=")
        if labels.get(k) != v:
            return False
    return True


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, code, obj=None, body=None, ctype="application/json"):
        if body is None:
            body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def authenticated(self):
        auth = self.headers.get("Authorization", "")
        with lock:
            if auth.startswith("Bearer "):
                token = auth[7:]
                if token in state["revoked"]:
                    return False
                if token in self.server.tokens or (self.server.token_prefix and token.startswith(self.server.token_prefix)):
                    stats["tokens"].append(token)
                    return True
            if self.connection.getpeercert():
                stats["client_certs"] += 1
                return True
        return False

    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/control/stats":
            with lock:
                self.send(200, stats)
            return
        if url.path == "/control/load":
            loaded = json.load(open(parse_qs(url.query)["file"][0]))
            with lock:
                state.update(loaded)
            self.send(200, {"ok": True})
            return
        if not self.authenticated():
            with lock:
                stats["unauthorized"] += 1
            self.send(401, status(401, "Unauthorized", "Unauthorized"))
            return
        with lock:
            pods = [p for p in state["pods"]]
        m = re.fullmatch(r"/api/v1/namespaces/([^/]+)/pods", url.path)
        if m:
            ns = unquote(m.group(1))
            selector = parse_qs(url.query).get("labelSelector", [""])[0]
            items = [pod_object(p) for p in pods
                     if p.get("namespace", "istio-system") == ns and selector_matches(selector, p.get("labels", {"app": "ztunnel"}))]
            with lock:
                stats["pods"] += 1
            self.send(200, {"kind": "PodList", "apiVersion": "v1", "items": items})
            return
        if url.path == "/api/v1/nodes":
            with lock:
                stats["nodes"] += 1
                nodes = list(state["nodes"])
            items = [{"metadata": {"name": n["name"], "labels": n.get("labels", {})}} for n in nodes]
            self.send(200, {"kind": "NodeList", "apiVersion": "v1", "items": items})
            return
        if url.path == "/api/v1/services":
            with lock:
                stats["services"] += 1
                services = list(state["services"])
            items = []
            for s in services:
                item = {"metadata": {"name": s["name"], "namespace": s["namespace"], "annotations": s.get("annotations", {})}, "spec": {}}
                if "trafficDistribution" in s:
                    item["spec"]["trafficDistribution"] = s["trafficDistribution"]
                items.append(item)
            self.send(200, {"kind": "ServiceList", "apiVersion": "v1", "items": items})
            return
        m = re.fullmatch(r"/api/v1/namespaces/([^/]+)/pods/([^/:]+):15020/proxy/metrics", url.path)
        if m:
            ns, name = unquote(m.group(1)), unquote(m.group(2))
            pod = next((p for p in pods if p["name"] == name and p.get("namespace", "istio-system") == ns), None)
            with lock:
                stats["proxy"] += 1
            if pod is None:
                self.send(404, status(404, "NotFound", f'pods "{name}" not found'))
                return
            if "proxy" in pod:
                code = pod["proxy"]
                self.send(code, status(code, "Forbidden" if code == 403 else "ServiceUnavailable",
                                       f'pods "{name}" is forbidden' if code == 403 else "error trying to reach service: connection refused"))
                return
            files = scrapes.get(pod["node"], [])
            if not files:
                self.send(503, status(503, "ServiceUnavailable", "no scrapes for this node"))
                return
            with lock:
                i = served.get(name, 0)
                served[name] = i + 1
            body = gzip.open(files[i % len(files)]).read()
            self.send(200, body=body, ctype="text/plain; version=0.0.4; charset=utf-8")
            return
        self.send(404, status(404, "NotFound", "the server could not find the requested resource"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--client-ca")
    ap.add_argument("--token", action="append", default=[])
    ap.add_argument("--token-prefix")
    ap.add_argument("--scrapes", help="DIR/NODE/EPOCH_MS.prom.gz")
    args = ap.parse_args()
    if args.scrapes:
        for d in sorted(glob.glob(os.path.join(args.scrapes, "*"))):
            scrapes[os.path.basename(d)] = sorted(glob.glob(os.path.join(d, "*.prom.gz")))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    if args.client_ca:
        ctx.load_verify_locations(args.client_ca)
        ctx.verify_mode = ssl.CERT_OPTIONAL
    ThreadingHTTPServer.request_queue_size = 128  # the default 5 drops concurrent connects for a second
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.tokens = set(args.token)
    server.token_prefix = args.token_prefix
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())

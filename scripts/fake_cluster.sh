#!/usr/bin/env bash
# Starts the fake API server (scripts/fake_apiserver.py) with a test CA, the demo's 12
# ztunnels as pods (one node without topology labels, one pod the proxy refuses with 403)
# and three Services that ask for same-zone routing; writes DIR/config, a kubeconfig
# for it. Try --kube without a cluster:
#   scripts/fake_cluster.sh /tmp/fake && zonetop --kube --kubeconfig /tmp/fake/config
# The server runs until `kill $(cat DIR/server.pid)`.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:?usage: fake_cluster.sh DIR}
mkdir -p "$dir"
cd "$dir"
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.crt -days 30 -subj /CN=fake-cluster-ca 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' > server.ext
openssl req "${ec[@]}" -keyout server.key -out server.csr -subj /CN=127.0.0.1 2>/dev/null
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 30 -extfile server.ext 2>/dev/null
python3 "$repo/scripts/fake_apiserver.py" --cert server.crt --key server.key --token demo-token \
  --scrapes "$repo/Fixtures/demo/scrapes" > port.txt 2> server.log &
echo $! > server.pid
for _ in $(seq 50); do [ -s port.txt ] && break; sleep 0.1; done
port=$(awk '{print $2}' port.txt)
python3 - "$repo/Fixtures/demo/scrapes" > state.json <<'PY'
import json, os, sys
regions = {"use1": "us-east1", "euw1": "europe-west1", "ase1": "asia-east1"}
nodes = sorted(os.listdir(sys.argv[1]))
def labels(n):
    _, r, z, _ = n.split("-")
    return {} if n == "gke-use1-d-1" else {"topology.kubernetes.io/region": regions[r], "topology.kubernetes.io/zone": f"{regions[r]}-{z}"}
pods = [{"name": f"ztunnel-{n[4:]}", "node": n, "uid": n, "ip": f"10.0.{i}.2"} for i, n in enumerate(nodes)]
pods[4]["proxy"] = 403
print(json.dumps({
    "pods": pods,
    "nodes": [{"name": n, "labels": labels(n)} for n in nodes],
    "services": [{"name": "catalog", "namespace": "shop", "trafficDistribution": "PreferSameZone"},
                 {"name": "cart", "namespace": "shop", "trafficDistribution": "PreferClose"},
                 {"name": "kafka", "namespace": "data", "annotations": {"networking.istio.io/traffic-distribution": "PreferSameZone"}}],
}))
PY
python3 -c "import ssl,urllib.request,sys; urllib.request.urlopen(sys.argv[1], context=ssl._create_unverified_context())" \
    "https://127.0.0.1:$port/control/load?file=$dir/state.json"
cat > config <<YAML
apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster:
    server: https://127.0.0.1:$port
    certificate-authority-data: $(base64 -w0 ca.crt)
users:
- name: demo
  user: {token: demo-token}
contexts:
- name: fake-cluster
  context: {cluster: fake, user: demo}
current-context: fake-cluster
YAML
echo "$dir/config"

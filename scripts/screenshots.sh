#!/usr/bin/env bash
# Captures every view of the real zonetop TUI on the demo data in tmux (with colours)
# and renders the captures to screenshots/*.png. Needs tmux, Pillow and fonts-dejavu-core.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${ZONETOP_BIN:-.build/release/zonetop}
python3 -c "import PIL" 2>/dev/null || pip install -q pillow
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf ] || scripts/ensure-packages.sh fonts-dejavu-core
socket=zonetop-shots-$$
out=screenshots
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'tmux -L $socket kill-server 2>/dev/null || true; [ -f "$tmp/kube/server.pid" ] && kill "$(cat "$tmp/kube/server.pid")"; [ -n "${fixtures:-}" ] && kill "$fixtures"; rm -rf "$tmp"' EXIT

shot() { # name cols rows
  tmux -L "$socket" capture-pane -e -p -t s > "$tmp/$1.ans"
  python3 scripts/ansi2png.py "$tmp/$1.ans" "$out/$1.png" "$2" "$3"
  echo "screenshots/$1.png"
}
start() { # cols rows [args]
  tmux -L "$socket" kill-server 2>/dev/null && sleep 0.5 || true
  local c=$1 r=$2; shift 2
  env -u NO_COLOR TERM=xterm-256color LANG=C.UTF-8 tmux -L "$socket" new-session -d -s s -x "$c" -y "$r" "$bin $* ; sleep 30"
  sleep 2
}
keys() { tmux -L "$socket" send-keys -t s "$@"; sleep 0.6; }

start 120 40
keys 1; shot zones 120 40
keys 2; shot regions 120 40
keys 3; shot flows 120 40
keys 4; shot services 120 40
keys 5; shot health 120 40
keys 1 Down Down Down Down Down Right Right Right Right Enter; shot drill 120 40
keys Escape '?'; shot help 120 40
keys Escape 6; shot namespaces 120 40
keys 7; shot trend 120 40
# The cost question: the costliest cell, its hops sorted by USD/month.
keys 1 c Enter; shot cost-drill 120 40
keys Escape 3 '<' I; shot flows-sorted 120 40
keys : 'units u' Tab; shot command 120 40
keys Escape
start 80 24
shot zones-80x24 80 24
# A config file's theme and moved keys: the footer and the help show them.
printf 'theme:\n  title: black on green\n  header: black on green\n  selected: black on yellow\n  heat4: magenta bold\nkeys:\n  quit: Q\n  help: "!"\n' > "$tmp/look.yaml"
start 120 40 --config "$tmp/look.yaml"
keys '!'; shot theme-help 120 40
start 120 40 --no-color
shot zones-nocolor 120 40
# A three-cluster mesh with mixed ztunnel versions: cluster names where names repeat, gateway counts in Health.
start 150 40 replay Fixtures/multicluster/mixed.ztrec.gz --speed 16
sleep 8
keys 3; shot multicluster-flows 150 40
keys 5; shot multicluster-health 150 40
# A baseline pinned a minute into the before fixture, shown as the change once the replay has moved on.
start 150 40 replay Fixtures/diff/before.ztrec.gz --speed 4
sleep 16
keys b u u u
sleep 14
shot baseline 150 40
# --kube against the fake API server (scripts/fake_cluster.sh).
scripts/fake_cluster.sh "$tmp/kube" > /dev/null
start 120 40 --kube --kubeconfig "$tmp/kube/config" --interval 2s --zone us-east1-b
sleep 6
keys 5; shot kube-health 120 40
keys 4; shot kube-services 120 40
# Live polling with 3 of 12 targets down: the banner and the coloured targets counter.
port=$((18600 + $$ % 300))
python3 scripts/fixture_server.py --recording Fixtures/demo/demo.ztrec.gz --loop --port $port > /dev/null 2>&1 &
fixtures=$!
sleep 1.5
urls=$(for i in $(seq 0 8); do printf 'http://127.0.0.1:%s/t/%s/metrics ' $port $i; done)
start 120 40 $urls http://127.0.0.1:9/metrics http://127.0.0.1:9/metrics?b http://127.0.0.1:9/metrics?c --interval 2s
sleep 6
keys 1; shot outage 120 40
keys 5; shot outage-health 120 40

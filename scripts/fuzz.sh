#!/usr/bin/env bash
# Builds the libFuzzer targets (Fuzz/) with address sanitizer and runs each for $1 seconds (default 60),
# one after another, seeded from Fixtures/ and, when present, ../shared/testdata. Crashing inputs land
# in Fuzz/crashes/. Further arguments name the targets to run (default: all), e.g.
#   scripts/fuzz.sh 1800 prometheus frame-header values
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(parser recording pricing prometheus frame-header values)
(cd Fuzz && swift build -c debug --disable-build-manifest-caching -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for t in "${targets[@]}"; do mkdir -p "$work/$t"; done
mkdir -p Fuzz/crashes
seed() { [ -d "$work/$1" ]; }
if seed parser; then
  cp Fixtures/invalid/*.prom Fixtures/invalid/*.om "$work/parser/"
  zcat Fixtures/demo/scrapes/gke-use1-c-2/1740996000111.prom.gz > "$work/parser/ztunnel.prom"
  if [ -d ../shared/testdata/openmetrics ]; then
    for d in ../shared/testdata/openmetrics/*/; do cp "$d/metrics" "$work/parser/om-$(basename "$d")"; done
  fi
fi
# The first three frames of the demo recording; their header lines (without "@frame v1 ") for frame-header.
python3 - "$work" <<'PY'
import gzip, os, sys
work = sys.argv[1]
data = gzip.open("Fixtures/demo/demo.ztrec.gz").read()
end = 20
for _ in range(3):
    end = data.index(b"\n@frame", end + 1)
if os.path.isdir(f"{work}/recording"):
    open(f"{work}/recording/seed.ztrec", "wb").write(data[:end + 1])
if os.path.isdir(f"{work}/frame-header"):
    first = data.index(b"@frame v1 ") + len(b"@frame v1 ")
    second = data.index(b"\n@frame", first) + 1
    open(f"{work}/frame-header/whole.txt", "wb").write(data[first:min(second, first + 4000)])
    open(f"{work}/frame-header/empty-body.txt", "wb").write(
        b"time_ms=1740996000111 status=200 length=0 crc32c=00000000 target=http%3A%2F%2Fa content_type=text%2Fplain\n\n")
    open(f"{work}/frame-header/round-trip.bin", "wb").write(
        bytes(range(10)) + b"http://a\xfftext/plain\xfftimeout\xffbody\n")
PY
if seed pricing; then
  printf 'base: gcp\noverhead: 1.05\ncross_zone: { usd_per_gb: 0.008, billed: sender }\nregion_pairs:\n  - { from: a, to: b, usd_per_gb: 0.05 }\n' > "$work/pricing/seed.yaml"
fi
if seed prometheus; then
  cp Fixtures/fuzz/prometheus-*.json "$work/prometheus/" 2>/dev/null || true
  printf '{"status":"success","data":{"resultType":"vector","result":[{"metric":{"source_workload":"a","destination_workload":"b"},"value":[1740996000.5,"1234"]}]}}' > "$work/prometheus/vector.json"
  printf '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"source_zone":"z1"},"values":[[1740996000,"1"],[1740996060,"+Inf"],[1740996120,"1e30"]]}]}}' > "$work/prometheus/matrix.json"
  printf '{"status":"error","errorType":"bad_data","error":"parse error at char 3"}' > "$work/prometheus/error.json"
fi
if seed values; then
  for v in 90s 5m 1h30m 500ms 2 0.5 1d 64MiB 512KiB 1GB 1000000 0.25 64 1e3; do printf '%s' "$v" > "$work/values/$v"; done
fi
# Inputs up to 64 KiB, except where the format is short: a header line, an option's value.
max_len() { case $1 in frame-header) echo 4096 ;; values) echo 256 ;; *) echo 65536 ;; esac; }
for t in "${targets[@]}"; do
  echo "== fuzz-$t for ${seconds}s"
  Fuzz/.build/debug/fuzz-$t "$work/$t" -max_total_time="$seconds" -max_len="$(max_len "$t")" -artifact_prefix=Fuzz/crashes/$t- -print_final_stats=1 2>&1 \
    | grep -E "stat::number_of_executed_units|stat::peak_rss|ERROR|SUMMARY|Done|Test unit written" || true
done

#!/usr/bin/env bash
# Builds the libFuzzer targets (Fuzz/) with address sanitizer and runs each for $1 seconds (default 60),
# seeded from Fixtures/ and, when present, ../shared/testdata. Crashing inputs land in Fuzz/crashes/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
(cd Fuzz && swift build -c debug --disable-build-manifest-caching -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library)
work=$(mktemp -d)
mkdir -p "$work/parser" "$work/recording" "$work/pricing" Fuzz/crashes
cp Fixtures/invalid/*.prom Fixtures/invalid/*.om "$work/parser/"
zcat Fixtures/demo/scrapes/gke-use1-c-2/1740996000111.prom.gz > "$work/parser/ztunnel.prom"
if [ -d ../shared/testdata/openmetrics ]; then
  for d in ../shared/testdata/openmetrics/*/; do cp "$d/metrics" "$work/parser/om-$(basename "$d")"; done
fi
python3 - "$work/recording/seed.ztrec" <<'PY'
import gzip, sys
data = gzip.open("Fixtures/demo/demo.ztrec.gz").read()
end = 20
for _ in range(3):
    end = data.index(b"\n@frame", end + 1)
open(sys.argv[1], "wb").write(data[:end + 1])
PY
printf 'base: gcp\noverhead: 1.05\ncross_zone: { usd_per_gb: 0.008, billed: sender }\nregion_pairs:\n  - { from: a, to: b, usd_per_gb: 0.05 }\n' > "$work/pricing/seed.yaml"
for t in parser recording pricing; do
  echo "== fuzz-$t for ${seconds}s"
  Fuzz/.build/debug/fuzz-$t "$work/$t" -max_total_time="$seconds" -max_len=65536 -artifact_prefix=Fuzz/crashes/$t- -print_final_stats=1 2>&1 \
    | grep -E "stat::number_of_executed_units|stat::peak_rss|ERROR|SUMMARY|Done" || true
done
rm -rf "$work"

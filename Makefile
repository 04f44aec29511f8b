# zonetop: make run (demo), make test, make unit, make lint, make bench, make soak, make fuzz, make screenshots, make fixtures.
SWIFT ?= swift
RUN_DEPS  := libncursesw5-dev libcurl4-openssl-dev zlib1g-dev
TEST_DEPS := $(RUN_DEPS) tmux prometheus victoria-metrics python3 openssl
BIN := .build/release/zonetop

.PHONY: run build test unit lint format bench soak screenshots fixtures fuzz deps test-deps clean

## run: install what is missing (as root), build, and start the demo
run: deps build
	$(BIN) $(ARGS)

build:
	$(SWIFT) build -c release --product zonetop --static-swift-stdlib

## test: every unit, integration and end-to-end test
test: test-deps
	$(SWIFT) build --build-tests
	$(SWIFT) build -c release --product zonetop --static-swift-stdlib
	ZONETOP_BIN=$(CURDIR)/$(BIN) $(SWIFT) test --skip-build

## unit: the pure and in-process tests only (no servers, terminal or built binary), in seconds
unit: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --filter ZoneTopUnitTests

FORMATTED := Package.swift Sources Tests Benchmarks/Package.swift Benchmarks/Sources Fuzz/Package.swift Fuzz/Sources

## lint: swift format's check (what CI runs); format: rewrite the files in place
lint:
	$(SWIFT) format lint --strict -r $(FORMATTED)

format:
	$(SWIFT) format -i -r $(FORMATTED)

## bench: benchmarks (a separate package under Benchmarks/)
bench: deps build
	cd Benchmarks && $(SWIFT) run -c release --disable-build-manifest-caching zonetop-bench $(ARGS)

## soak: the demo replayed at full speed for the equivalent of 24 hours (RSS and open files), then the churn soak
soak: deps build
	cd Benchmarks && $(SWIFT) run -c release --disable-build-manifest-caching zonetop-bench soak churn

## screenshots: PNGs of every view of the real TUI (tmux + Pillow), --kube ones against a fake cluster
screenshots: build
	scripts/screenshots.sh

## fixtures: regenerate Fixtures/demo, Fixtures/multicluster and Fixtures/diff deterministically
fixtures:
	python3 scripts/gen_fixtures.py
	python3 scripts/gen_multicluster.py
	python3 scripts/gen_diff.py

deps:
	@scripts/ensure-packages.sh $(RUN_DEPS)

test-deps:
	@scripts/ensure-packages.sh $(TEST_DEPS)

clean:
	rm -rf .build Benchmarks/.build Fuzz/.build

## fuzz: libFuzzer + address sanitizer on the parser, the recording reader and frame header, the pricing loader, the Prometheus answer decoder and the command-line values
fuzz: deps
	scripts/fuzz.sh $(FUZZ_SECONDS)

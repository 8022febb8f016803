# wschaos developer and CI targets. `make help` lists them.
GO        ?= go
FUZZTIME  ?= 30s
BENCHTIME ?= 1s
REPORTS   ?= reports
# Every package but the root Ginkgo suite, which `scenarios` runs with reports.
UNIT_PKGS  = $(shell $(GO) list ./... | grep -v '^github.com/wschaos/wschaos$$')
GINKGO     = $(GO) tool ginkgo

.PHONY: help test unit scenarios scenarios-external builtins lint vet fmt-check tidy-check bench fuzz compose-check run serve conform bench-scale explore-ci explore-nightly conform-adapters conform-baselines conform-docs bench-split

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

test: lint unit scenarios ## the tests: gofmt, go vet, every package under -race, the chaos suite

unit: ## go test -race over every package but the root suite
	$(GO) test -race -count=1 -timeout 20m $(UNIT_PKGS)

scenarios: ## the Ginkgo chaos suite on the embedded stack, with JUnit and JSON reports
	@mkdir -p $(REPORTS)
	$(GINKGO) --race --timeout=15m --junit-report=$(REPORTS)/scenarios-embedded.xml \
		--json-report=$(REPORTS)/scenarios-embedded.json .

scenarios-external: ## the chaos suite against a real toxiproxy-server (installs and starts it)
	JUNIT=$(REPORTS)/scenarios-external.xml ./scripts/ci-external.sh

builtins: ## every built-in scenario through `wschaos run --short`
	WSCHAOS_E2E=1 $(GO) test -count=1 -timeout 30m -run TestBuiltinsEndToEnd ./cmd/wschaos

lint: fmt-check vet tidy-check ## gofmt, go vet and go mod tidy

tidy-check: ## fail when go.mod/go.sum are not what `go mod tidy` writes
	$(GO) mod tidy -diff

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

bench-scale: ## the scale built-in at SIZES clients (default "1000 2000"): messages, offered/nominal, recovery, peak RSS, CPU
	SIZES="$(or $(SIZES),1000 2000)" ./scripts/bench-scale.sh

.PHONY: bench-storm
bench-storm: ## reconnect storm: STORM_CLIENTS (default 5000) real clients, a 1s restart, accepts per 100ms against bare-dial baselines
	WSCHAOS_STORM_CLIENTS=$(or $(STORM_CLIENTS),5000) nice -n 5 $(GO) test -run '^$$' -bench BenchmarkReconnectStorm -benchtime 1x -timeout 15m ./internal/e2e/

bench-split: ## the scale load at CLIENTS (default 10000) over SHARDS (default 4) shard processes against one `wschaos serve` (TOXI=inproc|server), then merge: per-process RSS and CPU, verdict
	CLIENTS="$(or $(CLIENTS),10000)" SHARDS="$(or $(SHARDS),4)" ./scripts/bench-split.sh

bench: ## benchmarks, each against a raw gorilla/websocket baseline in the same run
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./...

fuzz: ## fuzz the decoders and parsers, FUZZTIME each
	$(GO) test ./protocol -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME)
	$(GO) test ./protocol -run '^$$' -fuzz '^FuzzFastPathMatchesJSON$$' -fuzztime $(FUZZTIME)
	$(GO) test ./protocol -run '^$$' -fuzz '^FuzzDowngrade$$' -fuzztime $(FUZZTIME)
	$(GO) test ./protocol -run '^$$' -fuzz '^FuzzAppendEncodeMatchesJSON$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/scenario -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME)
	$(GO) test ./harness/fault -run '^$$' -fuzz FuzzDecode -fuzztime $(FUZZTIME)
	$(GO) test ./internal/slo -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME)

compose-check: ## validate docker-compose.yml (needs Debian's docker-compose)
	docker-compose -f docker-compose.yml config -q

run: ## the main job: wschaos run on the embedded stack
	$(GO) run ./cmd/wschaos run

serve: ## the fault server on loopback
	$(GO) run ./cmd/wschaos serve

CONFORM_BIN = conformance/.bin
# 3 clients at once, 2 scenarios each: about 2 minutes on 2 cores (see docs/CONFORMANCE.md).
CONFORM     = $(CONFORM_BIN)/wschaos conform --suite conformance/clients.json --parallel 2 --clients 3

conform-adapters: ## build the Go conformance adapters and `npm ci` the Node ones
	@mkdir -p $(CONFORM_BIN)
	$(GO) build -o $(CONFORM_BIN)/wschaos ./cmd/wschaos
	$(GO) build -o $(CONFORM_BIN)/wschaos-adapter ./conformance/adapters/wschaos
	$(GO) build -o $(CONFORM_BIN)/recws-adapter ./conformance/adapters/recws
	cd conformance/adapters/node && npm ci --no-audit --no-fund

conform: conform-adapters ## every client through every conformance case; fails on a baseline regression or stale entry
	@mkdir -p $(REPORTS)
	$(CONFORM) --json $(REPORTS)/conformance.json --junit $(REPORTS)/conformance.xml --html $(REPORTS)/conformance.html

conform-baselines: conform-adapters ## rewrite conformance/baselines/ from a fresh run (review the diff)
	$(CONFORM) --update-baseline

conform-docs: conform-adapters ## regenerate the matrix in docs/CONFORMANCE.md from a fresh run
	$(CONFORM) --write-doc docs/CONFORMANCE.md

EXPLORE_SEED   ?= 1
EXPLORE_BUDGET ?= 80s

explore-ci: ## explore's negative controls (broken clients, lossy server via wschaos run), then a fixed-seed exploration (< 5 min)
	@mkdir -p $(REPORTS)/explore
	WSCHAOS_EXPLORE=1 $(GO) test -tags wschaos_broken -count=1 -timeout 6m -v -run '^TestNegativeBroken' ./explore
	WSCHAOS_EXPLORE=1 $(GO) test -count=1 -timeout 4m -v -run '^TestExploreFindsLossyAndRunReplays$$' ./cmd/wschaos
	$(GO) run ./cmd/wschaos explore --first $(EXPLORE_SEED) --budget $(EXPLORE_BUDGET) --out $(REPORTS)/explore

NIGHTLY_SEED   ?= $(shell date +%s)
NIGHTLY_BUDGET ?= 30m

explore-nightly: ## a larger exploration from a fresh seed (NIGHTLY_BUDGET, default 30m; NIGHTLY_SEED)
	@mkdir -p $(REPORTS)/explore-nightly
	$(GO) run ./cmd/wschaos explore --first $(NIGHTLY_SEED) --budget $(NIGHTLY_BUDGET) --max-clients 20 --max-duration 15s --out $(REPORTS)/explore-nightly

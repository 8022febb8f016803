# wschaos developer and CI targets. `make help` lists them.
GO        ?= go
PKGS      ?= ./...
FUZZTIME  ?= 30s
BENCHTIME ?= 1s
REPORTS   ?= reports

.PHONY: help test unit lint vet fmt-check bench fuzz run serve

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

test: lint unit ## everything CI runs: lint, then every test under -race

unit: ## go test -race over every package
	$(GO) test -race -count=1 -timeout 20m $(PKGS)

lint: fmt-check vet ## gofmt and go vet

vet:
	$(GO) vet $(PKGS)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

bench: ## benchmarks against the raw gorilla/websocket baseline
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) $(PKGS)

fuzz: ## fuzz the protocol decoder for FUZZTIME
	$(GO) test ./protocol -run '^$$' -fuzz FuzzDecode -fuzztime $(FUZZTIME)

run: ## the main job: wschaos run on the embedded stack
	$(GO) run ./cmd/wschaos run

serve: ## the fault server on loopback
	$(GO) run ./cmd/wschaos serve

# kubectl-fed: build, generate, verify, test and run a local fleet.
# `make help` lists the targets.

SHELL := /usr/bin/env bash -o pipefail
.DEFAULT_GOAL := help

BIN := _output/bin
LOCAL := _output/local
MEMBERS ?= 2
NODES ?= 0
# Light members (one shared etcd, only the API groups members need, a minimal
# kube-controller-manager without nodes) let tens of members fit on one machine;
# on by default above 4 members.
LIGHT_MEMBERS ?= $(shell [ $(MEMBERS) -gt 4 ] && echo true || echo false)
# Extra flags for the local fleet's syncer and webhook, e.g. SYNCER_FLAGS="--workers=2 --zap-log-level=2".
SYNCER_FLAGS ?=
WEBHOOK_FLAGS ?=
export KUBECTL_FED_BIN_DIR := $(abspath $(BIN))

# Build information injected into the binaries (see pkg/version).
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo v0.0.0-dev)
GIT_COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
GIT_TREE_STATE ?= $(shell test -z "$$(git status --porcelain 2>/dev/null)" && echo clean || echo dirty)
BUILD_DATE ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
VERSION_PKG := github.com/kubectl-fed/kubectl-fed/pkg/version
LDFLAGS := -X $(VERSION_PKG).gitVersion=$(VERSION) -X $(VERSION_PKG).gitCommit=$(GIT_COMMIT) \
	-X $(VERSION_PKG).gitTreeState=$(GIT_TREE_STATE) -X $(VERSION_PKG).buildDate=$(BUILD_DATE)

# Pinned Kubernetes version of the test binaries; it must match test/tools/kube/go.mod.
KUBE_VERSION := v1.37.2
KUBE_LDFLAGS := -s -w -X k8s.io/component-base/version.gitVersion=$(KUBE_VERSION) \
	-X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=37 \
	-X k8s.io/component-base/version.gitTreeState=clean

KUBE_BINS := $(BIN)/kube-apiserver $(BIN)/kube-controller-manager $(BIN)/kube-scheduler $(BIN)/kubectl
TOOLS := $(KUBE_BINS) $(BIN)/etcd $(BIN)/krew $(BIN)/validate-krew-manifest $(BIN)/controller-gen
TOOL_MODULES := test/tools/kube test/tools/etcd test/tools/krew test/tools/codegen

, := ,
# V=1 shows the raw commands that the announced steps run.
V ?= 0
# HEARTBEAT is how often (seconds) a long step says it is still running.
HEARTBEAT ?= 30

# $(call step,WHAT,COMMAND): announce ">> WHAT", run COMMAND (echoed only
# with V=1) with a line every $(HEARTBEAT) s while it runs, and say how long
# it took. The heartbeat's sleep does not hold make's output open.
define step
	@echo ">> $(1)"; $(if $(filter 1,$(V)),echo '$(subst ','\'',$(2))';) start=$$(date +%s); \
	( while :; do sleep $(HEARTBEAT) </dev/null >/dev/null 2>&1; echo "   ... still $(1) ($$(( $$(date +%s) - start )) s)"; done ) & hb=$$!; \
	( $(2) ); rc=$$?; kill $$hb 2>/dev/null; wait $$hb 2>/dev/null; \
	if [ $$rc -eq 0 ]; then echo "   done in $$(( $$(date +%s) - start )) s"; fi; exit $$rc
endef

# Go sources of the binaries (cmd, pkg) and of the test tools (test, but
# not test/tools, whose modules are separate); a binary is rebuilt only
# when one of them changed.
GO_SOURCES := go.mod go.sum $(shell find cmd pkg -name '*.go' ! -name '*_test.go')
TEST_GO_SOURCES := $(GO_SOURCES) $(shell find test -path test/tools -prune -o -name '*.go' ! -name '*_test.go' -print)
BUILD_BINS := $(BIN)/kubectl-fed $(BIN)/syncer $(BIN)/webhook
MODULES_STAMP := _output/.modules-downloaded

.PHONY: help
help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-18s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

##@ Build

.PHONY: build
build: $(BUILD_BINS) $(BIN)/kubectl_complete-fed ## Build kubectl-fed (with kubectl's completion helper kubectl_complete-fed), syncer and webhook into _output/bin (only when their sources changed)

$(BUILD_BINS) &: $(GO_SOURCES) | $(MODULES_STAMP)
	$(call step,building kubectl-fed$(,) syncer and webhook,go build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/ ./cmd/kubectl-fed ./cmd/syncer ./cmd/webhook)
	@touch $(BUILD_BINS)

# kubectl runs kubectl_complete-fed from PATH to complete `kubectl fed <TAB>`.
$(BIN)/kubectl_complete-fed: pkg/kubectl/completion/kubectl_complete-fed
	@mkdir -p $(BIN) && install -m 0755 $< $@

.PHONY: modules
modules: $(MODULES_STAMP) ## Download the Go modules of the project and of its tools (once)

# One line instead of one "go: downloading" line per module.
$(MODULES_STAMP): go.sum $(addsuffix /go.sum,$(TOOL_MODULES))
	$(call step,downloading the Go modules (once; about 2 min on a fresh machine),go mod download && for m in $(TOOL_MODULES); do (cd $$m && go mod download) || exit 1; done)
	@mkdir -p $(dir $@) && touch $@

IMAGE ?= ghcr.io/kubectl-fed/kubectl-fed:$(VERSION)

.PHONY: image
image: ## Build the container image (syncer, webhook, kubectl-fed) with docker; IMAGE=... to name it
	docker build --build-arg VERSION=$(VERSION) --build-arg GIT_COMMIT=$(GIT_COMMIT) \
		--build-arg GIT_TREE_STATE=$(GIT_TREE_STATE) --build-arg BUILD_DATE=$(BUILD_DATE) -t $(IMAGE) .

.PHONY: tools
tools: $(TOOLS) ## Build the pinned test binaries (once; about 8-10 min on a fresh 2-core machine)

# Each tools module is its own go.mod, so its dependencies stay out of the
# main module; a binary is rebuilt only when its module's pins change.
$(KUBE_BINS) &: test/tools/kube/go.mod test/tools/kube/go.sum | $(MODULES_STAMP)
	$(call step,building kube-apiserver$(,) kube-controller-manager$(,) kube-scheduler and kubectl $(KUBE_VERSION) (about 6 min on a fresh 2-core machine$(,) 1 min when cached),cd test/tools/kube && go build -trimpath -ldflags "$(KUBE_LDFLAGS)" -o $(abspath $(BIN))/ \
		k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
		k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl)
	@touch $(KUBE_BINS)

$(BIN)/etcd: test/tools/etcd/go.mod test/tools/etcd/go.sum | $(MODULES_STAMP)
	$(call step,building etcd (about 1 min on a fresh machine),cd test/tools/etcd && go build -trimpath -ldflags "-s -w" -o $(abspath $@) go.etcd.io/etcd/server/v3)
	@touch $@

$(BIN)/krew $(BIN)/validate-krew-manifest &: test/tools/krew/go.mod test/tools/krew/go.sum | $(MODULES_STAMP)
	$(call step,building krew and validate-krew-manifest,cd test/tools/krew && go build -trimpath -ldflags "-s -w" -o $(abspath $(BIN))/ \
		sigs.k8s.io/krew/cmd/krew sigs.k8s.io/krew/cmd/validate-krew-manifest)
	@touch $(BIN)/krew $(BIN)/validate-krew-manifest

$(BIN)/controller-gen: test/tools/codegen/go.mod test/tools/codegen/go.sum | $(MODULES_STAMP)
	$(call step,building controller-gen,cd test/tools/codegen && go build -trimpath -o $(abspath $@) sigs.k8s.io/controller-tools/cmd/controller-gen)
	@touch $@

$(BIN)/fleet: $(TEST_GO_SOURCES) | $(MODULES_STAMP)
	$(call step,building the local fleet tool,go build -o $@ ./test/cmd/fleet)
	@touch $@

##@ Code generation and checks

GENERATED = $(shell find pkg/apis -name zz_generated.deepcopy.go) $(wildcard manifests/crds/*.yaml) $(wildcard manifests/inventory/*.yaml)

.PHONY: generate
generate: $(BIN)/controller-gen ## Regenerate deepcopy functions and CRDs; copy the cluster inventory's CRDs from its module
	$(BIN)/controller-gen object paths=./pkg/apis/...
	rm -f manifests/crds/*.yaml
	$(BIN)/controller-gen crd paths=./pkg/apis/... output:crd:artifacts:config=manifests/crds
	for f in $$(go list -m -f '{{.Dir}}' sigs.k8s.io/cluster-inventory-api)/config/crd/bases/*.yaml; do \
	  install -m 0644 $$f manifests/inventory/; done

.PHONY: verify
verify: $(BIN)/controller-gen ## Fail if generated files are stale, gofmt/go vet complain, an import rule is broken, or go mod tidy would change anything
	@before=$$(cat $(GENERATED) | sha256sum); $(MAKE) --no-print-directory generate >/dev/null; \
	  after=$$(cat $(GENERATED) | sha256sum); \
	  if [ "$$before" != "$$after" ]; then echo "generated files were stale; they are now regenerated: review and commit them (make generate)"; exit 1; fi
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	go vet ./...
	go run ./test/cmd/importrules
	go mod tidy -diff
	@for m in $(TOOL_MODULES); do (cd $$m && go mod tidy -diff) || { echo "go mod tidy would change $$m"; exit 1; }; done

##@ Test

GO_TEST ?= go test
TEST_FLAGS ?= -count=1 -timeout 40m

MODULE := github.com/kubectl-fed/kubectl-fed
# The suites that start real clusters: their tests take the machine's fleet
# lock (testkit.Main, fleet.LockForTests), so they run one after another and
# their sum is most of `make test`'s time. The other packages (unit tests, the
# release and image checks) need no fleet.
FLEET_LOCKING := testkit\.Main\(|LockForTests\(\)
FLEET_FOUND = $(patsubst %/,./%,$(sort $(dir $(shell grep -rlE --include='*_test.go' '$(FLEET_LOCKING)' test))))
# test/bench last: its short benchmarks print figures, taken once nothing
# runs beside them.
FLEET_SUITES = $(filter-out ./test/bench,$(FLEET_FOUND)) $(filter ./test/bench,$(FLEET_FOUND))
OTHER_PACKAGES = $(filter-out $(patsubst ./%,$(MODULE)/%,$(FLEET_SUITES)),$(shell go list ./...))

# The fleet suites start at once; the other packages run beside them at the
# lowest CPU priority (nice), in the time the suites wait on their clusters,
# instead of before them. Either failing fails the target.
.PHONY: test
test: verify tools build ## Run every check, unit test and integration test (real clusters)
	@others="$(OTHER_PACKAGES)"; suites="$(FLEET_SUITES)"; \
	echo "nice $(GO_TEST) $(TEST_FLAGS) <$$(wc -w <<<"$$others") packages without a fleet> &"; \
	nice -n 19 $(GO_TEST) $(TEST_FLAGS) $$others & pid=$$!; \
	echo "$(GO_TEST) $(TEST_FLAGS) $$suites"; \
	$(GO_TEST) $(TEST_FLAGS) $$suites; rc=$$?; wait $$pid || rc=1; exit $$rc

.PHONY: test-unit
test-unit: ## Run the unit tests only (no clusters)
	$(GO_TEST) $(TEST_FLAGS) ./pkg/... ./cmd/...

# The packages with benchmarks (a `func Benchmark` in a test file), found like
# FLEET_FOUND: `make bench` runs only these, so no other suite's TestMain
# starts a fleet for nothing.
BENCH_PACKAGES = $(patsubst %/,./%,$(sort $(dir $(shell grep -rlE --include='*_test.go' '^func Benchmark' cmd pkg test))))

.PHONY: bench
bench: tools build ## Run the benchmarks and print their figures (BENCH_OBJECTS, BENCH_MEMBERS, ... size test/bench; see test/README.md)
	$(GO_TEST) -run '^$$' -bench . -skip '^BenchmarkScale$$' -benchtime 1x -timeout 40m $(BENCH_PACKAGES)

.PHONY: bench-scale
bench-scale: tools build ## Run the scale benchmark on light members: SCALE_MEMBERS=30 (a list such as 5,10,20,30 fits growth), SCALE_CONFIGMAPS=1000, SCALE_DEPLOYMENTS=100, ...
	$(GO_TEST) -run '^$$' -bench '^BenchmarkScale$$' -benchtime 1x -timeout 300m ./test/bench/

##@ Local fleet

.PHONY: local-up
local-up: tools build $(BIN)/fleet ## Start host + MEMBERS members (with NODES simulated nodes and kube-scheduler each; light above 4, LIGHT_MEMBERS=false|true to choose), the webhook and the syncer at their deployed flags, join the members and enable the default types (idempotent)
	$(BIN)/fleet up --dir $(LOCAL) --members $(MEMBERS) --nodes $(NODES) --light-members=$(LIGHT_MEMBERS) --syncer-flags "$(SYNCER_FLAGS)" --webhook-flags "$(WEBHOOK_FLAGS)"

.PHONY: local-down
local-down: $(BIN)/fleet ## Stop the local fleet (idempotent)
	$(BIN)/fleet down --dir $(LOCAL)

##@ Demo

# The demo's pods run on one simulated node per cluster unless NODES says otherwise.
DEMO_NODES := $(if $(filter-out 0,$(NODES)),$(NODES),1)

.PHONY: demo
demo: ## Build what is missing, start a fresh local federation and walk the quickstart with real commands (leaves it running)
	@echo ">> demo 1/3: building what is missing (about 8-10 min on a fresh 2-core machine, each build announced; seconds afterwards)"
	@$(MAKE) --no-print-directory tools build $(BIN)/fleet $(BIN)/demo
	@echo ">> demo 2/3: a fresh local federation: host + $(MEMBERS) members with $(DEMO_NODES) simulated node(s) each, webhook and syncer (a running one is restarted)"
	@$(BIN)/fleet down --dir $(LOCAL)
	@$(BIN)/fleet up --dir $(LOCAL) --members $(MEMBERS) --nodes $(DEMO_NODES)
	@echo ">> demo 3/3: the quickstart"
	@$(BIN)/demo --kubeconfig $(LOCAL)/kubeconfig --bin-dir $(BIN)

$(BIN)/demo: $(TEST_GO_SOURCES) | $(MODULES_STAMP)
	$(call step,building the demo,go build -o $@ ./test/cmd/demo)
	@touch $@

.PHONY: clean
clean: local-down ## Remove build outputs (keeps the Go caches)
	rm -rf _output

##@ kubectl fed krew distribution (owned by the CLI; see cmd/kubectl-fed/dist)

DIST := _output/dist

# PLATFORMS=linux/amd64,darwin/arm64 builds only those (default: every platform of plugins.yaml).
PLATFORMS ?=

.PHONY: dist
dist: | $(MODULES_STAMP) ## Cross-build the kubectl fed krew archives (PLATFORMS=os/arch,... for some) into _output/dist, with the filled manifest _output/dist/plugins.yaml
	$(call step,building the krew archives into $(DIST),go run ./cmd/kubectl-fed/dist -manifest plugins.yaml -manifest-out $(DIST)/plugins.yaml -out $(DIST) -license LICENSE -platforms "$(PLATFORMS)" -ldflags "-s -w $(LDFLAGS)")

.PHONY: verify-krew
verify-krew: $(BIN)/validate-krew-manifest ## Check plugins.yaml with krew-index's validator (test/release also installs every platform)
	@tmp=$$(mktemp -d) && cp plugins.yaml $$tmp/fed.yaml && \
	  { $(BIN)/validate-krew-manifest -manifest $$tmp/fed.yaml -skip-install; rc=$$?; rm -rf $$tmp; exit $$rc; }

# rbmlab — one command per job. A fresh Debian machine needs only `make figures` and
# `make test`: missing Debian packages are installed with apt-get, Rust crates come from
# crates.io, Python packages (tests, benchmarks) from PyPI into a venv under target/.

PROFILE ?= quick
JOBS ?= 2
RESULTS ?= results
SHARED_DATA ?= ../shared/data
PIPELINES ?= $(sort $(wildcard pipelines/*.yaml))
CARGO ?= cargo
BIN := target/release/rbmlab

# Debian packages the build and the figures need: a C toolchain for the -sys crates, a TTF font
# for the figures' text, python3-venv for the interop test and the numpy benchmark.
APT_PACKAGES := gcc make pkg-config bc fonts-dejavu-core python3 python3-venv python3-pip

.PHONY: all deps figures test data bench clean lint help

all: figures

help:
	@echo "make figures [PROFILE=quick|paper] [JOBS=2]  regenerate every figure (results/figures/)"
	@echo "make test                                     build and run the test suite"
	@echo "make data                                     copy and verify the real data sets into data/"
	@echo "make bench                                    benchmarks (results/bench/*.csv)"
	@echo "make lint                                     cargo fmt --check and clippy -D warnings"

# Installs missing Debian packages (only those not yet installed), as root or through sudo.
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	@command -v $(CARGO) >/dev/null || { echo "cargo not found: install Rust (rustup) first"; exit 1; }

$(BIN): deps FORCE
	$(CARGO) build --release --bin rbmlab

FORCE:

figures: $(BIN)
	@if [ ! -d data ] || [ -z "$$(ls -A data 2>/dev/null | grep -v README.md)" ]; then \
	  if [ -d "$(SHARED_DATA)" ]; then $(MAKE) --no-print-directory data; \
	  else echo "note: no real data (run 'make data'); stages that need it will fail with a clear message"; fi; \
	fi
	$(BIN) --results $(RESULTS) run --profile $(PROFILE) -j $(JOBS) $(PIPELINES)

test: deps
	$(CARGO) test --workspace --no-fail-fast

data:
	@SHARED_DATA="$(SHARED_DATA)" bash scripts/make_data.sh

bench: $(BIN)
	bash bench/run.sh

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

clean:
	rm -rf $(RESULTS)

# The two commands: `make run` (the main job) and `make test` (what CI runs).
SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
MFSIM := .build/release/mfsim

.PHONY: deps build run test bench export figures clean

# GSL through pkg-config; on a fresh Debian machine neither is there and the package lists are empty.
deps:
	@if ! pkg-config --exists gsl 2>/dev/null; then \
		echo "installing libgsl-dev and pkg-config with apt-get"; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libgsl-dev pkg-config; \
	fi

# The same configuration as `make test` (release, -enable-testing), so switching between
# `make test` and `make build`/`export`/`figures` never rebuilds everything.
build: deps
	$(SWIFT) build $(TEST_FLAGS) --product mfsim

run: build
	$(MFSIM) fixedpoint --format table
	$(MFSIM) depth-sweep --layers 200

# Tests run optimized (the 2D quadrature grids take ~4 min unoptimized, ~40 s optimized);
# -enable-testing keeps @testable imports working in a release build.
TEST_FLAGS := -c release -Xswiftc -enable-testing
test: deps
	$(SWIFT) build --build-tests $(TEST_FLAGS)
	$(SWIFT) test --skip-build $(TEST_FLAGS)

bench: deps
	$(SWIFT) build -c release --product MeanFieldBenchmarks --product mfsim
	.build/release/MeanFieldBenchmarks

# Every standard table as CSV into notebooks-output/ (committed; a test fails when they are stale).
export: build
	$(MFSIM) export --dir notebooks-output

# PNG figures from the exported tables: matplotlib from PyPI in a virtual environment (python3 and
# python3-venv from apt when missing). Not needed by `make test`.
FIGURES_VENV := .venv-figures
figures: export
	@if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then \
		echo "installing python3 and python3-venv with apt-get"; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv; \
	fi
	@[ -x $(FIGURES_VENV)/bin/python ] || python3 -m venv $(FIGURES_VENV)
	$(FIGURES_VENV)/bin/pip install -q 'matplotlib>=3.7'
	$(FIGURES_VENV)/bin/python notebooks-output/plot.py

clean:
	rm -rf .build $(FIGURES_VENV)

# The two commands: `make run` (the main job) and `make test` (what CI runs).
SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
MFSIM := .build/release/mfsim

.PHONY: deps build run test bench export clean

# GSL through pkg-config; on a fresh Debian machine neither is there and the package lists are empty.
deps:
	@if ! pkg-config --exists gsl 2>/dev/null; then \
		echo "installing libgsl-dev and pkg-config with apt-get"; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libgsl-dev pkg-config; \
	fi

build: deps
	$(SWIFT) build -c release --product mfsim

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

clean:
	rm -rf .build

# Thin wrapper over CMake. `make demo` and `make test` install what is missing,
# configure, build and run. SANITIZE=address,undefined builds a sanitized tree
# in its own directory.

SANITIZE ?=
BUILD_TYPE ?= $(if $(SANITIZE),RelWithDebInfo,Release)
BUILD_DIR ?= build$(if $(SANITIZE),-$(subst $(comma),-,$(SANITIZE)),)
JOBS ?= $(shell nproc)
CTEST_ARGS ?=
comma := ,

# UNITY=ON compiles each target's sources in batches (see CMakeLists.txt): a
# clean build takes less than half the time. UNITY=OFF for quick edit-compile loops.
UNITY ?= ON

CMAKE_FLAGS := -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DTRIBUTARY_SANITIZE=$(SANITIZE) -DTRIBUTARY_UNITY=$(UNITY)
# Sanitized trees are built at -O1 (what AddressSanitizer's authors recommend)
# with line tables only (-g1: file:line in every report); both compile markedly
# faster than -O2 and full debug information.
ifneq ($(SANITIZE),)
CMAKE_FLAGS += "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG"
endif
ifneq ($(shell command -v ccache 2>/dev/null),)
CMAKE_FLAGS += -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache
endif

.PHONY: all deps configure build test demo bench fuzz soak format clean

all: build

deps:
	@deploy/install-deps.sh --with-ui

configure: deps
	@cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS) > /dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# Sanitized runs skip leaks inside third-party libraries (tests/lsan.supp).
SANITIZER_ENV := $(if $(SANITIZE),LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp,)

test: build
	@cd $(BUILD_DIR) && $(SANITIZER_ENV) ctest --output-on-failure -j $(JOBS) --timeout 600 $(CTEST_ARGS)

demo: build
	@$(BUILD_DIR)/tributary demo $(DEMO_ARGS)

bench: build
	@cmake --build $(BUILD_DIR) --target benchmarks -j $(JOBS)
	@bench/run.sh $(BUILD_DIR)

FUZZ_SECONDS ?= 60
fuzz: deps
	@cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRIBUTARY_FUZZ=ON -DTRIBUTARY_SANITIZE=address,undefined \
	  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only -DNDEBUG" -DTRIBUTARY_UNITY=$(UNITY) \
	  $(if $(shell command -v ccache 2>/dev/null),-DCMAKE_CXX_COMPILER_LAUNCHER=ccache,) > /dev/null
	@cmake --build build-fuzz --target fuzzers -j $(JOBS)
	@fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

# Kill loops and faults, repeated (tests/soak/run.sh); CI runs SOAK_ROUNDS=2.
SOAK_ROUNDS ?= 20
soak: build
	@tests/soak/run.sh $(BUILD_DIR) $(SOAK_ROUNDS)

format:
	@git ls-files '*.h' '*.cpp' | xargs clang-format -i

clean:
	rm -rf build build-*

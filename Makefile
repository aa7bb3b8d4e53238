# sluice - the front door. `make`, `make test`, `make run`, `make bench`, `make install`.
# CMake does the building underneath; each flavour has its own build directory.

JOBS      ?= $(shell nproc 2>/dev/null || echo 2)
BUILD     ?= build
CMAKE_ARGS ?=
PREFIX    ?= /usr/local
FUZZ_SECONDS ?= 60

.PHONY: all build deps test unit integration run sanitize tsan fuzz bench bench-accuracy bench-mta \
        model install format clean corpus

all: build

deps:
	@tools/deps.sh test

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

# Every test: unit tests, CLI golden tests and the integration tests against real MTAs.
test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 600

unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

# Starts sluice on its embedded defaults (default config, shipped rules, starter model).
run: build
	@tools/run.sh $(BUILD)

# AddressSanitizer + UndefinedBehaviorSanitizer build, then every test on it.
sanitize: deps
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DSLUICE_SANITIZE=ON -DSLUICE_BENCH=OFF
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j $(JOBS) --timeout 900

# ThreadSanitizer build (rule reload under concurrent scanning, daemons).
tsan: deps
	cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DSLUICE_TSAN=ON -DSLUICE_BENCH=OFF
	cmake --build build-tsan -j $(JOBS)
	cd build-tsan && ctest --output-on-failure -j $(JOBS) -L tsan --timeout 900

# libFuzzer targets (clang), each run FUZZ_SECONDS; crashers go to tests/data/fuzz-regressions.
fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSLUICE_FUZZ=ON -DSLUICE_BENCH=OFF
	cmake --build build-fuzz -j $(JOBS) --target fuzz_targets
	tools/fuzz.sh build-fuzz $(FUZZ_SECONDS)

corpus:
	@tools/fetch-corpus.sh

# Micro-benchmarks and end-to-end harnesses; results are written up in bench/RESULTS.md.
bench: build corpus
	tools/deps.sh bench
	bench/run.sh $(BUILD)

bench-accuracy: build corpus
	tools/deps.sh bench
	bench/accuracy.sh $(BUILD)

bench-mta: build corpus
	tools/deps.sh bench
	bench/mta.sh $(BUILD)

# The starter Bayes model, trained on the public corpus training split.
model: build corpus
	models/build.sh $(BUILD)

install: build
	tools/install.sh $(BUILD) $(DESTDIR)$(PREFIX)

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf build build-asan build-tsan build-fuzz

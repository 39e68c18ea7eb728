# The two commands of the README:
#   make demo   installs what is missing, builds in release, fetches the models, runs the demo and the tour
#   make test   installs what is missing, fetches the models, runs the whole test suite
SHELL := /bin/bash
export PATH := /opt/swift/usr/bin:$(PATH)
# Library targets carry no unsafe flags; the binaries built here are tuned for this CPU (AVX2/FMA where present).
RELEASE_FLAGS := -c release -Xswiftc -target-cpu -Xswiftc native
BIN := .build/release/attention

.PHONY: demo test setup build bench clean

setup:
	bash scripts/setup.sh

build:
	swift build $(TEST_FLAGS) --product attention

demo: setup build
	$(BIN) demo
	$(BIN) tour --output attention-tour
	@echo "Open attention-tour/index.html in a browser: the lessons' pictures and the real models' attention."

# Tests run on the same optimized, CPU-tuned build as the demo and benchmarks (plus -enable-testing for @testable
# imports): the real-model parity tests take seconds there and many minutes in debug, where SIMD code is not
# optimized. Sharing the flags also means `make test` and `make demo` reuse one build instead of rebuilding.
TEST_FLAGS := $(RELEASE_FLAGS) -Xswiftc -enable-testing

test: setup
	swift build $(TEST_FLAGS) --build-tests
	swift test $(TEST_FLAGS) --skip-build --parallel --num-workers 2
	python3 tools/test_viewer.py --binary $(BIN)

bench: build
	bash tools/bench_all.sh

clean:
	rm -rf .build

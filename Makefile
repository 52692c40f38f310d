# Makefile -- thin driver around CMake: installs build dependencies, builds, runs demo or tests.
#   make demo   build (release) and run a short demo against a real daemon
#   make test   build with ASan+UBSan and run the whole ctest suite
#   make bench  build (release) and run the benchmarks
#   make faults build with ASan+UBSan and inject storage faults at every call of the workload

DEB_PACKAGES := build-essential cmake pkg-config libsodium-dev libuv1-dev libsqlite3-dev \
                libmsgpack-dev python3 python3-msgpack python3-dissononce
BENCH_PACKAGES := redis-server
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps release testbuild demo test bench fuzz faults clean

all: release

deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

release: deps
	cmake -S . -B build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSAMVIRKE_TESTS=OFF
	cmake --build build/release -j $(JOBS)

testbuild: deps
	cmake -S . -B build/test -DCMAKE_BUILD_TYPE=Debug -DSAMVIRKE_SANITIZERS=ON -DSAMVIRKE_WERROR=ON \
	  -DSAMVIRKE_FAULT_INJECTION=ON
	cmake --build build/test -j $(JOBS)

demo: release
	bash tests/demo.sh build/release

test: testbuild
	cd build/test && ctest --output-on-failure -j $(JOBS)

bench: release
	@dpkg -s $(BENCH_PACKAGES) >/dev/null 2>&1 || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BENCH_PACKAGES); }
	bash tests/bench/run.sh build/release

faults: testbuild
	bash tests/faults/run.sh build/test test_storage_faults.py SAMVIRKE_FAULT_SWEEP=full

fuzz: deps
	CC=clang cmake -S . -B build/fuzz -DSAMVIRKE_FUZZING=ON -DSAMVIRKE_SANITIZERS=ON -DSAMVIRKE_TESTS=OFF
	cmake --build build/fuzz -j $(JOBS)

clean:
	rm -rf build

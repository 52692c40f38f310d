# Makefile -- thin driver around CMake: installs build dependencies, builds, runs demo or tests.
#   make demo   build (release) and run a short demo against a real daemon
#   make test   build with ASan+UBSan and run the whole ctest suite
#   make bench  build (release) and run the benchmarks
#   make install  build (release) and install into $(DESTDIR)$(PREFIX) (default /usr/local)
#   make deb    build the Debian package from the tree into build/deb and check it with lintian
#   make faults build with ASan+UBSan and inject storage faults and allocation failures at every
#               call of the workload (the storage sweep in two processes side by side)
#   make soak   build with ASan+UBSan and kill the daemon TRIALS times (default 200) at random
#               moments under mixed load, and as often with a simulated power cut (the two
#               side by side); every restart is checked for lost or duplicated work
#   make fuzz   build the libFuzzer harnesses (clang, ASan+UBSan) into build/fuzz; a long run:
#               bash tests/fuzz/campaign.sh build/fuzz [NAME[:SECONDS]...]
#   make soak-rss  build (release) and send SOAK_REQUESTS (default 10^6) mixed requests to a
#               daemon with its resident memory sampled; fails when it grows after warm-up
#               (SOAK_SECONDS=S stops it after S seconds)

DEB_PACKAGES := build-essential cmake pkg-config libsodium-dev libuv1-dev libsqlite3-dev \
                libmsgpack-dev libutf8proc-dev libicu-dev python3 python3-msgpack python3-dissononce \
                man-db systemd procps \
                libmicrohttpd-dev libjs-leaflet chromium chromium-driver python3-selenium \
                graphviz librsvg2-bin
BENCH_PACKAGES := redis-server
DEB_TOOLS := debhelper dpkg-dev fakeroot lintian
PREFIX ?= /usr/local
DESTDIR ?=

# $(call ensure_packages,LIST) -- shell code that apt-get installs those of LIST not installed.
ensure_packages = missing=""; for p in $(1); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps release testbuild demo test bench fuzz faults soak-rss install deb clean

all: release

deps:
	@$(call ensure_packages,$(DEB_PACKAGES))

release: deps
	cmake -S . -B build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSAMVIRKE_TESTS=OFF
	cmake --build build/release -j $(JOBS)

# The test build (ASan and UBSan) and, beside it, a ThreadSanitizer tree of the programs its
# tsan.* tests run (tests/CMakeLists.txt).
testbuild: deps
	cmake -S . -B build/tsan -DCMAKE_BUILD_TYPE=Debug -DSAMVIRKE_TSAN=ON
	cmake --build build/tsan -j $(JOBS) --target tsan_programs
	cmake -S . -B build/test -DCMAKE_BUILD_TYPE=Debug -DSAMVIRKE_SANITIZERS=ON -DSAMVIRKE_WERROR=ON \
	  -DSAMVIRKE_FAULT_INJECTION=ON -DSAMVIRKE_TSAN_DIR=$(CURDIR)/build/tsan
	cmake --build build/test -j $(JOBS)

demo: release
	bash tests/demo.sh build/release

test: testbuild
	cd build/test && ctest --output-on-failure -j $(JOBS)

bench: release
	@$(call ensure_packages,$(BENCH_PACKAGES))
	bash tests/bench/run.sh build/release

# The release build's install rules, for any PREFIX without reconfiguring (cmake --install
# --prefix); the systemd unit's ExecStart follows the prefix.
install: release
	DESTDIR="$(DESTDIR)" cmake --install build/release --prefix "$(PREFIX)"

# The package is built from a copy of the tree, so dpkg-buildpackage's output (written next to
# the source) lands in build/deb; lintian then checks the .changes (binary package and all).
deb: deps
	@$(call ensure_packages,$(DEB_TOOLS))
	rm -rf build/deb && mkdir -p build/deb/samvirke
	tar -cf - --exclude=./build --exclude=./.git . | tar -C build/deb/samvirke -xf -
	cd build/deb/samvirke && dpkg-buildpackage -us -uc -b
	lintian --info --display-info build/deb/*.changes
	bash tests/package/check_deb.sh build/deb/samvirke_*.deb

# $(call side_by_side,A,B) -- shell code that runs commands A and B at once and fails when
# either fails.
side_by_side = $(1) & p=$$!; $(2); b=$$?; wait $$p; a=$$?; test $$a -eq 0 -a $$b -eq 0

faults: testbuild
	$(call side_by_side,\
	  bash tests/faults/run.sh build/test test_storage_faults.py SAMVIRKE_FAULT_SWEEP=full SAMVIRKE_FAULT_SHARD=0/2,\
	  bash tests/faults/run.sh build/test test_storage_faults.py SAMVIRKE_FAULT_SWEEP=full SAMVIRKE_FAULT_SHARD=1/2)
	bash tests/faults/run.sh build/test test_alloc_faults.py SAMVIRKE_ALLOC_SWEEP=full

# The crash trials of ctest's faults.crash_trials at full size (tests/faults/test_crash_trials.py).
TRIALS ?= 200
.PHONY: soak
soak: testbuild
	$(call side_by_side,\
	  bash tests/faults/run.sh build/test test_crash_trials.py SAMVIRKE_CRASH_TRIALS=$(TRIALS) SAMVIRKE_POWERCUT_TRIALS=0,\
	  bash tests/faults/run.sh build/test test_crash_trials.py SAMVIRKE_CRASH_TRIALS=0 SAMVIRKE_POWERCUT_TRIALS=$(TRIALS))

fuzz: deps
	@$(call ensure_packages,clang)
	CC=clang cmake -S . -B build/fuzz -DSAMVIRKE_FUZZING=ON -DSAMVIRKE_SANITIZERS=ON -DSAMVIRKE_TESTS=OFF \
	  -DSAMVIRKE_BENCH=OFF
	cmake --build build/fuzz -j $(JOBS)

SOAK_REQUESTS ?= 1000000
SOAK_SECONDS ?= 0
soak-rss: release
	SAMVIRKED=$(CURDIR)/build/release/daemon/samvirked /usr/bin/python3 tests/bench/soak_rss.py \
	  --requests $(SOAK_REQUESTS) --seconds $(SOAK_SECONDS)

clean:
	rm -rf build

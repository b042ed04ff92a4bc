#!/bin/sh
# Installs what is needed, builds baraza twice (plain, and with
# AddressSanitizer + UndefinedBehaviorSanitizer), runs every unit and
# end-to-end test against each build, runs each fuzz target briefly, and
# ends with one line "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
BARAZA_EXTRA_PACKAGES="clang libclang-rt-14-dev kannel kannel-extras gnuplot-nox openssl" sh .ci/deps || {
	echo "0 passed, 1 failed"
	exit 1
}
# the browser that renders summary.html in a test, with what it recommends
# (fonts, GL shims), as a user's machine would have it
if ! command -v chromium >/dev/null 2>&1; then
	{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; } || {
		echo "0 passed, 1 failed"
		exit 1
	}
fi
# Node.js and the npm package smpp: the SMSC the SMPP tests talk to
if ! command -v npm >/dev/null 2>&1; then
	{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq nodejs npm >/dev/null; } || {
		echo "0 passed, 1 failed"
		exit 1
	}
fi
if [ ! -d tests/peer/node_modules/smpp ]; then
	(cd tests/peer && npm ci --no-audit --no-fund --loglevel=error) || {
		echo "0 passed, 1 failed"
		exit 1
	}
fi
status=0
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
logs=""

setup() { # build dir, meson options...: configure anew or reconfigure
	dir=$1
	shift
	if [ -f "$dir/build.ninja" ]; then
		meson setup --reconfigure "$dir" "$@" || meson setup --wipe "$dir" "$@"
	else
		rm -rf "$dir"
		meson setup "$dir" "$@"
	fi
}

run_suite() { # name, build dir, meson options...
	name=$1 dir=$2
	shift 2
	if ! setup "$dir" "$@" >"$dir.setup.log" 2>&1; then
		cat "$dir.setup.log"
		status=1
		return
	fi
	if ! ninja -C "$dir" >"$dir.build.log" 2>&1; then
		cat "$dir.build.log"
		status=1
		return
	fi
	echo "== $name"
	meson test -C "$dir" --print-errorlogs --num-processes 2 || status=1
	logs="$logs $dir/meson-logs/testlog.json"
}

run_suite "tests" build-tests
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suite "tests under ASan+UBSan" build-asan -Db_sanitize=address,undefined \
    -Db_lundef=false -Dbuildtype=debug

# fuzz targets: each runs briefly on its seed corpus
if command -v clang >/dev/null 2>&1; then
	if CC=clang setup build-fuzz -Dfuzz=true -Dtests=false \
	    -Db_lundef=false >build-fuzz.setup.log 2>&1; then
		if ninja -C build-fuzz >build-fuzz.build.log 2>&1; then
			echo "== fuzz"
			: >build-fuzz/fuzz.results
			for f in build-fuzz/tests/fuzz/fuzz-*; do
				[ -f "$f" ] && [ -x "$f" ] || continue
				n=$(basename "$f")
				corpus=tests/fuzz/corpus/${n#fuzz-}
				work=$(mktemp -d)
				cp "$corpus"/* "$work"/ 2>/dev/null
				if "$f" -max_total_time="${FUZZ_SECONDS:-20}" -max_len=8192 \
				    "$work" >"build-fuzz/$n.log" 2>&1; then
					echo "$n ok" | tee -a build-fuzz/fuzz.results
				else
					tail -30 "build-fuzz/$n.log"
					echo "$n FAIL" | tee -a build-fuzz/fuzz.results
					status=1
				fi
				rm -rf "$work"
			done
		else
			cat build-fuzz.build.log
			status=1
		fi
	else
		cat build-fuzz.setup.log
		status=1
	fi
fi

# the benchmark suite once at a tiny size: it runs, end to end (no timing
# is asserted; the figures of a tiny run mean nothing)
echo "== benchmark suite (tiny)"
if [ -x build-tests/baraza ] && python3 tests/bench/suite.py build-tests/baraza \
    --tiny --out build-tests/bench-out; then
	echo "bench-suite ok" >build-tests/bench.results
else
	echo "bench-suite FAIL" >build-tests/bench.results
	status=1
fi

python3 tests/summarize.py $logs build-fuzz/fuzz.results build-tests/bench.results
[ $status -eq 0 ] || exit 1

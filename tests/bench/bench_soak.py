#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bench_soak: baraza under a steady load for a while; does its memory grow?

    python3 tests/bench/bench_soak.py build/baraza [SECONDS] [PER_S]

Runs `bench-e2e BARAZA SECONDS*PER_S 64 PER_S` (webhook -> handler ->
reply at the sink, paced at PER_S messages per second; default 600 s at
1,000/s) and samples baraza's resident memory (VmRSS) every 10 s.  Prints
the samples, the first and last minute's means and their difference, and
bench-e2e's own report (latency percentiles over the whole run).
"""

import os
import subprocess
import sys
import time


def rss_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def child_baraza(pid):
    try:
        out = subprocess.run(["pgrep", "-P", str(pid), "-x", "baraza"],
                             capture_output=True, text=True).stdout.split()
        return int(out[0]) if out else None
    except ValueError:
        return None


def main():
    baraza = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/baraza")
    secs = int(sys.argv[2]) if len(sys.argv) > 2 else 600
    rate = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    bench = os.path.join(os.path.dirname(baraza), "tests", "bench-e2e")
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    p = subprocess.Popen([bench, baraza, str(secs * rate), "64", str(rate)],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         env=dict(os.environ, BENCH_BASELINE="0", BARAZA_SRC=src))
    pid, samples, t0 = None, [], time.time()
    while p.poll() is None:
        time.sleep(10)
        pid = pid or child_baraza(p.pid)
        if pid is not None:
            kib = rss_kib(pid)
            if kib is not None:
                samples.append((time.time() - t0, kib))
    out = p.stdout.read()
    print("bench_soak: %d s at %d msg/s offered, VmRSS of baraza every 10 s" % (secs, rate))
    print(" ".join("%.0fs:%.1fM" % (t, k / 1024) for t, k in samples))
    if len(samples) >= 12:
        first = [k for t, k in samples[:6]]
        last = [k for t, k in samples[-6:]]
        a, b = sum(first) / len(first) / 1024, sum(last) / len(last) / 1024
        print("first minute %.1f MiB, last minute %.1f MiB, growth %+.1f MiB" % (a, b, b - a))
    print(out)
    sys.exit(p.returncode)


if __name__ == "__main__":
    main()

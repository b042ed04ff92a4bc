#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""suite: every benchmark of tests/bench in one command.

    python3 tests/bench/suite.py build/baraza [--tiny] [--soak] [--out DIR]

Runs, each against a baseline measured in the same run: end to end at
saturation; a sweep of offered loads (msg/s achieved and p99 against
offered, plotted with gnuplot when it is installed); the outbound drain;
growth with 10k, 100k and 1M messages already stored; USSD at 200
sessions; the export of a big day; the first retention round over 1M
messages; Kannel side by side (static reply and the chain); SMPP windows
and round trip; with --soak, ten minutes at 1,000 msg/s watching memory.  Each benchmark's own report goes to
DIR/NAME.txt (default bench-out/), and a summary to standard output.

--tiny runs everything at a size that proves it works in a minute or two
(CI does this); its figures mean nothing.  The exit code is 0 only when
every benchmark ran to the end.
"""

import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "..", "..")

FULL = {
    "e2e": (20000, 64),
    "sweep": [500, 1000, 2000, 4000, 6000, 8000, 10000, 0],
    "sweep_secs": 5,
    "drain": 10000,
    "growth": [(10000, 20000), (100000, 20000), (1000000, 20000)],
    "ussd": (200, 3),
    "export": (1000000, 100000),
    "retention": 1000000,
    "desk": (300000, 200),
    "kannel": 20000,
    "smpp": 20000,
    "soak": (600, 1000),
}
TINY = {
    "e2e": (500, 8),
    "sweep": [200, 400, 0],
    "sweep_secs": 2,
    "drain": 300,
    "growth": [(1000, 500)],
    "ussd": (20, 1),
    "export": (2000, 200),
    "retention": 2000,
    "desk": (2000, 10),
    "kannel": 300,
    "smpp": 300,
    "soak": (12, 100),
}


def run(name, argv, out, env=None, timeout=3600):
    t0 = time.time()
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                       env=dict(os.environ, BARAZA_SRC=SRC, **(env or {})))
    text = p.stdout + p.stderr
    with open(os.path.join(out, name + ".txt"), "w") as f:
        f.write("$ %s\n%s" % (" ".join(argv), text))
    ok = p.returncode == 0
    print("%-24s %s in %.0f s" % (name, "ok" if ok else "FAILED (exit %d)" % p.returncode,
                                 time.time() - t0), flush=True)
    if not ok:
        print(text[-2000:])
    return ok, text


def plot(dat, svg):
    """msg/s achieved and p99 against offered load (the saturation run,
    offered 0, stays in the table only); True when gnuplot drew it."""
    script = """
set terminal svg size 760,420 font "DejaVu Sans,11" background "white"
set output "%s"
set title "baraza end to end (webhook -> handler -> reply), 2 cores, synchronous=FULL"
set xlabel "offered load, msg/s"
set ylabel "achieved msg/s"
set y2label "p99 webhook -> reply, ms (log scale)"
set logscale y2
set y2tics
set ytics nomirror
set key left top
set grid
plot "%s" using ($1 > 0 ? $1 : 1/0):2 with linespoints lw 2 pt 7 title "achieved msg/s", \\
     "%s" using ($1 > 0 ? $1 : 1/0):4 axes x1y2 with linespoints lw 2 pt 5 title "p99 ms"
""" % (svg, dat, dat)
    p = subprocess.run(["gnuplot"], input=script, capture_output=True, text=True)
    if p.returncode != 0:
        print("gnuplot failed: " + p.stderr)
    return p.returncode == 0


def sweep(baraza, bench, size, out):
    """bench-e2e at each offered load; a table and, with gnuplot, a plot."""
    rows, ok = [], True
    for offered in size["sweep"]:
        n = max(500, offered * size["sweep_secs"]) if offered else size["e2e"][0]
        good, text = run("sweep-%s" % (offered or "max"),
                         [bench, baraza, str(n), "64"] + ([str(offered)] if offered else []),
                         out, env={"BENCH_BASELINE": "0"})
        m = re.search(r"baraza: webhook -> reply at sink\s+(\d+)\s+([\d.]+)\s+([\d.]+)", text)
        if not good or m is None:
            ok = False
            continue
        rows.append((offered, int(m.group(1)), float(m.group(2)), float(m.group(3))))
    dat = os.path.join(out, "sweep.dat")
    with open(dat, "w") as f:
        f.write("# offered(0=as fast as 64 connections go) achieved_msg_s p50_ms p99_ms\n")
        for r in rows:
            f.write("%d %d %.2f %.2f\n" % r)
    for offered, rate, p50, p99 in rows:
        print("  offered %-6s achieved %6d msg/s  p50 %8.2f ms  p99 %8.2f ms"
              % (offered or "max", rate, p50, p99))
    if shutil.which("gnuplot") and rows:
        svg = os.path.join(out, "sweep.svg")
        if plot(dat, svg):
            print("  plot: %s" % svg)
        else:
            ok = False
    return ok


def main():
    args = sys.argv[1:]
    tiny, soak = "--tiny" in args, "--soak" in args
    out = "bench-out"
    if "--out" in args:
        out = args[args.index("--out") + 1]
    rest = [a for a in args if not a.startswith("--") and a != out]
    baraza = os.path.abspath(rest[0] if rest else "build/baraza")
    bench = os.path.join(os.path.dirname(baraza), "tests", "bench-e2e")
    size = TINY if tiny else FULL
    os.makedirs(out, exist_ok=True)
    py = sys.executable
    print("suite: %s, %s size, reports in %s/" % (baraza, "tiny" if tiny else "full", out))
    results = []
    results.append(run("e2e", [bench, baraza, *map(str, size["e2e"])], out)[0])
    results.append(sweep(baraza, bench, size, out))
    results.append(run("drain", [bench, baraza, "drain", str(size["drain"])], out)[0])
    for prefill, n in size["growth"]:
        results.append(run("growth-%d" % prefill, [bench, baraza, str(n), "64"], out,
                           env={"BENCH_PREFILL": str(prefill)})[0])
    results.append(run("ussd", [py, os.path.join(HERE, "bench_ussd.py"), baraza,
                                *map(str, size["ussd"])], out)[0])
    results.append(run("export", [py, os.path.join(HERE, "bench_export.py"), baraza,
                                  *map(str, size["export"])], out)[0])
    results.append(run("retention", [py, os.path.join(HERE, "bench_retention.py"), baraza,
                                     str(size["retention"])], out)[0])
    results.append(run("desk", [py, os.path.join(HERE, "bench_desk.py"), baraza,
                                *map(str, size["desk"])], out)[0])
    results.append(run("kannel", [py, os.path.join(HERE, "bench_kannel.py"), baraza,
                                  str(size["kannel"])], out)[0])
    results.append(run("smpp", [py, os.path.join(HERE, "bench_smpp.py"), baraza,
                                str(size["smpp"])], out)[0])
    if soak or tiny:
        results.append(run("soak", [py, os.path.join(HERE, "bench_soak.py"), baraza,
                                    *map(str, size["soak"])], out)[0])
    failed = results.count(False)
    print("suite: %d benchmarks ran, %d failed" % (len(results), failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

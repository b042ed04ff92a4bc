#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bench_retention: what the first retention round costs the citizens
writing in while it runs, against a baseline in the same run.

    python3 tests/bench/bench_retention.py build/baraza [MESSAGES]

Fills a fresh database (the real schema) with MESSAGES messages (default
1,000,000) and a tenth as many survey responses, all 40 days old, then
starts `baraza run` with `gateway.retention_days = 30` (the round runs at
start) while one client sends a keyword every 5 ms through Kannel's
get-url with the reply in the answer.  Reports how long the erasure took
and the webhook latency while it ran (p50, p99, max) against the same
client's latency in the seconds after it (the baseline).
"""

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_export import fill  # noqa: E402
from bench_util import free_port  # noqa: E402

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
DONE = "older than 30 days erased"

CONF = """
gateway = { listen = "127.0.0.1:%(port)d"; database = "bench.db"; retention_days = 30;
  flood_messages = 100000; };
export = { dir = "exports"; time = "00:00"; };
providers = ( { name = "kannel"; type = "kannel"; username = "u"; password = "p";
  sendsms_url = "http://127.0.0.1:9/cgi-bin/sendsms"; reply_in_response = true; } );
@include "routes.conf"
"""


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p))] if v else float("nan")


def main():
    baraza = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/baraza")
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    d = tempfile.mkdtemp(prefix="baraza-bench-retention-")
    proc = None
    try:
        port = free_port()
        conf = os.path.join(d, "baraza.conf")
        with open(conf, "w") as f:
            f.write(CONF % {"port": port})
        shutil.copy(os.path.join(SRC, "conf", "routes.conf"), d)
        shutil.copytree(os.path.join(SRC, "conf", "data"), os.path.join(d, "data"))
        subprocess.run([baraza, "queue", "-c", conf], check=True, capture_output=True)
        old = (int(time.time()) - 40 * 86400) * 1000
        fill(os.path.join(d, "bench.db"), old, n, n // 10)
        log = open(os.path.join(d, "daemon.log"), "wb")
        t0 = time.time()
        proc = subprocess.Popen([baraza, "run", "-c", conf], stdout=log, stderr=log)
        samples = []  # (sent at, seconds)
        done_at = [None]
        stop = threading.Event()

        def client():
            i = 0
            while not stop.is_set():
                i += 1
                q = urllib.parse.urlencode({"from": "+2547%08d" % (90000000 + i % 1000),
                                            "to": "22384", "text": "ABOUT",
                                            "id": "ret-%d" % i})
                at = time.time()
                try:
                    with urllib.request.urlopen("http://127.0.0.1:%d/sms/kannel?%s"
                                                % (port, q), timeout=120) as r:
                        r.read()
                        samples.append((at, time.time() - at))
                except OSError:
                    time.sleep(0.01)  # not listening yet
                    continue
                time.sleep(max(0.0, 0.005 - (time.time() - at)))

        th = threading.Thread(target=client)
        th.start()
        logname = os.path.join(d, "daemon.log")
        while done_at[0] is None and time.time() - t0 < 1800:
            with open(logname, "rb") as f:
                if DONE.encode() in f.read():
                    done_at[0] = time.time()
            time.sleep(0.05)
        if done_at[0] is None:
            sys.exit("no erasure logged in 30 minutes")
        time.sleep(5)
        stop.set()
        th.join()
        first = min(a for a, _ in samples)
        during = [s for a, s in samples if a < done_at[0]]
        after = [s for a, s in samples if a >= done_at[0] + 0.5]
        print("retention round over %d messages and %d survey responses, 40 days old" % (n, n // 10))
        print("erasure done %.1f s after the first answered webhook" % (done_at[0] - first))
        print("%-34s %8s %8s %8s %8s" % ("", "webhooks", "p50 ms", "p99 ms", "max ms"))
        for name, v in (("baseline: the 5 s after it", after), ("while erasing", during)):
            if v:
                print("%-34s %8d %8.1f %8.1f %8.1f" % (name, len(v), pct(v, 0.5) * 1000,
                                                        pct(v, 0.99) * 1000, max(v) * 1000))
            else:
                print("%-34s %8d" % (name, 0))
        if during and after:
            print("ratio of max latency, erasing / baseline: %.1f" % (max(during) / max(after)))
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait()
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()

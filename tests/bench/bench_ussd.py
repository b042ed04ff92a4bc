#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bench_ussd: USSD step latency at 200 concurrent sessions, against a
baseline in the same run.

    python3 tests/bench/bench_ussd.py build/baraza [SESSIONS] [ROUNDS]

Starts `baraza run` on a fresh database (synchronous=FULL, as shipped) and
runs SESSIONS concurrent USSD sessions (default 200), ROUNDS times each
(default 3): dial, then the shipped water survey answered screen by screen
(6 steps, each a durable transaction with the survey's answer).  Each
session is a thread on its own keep-alive connection.  The baseline is the
same clients asking GET /healthz (the HTTP path and a database read, no
write).  The load is tests/bench/ussd_load.c (libcurl multi, one keep-alive
connection per session).  Prints p50/p99/max per step and steps per second.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

from bench_util import free_port

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def main():
    baraza = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/baraza")
    sessions = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    tmp = tempfile.mkdtemp(prefix="baraza-bench-ussd-")
    port = free_port()
    conf = os.path.join(tmp, "baraza.conf")
    with open(conf, "w") as f:
        # the shipped routes and menus, with a provider that takes USSD
        # (replies go nowhere: USSD answers in the response)
        f.write('gateway = { listen = "127.0.0.1:%d"; database = "b.db"; http_threads = 4; };\n'
                'export = { dir = "exports"; };\n'
                'providers = ( { name = "generic"; type = "generic";'
                ' base_url = "http://127.0.0.1:9/"; default = true; } );\n'
                '@include "routes.conf"\n' % port)
    shutil.copy(os.path.join(SRC, "conf", "routes.conf"), tmp)
    shutil.copytree(os.path.join(SRC, "conf", "data"), os.path.join(tmp, "data"))
    proc = subprocess.Popen([baraza, "run", "-c", conf], stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.05)

        load = os.path.join(os.path.dirname(baraza), "tests", "ussd-load")
        # dial, the survey, then the four answers (one mistyped on the way)
        p = subprocess.run([load, "http://127.0.0.1:%d" % port, str(sessions), str(rounds),
                            "1", "2", "3", "1", "Fix+the+pipes"], capture_output=True, text=True)
        sys.stdout.write(p.stdout)
        if p.returncode != 0:
            sys.exit("ussd-load: errors\n" + p.stderr)
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

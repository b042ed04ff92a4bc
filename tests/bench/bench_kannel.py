#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bench_kannel: baraza's end-to-end rate against Kannel's static keyword
reply, measured in the same run on the same machine.

    python3 tests/bench/bench_kannel.py build/baraza [N]

Kannel (Debian's bearerbox + smsbox, on loopback): fakesmsc pushes N
messages down its connection (`-i 0 -m N`) to a `keyword = default`
service that answers a fixed text; the time is from fakesmsc's start to
the N-th reply it receives (the method of ../shared/PEERS.md), after a
warm-up of N/10.  Kannel stores nothing.  baraza: `bench-e2e BARAZA N 64`,
webhook -> handler -> reply at a sink, every message and reply durable
(synchronous=FULL).  Prints both rates and their ratio.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

BEARERBOX = "/usr/sbin/bearerbox"
SMSBOX = "/usr/sbin/smsbox"
FAKESMSC = "/usr/lib/kannel/test/fakesmsc"
SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")

KANNEL_CONF = """
group = core
admin-port = %(admin)d
admin-password = secret
smsbox-port = %(boxport)d
log-level = 2
log-file = "%(dir)s/bearerbox.log"
box-allow-ip = "127.0.0.1"

group = smsc
smsc = fake
smsc-id = fake1
port = %(fake)d
connect-allow-ip = "127.0.0.1"

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = %(boxport)d
log-file = "%(dir)s/smsbox.log"
log-level = 2

group = sms-service
keyword = default
catch-all = true
max-messages = 1
text = "Baraza lets you tell the county government what you think."
"""


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def kannel_run(port, n):
    """fakesmsc sends n messages; returns seconds until the n-th reply."""
    t0 = time.perf_counter()
    p = subprocess.Popen([FAKESMSC, "-H", "127.0.0.1", "-r", str(port), "-i", "0",
                          "-m", str(n), "+254700000001 22384 text about"],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    got = 0
    for line in p.stdout:
        if "Got message" in line:
            got += 1
            if got == n:
                break
    secs = time.perf_counter() - t0
    p.kill()
    p.wait()
    return secs if got == n else None


def kannel_static(n):
    for prog in (BEARERBOX, SMSBOX, FAKESMSC):
        if not os.access(prog, os.X_OK):
            sys.exit("%s is missing: apt-get install kannel kannel-extras" % prog)
    d = tempfile.mkdtemp(prefix="baraza-bench-kannel-")
    ports = {"admin": free_port(), "boxport": free_port(), "fake": free_port(), "dir": d}
    conf = os.path.join(d, "kannel.conf")
    with open(conf, "w") as f:
        f.write(KANNEL_CONF % ports)
    procs = [subprocess.Popen([BEARERBOX, conf], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)]
    time.sleep(1)
    procs.append(subprocess.Popen([SMSBOX, conf], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL))
    time.sleep(1.5)
    try:
        kannel_run(ports["fake"], max(n // 10, 100))  # warm-up
        runs = [kannel_run(ports["fake"], n) for _ in range(3)]
        runs = sorted(r for r in runs if r is not None)
        if not runs:
            sys.exit("Kannel answered fewer than %d messages" % n)
        return n / runs[len(runs) // 2]
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(d, ignore_errors=True)


def baraza_e2e(baraza, n):
    bench = os.path.join(os.path.dirname(baraza), "tests", "bench-e2e")
    p = subprocess.run([bench, baraza, str(n), "64"], capture_output=True, text=True,
                       env=dict(os.environ, BARAZA_SRC=os.path.abspath(SRC)))
    m = re.search(r"baraza: webhook -> reply at sink\s+(\d+)", p.stdout)
    if p.returncode != 0 or m is None:
        sys.exit("bench-e2e failed:\n" + p.stdout + p.stderr[-2000:])
    return int(m.group(1)), p.stdout


def main():
    baraza = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/baraza")
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    k = kannel_static(n)
    b, out = baraza_e2e(baraza, n)
    print("%d messages, loopback, 2 cores shared by load and servers" % n)
    print("%-58s %10s" % ("", "msg/s"))
    print("%-58s %10.0f" % ("Kannel: keyword -> static text (fakesmsc, stores nothing)", k))
    print("%-58s %10d" % ("baraza: webhook -> router + handler -> reply at sink, durable", b))
    print("ratio baraza / Kannel: %.2f" % (b / k))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bench_smpp: the smpp provider against the fake SMSC of tests/peer
(node-smpp's server), on loopback.

    python3 tests/bench/bench_smpp.py build/baraza [N]

1. submit_sm throughput at windows (provider `concurrency`) 1, 10 and 50:
   N messages queued before baraza starts, timed by the SMSC from its
   first submit_sm to its N-th (receipts off), every outcome committed
   with synchronous=FULL.  Baseline in the same run, timed the same way:
   node-smpp's own client (tests/peer/smpp_load.js) submitting N to the
   same server at the same window, storing nothing.
2. Round trip: N MO deliver_sm "HELP", 10 at a time, each timed from the
   SMSC sending it to the reply's submit_sm arriving; the MO and the reply
   both durable before the SMSC sees the reply.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

from bench_util import free_port

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
PEER = os.path.join(SRC, "tests", "peer")

CONF = """
gateway = { listen = "127.0.0.1:%(gw)d"; database = "bench.db"; };
export = { dir = "exports"; };
providers = ( { name = "smsc"; type = "smpp"; host = "127.0.0.1"; port = %(port)d;
  system_id = "gw"; password = "secret"; from = "22384"; concurrency = %(window)d;
  receipts = %(receipts)s; } );
languages = { en = { help = ["HELP"]; stop = ["STOP"]; start = ["START"]; quit = ["QUIT"]; }; };
replies = { stop = "s"; start = "s"; quit = "q"; ambiguous = "a"; };
routes = ( { name = "help"; handler = "help"; reply = "Send one word: SURVEY, COMPLAIN."; } );
"""


class Smsc:
    def __init__(self):
        self.port, self.control = free_port(), free_port()
        self.proc = subprocess.Popen(["node", os.path.join(PEER, "fake_smsc.js"),
                                      str(self.port), str(self.control), "--quiet"],
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout.readline().strip() == "ready"

    def call(self, path, body=None, timeout=600):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.control, path), data=data,
                                     method="POST" if data is not None else "GET")
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return json.loads(r.read())

    def close(self):
        self.proc.kill()
        self.proc.wait()


def start_gateway(baraza, smsc, window, receipts, prefill=0):
    d = tempfile.mkdtemp(prefix="baraza-bench-smpp-")
    gw = free_port()
    conf = os.path.join(d, "baraza.conf")
    with open(conf, "w") as f:
        f.write(CONF % {"gw": gw, "port": smsc.port, "window": window,
                        "receipts": "true" if receipts else "false"})
    if prefill:
        subprocess.run([baraza, "queue", "-c", conf], check=True, stdout=subprocess.DEVNULL)
        subprocess.run(["sqlite3", os.path.join(d, "bench.db"),
                        "WITH RECURSIVE i(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM i"
                        " WHERE x < %d) INSERT INTO messages (direction, provider, number,"
                        " text, status, segments, encoding, attempts, next_attempt_at,"
                        " created_at, updated_at) SELECT 'out', 'smsc',"
                        " printf('+2547%%08d', x), 'The water point is fixed.', 'queued', 1,"
                        " 'gsm7', 0, 0, 0, 0 FROM i" % (prefill - 1)], check=True)
    proc = subprocess.Popen([baraza, "run", "-c", conf], stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(d, "daemon.log"), "w"))
    return d, proc


def stop_gateway(d, proc):
    proc.terminate()
    proc.wait(30)
    shutil.rmtree(d, ignore_errors=True)


def rate_seen(smsc, n):
    """Submits per second from the SMSC's first to its n-th."""
    st = smsc.call("/state")
    if st["submit_count"] < n:
        raise RuntimeError("only %d of %d submits" % (st["submit_count"], n))
    return (n - 1) * 1000.0 / (st["last_ms"] - st["first_ms"])


def submit_rate(baraza, n, window):
    smsc = Smsc()
    try:
        out = subprocess.run(["node", os.path.join(PEER, "smpp_load.js"), str(smsc.port),
                              str(n), str(window)], capture_output=True, text=True,
                             check=True, timeout=600)
        rates = [rate_seen(smsc, n)]
        smsc.call("/reset", {})
        d, proc = start_gateway(baraza, smsc, window, False, prefill=n)
        while smsc.call("/state")["submit_count"] < n:
            if proc.poll() is not None:
                raise RuntimeError("baraza exited")
            time.sleep(0.01)
        rates.append(rate_seen(smsc, n))
        stop_gateway(d, proc)
        return rates
    finally:
        smsc.close()


def round_trip(baraza, n, conc):
    smsc = Smsc()
    try:
        d, proc = start_gateway(baraza, smsc, 10, False)
        end = time.time() + 10
        while not [s for s in smsc.call("/state")["sessions"] if s]:
            if time.time() > end:
                raise RuntimeError("no bind")
            time.sleep(0.05)
        smsc.call("/roundtrip", {"n": n // 10, "concurrency": conc})  # warm-up
        r = smsc.call("/roundtrip", {"n": n, "concurrency": conc})
        stop_gateway(d, proc)
        return r
    finally:
        smsc.close()


def main():
    baraza = sys.argv[1] if len(sys.argv) > 1 else "build/baraza"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    print("bench_smpp: %d messages, loopback, synchronous=FULL" % n)
    print("%-8s %18s %14s %8s" % ("window", "node-smpp msg/s", "baraza msg/s", "ratio"))
    for w in (1, 10, 50):
        base, rate = submit_rate(baraza, n, w)
        print("%-8d %18.0f %14.0f %8.2f" % (w, base, rate, rate / base), flush=True)
    r = round_trip(baraza, max(n // 10, 100), 10)
    print("round trip deliver_sm -> reply submit_sm, %d messages, 10 at a time: "
          "%.0f msg/s, p50 %.2f ms, p99 %.2f ms" % (r["n"], r["rate"], r["p50"], r["p99"]))


if __name__ == "__main__":
    main()

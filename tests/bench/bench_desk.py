#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bench_desk: a citizen's STATUS as the complaint desk grows, against a
baseline in the same run.

    python3 tests/bench/bench_desk.py build/baraza [COMPLAINTS] [MESSAGES]

Times MESSAGES (default 200) texts of `STATUS` -- a number with two open
complaints, answered with the list of them -- through one `baraza sim`
session (each text its own transaction, as the daemon's writer would run
it), first on a database holding only that number's complaints, then with
COMPLAINTS (default 300,000) other citizens' complaints added.  The
baseline is the same count of `ABOUT` (a fixed reply that reads no
complaint) on the same database; each runs twice, in turns, and the
faster of the two counts.  STATUS runs on the writer's thread in
the daemon, so its cost at scale is time every other citizen waits.
"""

import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
CITIZEN = "+254711000001"


def sim(baraza, conf, db, lines):
    """Seconds `baraza sim` takes for these lines, one after another."""
    t = time.monotonic()
    p = subprocess.run([baraza, "sim", "-c", conf, "-o", "gateway.database=" + db,
                        "-o", "gateway.dedup_window_s=0",
                        "-o", "gateway.flood_messages=100000",
                        "--from", CITIZEN],
                       input="".join(line + "\n" for line in lines),
                       capture_output=True, text=True, timeout=3600)
    took = time.monotonic() - t
    if p.returncode != 0:
        sys.exit("bench_desk: sim failed: " + p.stderr[-2000:])
    return took, p.stdout


def fill(db, n):
    con = sqlite3.connect(db)
    con.execute("PRAGMA synchronous = OFF")
    now = int(time.time() * 1000)
    rnd = random.Random(1)
    con.executemany(
        "INSERT INTO complaints (ref, desk, category, number, anonymous, lang,"
        " channel, description, status, created_at, updated_at) VALUES"
        " (?, 'complain', 'water', ?, 0, 'en', 'sms', 'no water at the kiosk',"
        " 'received', ?, ?)",
        (("B%06d" % i, "+2547%08d" % rnd.randrange(10**8),
          now - rnd.randrange(86_400_000 * 365), now) for i in range(n)))
    con.commit()
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # not the next run's to do
    con.close()


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    baraza = os.path.abspath(sys.argv[1])
    complaints = int(sys.argv[2]) if len(sys.argv) > 2 else 300_000
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    conf = os.path.abspath(os.path.join(SRC, "conf", "baraza.conf"))
    d = tempfile.mkdtemp(prefix="bench-desk-")
    try:
        db = os.path.join(d, "baraza.db")
        _, out = sim(baraza, conf, db, ["COMPLAIN WATER no water", "COMPLAIN ROADS a hole"])
        if out.count("Your complaint number is") != 2:
            sys.exit("bench_desk: the complaints were not filed:\n" + out)
        rows = []
        for label, extra in (("empty desk", 0), ("%d complaints" % complaints, complaints)):
            if extra:
                fill(db, extra)
            sim(baraza, conf, db, ["ABOUT"])  # warm-up: the page cache
            # in turns, the better of two each: shared cores
            base = took = float("inf")
            for _ in range(2):
                base = min(base, sim(baraza, conf, db, ["ABOUT"] * n)[0])
                t, out = sim(baraza, conf, db, ["STATUS"] * n)
                took = min(took, t)
            if out.count("You have 2 open complaints") != n:
                sys.exit("bench_desk: STATUS did not list the two:\n" + out[-500:])
            rows.append((label, base, took))
        print("bench_desk: %d texts each through one `baraza sim`, synchronous=FULL" % n)
        print("%-22s %16s %16s %8s" % ("", "ABOUT ms/text", "STATUS ms/text", "ratio"))
        for label, base, took in rows:
            print("%-22s %16.2f %16.2f %8.2f" % (label, base * 1000 / n, took * 1000 / n,
                                                  took / base))
        print("STATUS at %d complaints / on an empty desk: %.2f"
              % (complaints, rows[1][2] / rows[0][2]))
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()

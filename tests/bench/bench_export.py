#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bench_export: the daily export of a big day, against a baseline in the
same run.

    python3 tests/bench/bench_export.py build/baraza [MESSAGES] [RESPONSES]

Fills a fresh database (the real schema: `baraza` creates it) with MESSAGES
messages (default 1,000,000) and RESPONSES completed survey responses
(default 100,000, four answers each) in one day, then times `baraza export`
of that day and reports its peak RSS.  The baseline is SQLite's own shell
dumping the same messages as CSV (`sqlite3 -csv`), which neither neutralises
formulas nor converts times.  A tenth of the day is exported too, to show
whether memory grows with the size of the day.
"""

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
DAY = "2026-11-26"
DAY_FROM = 1795640400000  # 2026-11-26T00:00+03:00
TEXTS = ["SURVEY", "2", "Habari, maji ni \"safi\" leo", "COMPLAIN WATER no water in Kibera",
         "=HYPERLINK(\"x\")", "Asante sana 💧", "CLINIC kibera", "STATUS K7P4MX8"]


def fill(db, day_from, messages, responses):
    con = sqlite3.connect(db)
    con.execute("PRAGMA synchronous = OFF")
    step = 86_400_000 // max(messages, 1)

    def msgs():
        for i in range(messages):
            at = day_from + i * step
            inbound = i % 2 == 0
            yield ("in" if inbound else "out", "generic", "+2547%08d" % (i % 50_000_000),
                   "22384", TEXTS[i % len(TEXTS)], "processed" if inbound else "delivered",
                   "survey", "sw" if i % 3 else "en", None if inbound else 1,
                   None if inbound else "gsm7", at, at)
    con.executemany(
        "INSERT INTO messages (direction, provider, number, peer, text, status, route,"
        " lang, segments, encoding, created_at, updated_at) VALUES"
        " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", msgs())
    rstep = 86_400_000 // max(responses, 1)

    def resp():
        for i in range(responses):
            at = day_from + i * rstep
            yield (i + 1, "water", "+2547%08d" % i, "sw", "sms", "complete", at, at + 60000, at + 60000)
    con.executemany(
        "INSERT INTO survey_responses (id, survey, number, lang, channel, status,"
        " started_at, updated_at, completed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", resp())

    def answers():
        for i in range(responses):
            at = day_from + i * rstep
            yield (i + 1, "supply", ["daily", "some_days", "rarely"][i % 3], str(i % 3 + 1), at + 10000)
            yield (i + 1, "days_without", str(i % 8), str(i % 8), at + 20000)
            yield (i + 1, "boil", "yes" if i % 2 else "no", "1", at + 30000)
            yield (i + 1, "comment", "Fix the pipes, please", "Fix the pipes, please", at + 40000)
    con.executemany(
        "INSERT INTO survey_answers (response_id, question, value, raw, at)"
        " VALUES (?, ?, ?, ?, ?)", answers())
    con.commit()
    con.close()


def run_measured(cmd):
    """Runs cmd; returns (seconds, stdout)."""
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True)
    secs = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit("%s failed: %s" % (cmd[0], p.stderr.decode()[-500:]))
    return secs, p.stdout


def peak_rss_of(cmd):
    """Runs cmd alone in a child and returns its own peak RSS (MiB)."""
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.execvp(cmd[0], cmd)
    _, status, ru = os.wait4(pid, 0)
    if status != 0:
        sys.exit("%s failed" % cmd[0])
    return ru.ru_maxrss / 1024


def main():
    baraza = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/baraza")
    messages = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    responses = int(sys.argv[3]) if len(sys.argv) > 3 else 100_000
    tmp = tempfile.mkdtemp(prefix="baraza-bench-export-")
    try:
        conf = os.path.join(SRC, "conf", "baraza.conf")
        results = []
        for n, r in ((messages // 10, responses // 10), (messages, responses)):
            db = os.path.join(tmp, "db-%d.db" % n)
            common = ["-c", conf, "-o", "gateway.database=" + db,
                      "-o", "gateway.timezone=Africa/Nairobi", "-o", "export.phones=pseudonym"]
            subprocess.run([baraza, "queue"] + common, check=True, capture_output=True)
            t0 = time.perf_counter()
            fill(db, DAY_FROM, n, r)
            filled = time.perf_counter() - t0
            out = os.path.join(tmp, "out-%d" % n)
            base_t, _ = run_measured(
                ["sqlite3", "-csv", "-header", db,
                 "SELECT * FROM messages WHERE created_at >= %d AND created_at < %d"
                 " ORDER BY created_at, id" % (DAY_FROM, DAY_FROM + 86_400_000)])
            exp_t, _ = run_measured([baraza, "export", "--date", DAY, "--out", out] + common)
            rss = peak_rss_of([baraza, "export", "--date", DAY, "--out", out] + common)
            size = sum(os.path.getsize(os.path.join(out, DAY, f))
                       for f in os.listdir(os.path.join(out, DAY)))
            results.append((n, r, filled, base_t, exp_t, rss, size))
            os.unlink(db)
        print("%-10s %-10s %-12s %-12s %-8s %-12s %s" % (
            "messages", "responses", "baseline s", "export s", "ratio", "peak RSS MiB", "files MiB"))
        for n, r, filled, base_t, exp_t, rss, size in results:
            print("%-10d %-10d %-12.2f %-12.2f %-8.2f %-12.1f %.1f" % (
                n, r, base_t, exp_t, exp_t / base_t, rss, size / 1048576))
        print("baseline: sqlite3 -csv of the same day's messages; export: every file"
              " of the day (messages, complaints, survey, summary)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

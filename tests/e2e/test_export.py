# SPDX-License-Identifier: Apache-2.0
"""Operators' daily exports end to end: messages, a complaint and a survey
through the real daemon, then `baraza export` read back the way a
spreadsheet would (Python's csv module, UTF-8 with BOM), summary.html
rendered by Debian's headless Chromium to a PNG, the daemon's own round
at export.time (catching up missed days, pruning old folders, erasing old
texts), and every bad argument answered with one line and exit 1."""

import csv
import io
import os
import re
import shutil
import struct
import subprocess
import tempfile
import time
import unittest

from harness import Gateway, Sink, main

REF = re.compile(r"\b([2-9A-HJ-NP-RT-Z]{7})\b")


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


class ExportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.out = tempfile.mkdtemp(prefix="baraza-exp-")
        cls.sink = Sink()
        cls.gw = Gateway(cls.sink, flood=50).start(
            ["-o", "gateway.timezone=Africa/Nairobi",
             "-o", "export.dir=" + cls.out, "-o", "export.phones=full"])
        cls.today = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 3 * 3600))

    @classmethod
    def tearDownClass(cls):
        cls.gw.close()
        cls.sink.close()
        shutil.rmtree(cls.out, ignore_errors=True)

    def ask(self, number, text):
        before = len(self.sink.texts_to(number))
        status, body = self.gw.sms(number, text)
        self.assertEqual(status, 200, body)
        self.assertTrue(self.gw.wait_until(
            lambda: len(self.sink.texts_to(number)) > before, 5), text)
        return self.sink.texts_to(number)[before]

    def export(self, *args):
        return self.gw.cli("export", "-o", "gateway.timezone=Africa/Nairobi",
                           "-o", "export.phones=full", *args)

    def test_a_day_in_a_spreadsheet(self):
        n = "+254744000001"
        self.ask(n, "Habari, maji ni \"safi\", asante 💧\nmstari wa pili")
        ref = REF.search(self.ask(n, "COMPLAIN WATER =HYPERLINK(\"http://x\",\"click\")")).group(1)
        self.assertIn("1. How often", self.ask(n, "SURVEY"))
        self.ask(n, "2")
        self.ask(n, "4")
        self.ask(n, "1")
        self.assertIn("Thank you", self.ask(n, "-1, or \"more\" taps"))
        # a settled day: the sender has written every reply's outcome
        self.assertTrue(self.gw.wait_until(lambda: self.gw.query(
            "SELECT count(*) FROM messages WHERE status = 'queued'")[0][0] == 0, 5))
        rc, out, err = self.export("--date", self.today, "--out", self.out)
        self.assertEqual(rc, 0, err)
        day = os.path.join(self.out, self.today)
        self.assertEqual(out.strip(), day)
        self.assertEqual(sorted(os.listdir(day)),
                         ["complaints.csv", "messages.csv", "summary.html",
                          "survey-water.csv"])
        with open(os.path.join(day, "messages.csv"), "rb") as f:
            self.assertTrue(f.read(3) == b"\xef\xbb\xbf")
        msgs = [m for m in read_csv(os.path.join(day, "messages.csv"))
                if m["number"] == "'" + n]
        first = msgs[0]
        self.assertEqual(first["text"], "Habari, maji ni \"safi\", asante 💧\nmstari wa pili")
        self.assertRegex(first["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+03:00$")
        self.assertEqual((first["direction"], first["channel"]), ("in", "sms"))
        self.assertEqual(first["provider"], "generic")
        reply = msgs[1]
        self.assertEqual((reply["direction"], reply["segments"], reply["encoding"]),
                         ("out", "1", "gsm7"))
        comp = [c for c in read_csv(os.path.join(day, "complaints.csv")) if c["ref"] == ref]
        self.assertEqual(comp[0]["description"], "'=HYPERLINK(\"http://x\",\"click\")")
        self.assertEqual((comp[0]["category"], comp[0]["status"]), ("water", "received"))
        rows = [r for r in read_csv(os.path.join(day, "survey-water.csv"))
                if r["number"] == "'" + n]
        self.assertEqual(len(rows), 1)
        self.assertEqual((rows[0]["status"], rows[0]["supply"], rows[0]["days_without"],
                          rows[0]["boil"], rows[0]["comment"]),
                         ("complete", "some_days", "4", "yes", "'-1, or \"more\" taps"))
        # the same day again: the same bytes
        before = {f: open(os.path.join(day, f), "rb").read() for f in os.listdir(day)}
        rc, out, err = self.export("--date", self.today, "--out", self.out)
        self.assertEqual(rc, 0, err)
        after = {f: open(os.path.join(day, f), "rb").read() for f in os.listdir(day)}
        self.assertEqual(before, after)

    def test_summary_renders_in_chromium(self):
        self.ask("+254744000002", "COMPLAIN ROADS pothole at the market")
        rc, out, err = self.export("--date", self.today, "--out", self.out)
        self.assertEqual(rc, 0, err)
        page = os.path.join(self.out, self.today, "summary.html")
        html = open(page, encoding="utf-8").read()
        self.assertNotIn("<script", html)
        self.assertNotRegex(html, r"(src|href)=")
        self.assertIn("<svg", html)
        chromium = shutil.which("chromium")
        self.assertIsNotNone(chromium, "Debian's chromium is needed (tests/run.sh installs it)")
        png = os.path.join(self.out, "summary.png")
        p = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                            "--screenshot=" + png, "--window-size=800,1600",
                            "file://" + page],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr[-500:])
        data = open(png, "rb").read()
        self.assertEqual(data[:8], b"\x89PNG\r\n\x1a\n")
        width, height = struct.unpack(">II", data[16:24])
        self.assertEqual((width, height), (800, 1600))
        self.assertGreater(len(data), 10000)

    def test_bad_arguments(self):
        for args, msg in [(["--date", "2026-02-30"], "not a date"),
                          (["--date", "last week"], "not a date"),
                          (["--date", "2026-1-01"], "not a date"),
                          (["--from", "2026-11-20"], "usage"),
                          (["--from", "2026-11-20", "--to", "2026-11-01"], "after"),
                          (["--date", self.today, "--out", "/proc/none"], "cannot create")]:
            rc, out, err = self.export(*args)
            self.assertEqual(rc, 1, (args, err))
            self.assertIn(msg, err)
            self.assertEqual(len(err.strip().splitlines()), 1, err)

    def test_today_and_yesterday(self):
        yesterday = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 3 * 3600 - 86400))
        rc, out, err = self.export("--from", "yesterday", "--to", "today", "--out", self.out)
        self.assertEqual(rc, 0, err)
        self.assertEqual([os.path.basename(p) for p in out.split()], [yesterday, self.today])
        rc, out, err = self.export("--date", "today", "--out", self.out)
        self.assertEqual(rc, 0, err)
        self.assertEqual(os.path.basename(out.strip()), self.today)

    def test_range(self):
        rc, out, err = self.export("--from", "2026-01-30", "--to", "2026-02-02",
                                   "--out", self.out)
        self.assertEqual(rc, 0, err)
        self.assertEqual([os.path.basename(p) for p in out.split()],
                         ["2026-01-30", "2026-01-31", "2026-02-01", "2026-02-02"])

    def test_the_daemons_round(self):
        """A second daemon on its own database: it exports the missed days
        on start, prunes old folders, erases old texts and removes the
        conversations that are over."""
        sink = Sink()
        out = tempfile.mkdtemp(prefix="baraza-round-")
        gw = Gateway(sink)
        try:
            gw.start(["-o", "export.dir=" + out])
            status, _ = gw.sms("+254744000003", "ABOUT")
            self.assertEqual(status, 200)
            # an anonymous complaint, closed, the citizen told
            whistle = "+254744000006"
            self.assertEqual(gw.sms(whistle, "COMPLAIN BRIBE the clerk asked 500")[0], 200)
            self.assertTrue(gw.wait_until(lambda: sink.texts_to(whistle), 10))
            ref = re.search(r"\b([2-9A-HJ-NP-RT-Z]{7})\b", sink.texts_to(whistle)[0]).group(1)
            rc, _, err = gw.cli("complaint", "update", ref, "--status", "resolved")
            self.assertEqual(rc, 0, err)
            self.assertTrue(gw.wait_until(lambda: len(sink.texts_to(whistle)) == 2, 10))
            self.assertTrue(gw.wait_until(lambda: gw.query(
                "SELECT count(*) FROM messages WHERE status = 'queued'")[0][0] == 0, 10))
            self.assertEqual(gw.query("SELECT count(*) FROM messages WHERE number = ?"
                                      " AND anonymous = 1", whistle)[0][0], 3)
            gw.stop()
            # the last export was three days ago; one message is 100 days old
            now = time.time()
            last = time.strftime("%Y-%m-%d", time.gmtime(now - 3 * 86400))
            missed = [time.strftime("%Y-%m-%d", time.gmtime(now - d * 86400)) for d in (2, 1)]
            con = __import__("sqlite3").connect(gw.db)
            con.execute("INSERT OR REPLACE INTO state (name, value) VALUES ('export_last_day', ?)",
                        (last,))
            con.execute("UPDATE messages SET created_at = created_at - 100 * 86400000")
            # a complaint's draft left two days ago (past late_answer_min)
            # and a survey in progress
            ms = int(now * 1000)
            con.execute("INSERT INTO sessions VALUES ('+254744000004', 'complain',"
                        " 'D\twater\tno water at the kiosk\t', ?, ?)",
                        (ms - 2 * 86400000, ms - 2 * 86400000 - 1800000))
            con.execute("INSERT INTO sessions VALUES ('+254744000005', 'survey',"
                        " '1 1 0', ?, ?)", (ms + 3600000, ms))
            con.commit()
            con.close()
            os.makedirs(os.path.join(out, "2020-01-01"))
            os.makedirs(os.path.join(out, "keep-me"))
            gw.start(["-o", "export.dir=" + out, "-o", "export.time=00:00",
                      "-o", "export.keep_days=30", "-o", "gateway.retention_days=30"])
            self.assertTrue(gw.wait_until(
                lambda: all(os.path.exists(os.path.join(out, d, "summary.html")) for d in missed), 10),
                os.listdir(out))
            self.assertFalse(os.path.exists(os.path.join(out, last)))
            self.assertTrue(gw.wait_until(
                lambda: not os.path.exists(os.path.join(out, "2020-01-01")), 5))
            self.assertTrue(os.path.exists(os.path.join(out, "keep-me")))
            self.assertTrue(gw.wait_until(
                lambda: gw.query("SELECT count(*) FROM messages WHERE text != ''")[0][0] == 0, 5))
            # ABOUT both ways; the complaint, its reply, the alert, the news
            self.assertEqual(gw.query("SELECT count(*) FROM messages")[0][0], 6)
            # the closed anonymous complaint's messages: under its pseudonym
            self.assertTrue(gw.wait_until(lambda: gw.query(
                "SELECT count(*) FROM messages WHERE number = ?", whistle)[0][0] == 0, 5))
            self.assertEqual(gw.query("SELECT count(DISTINCT number), count(*) FROM messages"
                                      " WHERE number GLOB 'p-*' AND anonymous = 1"), [(1, 3)])
            self.assertTrue(gw.wait_until(
                lambda: gw.query("SELECT number FROM sessions") == [("+254744000005",)], 5),
                gw.query("SELECT number FROM sessions"))
            self.assertEqual(gw.query("SELECT value FROM state WHERE name = 'export_last_day'")[0][0],
                             missed[-1])
        finally:
            gw.close()
            sink.close()
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()

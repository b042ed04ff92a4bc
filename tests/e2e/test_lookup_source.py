# SPDX-License-Identifier: Apache-2.0
"""A lookup's live source end to end: the daemon asks an HTTP API (a fake
that follows the configured JSON shape) off the writer thread, answers
from it, caches the answer, and falls back to the table -- or a polite
text -- when the source is slow, down or has no answer; `baraza sim`
fetches on the spot."""

import json
import os
import shutil
import tempfile
import time
import unittest
import urllib.parse

from harness import SRC, FakeApi, Gateway, Sink, main

ROUTE = """,
  {
    name = "point";
    handler = "lookup";
    keywords = [ "WATERPOINT" ];
    table = "data/clinics.csv";
    source = { url = "http://127.0.0.1:%d/points?name={query}"; field = "/data/reply";
               timeout_ms = 800; cache_s = 60; };
    prompt = "Send WATERPOINT and a place.";
    not_found = "No water point for {query}.";
    did_you_mean = "Did you mean {choices}?";
    unavailable = "The water point service is busy. Please try again later.";
  }
);
"""


class LookupSourceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.api = FakeApi(cls.answer)
        cls.sink = Sink()
        with open(os.path.join(SRC, "conf", "routes.conf")) as f:
            routes = f.read().rstrip().rstrip(");").rstrip() + ROUTE % cls.api.port
        cls.tmp = tempfile.mkdtemp(prefix="baraza-src-")
        cls.routes = os.path.join(cls.tmp, "routes.conf")
        with open(cls.routes, "w") as f:
            f.write(routes)
        cls.gw = Gateway(cls.sink, flood=50, routes=cls.routes).start()

    @classmethod
    def tearDownClass(cls):
        cls.gw.close()
        cls.sink.close()
        cls.api.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def answer(cls, path, headers, body):
        q = urllib.parse.parse_qs(urllib.parse.urlparse(path).query)
        name = q.get("name", [""])[0]
        if name == "slow place":
            time.sleep(2)
        if name == "broken":
            return 500, "text/plain", "oops"
        if name == "garbage":
            return 200, "application/json", "{not json"
        if name.lower() == "kawangware":
            return 200, "application/json", json.dumps(
                {"data": {"reply": "Kawangware borehole is open 6am to 7pm."}})
        if name.lower() == "kibera":
            return 200, "application/json", json.dumps(
                {"data": {"reply": "Kibera water kiosk 4 is open until 6pm. Price 5 shillings."}})
        if name == "Mji wa Kale & Co":
            return 200, "application/json", json.dumps({"data": {"reply": "Got: " + name}})
        return 200, "application/json", json.dumps({"data": {"reply": None}})

    def ask(self, number, text, timeout=6):
        before = len(self.sink.texts_to(number))
        status, body = self.gw.sms(number, text)
        self.assertEqual(status, 200, body)
        self.assertTrue(self.gw.wait_until(
            lambda: len(self.sink.texts_to(number)) > before, timeout),
            "no reply to %r" % text)
        return self.sink.texts_to(number)[before]

    def inbound_waiting(self):
        """/metrics: inbound messages waiting, and the oldest one's wait."""
        status, body = self.gw.get("/metrics")
        self.assertEqual(status, 200)
        value = lambda name: float([l for l in body.splitlines()
                                    if l.startswith(name + '{stage="inbound"}')][0].split()[-1])
        return int(value("baraza_queue_depth")), value("baraza_queue_oldest_seconds")

    def requests_for(self, name):
        enc = urllib.parse.quote(name)
        return [r for r in self.api.requests if ("name=" + enc) in r[1]]

    def test_live_answer_and_cache(self):
        self.assertEqual(self.ask("+254733000001", "WATERPOINT kibera"),
                         "Kibera water kiosk 4 is open until 6pm. Price 5 shillings.")
        self.assertEqual(self.ask("+254733000002", "WATERPOINT kibera"),
                         "Kibera water kiosk 4 is open until 6pm. Price 5 shillings.")
        self.assertEqual(len(self.requests_for("kibera")), 1)  # the cache answered
        row = self.gw.query("SELECT status FROM messages WHERE number = ?"
                            " AND direction = 'in'", "+254733000001")
        self.assertEqual(row, [("processed",)])

    def test_query_escaped(self):
        self.assertEqual(self.ask("+254733000003", "WATERPOINT Mji wa Kale & Co"),
                         "Got: Mji wa Kale & Co")

    def test_no_answer_falls_back_to_the_table(self):
        # the source knows nothing of Kasarani: the table does
        self.assertIn("Kasarani Maternity", self.ask("+254733000004", "WATERPOINT kasarani"))

    def test_source_down_or_garbage(self):
        self.assertEqual(self.ask("+254733000006", "WATERPOINT broken"),
                         "The water point service is busy. Please try again later.")
        self.assertEqual(self.ask("+254733000007", "WATERPOINT garbage"),
                         "No water point for garbage.")

    def test_slow_source_times_out_to_the_fallback(self):
        t0 = time.time()
        reply = self.ask("+254733000008", "WATERPOINT slow place")
        self.assertEqual(reply, "The water point service is busy. Please try again later.")
        self.assertLess(time.time() - t0, 2.5)
        # webhooks were answered meanwhile
        status, _ = self.gw.sms("+254733000009", "ABOUT")
        self.assertEqual(status, 200)

    def test_slow_source_holds_no_other(self):
        """While one request waits on a slow answer, another place's answer
        comes at once: live, not the fallback of a deadline passed in the
        queue."""
        status, _ = self.gw.sms("+254733000011", "WATERPOINT slow place")
        self.assertEqual(status, 200)
        self.assertTrue(self.gw.wait_until(lambda: self.requests_for("slow place")))
        # an operator sees it waiting, and for how long
        self.assertEqual(self.inbound_waiting()[0], 1)
        self.assertGreater(self.inbound_waiting()[1], 0)
        t0 = time.time()
        self.assertEqual(self.ask("+254733000012", "WATERPOINT kawangware"),
                         "Kawangware borehole is open 6am to 7pm.")
        self.assertLess(time.time() - t0, 0.6)
        self.assertTrue(self.gw.wait_until(
            lambda: self.sink.texts_to("+254733000011"), 6))
        self.assertEqual(self.inbound_waiting(), (0, 0.0))

    def test_sim_fetches_on_the_spot(self):
        rc, out, err = self.gw.cli("sim", "--from", "+254733000010", "WATERPOINT KIBERA")
        self.assertEqual(rc, 0, err)
        self.assertIn("Kibera water kiosk 4", out)


if __name__ == "__main__":
    main()

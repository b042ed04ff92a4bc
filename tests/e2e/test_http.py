# SPDX-License-Identifier: Apache-2.0
"""The webhook interface as a provider sees it: replies reach the provider,
duplicates are answered once, every kind of bad input gets a clear 4xx and
changes nothing, delivery reports move a message's status, and a slow
provider never slows the webhooks."""

import json
import os
import socket
import time
import unittest
import urllib.parse

from harness import Gateway, Sink, main, shipped_routes_with


class HttpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sink = Sink()
        cls.gw = Gateway(cls.sink).start()

    @classmethod
    def tearDownClass(cls):
        cls.gw.close()
        cls.sink.close()

    def count(self):
        return self.gw.query("SELECT count(*) FROM messages")[0][0]

    def test_help_reply_reaches_provider(self):
        status, body = self.gw.sms("+254700000101", "help", id="h-1")
        self.assertEqual((status, body.strip()), (200, "OK"))
        got = self.gw.wait_until(lambda: self.sink.texts_to("+254700000101"))
        self.assertIn("Send one word", got[0])
        self.assertIn("ABOUT", got[0])
        msg = [m for m in self.sink.received if m["to"] == "+254700000101"][0]
        self.assertEqual(msg["from"], "22384")  # the short code it came to
        row = self.gw.wait_until(lambda: self.gw.query(
            "SELECT status, provider_id, segments, encoding FROM messages"
            " WHERE direction='out' AND number=? AND status='sent'", "+254700000101"))
        self.assertEqual(row[0], ("sent", "P-%s" % msg["id"], 1, "gsm7"))

    def test_json_body(self):
        status, _ = self.gw.post("/sms/generic", json.dumps(
            {"from": "+254700000102", "to": "22384", "text": "kuhusu"}),
            {"Content-Type": "application/json"})
        self.assertEqual(status, 200)
        got = self.gw.wait_until(lambda: self.sink.texts_to("+254700000102"))
        self.assertTrue(got[0].startswith("Baraza inakuwezesha"))

    def test_duplicate_answered_once(self):
        for _ in range(3):
            status, body = self.gw.sms("+254700000103", "about", id="dup-1")
            self.assertEqual(status, 200)
        self.assertEqual(body.strip(), "OK duplicate")
        self.gw.wait_until(lambda: self.sink.texts_to("+254700000103"))
        time.sleep(0.5)
        self.assertEqual(len(self.sink.texts_to("+254700000103")), 1)
        self.assertEqual(self.gw.query(
            "SELECT count(*) FROM messages WHERE number='+254700000103'"
            " AND direction='in'")[0][0], 1)

    def test_bad_input_changes_nothing(self):
        before = self.count()
        cases = [
            ({"to": "1", "text": "hi"}, None, 400, "missing field 'from'"),
            ({"from": "+254700000104"}, None, 400, "missing field 'text'"),
            (b"from=%2B1&text=%FF%FE", None, 400, "not valid UTF-8"),
            (b"from=%2B1&text=a%00b", None, 400, "NUL"),
            (b"from=%2B1&text=%zz", None, 400, "malformed"),
            (b"from=;rm -rf /&text=hi", None, 400, "not a phone number"),
            (b'{"from": "+1", "text":', {"Content-Type": "application/json"}, 400, "malformed JSON"),
            (b"<xml/>", {"Content-Type": "text/xml"}, 400, "unsupported content type"),
            ({"from": "+1", "text": "x" * 5000}, None, 400, "longer than"),
            ({"from": "+1", "text": "x", "id": "has space"}, None, 400, "printable"),
        ]
        for data, headers, code, words in cases:
            status, body = self.gw.post("/sms/generic", data, headers)
            self.assertEqual(status, code, (data, body))
            self.assertIn(words, body, data)
            self.assertTrue(body.startswith("error: "), body)
        status, body = self.gw.post("/sms/generic", b"a" * 70000)
        self.assertEqual(status, 413)
        self.assertEqual(self.gw.post("/sms/nosuch", {"from": "+1", "text": "x"})[0], 404)
        self.assertEqual(self.gw.post("/nowhere", {"from": "+1", "text": "x"})[0], 404)
        self.assertEqual(self.gw.post("/sms/", {"from": "+1", "text": "x"})[0], 404)
        self.assertEqual(self.count(), before)
        # still healthy after all that
        self.assertEqual(self.gw.get("/healthz")[0], 200)

    def test_metacharacters_stored_verbatim(self):
        text = "'; DROP TABLE messages; -- $(reboot) `id` \"=1+1\" \u00e9\u20ac\U0001F600"
        self.assertEqual(self.gw.sms("+254700000105", text)[0], 200)
        row = self.gw.wait_until(lambda: self.gw.query(
            "SELECT text, status FROM messages WHERE number='+254700000105'"
            " AND direction='in' AND status='processed'"))
        self.assertEqual(row[0][0], text)
        got = self.gw.wait_until(lambda: self.sink.texts_to("+254700000105"))
        self.assertIn("Send one word", got[0])

    def test_token(self):
        d = {"from": "+254700000106", "to": "1", "text": "help"}
        self.assertEqual(self.gw.post("/sms/secure", d)[0], 403)
        self.assertEqual(self.gw.post("/sms/secure", d, {"X-Baraza-Token": "wrong-token-1234"})[0], 403)
        self.assertEqual(self.gw.post("/sms/secure?token=s3cret-token-123", d)[0], 200)
        self.assertEqual(self.gw.post("/sms/secure", dict(d, text="about"),
                                      {"X-Baraza-Token": "s3cret-token-123"})[0], 200)
        got = self.gw.wait_until(lambda: len(self.sink.texts_to("+254700000106")) >= 2)
        self.assertTrue(got)
        auth = [m["_auth"] for m in self.sink.received if m["to"] == "+254700000106"]
        self.assertEqual(auth[0], "Bearer s3cret-token-123")

    def test_delivery_reports(self):
        self.gw.sms("+254700000107", "about")
        got = self.gw.wait_until(lambda: [m for m in self.sink.received
                                          if m["to"] == "+254700000107"])
        our = got[0]["id"]
        self.gw.wait_until(lambda: self.gw.query(
            "SELECT 1 FROM messages WHERE id=? AND status='sent'", int(our)))
        status, body = self.gw.post("/dlr/generic", {"id": our, "status": "delivered"})
        self.assertEqual(status, 200, body)
        self.assertEqual(self.gw.query("SELECT status FROM messages WHERE id=?", int(our))[0][0],
                         "delivered")
        # by the provider's id, with a reason
        status, _ = self.gw.post("/dlr/generic", {"provider_id": "P-%s" % our,
                                                  "status": "failed", "reason": "absent subscriber"})
        self.assertEqual(status, 200)
        self.assertEqual(self.gw.query("SELECT status, reason FROM messages WHERE id=?", int(our))[0],
                         ("failed", "absent subscriber"))
        hist = [r[0] for r in self.gw.query(
            "SELECT status FROM message_events WHERE message_id=? ORDER BY rowid", int(our))]
        self.assertEqual(hist, ["queued", "sent", "delivered", "failed"])
        self.assertEqual(self.gw.post("/dlr/generic", {"id": "99999999", "status": "delivered"}),
                         (200, "OK unknown message\n"))
        self.assertEqual(self.gw.post("/dlr/generic", {"id": our, "status": "lost"})[0], 400)
        self.assertEqual(self.gw.post("/dlr/generic", {"status": "delivered"})[0], 400)
        self.assertEqual(self.gw.post("/dlr/log", {"id": our, "status": "delivered"})[0], 404)

    def test_report_before_outcome(self):
        """A delivery report by the provider's id that comes while the send
        is still in flight (its id not yet written) is applied once it is."""
        def delivered():
            body = self.gw.get("/metrics")[1]
            key = 'baraza_messages_out_total{provider="generic",status="delivered"}'
            return int([l for l in body.splitlines() if l.startswith(key)][0].split()[-1])

        before = delivered()
        self.sink.delay = 1.5
        try:
            self.gw.sms("+254700000109", "about")
            rows = self.gw.wait_until(lambda: self.gw.query(
                "SELECT id FROM messages WHERE number=? AND direction='out'",
                "+254700000109"))
            our = rows[0][0]
            self.assertEqual(self.gw.post("/dlr/generic", {"provider_id": "P-%d" % our,
                                                           "status": "delivered"}),
                             (200, "OK unknown message\n"))
            self.assertEqual(self.gw.query("SELECT status FROM messages WHERE id=?", our)[0][0],
                             "queued")
        finally:
            self.sink.delay = 0
        self.assertTrue(self.gw.wait_until(lambda: self.gw.query(
            "SELECT 1 FROM messages WHERE id=? AND status='delivered'", our), timeout=10))
        hist = [r[0] for r in self.gw.query(
            "SELECT status FROM message_events WHERE message_id=? ORDER BY rowid", our)]
        self.assertEqual(hist, ["queued", "sent", "delivered"])
        self.assertEqual(self.gw.query("SELECT count(*) FROM reports_waiting")[0][0], 0)
        self.assertEqual(delivered(), before + 1)

    def test_health_and_metrics(self):
        status, body = self.gw.get("/healthz")
        self.assertEqual(status, 200)
        h = json.loads(body)
        self.assertEqual(h["database"], "ok")
        self.assertIn("outbound", h["queue"])
        self.assertNotIn("links", h)  # no provider with a connection of its own
        self.gw.sms("+254700000108", "help")
        status, body = self.gw.get("/metrics")
        self.assertEqual(status, 200)
        line = [l for l in body.splitlines()
                if l.startswith('baraza_messages_in_total{provider="generic",result="accepted"}')]
        self.assertTrue(line and int(line[0].split()[-1]) >= 1, body)
        self.assertIn("# TYPE baraza_handler_seconds histogram", body)
        self.assertIn('baraza_queue_depth{stage="outbound"}', body)
        self.assertNotIn("baraza_provider_up", body)

    def test_threads_are_named(self):
        names = self.gw.thread_names()
        for want in ("writer", "sender", "fetcher", "exporter", "MHD-worker"):
            self.assertIn(want, names)
        self.assertNotIn("poller", names)  # no provider polls here

    def test_metrics_token(self):
        gw = Gateway(self.sink).start(["-o", "gateway.metrics_token=metrics-secret-1"])
        try:
            self.assertEqual(gw.get("/metrics")[0], 403)
            self.assertEqual(gw.request("GET", "/metrics", headers={
                "Authorization": "Bearer wrong-secret-1"})[0], 403)
            status, body = gw.request("GET", "/metrics", headers={
                "Authorization": "Bearer metrics-secret-1"})
            self.assertEqual(status, 200)
            self.assertIn("baraza_messages_in_total", body)
            self.assertEqual(gw.get("/healthz")[0], 200)  # health stays open
        finally:
            gw.close()

    def test_per_address_limit(self):
        gw = Gateway(self.sink).start(["-o", "gateway.addr_rate_per_s=5"])
        try:
            codes = [gw.sms("+2547000009%02d" % i, "about %d" % i, id="rl-%d" % i)[0]
                     for i in range(30)]
            self.assertIn(429, codes)
            self.assertEqual(set(codes), {200, 429})
            self.assertLessEqual(codes.count(200), 10 + 5 * 2)  # burst + refill
            stored = gw.query("SELECT count(*) FROM messages WHERE direction='in'")[0][0]
            self.assertEqual(stored, codes.count(200))
            self.assertEqual(gw.get("/healthz")[0], 200)  # not limited
            time.sleep(1.2)
            self.assertEqual(gw.sms("+254700000999", "about")[0], 200)  # refilled
        finally:
            gw.close()

    def test_open_listen_refused_without_authentication(self):
        rc, out, err = self.gw.cli("run", "-o", "gateway.listen=0.0.0.0:%d" % self.gw.port)
        self.assertEqual(rc, 1)
        self.assertIn("takes webhooks without authentication", err)

    def test_slow_provider_does_not_block_webhooks(self):
        self.sink.mode = "slow"
        try:
            for i in range(12):
                t0 = time.time()
                status, _ = self.gw.sms("+25470000020%d" % (i % 10), "about %d" % i)
                self.assertEqual(status, 200)
                self.assertLess(time.time() - t0, 1.5)
        finally:
            self.sink.mode = "ok"

    def test_provider_rate_limit(self):
        # rate_per_s = 2: however fast the replies are queued, they leave paced
        numbers = ["+25470000031%d" % i for i in range(6)]
        t0 = time.time()
        for n in numbers:
            self.assertEqual(self.gw.sms(n, "about", provider="paced")[0], 200)
        self.assertTrue(self.gw.wait_until(
            lambda: all(self.sink.texts_to(n) for n in numbers), 10))
        times = sorted(t for t, to in self.sink.arrivals if to in numbers)
        # a token bucket of 2 (the burst) refilled at 2/s: six take at
        # least 2 s, and no second carries more than 2 + 2
        self.assertGreaterEqual(times[-1] - t0, 1.9)
        for a, b in zip(times, times[4:]):
            self.assertGreaterEqual(b - a, 0.95)

    def test_provider_connections_kept_between_bursts(self):
        # concurrency = 8: replies in bursts with lulls between them reuse
        # the same connections (over HTTPS each new one is a handshake)
        self.sink.delay = 0.3
        try:
            opened = []  # connections first seen in each burst
            for burst in range(3):
                with self.sink.lock:
                    known = set(self.sink.clients)
                numbers = ["+2547000004%d%d" % (burst, i) for i in range(8)]
                for n in numbers:
                    self.assertEqual(self.gw.sms(n, "about")[0], 200)
                self.assertTrue(self.gw.wait_until(
                    lambda: all(self.sink.texts_to(n) for n in numbers), 10))
                with self.sink.lock:
                    opened.append(len(self.sink.clients - known))
                time.sleep(1)
            # the bursts after the first find their connections open
            self.assertEqual(opened[1:], [0, 0], opened)
        finally:
            self.sink.delay = 0

    def test_messages_to_one_number_leave_in_order(self):
        # concurrency = 8, yet the next SMS to a number waits until the
        # provider has answered the one before: sent side by side they
        # could arrive in either order ("Is it fixed?" before "resolved")
        self.sink.delay = 0.3
        x, y = "+254700000501", "+254700000502"
        try:
            for to, text in ((x, "one"), (x, "two"), (x, "three"),
                             (y, "other")):
                rc, out, err = self.gw.cli("send", "--to", to, text)
                self.assertEqual(rc, 0, err)
            self.assertTrue(self.gw.wait_until(
                lambda: len(self.sink.texts_to(x)) == 3
                and self.sink.texts_to(y), 10))
            self.assertEqual(self.sink.texts_to(x), ["one", "two", "three"])
            times = [t for t, to in self.sink.arrivals if to == x]
            for a, b in zip(times, times[1:]):
                self.assertGreaterEqual(b - a, 0.25)
            # another number is not held behind them
            other = [t for t, to in self.sink.arrivals if to == y][0]
            self.assertLess(other, times[-1])
        finally:
            self.sink.delay = 0

    def test_a_retry_keeps_the_next_message_behind_it(self):
        # the provider refuses the first SMS for the moment: the second,
        # to the same number, waits for the retry rather than overtaking
        x = "+254700000503"
        self.sink.fail_once = {"first"}
        rc, out, err = self.gw.cli("send", "--to", x, "first")
        self.assertEqual(rc, 0, err)
        rc, out, err = self.gw.cli("send", "--to", x, "second")
        self.assertEqual(rc, 0, err)
        self.assertTrue(self.gw.wait_until(
            lambda: len(self.sink.texts_to(x)) == 2, 10))
        self.assertEqual(self.sink.texts_to(x), ["first", "second"])
        self.assertEqual(self.sink.fail_once, set())

    def test_provider_concurrency_limit(self):
        self.sink.mode = "slow"
        self.sink.max_inflight = 0
        try:
            for i in range(4):
                self.gw.sms("+25470000032%d" % i, "contact", provider="paced")
            time.sleep(2.5)
            # concurrency = 2: never more than two requests at the provider
            self.assertEqual(self.sink.max_inflight, 2)
        finally:
            self.sink.mode = "ok"


def sms_on(s, frm):
    """A webhook on connection s, kept open after the answer as a
    provider's pool would: (whether the answer said `Connection: close`,
    whether the gateway then closed the socket)."""
    body = urllib.parse.urlencode({"from": frm, "to": "22384", "text": "about"}).encode()
    s.sendall(b"POST /sms/generic HTTP/1.1\r\nHost: x\r\n"
              b"Content-Type: application/x-www-form-urlencoded\r\n"
              b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    head = head.decode("latin-1").lower()
    assert head.startswith("http/1.1 200"), head
    length = int(head.split("content-length:", 1)[1].split("\r\n", 1)[0])
    while len(rest) < length:
        rest += s.recv(4096)
    s.settimeout(0.5)
    try:
        closed = s.recv(4096) == b""
    except socket.timeout:
        closed = False
    s.settimeout(5)
    if closed:
        time.sleep(0.2)  # the gateway counts the connection out
    return "connection: close" in head, closed


class IdleConnectionsTest(unittest.TestCase):
    """A client that keeps more connections open than it uses (Kannel's
    smsbox opens one per pending request, up to 512, and keeps them all,
    using each in turn) has its surplus closed after their next answer:
    past gateway.max_idle_connections idle, a connection left unused for
    10 ms or more before its request.  The messages are handled as any
    others."""

    def run_pool(self, extra, n):
        """n connections, a webhook on each, then a second on each in
        turn: the answers to the second round, and the messages stored."""
        sink = Sink()
        gw = Gateway(sink).start(extra)
        socks = []
        try:
            for i in range(n):
                socks.append(socket.create_connection(("127.0.0.1", gw.port), 5))
                # a connection's first request is never surplus
                self.assertEqual(sms_on(socks[i], "+2547000005%02d" % i), (False, False))
            answers = [sms_on(s, "+2547000006%02d" % i) for i, s in enumerate(socks)]
            numbers = ["+254700000%d%02d" % (r, i) for r in (5, 6) for i in range(n)]
            self.assertTrue(gw.wait_until(
                lambda: all(sink.texts_to(m) for m in numbers), 10))
            # /metrics counts the closes, and the kept connections as idle
            # (the metrics request's own is open, not idle)
            status, body = gw.get("/metrics")
            self.assertEqual(status, 200)
            kept = sum(1 for a in answers if not a[1])
            self.assertIn("baraza_http_surplus_closed_total %d\n" % (n - kept), body)
            self.assertIn('baraza_http_connections{state="idle"} %d\n' % kept, body)
            self.assertIn('baraza_http_connections{state="open"} %d\n' % (kept + 1), body)
            return answers, gw.query("SELECT count(*) FROM messages WHERE"
                                     " direction = 'in'")[0][0]
        finally:
            for s in socks:
                s.close()
            gw.close()
            sink.close()

    def test_surplus_connections_are_closed(self):
        answers, stored = self.run_pool(["-o", "gateway.max_idle_connections=4"], 10)
        # 9 others idle, then 8, 7, 6, 5: closed; from 4, kept
        self.assertEqual(answers, [(True, True)] * 5 + [(False, False)] * 5)
        self.assertEqual(stored, 20)

    def test_a_pool_within_the_default_is_left_open(self):
        answers, stored = self.run_pool([], 10)
        self.assertEqual(answers, [(False, False)] * 10)
        self.assertEqual(stored, 20)


class CountryCodeTest(unittest.TestCase):
    """gateway.country_code: one citizen, however a provider writes the
    number, is one contact -- language, complaints, STOP, deny list."""

    @classmethod
    def setUpClass(cls):
        cls.sink = Sink()
        cls.gw = Gateway(cls.sink, flood=50, gateway="""
  country_code = "254";""", deny='"0799000001"').start()

    @classmethod
    def tearDownClass(cls):
        cls.gw.close()
        cls.sink.close()

    def numbers(self, like):
        return sorted(set(r[0] for r in self.gw.query(
            "SELECT number FROM messages WHERE number LIKE ?", like)))

    def test_one_citizen_however_written(self):
        n = "+254711000601"
        # national (trunk 0), international digits without '+', spaced
        self.assertEqual(self.gw.sms("0711000601", "MSAADA")[0], 200)
        self.assertEqual(self.gw.sms("254711000601", "xyzzy")[0], 200)
        self.assertEqual(self.gw.sms("+254 711 000 601", "kuhusu")[0], 200)
        self.gw.wait_until(lambda: len(self.sink.texts_to(n)) >= 3)
        self.assertEqual(self.numbers("%711000601"), [n])
        # the language MSAADA set holds for the number written otherwise
        texts = self.sink.texts_to(n)
        self.assertEqual(len(texts), 3, texts)
        self.assertTrue(all(t.startswith(("Tuma", "Baraza inakuwezesha")) for t in texts), texts)
        # USSD and the command line write it the same way
        body = "sessionId=cc1&serviceCode=*384%23&phoneNumber=0711000601&text="
        status, out = self.gw.post("/ussd/generic", body,
                                   {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 200, out)
        self.assertEqual(self.gw.query(
            "SELECT number FROM ussd_sessions WHERE session = 'cc1'"), [(n,)])
        rc, out, err = self.gw.cli("send", "--to", "0711000601", "Water is back")
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.gw.query(
            "SELECT number FROM messages WHERE text = 'Water is back'"), [(n,)])

    def test_stop_holds_for_every_form(self):
        self.assertEqual(self.gw.sms("254711000602", "STOP")[0], 200)
        self.gw.wait_until(lambda: self.gw.query(
            "SELECT 1 FROM contacts WHERE number = '+254711000602' AND opted_out = 1"))
        rc, out, err = self.gw.cli("send", "--to", "0711000602", "News")
        self.assertEqual(rc, 1)
        self.assertIn("+254711000602 sent STOP", err)

    def test_short_codes_sender_ids_and_deny(self):
        self.assertEqual(self.gw.sms("22384", "help")[0], 200)
        self.assertEqual(self.gw.sms("SAFARICOM", "help")[0], 200)
        self.assertEqual(self.gw.sms("+254799000001", "help")[0], 200)
        self.gw.wait_until(lambda: self.gw.query(
            "SELECT count(*) FROM messages WHERE number IN"
            " ('22384', 'SAFARICOM', '+254799000001') AND status != 'received'")[0][0] == 3)
        time.sleep(0.5)
        for n in ("22384", "SAFARICOM", "+254799000001"):
            self.assertEqual(self.numbers(n), [n])  # kept as they came
        # the loop guard: a sender id, and the deny list's national form
        for n in ("SAFARICOM", "+254799000001"):
            self.assertEqual(self.sink.texts_to(n), [], n)

    def test_an_officer_written_in_national_form(self):
        path = os.path.join(self.gw.dir, "officer-routes.conf")
        shipped_routes_with('officers = [ "+254700000100", "+254700000101" ];',
                            'officers = [ "0700000100" ];', path)
        gw = Gateway(self.sink, flood=50, routes=path, gateway="""
  country_code = "254";""").start()
        try:
            citizen, officer = "+254711000611", "+254700000100"
            self.assertEqual(gw.sms(citizen, "COMPLAIN WATER no water")[0], 200)
            ref = gw.wait_until(lambda: gw.query(
                "SELECT ref FROM complaints WHERE number = ?", citizen))[0][0]
            # the officer's phone arrives as Kannel writes it
            self.assertEqual(gw.sms("254700000100", "UPDATE %s RESOLVED fixed" % ref)[0], 200)
            self.assertTrue(gw.wait_until(lambda: gw.query(
                "SELECT status FROM complaints WHERE ref = ?", ref) == [("resolved",)]))
            self.assertTrue(gw.wait_until(lambda: any(
                "is now resolved" in t for t in self.sink.texts_to(officer))))
        finally:
            gw.close()

    def test_a_bad_country_code_is_refused(self):
        # written as a number (-o gives one) it is the same setting
        rc, out, err = self.gw.cli("check", "-o", "gateway.country_code=44")
        self.assertEqual(rc, 0, err)
        for bad in ("+254", "0254", "2545", "ke", "-1"):
            rc, out, err = self.gw.cli("check", "-o", "gateway.country_code=" + bad)
            self.assertEqual(rc, 1, bad)
            self.assertIn("'country_code' is '%s', must be a calling code" % bad, err)


if __name__ == "__main__":
    main()

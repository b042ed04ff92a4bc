# SPDX-License-Identifier: Apache-2.0
"""The Vonage provider against a local fake of its SMS API
(../shared/protocols.md §4): signed inbound webhooks as GET, form and JSON;
a long message's parts joined in any order, each part stored on arrival,
and routed as they are after the timeout; sends and delivery reports."""

import hashlib
import json
import threading
import time
import unittest
import urllib.parse

from harness import FakeApi, Gateway, Sink, main

SECRET = "signatureSecret123"


def signed(params):
    data = "".join("&%s=%s" % (k, v.replace("&", "_").replace("=", "_"))
                   for k, v in sorted(params.items()))
    return dict(params, sig=hashlib.md5((data + SECRET).encode()).hexdigest())


class VonageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.plan = {}
        cls.lock = threading.Lock()
        cls.api = FakeApi(cls.answer)
        cls.sink = Sink()
        providers = """,
  { name = "vn"; type = "vonage"; api_key = "abcd1234"; api_secret = "s3cr3t";
    signature_secret = "%s"; base_url = "http://127.0.0.1:%d";
    public_url = "https://gw.example.org"; from = "22384"; }""" % (SECRET, cls.api.port)
        cls.gw = Gateway(cls.sink, attempts=3, providers=providers).start(
            ["-o", "gateway.concat_timeout_s=2"])

    @classmethod
    def tearDownClass(cls):
        cls.gw.close()
        cls.sink.close()
        cls.api.close()

    @classmethod
    def answer(cls, path, headers, body):
        f = dict(urllib.parse.parse_qsl(body))
        if path != "/sms/json" or f.get("api_key") != "abcd1234" or f.get("api_secret") != "s3cr3t":
            return 401, "application/json", "{}"
        with cls.lock:
            queued = cls.plan.get(f["to"], [])
            kind = queued.pop(0) if queued else "ok"
        # a long text is answered with one element per part (GSM-7 here)
        count = 1 if len(f["text"]) <= 160 else -(-len(f["text"]) // 153)
        msgs = []
        for part in range(1, count + 1):
            status = {"ok": "0", "throttled": "1", "barred": "7"}[
                "barred" if kind == "part2-barred" and part == 2 else
                "ok" if kind == "part2-barred" else kind]
            msg = {"to": f["to"], "status": status}
            if status == "0":
                msg.update({"message-id": "0%c%s" % ("@ABCD"[part],
                                                      f["client-ref"].rjust(14, "0")),
                            "message-price": "0.03330000", "network": "63902"})
            else:
                msg["error-text"] = {"1": "Throttled", "7": "Number barred"}[status]
            msgs.append(msg)
        return 200, "application/json", json.dumps({"message-count": str(count),
                                                    "messages": msgs})

    def inbound(self, number, text, mid, **extra):
        p = {"msisdn": number, "to": "254700000001", "messageId": mid, "text": text,
             "type": "text", "keyword": text.split()[0].upper() if text.split() else "",
             "api-key": "abcd1234", "message-timestamp": "2026-11-26 12:00:00",
             "timestamp": "1795700000", "nonce": "n-" + mid}
        p.update(extra)
        return signed(p)

    def replies(self, number):
        out = []
        for method, path, headers, body in self.api.requests:
            f = dict(urllib.parse.parse_qsl(body))
            if f.get("to") == number:
                out.append(f)
        return out

    def test_get_form_and_json(self):
        n = "254711000501"
        p = self.inbound(n, "about", "0A0000000000A001")
        self.assertEqual(self.gw.request("GET", "/sms/vn?" + urllib.parse.urlencode(p))[0], 200)
        got = self.gw.wait_until(lambda: self.replies(n), 10)
        self.assertEqual(got[0]["from"], "22384")
        self.assertEqual(got[0]["callback"], "https://gw.example.org/dlr/vn")
        self.assertTrue(got[0]["text"].startswith("Baraza lets you"))
        self.assertEqual(self.gw.query("SELECT number FROM messages WHERE provider_id=?",
                                       "0A0000000000A001")[0][0], "+" + n)
        p = self.inbound("254711000502", "kuhusu", "0A0000000000A002")
        self.assertEqual(self.gw.post("/sms/vn", p)[0], 200)
        p = self.inbound("254711000503", "contact", "0A0000000000A003")
        self.assertEqual(self.gw.post("/sms/vn", json.dumps(p),
                                      {"Content-Type": "application/json"})[0], 200)
        self.assertTrue(self.gw.wait_until(lambda: self.replies("254711000503")))

    def test_signature_required(self):
        before = self.gw.query("SELECT count(*) FROM messages")[0][0]
        p = self.inbound("254711000504", "help", "0A0000000000A004")
        self.assertEqual(self.gw.post("/sms/vn", dict(p, sig="0" * 32))[0], 403)
        self.assertEqual(self.gw.post("/sms/vn", dict(p, text="STOP"))[0], 403)
        q = dict(p)
        del q["sig"]
        self.assertEqual(self.gw.post("/sms/vn", q)[0], 401)
        self.assertEqual(self.gw.query("SELECT count(*) FROM messages")[0][0], before)

    def test_long_message_joined_in_any_order(self):
        n = "254711000505"
        parts = ["ABOUT this is a long ", "complaint about water ", "in Kibera since Monday"]
        for i in (3, 1, 2):
            p = self.inbound(n, parts[i - 1], "0A00000000000B0%d" % i, **{
                "concat": "true", "concat-ref": "17", "concat-total": "3", "concat-part": str(i)})
            self.assertEqual(self.gw.post("/sms/vn", p)[0], 200)
            if i != 2:
                # stored on arrival, not routed yet
                self.assertEqual(self.gw.query(
                    "SELECT count(*) FROM messages WHERE number=?", "+" + n)[0][0], 0)
                self.assertGreater(self.gw.query(
                    "SELECT count(*) FROM inbound_parts WHERE number=?", "+" + n)[0][0], 0)
        row = self.gw.wait_until(lambda: self.gw.query(
            "SELECT text, status FROM messages WHERE number=? AND direction='in'"
            " AND status='processed'", "+" + n), 10)
        self.assertEqual(row[0][0], "".join(parts))
        self.assertTrue(self.gw.wait_until(lambda: self.replies(n)))
        # a part delivered again later is a duplicate, not a new message
        p = self.inbound(n, parts[0], "0A00000000000B01", **{
            "concat": "true", "concat-ref": "17", "concat-total": "3", "concat-part": "1"})
        self.assertEqual(self.gw.post("/sms/vn", p)[0], 200)
        time.sleep(3)
        self.assertEqual(self.gw.query("SELECT count(*) FROM messages WHERE number=?"
                                       " AND direction='in'", "+" + n)[0][0], 1)

    def test_missing_part_routed_after_timeout(self):
        n = "254711000506"
        for i in (1, 3):
            p = self.inbound(n, "CONTACT part %d " % i, "0A00000000000C0%d" % i, **{
                "concat": "true", "concat-ref": "42", "concat-total": "3", "concat-part": str(i)})
            self.assertEqual(self.gw.post("/sms/vn", p)[0], 200)
        row = self.gw.wait_until(lambda: self.gw.query(
            "SELECT text FROM messages WHERE number=? AND direction='in'"
            " AND status='processed'", "+" + n), 15)
        self.assertEqual(row[0][0], "CONTACT part 1 CONTACT part 3 ")
        got = self.gw.wait_until(lambda: self.replies(n), 10)
        self.assertTrue(got[0]["text"].startswith("County office"))

    def test_bad_concat_fields(self):
        p = self.inbound("254711000507", "x", "0A00000000000D01", **{
            "concat": "true", "concat-ref": "1", "concat-total": "2", "concat-part": "3"})
        status, body = self.gw.post("/sms/vn", p)
        self.assertEqual(status, 400)
        self.assertIn("concat-part", body)

    def test_sends_and_reports(self):
        n1, n2 = "254711000508", "254711000509"
        with self.lock:
            self.plan[n1] = ["throttled", "ok"]
            self.plan[n2] = ["barred"]
        self.gw.post("/sms/vn", self.inbound(n1, "about", "0A00000000000E01"))
        self.gw.post("/sms/vn", self.inbound(n2, "about", "0A00000000000E02"))
        row = self.gw.wait_until(lambda: self.gw.query(
            "SELECT id, provider_id, cost, attempts FROM messages WHERE number=? AND"
            " direction='out' AND status='sent'", "+" + n1), 10)
        mid, pid, cost, attempts = row[0]
        self.assertEqual((cost, attempts), ("EUR 0.03330000", 2))
        self.assertEqual(pid, "0A" + str(mid).rjust(14, "0"))
        row = self.gw.wait_until(lambda: self.gw.query(
            "SELECT reason, attempts FROM messages WHERE number=? AND direction='out'"
            " AND status='failed'", "+" + n2), 10)
        self.assertEqual(row[0], ("status 7: Number barred", 1))
        dlr = signed({"msisdn": n1, "to": "22384", "network-code": "63902", "messageId": pid,
                      "price": "0.03330000", "status": "delivered", "scts": "2611261200",
                      "err-code": "0", "api-key": "abcd1234",
                      "message-timestamp": "2026-11-26 12:00:05", "client-ref": str(mid)})
        self.assertEqual(self.gw.post("/dlr/vn", dlr)[0], 200)
        self.assertEqual(self.gw.query("SELECT status FROM messages WHERE id=?", mid)[0][0],
                         "delivered")
        # the second part of a long message has its own messageId: the
        # client-ref (our id) still finds the message
        part2 = dict(dlr, messageId="0B" + str(mid).rjust(14, "0"), status="failed",
                     **{"err-code": "1"})
        del part2["sig"]
        self.assertEqual(self.gw.post("/dlr/vn", signed(part2)), (200, "OK\n"))
        self.assertEqual(self.gw.query("SELECT status FROM messages WHERE id=?", mid)[0][0],
                         "failed")
        dlr = signed(dict(dlr, status="expired", **{"err-code": "6"}))
        del dlr["sig"]
        self.assertEqual(self.gw.post("/dlr/vn", signed(dlr))[0], 200)
        self.assertEqual(self.gw.query("SELECT status, reason FROM messages WHERE id=?", mid)[0],
                         ("expired", "err-code 6 (expired)"))

    def dlr(self, number, mid, pid, status, code="0"):
        return signed({"msisdn": number, "to": "22384", "network-code": "63902",
                       "messageId": pid, "price": "0.03330000", "status": status,
                       "scts": "2611261200", "err-code": code, "api-key": "abcd1234",
                       "message-timestamp": "2026-11-26 12:00:05", "client-ref": str(mid)})

    def test_long_message_parts_reported(self):
        # Vonage answers a long text with each part's id and price, and
        # reports each part: delivered once both are, failed by either
        text = ("Your complaint is with the water office. An officer will visit "
                "within three days. Send STATUS and your reference to follow it. ") * 2
        n1, n2, n3 = "254711000510", "254711000511", "254711000512"
        with self.lock:
            self.plan[n3] = ["part2-barred"]
        for n in (n1, n2, n3):
            self.assertEqual(self.gw.cli("send", "--to", "+" + n, "--via", "vn",
                                         text.strip())[0], 0)
        sent = {}
        for n in (n1, n2):
            row = self.gw.wait_until(lambda: self.gw.query(
                "SELECT id, provider_id, cost FROM messages WHERE number=? AND"
                " direction='out' AND status='sent'", "+" + n), 10)
            mid, pid, cost = row[0]
            self.assertEqual(cost, "EUR 0.06660000")  # both parts' prices
            sent[n] = (mid, ["0A" + str(mid).rjust(14, "0"), "0B" + str(mid).rjust(14, "0")])
            self.assertEqual(pid, sent[n][1][0])
        mid, ids = sent[n1]
        self.assertEqual(self.gw.post("/dlr/vn", self.dlr(n1, mid, ids[1], "delivered"))[0], 200)
        self.assertEqual(self.gw.query("SELECT status FROM messages WHERE id=?", mid)[0][0],
                         "sent")
        self.assertEqual(self.gw.post("/dlr/vn", self.dlr(n1, mid, ids[0], "delivered"))[0], 200)
        self.assertEqual(self.gw.query("SELECT status FROM messages WHERE id=?", mid)[0][0],
                         "delivered")
        mid, ids = sent[n2]
        self.assertEqual(self.gw.post("/dlr/vn", self.dlr(n2, mid, ids[0], "delivered"))[0], 200)
        self.assertEqual(self.gw.post("/dlr/vn", self.dlr(n2, mid, ids[1], "failed", "1"))[0],
                         200)
        self.assertEqual(self.gw.query("SELECT status, reason FROM messages WHERE id=?", mid)[0],
                         ("failed", "part 2 of 2: err-code 1 (failed)"))
        # a part Vonage refuses at once fails the message; nothing retried
        row = self.gw.wait_until(lambda: self.gw.query(
            "SELECT reason, attempts FROM messages WHERE number=? AND direction='out'"
            " AND status='failed'", "+" + n3), 10)
        self.assertEqual(row[0], ("part 2 of 2: status 7: Number barred", 1))


if __name__ == "__main__":
    main()

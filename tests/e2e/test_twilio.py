# SPDX-License-Identifier: Apache-2.0
"""The Twilio provider against a local fake of its REST API and signed
webhooks (../shared/protocols.md §1): signatures required, account checked,
sends with basic auth and a StatusCallback, status callbacks mapped, and
Twilio's error codes classed as retryable or permanent.  The signatures are
computed here as Twilio documents them; the C implementation is also
checked against Twilio's own test vectors in tests/unit/test_twilio.c."""

import base64
import hashlib
import hmac
import json
import threading
import time
import unittest
import urllib.parse

from harness import FakeApi, Gateway, Sink, main

SID = "AC0123456789abcdef0123456789abcdef"
TOKEN = "0123456789abcdef0123456789abcdef"
PUBLIC = "https://gw.example.org"


def signature(url, params):
    data = url + "".join(k + v for k, v in sorted(params.items()))
    mac = hmac.new(TOKEN.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(mac).decode()


class TwilioTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.plan = {}
        cls.lock = threading.Lock()
        cls.api = FakeApi(cls.answer)
        cls.sink = Sink()
        providers = """,
  { name = "tw"; type = "twilio"; account_sid = "%s"; auth_token = "%s";
    base_url = "http://127.0.0.1:%d"; public_url = "%s/"; from = "+15017122661"; },
  { name = "twx"; type = "twilio"; account_sid = "%s"; auth_token = "%s";
    base_url = "http://127.0.0.1:%d"; public_url = "%s"; reply_mode = "twiml"; },
  { name = "twp"; type = "twilio"; account_sid = "%s"; auth_token = "%s";
    base_url = "http://127.0.0.1:%d"; from = "+15017122662"; poll_interval_s = 1; }""" % (
            SID, TOKEN, cls.api.port, PUBLIC, SID, TOKEN, cls.api.port, PUBLIC,
            SID, TOKEN, cls.api.port)
        cls.gw = Gateway(cls.sink, attempts=3, providers=providers).start()

    @classmethod
    def tearDownClass(cls):
        cls.gw.close()
        cls.sink.close()
        cls.api.close()

    @classmethod
    def answer(cls, path, headers, body):
        f = dict(urllib.parse.parse_qsl(body))
        want = "Basic " + base64.b64encode(("%s:%s" % (SID, TOKEN)).encode()).decode()
        if headers.get("Authorization") != want:
            return 401, "application/json", json.dumps({"code": 20003, "message": "Authenticate", "status": 401})
        if path.startswith("/2010-04-01/Accounts/%s/Messages.json?" % SID):
            return cls.listing(path)
        if path != "/2010-04-01/Accounts/%s/Messages.json" % SID:
            return 404, "application/json", "{}"
        with cls.lock:
            queued = cls.plan.get(f["To"], [])
            kind = queued.pop(0) if queued else "ok"
        if kind == "invalid":
            return 400, "application/json", json.dumps(
                {"code": 21211, "message": "Invalid 'To' Phone Number", "status": 400})
        if kind == "busy":
            return 429, "application/json", json.dumps(
                {"code": 20429, "message": "Too Many Requests", "status": 429})
        return 201, "application/json", json.dumps({
            "sid": "SM" + f["To"][-6:].rjust(32, "0"), "status": "queued",
            "to": f["To"], "from": f.get("From"), "body": f["Body"],
            "price": None, "price_unit": "USD", "error_code": None})

    @classmethod
    def listing(cls, path):
        # newest first, two pages; outbound messages mixed in
        base = "/2010-04-01/Accounts/%s/Messages.json" % SID
        q = dict(urllib.parse.parse_qsl(path.split("?", 1)[1]))
        if q.get("To") != "+15017122662" or "DateSent>" not in q:
            return 400, "application/json", json.dumps({"code": 20001, "message": "bad filter"})
        def msg(sid, frm, direction, body):
            return {"sid": sid, "from": frm, "to": "+15017122662", "body": body,
                    "direction": direction, "status": "received"}
        if q.get("PageToken") == "PA1":
            page = {"messages": [msg("SM" + "c" * 32, "+254711000603", "inbound", "contact")],
                    "next_page_uri": None}
        else:
            page = {"messages": [msg("SM" + "a" * 32, "+254711000601", "inbound", "about"),
                                 msg("SM" + "b" * 32, "+15017122662", "outbound-api", "x")],
                    "next_page_uri": base + "?To=%2B15017122662&DateSent%3E=" +
                    q["DateSent>"] + "&PageSize=100&Page=1&PageToken=PA1"}
        return 200, "application/json", json.dumps(page)

    def webhook(self, path, params, sign=True, sig=None):
        headers = {}
        if sign:
            headers["X-Twilio-Signature"] = sig or signature(PUBLIC + path, params)
        return self.gw.post(path, params, headers)

    def inbound(self, number, text, sid):
        return {"MessageSid": sid, "SmsSid": sid, "AccountSid": SID, "From": number,
                "To": "+15017122661", "Body": text, "NumMedia": "0", "NumSegments": "1",
                "FromCity": "", "FromCountry": "KE", "ApiVersion": "2010-04-01"}

    def sent_request(self, number):
        for method, path, headers, body in self.api.requests:
            f = dict(urllib.parse.parse_qsl(body))
            if f.get("To") == number:
                return f
        return None

    def test_inbound_reply_and_status(self):
        n = "+254711000301"
        status, body = self.webhook("/sms/tw", self.inbound(n, "About", "SM" + "1" * 32))
        self.assertEqual(status, 200)
        self.assertIn("<Response></Response>", body)
        f = self.gw.wait_until(lambda: self.sent_request(n), 10)
        self.assertEqual(f["From"], "+15017122661")
        self.assertEqual(f["StatusCallback"], PUBLIC + "/dlr/tw")
        self.assertTrue(f["Body"].startswith("Baraza lets you"))
        sid = "SM" + n[-6:].rjust(32, "0")
        self.assertTrue(self.gw.wait_until(lambda: self.gw.query(
            "SELECT 1 FROM messages WHERE provider_id=? AND status='sent'", sid)))
        cb = {"MessageSid": sid, "MessageStatus": "delivered", "AccountSid": SID,
              "To": n, "From": "+15017122661", "ApiVersion": "2010-04-01"}
        self.assertEqual(self.webhook("/dlr/tw", cb)[0], 200)
        self.assertEqual(self.gw.query("SELECT status FROM messages WHERE provider_id=?", sid)[0][0],
                         "delivered")
        # out of order: a late "sent" does not undo the delivery
        self.assertEqual(self.webhook("/dlr/tw", dict(cb, MessageStatus="sent"))[0], 200)
        self.assertEqual(self.gw.query("SELECT status FROM messages WHERE provider_id=?", sid)[0][0],
                         "delivered")
        # a redelivered webhook (Twilio retries): one message
        self.webhook("/sms/tw", self.inbound(n, "About", "SM" + "1" * 32))
        self.assertEqual(self.gw.query("SELECT count(*) FROM messages WHERE number=?"
                                       " AND direction='in'", n)[0][0], 1)

    def test_undelivered_keeps_the_error(self):
        n = "+254711000302"
        self.webhook("/sms/tw", self.inbound(n, "contact", "SM" + "2" * 32))
        sid = "SM" + n[-6:].rjust(32, "0")
        self.assertTrue(self.gw.wait_until(lambda: self.gw.query(
            "SELECT 1 FROM messages WHERE provider_id=? AND status='sent'", sid)))
        cb = {"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": "30003",
              "AccountSid": SID}
        self.assertEqual(self.webhook("/dlr/tw", cb)[0], 200)
        self.assertEqual(self.gw.query("SELECT status, reason FROM messages WHERE provider_id=?", sid)[0],
                         ("failed", "Twilio error 30003 (undelivered)"))

    def test_signatures_and_account_required(self):
        count = "SELECT count(*) FROM messages WHERE provider = 'tw'"  # twp polls
        before = self.gw.query(count)[0][0]
        p = self.inbound("+254711000303", "help", "SM" + "3" * 32)
        self.assertEqual(self.webhook("/sms/tw", p, sign=False)[0], 401)
        self.assertEqual(self.webhook("/sms/tw", p, sig="RSOYDt4T1cUTdK1PDd93/VVr8B8=")[0], 403)
        # signed for another URL (a replay to another endpoint)
        self.assertEqual(self.webhook("/sms/tw", p, sig=signature(PUBLIC + "/sms/other", p))[0], 403)
        # a parameter changed after signing
        sig = signature(PUBLIC + "/sms/tw", p)
        self.assertEqual(self.webhook("/sms/tw", dict(p, Body="STOP"), sig=sig)[0], 403)
        self.assertEqual(self.webhook("/sms/tw", dict(p, AccountSid="AC" + "9" * 32))[0], 403)
        self.assertEqual(self.webhook("/dlr/tw", {"MessageSid": "SMx", "MessageStatus": "sent"},
                                      sign=False)[0], 401)
        self.assertEqual(self.gw.query(count)[0][0], before)

    def test_error_codes(self):
        n1, n2 = "+254711000304", "+254711000305"
        with self.lock:
            self.plan[n1] = ["invalid"]
            self.plan[n2] = ["busy", "ok"]
        self.webhook("/sms/tw", self.inbound(n1, "about", "SM" + "4" * 32))
        self.webhook("/sms/tw", self.inbound(n2, "about", "SM" + "5" * 32))
        row = self.gw.wait_until(lambda: self.gw.query(
            "SELECT attempts, reason FROM messages WHERE number=? AND direction='out'"
            " AND status='failed'", n1), 10)
        self.assertEqual(row[0][0], 1)
        self.assertIn("21211", row[0][1])
        row = self.gw.wait_until(lambda: self.gw.query(
            "SELECT attempts FROM messages WHERE number=? AND direction='out'"
            " AND status='sent'", n2), 10)
        self.assertEqual(row[0][0], 2)

    def test_twiml_reply_in_the_answer(self):
        n = "+254711000306"
        status, body = self.webhook("/sms/twx", self.inbound(n, "About", "SM" + "6" * 32))
        self.assertEqual(status, 200)
        self.assertTrue(body.startswith('<?xml version="1.0" encoding="UTF-8"?><Response><Message>'
                                        "Baraza lets you"), body)
        self.assertTrue(body.rstrip().endswith("</Message></Response>"))
        row = self.gw.query("SELECT provider, status FROM messages WHERE number=?"
                            " AND direction='out'", n)
        self.assertEqual(row, [("twx", "sent")])
        time.sleep(0.5)
        self.assertIsNone(self.sent_request(n))  # nothing through the REST API
        # a redelivery gets the plain acknowledgement, not a second reply
        status, body = self.webhook("/sms/twx", self.inbound(n, "About", "SM" + "6" * 32))
        self.assertNotIn("<Message>", body)

    def test_twiml_answers_at_once_each_get_their_own_reply(self):
        # webhooks arriving together share the writer's batch and its
        # transaction: each answer must still carry its own message's reply
        numbers = ["+2547110007%02d" % i for i in range(24)]
        words = {n: ("About", "Contact")[i % 2] for i, n in enumerate(numbers)}
        answers = {}

        def post(i, n):
            answers[n] = self.webhook("/sms/twx", self.inbound(n, words[n], "SM7%031d" % i))

        threads = [threading.Thread(target=post, args=(i, n)) for i, n in enumerate(numbers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for n in numbers:
            status, body = answers[n]
            self.assertEqual(status, 200, body)
            start = "Baraza lets you" if words[n] == "About" else "County office:"
            self.assertIn("<Message>" + start, body)
            row = self.gw.query("SELECT provider, status FROM messages WHERE number=?"
                                " AND direction='out'", n)
            self.assertEqual(row, [("twx", "sent")])
        time.sleep(0.5)
        self.assertEqual([n for n in numbers if self.sent_request(n)], [])

    def test_polling_lists_inbound_once(self):
        polled = lambda: self.gw.query(
            "SELECT provider_id, number, text FROM messages WHERE provider='twp'"
            " AND direction='in' ORDER BY provider_id")
        self.assertTrue(self.gw.wait_until(lambda: len(polled()) == 2, 15))
        time.sleep(2.5)  # more rounds: the same pages, nothing new
        self.assertEqual(polled(), [("SM" + "a" * 32, "+254711000601", "about"),
                                    ("SM" + "c" * 32, "+254711000603", "contact")])
        asked = [p for m, p, h, b in self.api.requests if m == "GET"]
        self.assertTrue(any("PageToken=PA1" in p for p in asked))
        self.assertTrue(any("DateSent%3E=" in p for p in asked))
        # the stored cursor is a day, never a page of a round
        cursor = self.gw.query("SELECT cursor FROM poll_cursors WHERE provider='twp'")[0][0]
        self.assertRegex(cursor, r"^\d{4}-\d{2}-\d{2}$")


if __name__ == "__main__":
    main()

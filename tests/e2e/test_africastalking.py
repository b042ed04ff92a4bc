# SPDX-License-Identifier: Apache-2.0
"""The Africa's Talking provider against a local fake of its documented API
(../shared/protocols.md §2): callbacks with a URL token and an address
allow-list, sending with the apiKey header, per-recipient status codes,
costs, and delivery reports."""

import json
import threading
import time
import unittest
import urllib.parse

from harness import FakeApi, Gateway, Sink, main

TOKEN = "at-callback-secret"


class AfricasTalkingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.mode = {}  # number -> list of answers to give, in turn
        cls.stored = [  # what AT keeps for polling
            {"id": i, "from": "+25471100070%d" % i, "to": "22384", "text": "about",
             "date": "2026-11-26 12:00:0%d" % i, "linkId": ""} for i in range(1, 6)]
        cls.lock = threading.Lock()
        cls.api = FakeApi(cls.answer)
        cls.sink = Sink()
        providers = """,
  { name = "at"; type = "africastalking"; username = "sandbox"; api_key = "key-123";
    base_url = "http://127.0.0.1:%d"; token = "%s"; from = "22384"; },
  { name = "at2"; type = "africastalking"; username = "county"; api_key = "key-456";
    base_url = "http://127.0.0.1:%d"; allow = [ "192.0.2.7" ]; },
  { name = "at3"; type = "africastalking"; username = "poller"; api_key = "key-789";
    base_url = "http://127.0.0.1:%d"; poll_interval_s = 1; }""" % (
            cls.api.port, TOKEN, cls.api.port, cls.api.port)
        cls.gw = Gateway(cls.sink, attempts=3, providers=providers).start()

    @classmethod
    def tearDownClass(cls):
        cls.gw.close()
        cls.sink.close()
        cls.api.close()

    @classmethod
    def answer(cls, path, headers, body):
        if path.startswith("/version1/messaging?"):
            return cls.inbox(path, headers)
        f = dict(urllib.parse.parse_qsl(body))
        if path != "/version1/messaging" or headers.get("apiKey") not in ("key-123", "key-456", "key-789"):
            return 401, "text/plain", "The supplied authentication is invalid"
        with cls.lock:
            queued = cls.mode.get(f.get("to"), [])
            kind = queued.pop(0) if queued else "ok"
        if kind == "html":
            return 200, "text/html", "<html><body>Bad gateway</body></html>"
        if kind == "http500":
            return 500, "text/plain", "Internal error"
        if kind == "nobody":  # every recipient refused: no Recipients at all
            return 201, "application/json", json.dumps(
                {"SMSMessageData": {"Message": "Sent to 0/1 Total Cost: 0", "Recipients": []}})
        codes = {"ok": (101, "Success"), "invalid": (403, "InvalidPhoneNumber"),
                 "internal": (500, "InternalServerError"), "balance": (405, "InsufficientBalance")}
        code, status = codes[kind]
        rec = {"statusCode": code, "number": f["to"], "status": status,
               "cost": "KES 0.8000" if code == 101 else "0",
               "messageId": "ATXid_%s" % f["to"][-4:] if code == 101 else "None"}
        return 201, "application/json", json.dumps(
            {"SMSMessageData": {"Message": "Sent to 1/1", "Recipients": [rec]}})

    @classmethod
    def inbox(cls, path, headers):
        q = dict(urllib.parse.parse_qsl(path.split("?", 1)[1]))
        if headers.get("apiKey") != "key-789" or q.get("username") != "poller":
            return 401, "text/plain", "The supplied authentication is invalid"
        last = int(q.get("lastReceivedId", "0"))
        with cls.lock:
            newer = [m for m in cls.stored if m["id"] > last][:2]  # pages of two
        return 200, "application/json", json.dumps({"SMSMessageData": {"Messages": newer}})

    def callback(self, path, fields, token=TOKEN):
        q = "?token=" + token if token else ""
        return self.gw.post(path + q, fields)

    def out_row(self, number, status):
        return self.gw.wait_until(lambda: self.gw.query(
            "SELECT provider_id, cost, reason, attempts FROM messages WHERE"
            " direction='out' AND number=? AND status=?", number, status), 10)

    def test_inbound_reply_and_delivery(self):
        n = "+254711000101"
        status, body = self.callback("/sms/at", {
            "from": n, "to": "22384", "text": "Msaada", "date": "2026-11-26 12:00:00",
            "id": "5a1b-0001", "linkId": "", "networkCode": "63902"})
        self.assertEqual((status, body), (200, "OK\n"))
        row = self.out_row(n, "sent")
        self.assertEqual(row[0][:2], ("ATXid_0101", "KES 0.8000"))
        method, path, headers, sent = [r for r in self.api.requests
                                       if ("to=" + urllib.parse.quote(n, safe="")) in r[3]][0]
        f = dict(urllib.parse.parse_qsl(sent))
        self.assertEqual((method, path), ("POST", "/version1/messaging"))
        self.assertEqual(headers["apiKey"], "key-123")
        self.assertEqual(headers["Accept"], "application/json")
        self.assertEqual(f["username"], "sandbox")
        self.assertEqual(f["from"], "22384")
        self.assertEqual(f["bulkSMSMode"], "1")
        self.assertTrue(f["message"].startswith("Tuma neno moja"))
        # delivery reports, by AT's messageId
        self.assertEqual(self.callback("/dlr/at", {"id": "ATXid_0101", "status": "Submitted",
                                                   "phoneNumber": n})[0], 200)
        self.assertEqual(self.callback("/dlr/at", {"id": "ATXid_0101", "status": "Success",
                                                   "phoneNumber": n, "networkCode": "63902"})[0], 200)
        self.assertEqual(self.out_row(n, "delivered")[0][0], "ATXid_0101")
        self.assertEqual(self.callback("/dlr/at", {"id": "ATXid_0101", "status": "Failed",
                                                   "failureReason": "UserInBlackList"})[0], 200)
        self.assertEqual(self.out_row(n, "failed")[0][2], "UserInBlackList")
        self.assertEqual(self.callback("/dlr/at", {"id": "ATXid_0101", "status": "Lost"})[0], 400)
        # the same callback twice: one message
        self.callback("/sms/at", {"from": n, "to": "22384", "text": "Msaada", "id": "5a1b-0001"})
        self.assertEqual(self.gw.query("SELECT count(*) FROM messages WHERE number=?"
                                       " AND direction='in'", n)[0][0], 1)

    def test_callbacks_must_prove_their_source(self):
        # (the polling provider at3 adds messages meanwhile: count the others)
        count = "SELECT count(*) FROM messages WHERE provider IN ('at', 'at2')"
        before = self.gw.query(count)[0][0]
        fields = {"from": "+254711000102", "to": "22384", "text": "help", "id": "x-1"}
        self.assertEqual(self.callback("/sms/at", fields, token=None)[0], 403)
        self.assertEqual(self.callback("/sms/at", fields, token="wrong-secret-1")[0], 403)
        self.assertEqual(self.callback("/dlr/at", {"id": "a", "status": "Success"}, token=None)[0], 403)
        # at2 takes callbacks only from 192.0.2.7; this test is 127.0.0.1
        self.assertEqual(self.gw.post("/sms/at2", fields)[0], 403)
        self.assertEqual(self.gw.query(count)[0][0], before)

    def test_permanent_and_temporary_failures(self):
        n1, n2, n3, n4 = "+254711000201", "+254711000202", "+254711000203", "+254711000204"
        with self.lock:
            self.mode[n1] = ["invalid"]
            self.mode[n2] = ["internal", "html", "ok"]
            self.mode[n3] = ["http500", "balance", "balance"]
            self.mode[n4] = ["nobody"]
        for n in (n1, n2, n3, n4):
            self.callback("/sms/at", {"from": n, "to": "22384", "text": "about"})
        row = self.out_row(n1, "failed")
        self.assertEqual(row[0][2:], ("403 InvalidPhoneNumber", 1))
        row = self.out_row(n2, "sent")
        self.assertEqual(row[0][3], 3)
        hist = [r[0] for r in self.gw.query(
            "SELECT e.detail FROM message_events e JOIN messages m ON m.id = e.message_id"
            " WHERE m.number=? AND m.direction='out' AND e.status='retry' ORDER BY e.rowid", n2)]
        self.assertEqual(hist, ["500 InternalServerError", "unreadable answer from Africa's Talking"])
        row = self.out_row(n3, "failed")  # retries exhausted (3)
        self.assertEqual(row[0][2:], ("405 InsufficientBalance", 3))
        # no recipient in the answer: its message says why, and it is final
        # (read after the answer was freed, once: ASan caught it by fuzzing)
        row = self.out_row(n4, "failed")
        self.assertEqual(row[0][2:], ("Sent to 0/1 Total Cost: 0", 1))

    def test_polling_neither_misses_nor_repeats(self):
        polled = lambda: self.gw.query(
            "SELECT number FROM messages WHERE provider='at3' AND direction='in' ORDER BY id")
        self.assertTrue(self.gw.wait_until(lambda: len(polled()) == 5, 15))
        self.assertEqual([r[0] for r in polled()], ["+25471100070%d" % i for i in range(1, 6)])
        self.assertEqual(self.gw.query("SELECT cursor FROM poll_cursors WHERE provider='at3'"),
                         [("5",)])
        # replies to polled messages leave through the same provider
        self.assertTrue(self.gw.wait_until(lambda: self.gw.query(
            "SELECT count(*) FROM messages WHERE provider='at3' AND direction='out'"
            " AND status='sent'")[0][0] == 5, 10))
        # a restart resumes from the cursor: nothing twice, the new one once
        self.gw.stop()
        with self.lock:
            self.stored.append({"id": 6, "from": "+254711000706", "to": "22384",
                                "text": "contact", "date": "", "linkId": ""})
        self.gw.start(["-o", "gateway.concat_timeout_s=60"])
        self.assertTrue(self.gw.wait_until(lambda: len(polled()) == 6, 15))
        time.sleep(2.5)
        self.assertEqual(len(polled()), 6)
        asked = [p for m, p, h, b in self.api.requests if "lastReceivedId=" in p]
        self.assertIn("/version1/messaging?username=poller&lastReceivedId=5", asked)


if __name__ == "__main__":
    main()

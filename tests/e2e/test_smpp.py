# SPDX-License-Identifier: Apache-2.0
"""The smpp provider against a real SMPP server: tests/peer/fake_smsc.js,
built on the npm package smpp (node-smpp), on loopback.  Binds (one
transceiver, or a transmitter and a receiver), MO -> reply, delivery
receipts, long messages both ways, the window, throttling, reconnection,
deliver_sm answered only after the commit, refusals, unbind."""

import json
import os
import shutil
import socket
import sqlite3
import tempfile
import subprocess
import threading
import time
import unittest
import urllib.request

from harness import SRC, Gateway, Sink, free_port, main

PEER = os.path.join(SRC, "tests", "peer")


class Smsc:
    """fake_smsc.js in a child process, and its control port."""

    def __init__(self, quiet=False, tls=None):
        if not os.path.isdir(os.path.join(PEER, "node_modules", "smpp")):
            raise RuntimeError("npm package smpp missing: cd tests/peer && npm ci")
        self.port = free_port()
        self.control = free_port()
        args = ["node", os.path.join(PEER, "fake_smsc.js"), str(self.port),
                str(self.control)] + (["--quiet"] if quiet else []) + \
            (["--tls", tls[0], tls[1]] if tls else [])
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        if self.proc.stdout.readline().strip() != "ready":
            raise RuntimeError("fake SMSC did not start")

    def call(self, path, body=None, timeout=15):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.control, path),
                                     data=data, method="POST" if data is not None else "GET")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            return dict(json.loads(e.read()), http=e.code)

    def state(self):
        return self.call("/state")

    def deliver(self, **kw):
        return self.call("/deliver", kw)

    def mode(self, **kw):
        return self.call("/mode", kw)

    def bound(self, kinds=1, timeout=10):
        end = time.time() + timeout
        while time.time() < end:
            if len([s for s in self.state()["sessions"] if s]) >= kinds:
                return True
            time.sleep(0.05)
        return False

    def close(self):
        self.proc.kill()
        self.proc.wait()
        if os.environ.get("SMSC_DEBUG"):
            print(self.proc.stdout.read())


def self_signed(directory, ip="127.0.0.1"):
    """A key and a certificate for the address ip (PEM files), made with
    the openssl command."""
    key, cert = os.path.join(directory, "key.pem"), os.path.join(directory, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=" + ip, "-addext",
                    "subjectAltName=IP:" + ip], check=True, capture_output=True)
    return key, cert


def provider(smsc, name="smsc", extra="", host="127.0.0.1"):
    return """,
  { name = "%s"; type = "smpp"; host = "%s"; port = %d; system_id = "gw";
    password = "secret"; from = "22384"; prefixes = [ "+25479" ];
    enquire_link_s = 1; reconnect_max_s = 1; throttle_pause_ms = 200; %s }""" % (
        name, host, smsc.port, extra)


class SmppTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.smsc = Smsc()
        cls.sink = Sink()
        cls.gw = Gateway(cls.sink, providers=provider(cls.smsc, extra="concurrency = 5;"))
        cls.gw.start()
        if not cls.smsc.bound():
            raise RuntimeError("no bind: %s" % cls.gw.logtext())
        cls.first_binds = cls.smsc.state()["binds"]

    @classmethod
    def tearDownClass(cls):
        cls.gw.close()
        cls.smsc.close()
        cls.sink.close()

    def setUp(self):
        # earlier tests' replies leave first
        self.gw.wait_until(lambda: self.gw.query(
            "SELECT count(*) FROM messages WHERE status IN ('received', 'queued')")[0][0] == 0)
        self.smsc.mode(throttle=0, hold=False, refuse_bind=False, receipts=True,
                       receipt_stat="DELIVRD", part_stat={}, fail=0, ids="plain")
        self.smsc.call("/reset", {})

    def submits(self, count, to="", timeout=10):
        """The submit_sm answered with an id, to numbers starting with `to`
        (replies to earlier tests' messages may still arrive)."""
        def ok():
            return [x for x in self.smsc.state()["submits"]
                    if x["status"] == "ok" and x["destination_addr"].startswith(to)]
        end = time.time() + timeout
        while time.time() < end and len(ok()) < count:
            time.sleep(0.05)
        return ok()

    def out_row(self, number):
        return self.gw.wait_until(lambda: self.gw.query(
            "SELECT status, provider_id, attempts FROM messages WHERE direction = 'out'"
            " AND number = ? ORDER BY id DESC LIMIT 1", number))

    def test_bind_is_smpp_34_transceiver(self):
        self.assertEqual(self.first_binds, [{"kind": "bind_transceiver", "system_id": "gw",
                                             "ok": True, "interface_version": 0x34}])
        self.assertEqual(self.smsc.state()["sessions"], ["bind_transceiver"])
        self.assertIn("smpp smsc: bound to 127.0.0.1:%d (bind_transceiver) as FAKESMSC"
                      % self.smsc.port, self.gw.logtext())
        self.assertIn("smpp smsc", self.gw.thread_names())

    def test_keyword_reply_and_receipt(self):
        r = self.smsc.deliver(**{"from": "254711000501", "text": "HELP"})
        self.assertEqual(r["command_status"], 0)
        got = self.submits(1, "254711000501")
        self.assertEqual(len(got), 1, got)
        s = got[0]
        self.assertEqual(s["destination_addr"], "254711000501")
        self.assertEqual((s["dest_addr_ton"], s["dest_addr_npi"]), (1, 1))
        self.assertEqual(s["source_addr"], "22384")
        self.assertEqual(s["registered_delivery"], 1)
        self.assertEqual(s["data_coding"], 0)
        self.assertTrue(s["message"].startswith("Send one word: SURVEY"), s)
        # stored with the SMSC's message id, then the receipt delivers it
        row = self.gw.wait_until(lambda: [r for r in self.out_row("+254711000501")
                                          if r[0] == "delivered"])
        self.assertEqual(row[0][1], s["id"])
        self.assertEqual(self.gw.query(
            "SELECT text FROM messages WHERE direction = 'in' AND number = ?",
            "+254711000501"), [("HELP",)])

    def test_failed_receipt(self):
        self.smsc.mode(receipt_stat="UNDELIV")
        self.assertEqual(self.gw.cli("send", "--to", "+254790000010", "--via", "smsc",
                                     "Water is back on Monday")[0], 0)
        row = self.gw.wait_until(lambda: [r for r in self.out_row("+254790000010")
                                          if r[0] == "failed"])
        self.assertTrue(row, self.out_row("+254790000010"))
        reason = self.gw.query("SELECT reason FROM messages WHERE number = ?",
                               "+254790000010")
        self.assertEqual(reason, [("stat:UNDELIV err:034",)])

    def sent_without_receipt(self, n):
        """Sends a message to n through the SMSC with receipts off; returns
        the receipt text that says it failed, for the test to deliver."""
        self.smsc.mode(receipts=False)
        self.gw.cli("send", "--to", n, "--via", "smsc", "Water is back on Monday")
        sent = self.submits(1, n[1:])
        self.assertEqual(len(sent), 1, sent)
        self.gw.wait_until(lambda: [r for r in self.out_row(n) if r[0] == "sent"])
        return ("id:%s sub:001 dlvrd:000 submit date:2405011200 done date:2405011201"
                " stat:UNDELIV err:034 text:" % sent[0]["id"])

    def test_receipt_waits_out_a_moment_of_locked_database(self):
        """A receipt that comes while another process holds the write lock
        for a second is written once the lock lifts and answered ESME_ROK,
        not refused for the SMSC to deliver it again (some do so hours
        later)."""
        n = "+254790000011"
        receipt = self.sent_without_receipt(n)
        con = sqlite3.connect(self.gw.db, timeout=10, isolation_level=None)
        con.execute("BEGIN IMMEDIATE")
        result = {}
        t = threading.Thread(target=lambda: result.update(self.smsc.deliver(**{
            "from": n[1:], "to": "22384", "esm_class": 4, "text": receipt,
            "wait_ms": 8000})))
        t.start()
        try:
            time.sleep(1.2)
            self.assertEqual(result, {}, "answered while the database was locked")
        finally:
            con.execute("ROLLBACK")
            con.close()
        t.join(10)
        self.assertEqual(result.get("command_status"), 0, result)
        self.assertEqual(self.out_row(n)[0][0], "failed")

    def test_receipt_refused_when_the_lock_outlasts_its_wait(self):
        """A lock held longer than a receipt waits (5 s): the receipt is
        refused ESME_RX_T_APPN, for the SMSC to deliver it again, and the
        message stays as it was."""
        n = "+254790000012"
        receipt = self.sent_without_receipt(n)
        con = sqlite3.connect(self.gw.db, timeout=10, isolation_level=None)
        con.execute("BEGIN IMMEDIATE")
        try:
            t0 = time.time()
            r = self.smsc.deliver(**{"from": n[1:], "to": "22384", "esm_class": 4,
                                     "text": receipt, "wait_ms": 12000})
            waited = time.time() - t0
        finally:
            con.execute("ROLLBACK")
            con.close()
        self.assertEqual(r.get("command_status"), 0x64, r)  # ESME_RX_T_APPN
        self.assertGreaterEqual(waited, 4.5)
        self.assertEqual(self.out_row(n)[0][0], "sent")

    def test_unicode_both_ways(self):
        r = self.smsc.deliver(**{"from": "254711000502", "text": "Maji {kibera} €5",
                                 "data_coding": 0})
        self.assertEqual(r["command_status"], 0)
        r = self.smsc.deliver(**{"from": "254711000503", "text": "Habari 😀 ŝ",
                                 "data_coding": 8})
        self.assertEqual(r["command_status"], 0)
        texts = self.gw.wait_until(lambda: dict(self.gw.query(
            "SELECT number, text FROM messages WHERE direction = 'in'"
            " AND number IN ('+254711000502', '+254711000503')")) if len(self.gw.query(
                "SELECT 1 FROM messages WHERE direction = 'in'"
                " AND number IN ('+254711000502', '+254711000503')")) == 2 else None)
        self.assertEqual(texts["+254711000502"], "Maji {kibera} €5")
        self.assertEqual(texts["+254711000503"], "Habari 😀 ŝ")
        self.gw.cli("send", "--to", "+254790000011", "--via", "smsc", "Asante 😀")
        got = self.submits(1, "254790000011")
        self.assertEqual(len(got), 1)
        self.assertEqual(got[0]["data_coding"], 8)
        self.assertEqual(got[0]["message"], "Asante 😀")

    def test_long_mo_udh_and_sar_joined(self):
        a, b = "The borehole pump at the market has been broken " * 3, "for two weeks."
        self.smsc.deliver(**{"from": "254711000504", "udh": "0500032a0201", "text": a})
        self.smsc.deliver(**{"from": "254711000504", "udh": "0500032a0202", "text": b})
        self.smsc.deliver(**{"from": "254711000505", "text": "second half", "sar_msg_ref_num": 300,
                             "sar_total_segments": 2, "sar_segment_seqnum": 2})
        self.smsc.deliver(**{"from": "254711000505", "text": "first half, ", "sar_msg_ref_num": 300,
                             "sar_total_segments": 2, "sar_segment_seqnum": 1})
        rows = self.gw.wait_until(lambda: self.gw.query(
            "SELECT number, text FROM messages WHERE direction = 'in'"
            " AND number IN ('+254711000504', '+254711000505') ORDER BY number"))
        self.gw.wait_until(lambda: len(self.gw.query(
            "SELECT 1 FROM messages WHERE direction = 'in'"
            " AND number IN ('+254711000504', '+254711000505')")) == 2)
        rows = self.gw.query(
            "SELECT number, text FROM messages WHERE direction = 'in'"
            " AND number IN ('+254711000504', '+254711000505') ORDER BY number")
        self.assertEqual(rows, [("+254711000504", a + b),
                                ("+254711000505", "first half, second half")])

    def test_long_reply_leaves_in_udh_parts(self):
        text = ("Clinic hours: Monday to Friday 8am to 5pm, Saturday 9am to 1pm. "
                "Bring your card. Children under five are seen first. ") * 2
        self.gw.cli("send", "--to", "+254790000012", "--via", "smsc", text.strip())
        got = self.submits(2, "254790000012")
        self.assertEqual(len(got), 2, got)
        self.assertTrue(all(s["esm_class"] & 0x40 for s in got))
        ref = {s["udh"][0][:8] for s in got}
        self.assertEqual(len(ref), 1, got)  # one reference, 2 parts
        self.assertEqual(sorted(s["udh"][0][-2:] for s in got), ["01", "02"])
        self.assertEqual("".join(s["message"] for s in sorted(got, key=lambda s: s["udh"][0])),
                         text.strip())
        parts = sorted(got, key=lambda s: s["udh"][0])
        # a receipt is asked for every part; the first part's id is the
        # message's, and each part's id is kept for its receipt
        self.assertEqual([s["registered_delivery"] for s in parts], [1, 1])
        row = self.gw.wait_until(lambda: [r for r in self.out_row("+254790000012")
                                          if r[0] == "delivered"])
        self.assertEqual(row[0][1], parts[0]["id"])
        self.assertEqual(self.gw.query(
            "SELECT p.part, p.provider_id, p.status FROM outbound_parts p JOIN messages m"
            " ON m.id = p.message_id WHERE m.number = ? ORDER BY p.part", "+254790000012"),
            [(1, parts[0]["id"], "delivered"), (2, parts[1]["id"], "delivered")])
        self.assertEqual(self.gw.query("SELECT count(*) FROM reports_waiting")[0][0], 0)

    def long_text(self):
        return ("Your complaint is with the water office. An officer will visit "
                "within three days. Send STATUS and your reference to follow it. ") * 2

    def test_long_reply_waits_for_every_part(self):
        # the second part's receipt is late: the message is not delivered
        # until it comes, though the first part's is in its history
        n = "+254790000013"
        self.smsc.mode(part_stat={"2": "none"})
        self.gw.cli("send", "--to", n, "--via", "smsc", self.long_text().strip())
        parts = sorted(self.submits(2, n[1:]), key=lambda s: s["udh"][0])
        self.assertEqual(len(parts), 2, parts)
        self.gw.wait_until(lambda: self.gw.query(
            "SELECT e.detail FROM message_events e JOIN messages m ON m.id = e.message_id"
            " WHERE m.number = ? AND e.status = 'delivered'", n) == [("part 1 of 2",)])
        time.sleep(0.3)
        self.assertEqual(self.out_row(n)[0][0], "sent")
        receipt = ("id:%s sub:001 dlvrd:001 submit date:2405011200 done date:2405011201"
                   " stat:DELIVRD err:000 text:" % parts[1]["id"])
        r = self.smsc.deliver(**{"from": n[1:], "to": "22384", "esm_class": 4,
                                 "text": receipt})
        self.assertEqual(r["command_status"], 0, r)
        self.assertEqual(self.out_row(n)[0][0], "delivered")

    def test_long_reply_part_undelivered(self):
        # the first part reaches the phone, the second does not: the
        # message is failed, and the reason names the part
        n = "+254790000014"
        self.smsc.mode(part_stat={"2": "UNDELIV"})
        self.gw.cli("send", "--to", n, "--via", "smsc", self.long_text().strip())
        self.assertEqual(len(self.submits(2, n[1:])), 2)
        row = self.gw.wait_until(lambda: self.gw.query(
            "SELECT status, reason FROM messages WHERE number = ? AND direction = 'out'"
            " AND status = 'failed'", n))
        self.assertEqual(row, [("failed", "part 2 of 2: stat:UNDELIV err:034")])
        # the delivered first part does not make it delivered after all
        time.sleep(0.3)
        self.assertEqual(self.out_row(n)[0][0], "failed")
        # the operator sees why, part by part
        mid = self.gw.query("SELECT id FROM messages WHERE number = ? AND direction = 'out'",
                            n)[0][0]
        rc, out, err = self.gw.cli("queue", "show", str(mid))
        self.assertEqual(rc, 0, err)
        self.assertIn("message %d  out  smsc  %s  failed (part 2 of 2: stat:UNDELIV err:034)"
                      % (mid, n), out)
        self.assertIn("2 segments gsm7", out)
        # times local, as the desk and the exports show them (here UTC)
        at = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000"
        self.assertRegex(out, r"\n  %s  delivered  part 1 of 2\n" % at)
        self.assertRegex(out, r"\n  %s  failed  part 2 of 2: stat:UNDELIV err:034\n" % at)
        self.assertRegex(out, r"parts:\n  1  m\d+  delivered\n  2  m\d+  failed\n")
        self.assertEqual(self.gw.cli("queue", "show", "999999")[0], 1)
        self.assertEqual(self.gw.cli("queue", "show")[0], 1)

    def ussd(self, number, op, text, its, count):
        """A USSD step from the handset; the screens sent back so far (the
        SMS copy of a last screen is not one: it may leave before it)."""
        r = self.smsc.deliver(**{"from": number, "to": "*384*1#", "text": text,
                                 "ussd_service_op": op, "its_session_info": its,
                                 "service_type": "USSD"})
        self.assertEqual(r["command_status"], 0, r)
        end = time.time() + 10
        while True:
            screens = [x for x in self.submits(0, number)
                       if x["ussd_service_op"] is not None]
            if len(screens) >= count or time.time() > end:
                return screens
            time.sleep(0.05)

    def test_ussd_dialogue(self):
        n = "254790000801"
        s = self.ussd(n, 1, "*384*1#", 0x0700, 1)  # PSSR indication: the dial
        self.assertEqual(len(s), 1, s)
        self.assertEqual(s[0]["ussd_service_op"], 2)  # USSR request: more to come
        self.assertEqual(s[0]["its_session_info"], 0x0700)
        self.assertEqual(s[0]["source_addr"], "*384*1#")
        self.assertEqual(s[0]["registered_delivery"], 0)
        self.assertTrue(s[0]["message"].startswith("Baraza"), s[0])
        s = self.ussd(n, 18, "4", 0x0700, 2)  # USSR confirm: the answer
        self.assertEqual(s[1]["ussd_service_op"], 2)
        self.assertTrue(s[1]["message"].startswith("Find a clinic"), s[1])
        s = self.ussd(n, 18, "kayole", 0x0700, 3)
        self.assertEqual(s[2]["ussd_service_op"], 17)  # PSSR response: the end
        self.assertEqual(s[2]["its_session_info"], 0x0701)  # end of session
        self.assertTrue(s[2]["message"].startswith("Kayole Health Centre"), s[2])
        # USSD screens vanish: the last one also comes by SMS
        copy = self.gw.wait_until(lambda: [x for x in self.submits(0, n)
                                           if x["ussd_service_op"] is None])
        self.assertTrue(copy[0]["message"].startswith("Kayole Health Centre"), copy)
        # a dial that carries its inputs: *384*1*5*1# is More, then About
        m = "254790000802"
        s = self.ussd(m, 1, "*384*1*5*1#", 0x0900, 1)
        self.assertEqual(s[0]["ussd_service_op"], 17, s)
        about = self.gw.cli("sim", "--from", "+254790000899", "ABOUT")[1].strip()
        self.assertEqual(s[0]["message"], about[:len(s[0]["message"])])
        # the same dialogue state is kept as for /ussd/NAME
        rows = self.gw.query("SELECT path FROM ussd_sessions WHERE number = ?",
                             "+" + n)
        self.assertEqual(rows, [("4*kayole",)])
        # a dial from something that is no phone number is refused
        r = self.smsc.deliver(**{"from": "CityHall", "source_addr_ton": 5, "to": "*384*1#",
                                 "text": "*384*1#", "ussd_service_op": 1})
        self.assertEqual(r["command_status"], 0x65)  # ESME_RX_P_APPN

    def test_window_holds_at_concurrency(self):
        self.smsc.mode(hold=True)
        for i in range(12):
            self.gw.cli("send", "--to", "+2547900001%02d" % i, "--via", "smsc", "Notice %d" % i)
        self.gw.wait_until(lambda: self.smsc.state()["max_window"] >= 5)
        time.sleep(1.0)
        self.assertEqual(self.smsc.state()["max_window"], 5)
        self.smsc.mode(hold=False)
        got = self.submits(12, "2547900001", timeout=20)
        self.assertEqual(len(got), 12)
        self.assertEqual(self.smsc.state()["max_window"], 5)
        rows = self.gw.wait_until(lambda: self.gw.query(
            "SELECT count(*) FROM messages WHERE number LIKE '+2547900001%' AND status"
            " IN ('sent', 'delivered')")[0][0] == 12)
        self.assertTrue(rows)

    def test_throttled_submits_pause_and_resend(self):
        self.smsc.mode(throttle=3)
        for i in range(4):
            self.gw.cli("send", "--to", "+2547900002%02d" % i, "--via", "smsc", "Meeting %d" % i)
        got = self.submits(4, "2547900002", timeout=20)
        self.assertEqual(len(got), 4)
        throttled = [s for s in self.smsc.state()["submits"] if s["status"] == "throttled"]
        self.assertEqual(len(throttled), 3)
        # a throttled submit is not a failed attempt
        done = self.gw.wait_until(lambda: self.gw.query(
            "SELECT count(*), max(attempts) FROM messages WHERE number LIKE '+2547900002%'"
            " AND status IN ('sent', 'delivered')")[0][0] == 4)
        self.assertTrue(done)
        self.assertEqual(self.gw.query(
            "SELECT max(attempts) FROM messages WHERE number LIKE '+2547900002%'")[0][0], 1)
        self.assertIn("ESME_RTHROTTLED, pausing", self.gw.logtext())

    def test_permanent_error_fails_the_message(self):
        self.smsc.mode(fail=1)
        self.gw.cli("send", "--to", "+254790000300", "--via", "smsc", "Hello")
        row = self.gw.wait_until(lambda: [r for r in self.out_row("+254790000300")
                                          if r[0] == "failed"])
        self.assertTrue(row, self.out_row("+254790000300"))
        self.assertEqual(row[0][2], 1)

    def test_answer_only_after_commit(self):
        import sqlite3
        con = sqlite3.connect(self.gw.db, timeout=10, isolation_level=None)
        con.execute("BEGIN EXCLUSIVE")
        try:
            r = self.smsc.deliver(**{"from": "254711000506", "text": "HELP", "wait_ms": 1500})
            # no ESME_ROK while the database cannot take it
            self.assertNotEqual(r.get("command_status"), 0, r)
        finally:
            con.execute("ROLLBACK")
            con.close()
        if r.get("command_status") == 0x64:  # ESME_RX_T_APPN: the SMSC resends
            r = self.smsc.deliver(**{"from": "254711000506", "text": "HELP"})
            self.assertEqual(r["command_status"], 0)
        n = self.gw.wait_until(lambda: self.gw.query(
            "SELECT count(*) FROM messages WHERE direction = 'in' AND number = ?",
            "+254711000506")[0][0])
        self.assertEqual(n, 1)

    def test_refused_input(self):
        r = self.smsc.deliver(**{"from": "254711000507", "hex": "0102ff", "data_coding": 4})
        self.assertEqual(r["command_status"], 0x65)  # ESME_RX_P_APPN
        r = self.smsc.deliver(**{"from": "254711000507", "hex": "09000301", "esm_class": 0x40})
        self.assertEqual(r["command_status"], 0x65)
        # a USSD operation that is no step (USSN confirm): taken, not answered
        r = self.smsc.deliver(**{"from": "254711000507", "text": "1", "ussd_service_op": 19})
        self.assertEqual(r["command_status"], 0)
        self.assertEqual(self.gw.query(
            "SELECT count(*) FROM messages WHERE number = '+254711000507'")[0][0], 0)
        # an unknown command gets generic_nack ESME_RINVCMDID; the link stays up
        self.smsc.call("/raw", {"hex": "00000010000000ff0000000000000063"})
        self.assertTrue(self.gw.wait_until(lambda: self.smsc.state()["nacks"]))
        self.assertEqual(self.smsc.state()["nacks"], [3])
        r = self.smsc.deliver(**{"from": "254711000508", "text": "HELP"})
        self.assertEqual(r["command_status"], 0)

    def test_reconnect_after_drop_and_redelivery_caught(self):
        r = self.smsc.deliver(**{"from": "254711000509", "text": "1"})
        self.assertEqual(r["command_status"], 0)
        # the same text again on the same connection is a new message
        r = self.smsc.deliver(**{"from": "254711000509", "text": "1"})
        self.assertEqual(r["command_status"], 0)
        self.smsc.call("/drop", {})
        self.assertTrue(self.smsc.bound())
        binds = self.gw.wait_until(lambda: self.smsc.state()["binds"])
        self.assertEqual(len(binds), 1)
        # the SMSC, unsure our answer arrived before the drop, redelivers
        r = self.smsc.deliver(**{"from": "254711000509", "text": "1"})
        self.assertEqual(r["command_status"], 0)
        time.sleep(0.5)
        self.assertEqual(self.gw.query(
            "SELECT count(*) FROM messages WHERE direction = 'in' AND number = ?",
            "+254711000509")[0][0], 2)
        self.assertIn("redelivery from 254711000509 caught", self.gw.logtext())
        # and sending works on the new connection
        self.gw.cli("send", "--to", "+254790000400", "--via", "smsc", "Back")
        self.assertTrue(self.gw.wait_until(lambda: [
            s for s in self.smsc.state()["submits"] if s["destination_addr"] == "254790000400"]))

    def test_flood_while_the_database_is_locked(self):
        """600 deliver_sm at once while an operator's shell holds the
        database's write lock for 2 s, so that more than the 512 inbound
        messages the link remembers (to catch redeliveries) wait for their
        commit together: each is answered ESME_ROK once the lock lifts,
        and each is stored once."""
        con = sqlite3.connect(self.gw.db, timeout=10, isolation_level=None)
        con.execute("BEGIN IMMEDIATE")
        result = {}
        t = threading.Thread(target=lambda: result.update(self.smsc.call(
            "/deliver_many", {"n": 600, "from": "25471170", "text": "ABOUT",
                              "wait_ms": 30000}, timeout=40)))
        t.start()
        try:
            time.sleep(2)
            # nothing answered while the lock is held
            self.assertEqual(self.gw.query(
                "SELECT count(*) FROM messages WHERE number LIKE '+25471170%'"), [(0,)])
        finally:
            con.execute("ROLLBACK")
            con.close()
        t.join(45)
        self.assertEqual(result.get("answered"), 600, result)
        self.assertEqual(result.get("statuses"), {"0": 600})
        self.assertEqual(self.gw.query(
            "SELECT count(*), count(DISTINCT number) FROM messages WHERE direction = 'in'"
            " AND number LIKE '+25471170%'"), [(600, 600)])

    def test_enquire_link_when_idle(self):
        time.sleep(2.5)
        self.assertGreaterEqual(self.smsc.state()["enquire_links"], 1)


class SmppSessionTest(unittest.TestCase):
    """Binds that fail, a transmitter+receiver pair, unbind at shutdown."""

    def setUp(self):
        self.smsc = Smsc()
        self.sink = Sink()
        self.gw = None

    def tearDown(self):
        if self.gw is not None:
            self.gw.close()
        self.smsc.close()
        self.sink.close()

    def link_state(self):
        """The link as /healthz and /metrics show it."""
        health = json.loads(self.gw.get("/healthz")[1])
        metric = [l for l in self.gw.get("/metrics")[1].splitlines()
                  if l.startswith('baraza_provider_up{provider="smsc"}')]
        return health.get("links", {}).get("smsc"), metric

    def test_refused_bind_retries_then_binds(self):
        self.smsc.mode(refuse_bind=True)
        self.gw = Gateway(self.sink, providers=provider(self.smsc)).start()
        self.assertTrue(self.gw.wait_until(lambda: len(self.smsc.state()["binds"]) >= 2))
        self.assertIn("bind refused: ESME_RBINDFAIL", self.gw.logtext())
        self.assertEqual(self.link_state(),
                         ("down", ['baraza_provider_up{provider="smsc"} 0']))
        self.smsc.mode(refuse_bind=False)
        self.assertTrue(self.smsc.bound(timeout=10))
        # the operator sees the bind come up
        self.assertTrue(self.gw.wait_until(lambda: self.link_state()[0] == "up"))
        self.assertEqual(self.link_state(),
                         ("up", ['baraza_provider_up{provider="smsc"} 1']))
        # an HTTP provider has no link to show
        self.assertNotIn("generic", json.loads(self.gw.get("/healthz")[1])["links"])

    def test_transmitter_receiver_pair_and_unbind(self):
        self.gw = Gateway(self.sink, providers=provider(
            self.smsc, extra='bind = "transmitter+receiver";')).start()
        self.assertTrue(self.smsc.bound(kinds=2))
        self.assertEqual(sorted(self.smsc.state()["sessions"]),
                         ["bind_receiver", "bind_transmitter"])
        self.assertTrue(all(b["interface_version"] == 0x34 for b in self.smsc.state()["binds"]))
        r = self.smsc.deliver(**{"from": "254711000601", "text": "HELP"})
        self.assertEqual(r["command_status"], 0)
        got = self.gw.wait_until(lambda: [s for s in self.smsc.state()["submits"]
                                          if s["destination_addr"] == "254711000601"])
        self.assertEqual(len(got), 1)
        self.assertEqual(self.gw.stop(), 0)
        self.assertEqual(self.smsc.state()["unbinds"], 2)

    def test_message_ids_in_two_bases(self):
        """An SMSC that gives an id in hex in submit_sm_resp and in decimal
        in its receipt: with message_ids = "hex/decimal" the receipt finds
        the message; compared as they are, it cannot."""
        self.smsc.mode(ids="hex-dec")
        self.gw = Gateway(self.sink, providers=provider(
            self.smsc, extra='message_ids = "hex/decimal";')).start()
        self.assertTrue(self.smsc.bound())
        self.gw.cli("send", "--to", "+254790000701", "--via", "smsc", "Water at 6am")
        got = self.gw.wait_until(lambda: [s for s in self.smsc.state()["submits"]
                                          if s["destination_addr"] == "254790000701"])
        self.assertTrue(got[0]["id"].startswith("0"), got)
        row = self.gw.wait_until(lambda: self.gw.query(
            "SELECT provider_id FROM messages WHERE number = '+254790000701'"
            " AND status = 'delivered'"))
        self.assertEqual(row, [(str(int(got[0]["id"], 16)),)])
        self.gw.close()
        # the same SMSC, ids compared as they are: sent, never delivered
        self.gw = Gateway(self.sink, providers=provider(self.smsc)).start()
        self.assertTrue(self.smsc.bound())
        self.gw.cli("send", "--to", "+254790000702", "--via", "smsc", "Water at 6am")
        self.assertTrue(self.gw.wait_until(lambda: self.gw.query(
            "SELECT 1 FROM reports_waiting")))
        self.assertEqual(self.gw.query(
            "SELECT status FROM messages WHERE number = '+254790000702'"), [("sent",)])

    def tls_smsc(self, ip="127.0.0.1"):
        """The SMSC again, over TLS, with a certificate for ip."""
        self.smsc.close()
        tmp = tempfile.mkdtemp(prefix="baraza-tls-")
        self.addCleanup(shutil.rmtree, tmp, True)
        key, cert = self_signed(tmp, ip)
        self.smsc = Smsc(tls=(key, cert))
        return cert

    def test_tls_bind_round_trip_and_receipt(self):
        cert = self.tls_smsc()
        self.gw = Gateway(self.sink, providers=provider(
            self.smsc, extra='tls = true; tls_ca = "%s";' % cert)).start()
        self.assertTrue(self.smsc.bound(), self.gw.logtext())
        r = self.smsc.deliver(**{"from": "254711000611", "text": "HELP"})
        self.assertEqual(r["command_status"], 0)
        got = self.gw.wait_until(lambda: [s for s in self.smsc.state()["submits"]
                                          if s["destination_addr"] == "254711000611"])
        self.assertEqual(len(got), 1)
        self.assertIn("SURVEY", got[0]["message"])
        self.assertTrue(self.gw.wait_until(lambda: self.gw.query(
            "SELECT 1 FROM messages WHERE number = '+254711000611' AND direction = 'out'"
            " AND status = 'delivered'")))
        self.assertEqual(self.gw.stop(), 0)
        self.assertEqual(self.smsc.state()["unbinds"], 1)

    def test_tls_certificate_checked(self):
        self.tls_smsc()
        # the system's CAs do not know a self-signed SMSC: no bind
        self.gw = Gateway(self.sink, providers=provider(self.smsc, extra="tls = true;")).start()
        self.assertTrue(self.gw.wait_until(
            lambda: "certificate verify failed" in self.gw.logtext()), self.gw.logtext())
        self.assertEqual(self.smsc.state()["binds"], [])
        self.gw.close()
        # a trusted certificate, but for another address than the host's
        cert = self.tls_smsc(ip="127.0.0.2")
        self.gw = Gateway(self.sink, providers=provider(
            self.smsc, extra='tls = true; tls_ca = "%s";' % cert)).start()
        self.assertTrue(self.gw.wait_until(
            lambda: "certificate verify failed: IP address mismatch" in self.gw.logtext()),
            self.gw.logtext())
        self.assertEqual(self.smsc.state()["binds"], [])
        self.gw.close()
        # told not to verify (a test SMSC), it binds
        self.gw = Gateway(self.sink, providers=provider(
            self.smsc, extra="tls = true; tls_verify = false;")).start()
        self.assertTrue(self.smsc.bound(), self.gw.logtext())
        self.assertIn("the SMSC's certificate is not checked", self.gw.logtext())

    def test_outbind_brings_the_receiver(self):
        """The SMSC connects to baraza's outbind address and sends outbind:
        a wrong password is refused, the right one answered with
        bind_receiver, and MO messages then come on that connection."""
        port = free_port()
        self.gw = Gateway(self.sink, providers=provider(self.smsc, extra=(
            'bind = "transmitter+receiver"; outbind_listen = "127.0.0.1:%d";'
            ' outbind_password = "obpw";' % port))).start()
        self.assertTrue(self.smsc.bound(kinds=1))
        time.sleep(0.5)  # no receiver is dialled: it waits for the outbind
        self.assertEqual([b["kind"] for b in self.smsc.state()["binds"]],
                         ["bind_transmitter"])
        self.assertEqual(self.link_state()[0], "down")
        self.assertEqual(self.smsc.call("/outbind", {"port": port, "password": "nope"}),
                         {"bound": False})
        self.assertIn("outbind from 127.0.0.1 (system_id 'FAKESMSC') refused: wrong password",
                      self.gw.logtext())
        self.assertEqual(self.smsc.call("/outbind", {"port": port, "password": "obpw"}),
                         {"bound": True})
        self.assertEqual(sorted(b["kind"] for b in self.smsc.state()["binds"]),
                         ["bind_receiver", "bind_transmitter"])
        self.assertTrue(self.gw.wait_until(lambda: self.link_state()[0] == "up"))
        self.assertIn("bound through the outbind from 127.0.0.1 (bind_receiver)",
                      self.gw.logtext())
        # a second connection while the receiver's is open is closed
        self.assertEqual(self.smsc.call("/outbind", {"port": port, "password": "obpw"}),
                         {"bound": False})
        r = self.smsc.deliver(**{"from": "254711000602", "text": "HELP"})
        self.assertEqual(r["command_status"], 0)
        got = self.gw.wait_until(lambda: [s for s in self.smsc.state()["submits"]
                                          if s["destination_addr"] == "254711000602"])
        self.assertEqual(len(got), 1)
        # the SMSC drops the receiver: it comes back with the next outbind
        self.smsc.call("/drop", {})
        self.assertTrue(self.smsc.bound(kinds=1, timeout=10))
        self.assertEqual(self.smsc.call("/outbind", {"port": port, "password": "obpw"}),
                         {"bound": True})
        self.assertEqual(self.gw.stop(), 0)

    def test_outbind_settings_checked(self):
        for extra, want in [
                ('outbind_listen = "127.0.0.1:2776"; outbind_password = "x";',
                 "'outbind_listen' needs bind = \"transmitter+receiver\""),
                ('bind = "transmitter+receiver"; outbind_listen = "127.0.0.1:2776";',
                 "'outbind_password' (the password the SMSC's outbind carries) is required"),
                ('bind = "transmitter+receiver"; outbind_listen = "nowhere";'
                 ' outbind_password = "x";',
                 "'outbind_listen' is 'nowhere', must be HOST:PORT"),
                ('outbind_password = "x";',
                 "'outbind_system_id' and 'outbind_password' need 'outbind_listen'"),
                ('bind = "transmitter+receiver"; tls = true; outbind_password = "x";'
                 ' outbind_listen = "127.0.0.1:2776";',
                 "'outbind_listen' cannot be used with 'tls'")]:
            self.gw = Gateway(self.sink, providers=provider(self.smsc, extra=extra))
            rc, out, err = self.gw.cli("check")
            self.assertEqual(rc, 1, extra)
            self.assertIn(want, err)
            self.gw.close()
        self.gw = None

    def test_check_names_each_bad_setting(self):
        self.gw = Gateway(self.sink, providers=""",
  { name = "smsc"; type = "smpp"; port = 99999; system_id = "averyveryverylongsystemid";
    bind = "both"; long_messages = "split"; alphabet = "utf8"; receipts = 3;
    message_ids = "hexa"; tls_verify = false; tls_ca = "no-such-ca.pem"; }""")
        rc, out, err = self.gw.cli("check")
        self.assertEqual(rc, 1)
        for want in ["'host' (the SMSC's address) is required",
                     "'port' is 99999, must be 1..65535",
                     "'system_id' must be at most 15 characters",
                     "'bind' must be \"transceiver\" or \"transmitter+receiver\"",
                     "'long_messages' must be \"udh\", \"sar\" or \"payload\"",
                     "'alphabet' must be \"gsm\", \"latin1\" or \"ascii\"",
                     "'receipts' must be true or false",
                     "'message_ids' must be \"as-is\", \"decimal/decimal\", \"hex/decimal\"",
                     "cannot read 'tls_ca'",
                     "'tls_verify' and 'tls_ca' need 'tls = true'"]:
            self.assertIn(want, err)
        self.assertRegex(err, r"baraza.conf:\d+: smpp: 'host'")

    def test_host_with_several_addresses(self):
        """A host name for an IPv6 address nobody listens on and for the
        SMSC's IPv4 one (Debian's own /etc/hosts gives `localhost` both):
        the link binds through the address that answers.  The daemon runs
        with a private /etc/hosts (a mount namespace: needs root)."""
        self.gw = Gateway(self.sink, providers=provider(self.smsc, host="smsc.test"))
        hosts = os.path.join(self.gw.dir, "hosts")
        with open(hosts, "w") as f:
            f.write("::1 smsc.test\n127.0.0.1 smsc.test\n")
        ns = ["unshare", "--mount", "sh", "-c", 'mount --bind "$0" /etc/hosts && exec "$@"',
              hosts]
        probe = subprocess.run(ns + ["getent", "ahosts", "smsc.test"],
                               capture_output=True, text=True)
        if probe.returncode != 0:
            self.skipTest("a private /etc/hosts needs root: " + probe.stderr.strip())
        self.assertTrue(probe.stdout.startswith("::1 "), probe.stdout)  # refused first
        self.gw.start(prefix=ns)
        self.assertTrue(self.smsc.bound(timeout=10), self.gw.logtext())
        self.assertRegex(self.gw.logtext(), r"smpp smsc: cannot connect to ::1 \(smsc.test\)"
                         r" port %d: [^;]+; trying its next address" % self.smsc.port)
        self.smsc.deliver(**{"from": "254711000611", "text": "HELP"})
        self.assertTrue(self.gw.wait_until(lambda: [s for s in self.smsc.state()["submits"]
                                                    if s["destination_addr"] == "254711000611"]))

    def test_slow_name_lookup_holds_nothing(self):
        """The SMSC's name is looked up off the link's thread: with a DNS
        server that never answers (a private /etc/resolv.conf pointing at
        a silent UDP socket, resolver timeout 20 s), the daemon still
        stops at once, leaving the lookup to the resolver; a lookup on the
        link's thread held the shutdown until the resolver gave up."""
        silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            silent.bind(("127.0.0.9", 53))
        except OSError as e:
            silent.close()
            self.skipTest("a silent DNS server on port 53 needs root: %s" % e)
        self.addCleanup(silent.close)
        self.gw = Gateway(self.sink, providers=provider(self.smsc, host="smsc.slow.test"))
        files = {"hosts": "127.0.0.1 localhost\n",
                 "resolv.conf": "nameserver 127.0.0.9\noptions timeout:20 attempts:1\n"}
        mounts = []
        for name, text in files.items():
            with open(os.path.join(self.gw.dir, name), "w") as f:
                f.write(text)
            mounts.append('mount --bind "%s" /etc/%s' % (os.path.join(self.gw.dir, name), name))
        ns = ["unshare", "--mount", "sh", "-c", " && ".join(mounts) + ' && exec "$@"', "sh"]
        probe = subprocess.run(ns + ["true"], capture_output=True, text=True)
        if probe.returncode != 0:
            self.skipTest("a private /etc/resolv.conf needs root: " + probe.stderr.strip())
        self.gw.start(prefix=ns)
        self.gw.cli("send", "--to", "+254790000600", "--via", "smsc", "Queued while looking up")
        time.sleep(1.5)  # the lookup is under way, unanswered
        self.assertEqual(self.smsc.state()["binds"], [])
        t0 = time.time()
        self.assertEqual(self.gw.stop(timeout=30), 0)
        self.assertLess(time.time() - t0, 8, self.gw.logtext())
        self.assertIn("smpp smsc: still looking up smsc.slow.test; left to the resolver",
                      self.gw.logtext())
        self.assertEqual(self.gw.query(
            "SELECT status FROM messages WHERE number = '+254790000600'"), [("queued",)])

    def test_smsc_down_at_start_then_up(self):
        self.smsc.close()
        port = self.smsc.port
        self.gw = Gateway(self.sink, providers=provider(self.smsc)).start()
        self.gw.cli("send", "--to", "+254790000500", "--via", "smsc", "Queued while down")
        time.sleep(1.5)
        self.assertEqual(self.gw.query(
            "SELECT status FROM messages WHERE number = '+254790000500'"), [("queued",)])
        self.smsc = Smsc()
        # the new server listens elsewhere: restart on the configured port
        self.smsc.close()
        self.smsc.port = port
        self.smsc.proc = subprocess.Popen(
            ["node", os.path.join(PEER, "fake_smsc.js"), str(port), str(self.smsc.control)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.assertEqual(self.smsc.proc.stdout.readline().strip(), "ready")
        self.assertTrue(self.smsc.bound(timeout=10))
        row = self.gw.wait_until(lambda: self.gw.query(
            "SELECT status FROM messages WHERE number = '+254790000500'"
            " AND status IN ('sent', 'delivered')"))
        self.assertTrue(row)


if __name__ == "__main__":
    main()

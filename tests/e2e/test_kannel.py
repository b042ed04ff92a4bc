# SPDX-License-Identifier: Apache-2.0
"""The Kannel provider against Debian's real Kannel on loopback:
fakesmsc (a phone network) -> bearerbox -> smsbox -> baraza (get-url)
-> sendsms -> bearerbox -> fakesmsc, and the delivery reports back to
/dlr/NAME; GSM-7 and UCS-2 texts both ways."""

import os
import shutil
import socket
import subprocess
import threading
import time
import unittest

from harness import Gateway, Sink, free_port, main

BEARERBOX = "/usr/sbin/bearerbox"
SMSBOX = "/usr/sbin/smsbox"
FAKESMSC = "/usr/lib/kannel/test/fakesmsc"

KANNEL_CONF = """
group = core
admin-port = %(admin)d
admin-password = secret
smsbox-port = %(boxport)d
log-level = 1
log-file = "%(dir)s/bearerbox.log"
box-allow-ip = "127.0.0.1"
dlr-storage = internal

group = smsc
smsc = fake
smsc-id = fake1
port = %(fake)d
connect-allow-ip = "127.0.0.1"

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = %(boxport)d
sendsms-port = %(sendsms)d
log-file = "%(dir)s/smsbox.log"
log-level = 1

group = sendsms-user
username = baraza
password = secret
max-messages = 3
concatenation = true

group = sms-service
keyword = default
catch-all = true
max-messages = 0
get-url = "http://127.0.0.1:%(gw)d/sms/kannel?from=%%p&to=%%P&text=%%b&id=%%I&coding=%%c&charset=%%C&token=kannel-secret-1"

group = sms-service
keyword = kuhusu
max-messages = 1
get-url = "http://127.0.0.1:%(gw)d/sms/kannel2?from=%%p&to=%%P&text=%%b&id=%%I&coding=%%c&charset=%%C"
"""


def wait_port(port, secs=20):
    end = time.time() + secs
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            time.sleep(0.1)


class KannelTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        for prog in (BEARERBOX, SMSBOX, FAKESMSC):
            if not os.access(prog, os.X_OK):
                raise RuntimeError("%s is missing: apt-get install kannel kannel-extras" % prog)
        cls.sink = Sink()
        ports = {"admin": free_port(), "boxport": free_port(), "fake": free_port(),
                 "sendsms": free_port()}
        providers = """,
  { name = "kannel"; type = "kannel"; username = "baraza"; password = "secret";
    sendsms_url = "http://127.0.0.1:%d/cgi-bin/sendsms"; public_url = "http://127.0.0.1:%%d";
    token = "kannel-secret-1"; from = "22384"; },
  { name = "kannel2"; type = "kannel"; username = "baraza"; password = "secret";
    sendsms_url = "http://127.0.0.1:%d/cgi-bin/sendsms"; reply_in_response = true; }""" % (
            ports["sendsms"], ports["sendsms"])
        cls.gw = Gateway(cls.sink, providers="")
        # the gateway's own port goes into both configurations
        with open(cls.gw.conf) as f:
            conf = f.read()
        with open(cls.gw.conf, "w") as f:
            f.write(conf.replace('rate_per_s = 2.0; concurrency = 2; }',
                                 'rate_per_s = 2.0; concurrency = 2; }' +
                                 providers % cls.gw.port))
        ports.update(dir=cls.gw.dir, gw=cls.gw.port)
        cls.kconf = os.path.join(cls.gw.dir, "kannel.conf")
        with open(cls.kconf, "w") as f:
            f.write(KANNEL_CONF % ports)
        cls.ports = ports
        cls.procs = []
        cls.gw.start()
        cls.procs.append(subprocess.Popen([BEARERBOX, cls.kconf], stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL))
        # smsbox gives up at once when bearerbox is not listening yet
        wait_port(ports["boxport"])
        cls.procs.append(subprocess.Popen([SMSBOX, cls.kconf], stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL))
        wait_port(ports["sendsms"])
        time.sleep(1)  # smsbox's connection to bearerbox

    @classmethod
    def tearDownClass(cls):
        for p in cls.procs:
            p.terminate()
        for p in cls.procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        cls.gw.close()
        cls.sink.close()

    def phone(self, *messages, expect=1, timeout=20, meanwhile=None, to=None):
        """Sends MO messages from fakesmsc; returns the MT lines it got for
        the senders (or the numbers in `to`): other tests' replies that
        Kannel kept for fakesmsc may arrive too."""
        to = to or [m.split()[0] for m in messages]
        p = subprocess.Popen([FAKESMSC, "-H", "127.0.0.1", "-r", str(self.ports["fake"]),
                              "-i", "0.2", "-m", str(len(messages)), *messages],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        lines = []
        reader = threading.Thread(target=lambda: lines.extend(iter(p.stdout.readline, "")),
                                  daemon=True)
        reader.start()
        if meanwhile is not None:
            time.sleep(1)
            meanwhile()
        end = time.time() + timeout
        got = []
        while time.time() < end and len(got) < expect:
            got = [l.split("Got message", 1)[1] for l in list(lines)
                   if "Got message" in l and any(" %s " % n in l for n in to)]
            time.sleep(0.1)
        p.kill()
        p.wait()
        return got

    def test_keyword_reply_and_delivery_report(self):
        got = self.phone("+254711000401 22384 text HELP")
        self.assertEqual(len(got), 1, got)
        self.assertIn("<22384 +254711000401 text Send one word: SURVEY, COMPLAIN, STATUS, CLINIC, MENU, ABOUT, CONTACT.", got[0])
        row = self.gw.wait_until(lambda: self.gw.query(
            "SELECT status, reason FROM messages WHERE direction='out' AND number=?"
            " AND status='delivered'", "+254711000401"), 10)
        self.assertEqual(row[0][0], "delivered")
        hist = self.gw.query(
            "SELECT e.status, e.detail FROM message_events e JOIN messages m"
            " ON m.id = e.message_id WHERE m.number=? AND m.direction='out'"
            " ORDER BY e.rowid", "+254711000401")
        self.assertEqual([h[0] for h in hist[:2]], ["queued", "sent"])
        # smsbox posts its two reports (SMSC accepted: "sent"; phone:
        # "delivered") each on its own request, so they may come in either
        # order; a "sent" after "delivered" is listed and said to change
        # nothing, with the SMSC's words when Kannel passed them (%A,
        # "ACK/" from fakesmsc).
        first = [h[0] for h in hist].index("delivered")
        for status, detail in hist[first + 1:]:
            self.assertEqual(status, "sent", hist)
            self.assertRegex(detail or "", r"^status stays delivered(: .+)?$", hist)

    def test_long_message_failed_part_stays_failed(self):
        """A long reply Kannel splits: Kannel's own report delivers it; the
        reports for its parts come to the same dlr-url with baraza's id, so
        a failed part is not undone by a delivered one after it."""
        n = "+254711000409"
        text = ("Your complaint is with the water office. An officer will visit "
                "within three days. Send STATUS and your reference to follow it. ") * 2
        self.assertEqual(self.gw.cli("send", "--to", n, "--via", "kannel", text.strip())[0], 0)
        got = self.phone("+254711000408 22384 text ABOUT", expect=3, to=[n, "+254711000408"])
        self.assertEqual(len([g for g in got if n in g]), 2, got)  # two parts, UDH
        row = self.gw.wait_until(lambda: self.gw.query(
            "SELECT id, segments FROM messages WHERE number=? AND direction='out'"
            " AND status='delivered'", n), 10)
        mid, segments = row[0]
        self.assertEqual(segments, 2)
        url = "/dlr/kannel?id=%d&token=kannel-secret-1&status=%%d&reason=%%s" % mid
        self.assertEqual(self.gw.request("GET", url % (2, "part+2+undelivered"))[0], 200)
        self.assertEqual(self.gw.request("GET", url % (1, "part+1+delivered")),
                         (200, "OK\n"))
        self.assertEqual(self.gw.query("SELECT status, reason FROM messages WHERE id=?", mid),
                         [("failed", "part 2 undelivered")])
        hist = [r[0] for r in self.gw.query(
            "SELECT status FROM message_events WHERE message_id=? ORDER BY rowid", mid)]
        self.assertEqual(hist[-2:], ["failed", "delivered"])

    def test_ucs2_both_ways(self):
        # "Maji €" as UCS-2 from the phone; Kannel hands it over as UTF-16BE
        # and an emoji message baraza sends must leave as UCS-2, not as '?'
        def send():
            rc, out, err = self.gw.cli("send", "--via", "kannel", "--to", "+254711000403",
                                       "Asante \U0001F600")
            self.assertEqual(rc, 0, err)
            # GSM-7 beyond ASCII leaves as 7-bit text, its letters intact
            rc, out, err = self.gw.cli("send", "--via", "kannel", "--to", "+254711000405",
                                       "Bei \u00a35 \u00e0 Kisumu")
            self.assertEqual(rc, 0, err)
        got = self.phone("+254711000402 22384 ucs2 %00M%00a%00j%00i%00%20%20%AC",
                         expect=3, meanwhile=send,
                         to=["+254711000402", "+254711000403", "+254711000405"])
        self.assertEqual(len(got), 3, got)
        gsm = [g for g in got if "+254711000405" in g]
        self.assertEqual(len(gsm), 1, got)
        self.assertIn("<22384 +254711000405 text Bei \u00a35 \u00e0 Kisumu", gsm[0])
        row = self.gw.query("SELECT text FROM messages WHERE direction='in' AND number=?",
                            "+254711000402")
        self.assertEqual(row[0][0], "Maji \u20ac")
        emoji = [g for g in got if "+254711000403" in g]
        self.assertEqual(len(emoji), 1, got)
        self.assertIn(" ucs-2 %00A%00s%00a%00n%00t%00e%00+%D8%3D%DE%00", emoji[0])
        row = self.gw.query("SELECT encoding, status FROM messages WHERE number=?", "+254711000403")
        self.assertEqual(row[0][0], "ucs2")

    def test_reply_in_the_response(self):
        got = self.phone("+254711000404 22384 text KUHUSU")
        self.assertEqual(len(got), 1, got)
        self.assertIn("<22384 +254711000404 text Baraza inakuwezesha", got[0])
        row = self.gw.query("SELECT provider, status FROM messages WHERE number=?"
                            " AND direction='out'", "+254711000404")
        self.assertEqual(row, [("kannel2", "sent")])

    def test_wrong_token_refused(self):
        status, _ = self.gw.request(
            "GET", "/sms/kannel?from=%2B1&to=2&text=hi&id=x&token=wrong-token-9")
        self.assertEqual(status, 403)
        status, _ = self.gw.request(
            "GET", "/sms/kannel?from=%2B1&to=2&text=%00h%00i&charset=UTF-16BE&id=y&token=kannel-secret-1")
        self.assertEqual(status, 200)
        self.assertEqual(self.gw.query("SELECT text FROM messages WHERE provider_id='y'")[0][0], "hi")
        status, body = self.gw.request(
            "GET", "/sms/kannel?from=%2B1&to=2&text=%00&charset=UTF-16BE&id=z&token=kannel-secret-1")
        self.assertEqual(status, 400, body)

    def test_post_url(self):
        # post-url: the text is the body in its charset, metadata in headers
        status, body = self.gw.post(
            "/sms/kannel?id=p-1&token=kannel-secret-1", "\u00a0Maji \u20ac".encode("utf-16-be"),
            {"Content-Type": 'text/plain; charset="UTF-16BE"',
             "X-Kannel-From": "+254711000405", "X-Kannel-To": "22384"})
        self.assertEqual(status, 200, body)
        self.assertEqual(self.gw.query("SELECT number, text FROM messages WHERE provider_id='p-1'"),
                         [("+254711000405", "\u00a0Maji \u20ac")])
        status, body = self.gw.post(
            "/sms/kannel?id=p-2&token=kannel-secret-1", "Asante".encode(),
            {"Content-Type": "text/plain; charset=UTF-8", "X-Kannel-To": "22384"})
        self.assertEqual(status, 400)  # no sender: send-sender = true is needed
        self.assertIn("from", body)


if __name__ == "__main__":
    main()

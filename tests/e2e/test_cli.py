# SPDX-License-Identifier: Apache-2.0
"""The command line as administrators and operators use it: check, sim,
send, queue, version and help, with the exit codes of SPEC §1."""

import os
import re
import socket
import time
import unittest

from harness import BARAZA, SRC, Gateway, Sink, main, shipped_routes_with


class CliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sink = Sink()
        cls.gw = Gateway(cls.sink, attempts=2)

    @classmethod
    def tearDownClass(cls):
        cls.gw.close()
        cls.sink.close()

    def test_check_shipped_and_bad(self):
        rc, out, err = self.gw.cli("check")
        self.assertEqual(rc, 0, err)
        self.assertIn("configuration OK", out)
        bad = os.path.join(self.gw.dir, "bad.conf")
        with open(self.gw.conf) as f:
            text = f.read().replace("flood_messages = 10;", "flood_messages = -3;\n  typo = 1;")
        with open(bad, "w") as f:
            f.write(text)
        rc, out, err = self.gw.cli("check", "-c", bad)
        self.assertEqual(rc, 1)
        self.assertIn(bad + ":5: 'flood_messages' is -3, must be 1..100000", err)
        self.assertIn(bad + ":6: unknown setting 'typo'", err)
        rc, out, err = self.gw.cli("check", "-o", "gateway.listen=nonsense")
        self.assertEqual(rc, 1)
        self.assertIn("-o gateway.listen: 'listen' is 'nonsense'", err)
        rc, out, err = self.gw.cli("check", "-o", "gateway.retry_max_attempts=99999999999999")
        self.assertEqual(rc, 1)
        rc, out, err = self.gw.cli("check", "-o", "noequals")
        self.assertEqual(rc, 1)
        rc, out, err = self.gw.cli("check", "-c", "/nonexistent.conf")
        self.assertEqual(rc, 1)
        self.assertIn("cannot read", err)

    def test_check_names_both_places_of_a_keyword_alike(self):
        # in an included file, both places are paths an editor opens
        path = os.path.join(self.gw.dir, "routes.conf")
        routes = shipped_routes_with('keywords = { en = [ "CLINIC", "HOSPITAL" ];',
                                          'keywords = { en = [ "CLINIC", "SURVEY" ];', path)
        try:
            rc, out, err = self.gw.cli("check")
            self.assertEqual(rc, 1)
            first = [i + 1 for i, l in enumerate(routes.splitlines())
                     if '"SURVEY"' in l and "keywords" in l][0]
            self.assertRegex(err, r"%s:\d+: keyword 'SURVEY' is already used at %s:%d\n"
                             % (re.escape(path), re.escape(path), first))
        finally:
            with open(path, "w") as f:
                f.write(routes)

    def test_shipped_configuration_checks_clean(self):
        conf = os.path.join(SRC, "conf", "baraza.conf")
        p = os.popen("%s check -c %s 2>&1" % (BARAZA, conf))
        out = p.read()
        self.assertEqual(p.close(), None, out)
        self.assertIn("0 warnings", out)  # every shipped text fits one SMS

    def test_echo_keeps_the_reply_in_one_encoding(self):
        # the shipped texts are GSM-7: a citizen's emoji repeated in one
        # would make it UCS-2, two segments; it is repeated as '?'
        rc, out, err = self.gw.cli("sim", "--from", "+254700000431", "clinic \U0001F600 town")
        self.assertEqual(rc, 0, err)
        self.assertIn("We found no clinic for ? town.", out)
        self.assertEqual(self.gw.query(
            "SELECT segments, encoding FROM messages WHERE number = '+254700000431'"
            " AND direction = 'out'"), [(1, "gsm7")])
        # a reply that is UCS-2 anyway (a language GSM-7 cannot write)
        # repeats the citizen's words as they were sent
        path = os.path.join(self.gw.dir, "amharic-routes.conf")
        shipped_routes_with('en = "We found no clinic for {query}.',
                                 'en = "\u1208{query} \u12AD\u120A\u1292\u12AD'
                                 ' \u12A0\u120D\u1270\u1308\u1298\u121D\u1362', path)
        gw = Gateway(self.sink, routes=path)
        try:
            rc, out, err = gw.cli("sim", "--from", "+254700000432", "clinic \u2713\u2713 town")
            self.assertEqual(rc, 0, err)
            self.assertIn("\u1208\u2713\u2713 town \u12AD", out)
        finally:
            gw.close()

    def test_sim_one_shot_and_interactive(self):
        rc, out, err = self.gw.cli("sim", "help")
        self.assertEqual(rc, 0, err)
        self.assertTrue(out.startswith("Send one word"), out)
        rc, out, err = self.gw.cli("sim", "--from", "+254700000401", stdin="kuhusu\n\n  \t\nmawasiliano\n")
        self.assertEqual(rc, 0, err)
        lines = out.strip().splitlines()
        self.assertEqual(len(lines), 2)
        self.assertTrue(lines[0].startswith("Baraza inakuwezesha"))
        self.assertTrue(lines[1].startswith("Ofisi ya kaunti"))
        rows = self.gw.query("SELECT provider, status FROM messages WHERE"
                             " number='+254700000401' ORDER BY id")
        self.assertEqual(rows, [("sim", "processed"), ("sim", "sent")] * 2)
        # what a message queued for other numbers follows the reply
        rc, out, err = self.gw.cli("sim", "--from", "+254700000403",
                                   "COMPLAIN WATER no water since Monday")
        self.assertEqual(rc, 0, err)
        lines = out.strip().splitlines()
        self.assertTrue(lines[0].startswith("Thank you. Your complaint number is"), out)
        self.assertEqual(
            [line.split("]")[0] for line in lines[1:]],
            ["[to +254700000100", "[to +254700000101"])
        self.assertIn("New WATER complaint", lines[1])
        rc, out, err = self.gw.cli("sim", "--from", "not a number!", "help")
        self.assertEqual(rc, 1)
        rc, out, err = self.gw.cli("sim", "--bogus", "help")
        self.assertEqual(rc, 1)

    def test_send_and_queue(self):
        self.gw.start()
        try:
            rc, out, err = self.gw.cli("send", "--to", "+254700000402", "Water is back on", "in", "Kibera")
            self.assertEqual(rc, 0, err)
            self.assertIn("queued message", out)
            got = self.gw.wait_until(lambda: self.sink.texts_to("+254700000402"), 5)
            self.assertEqual(got, ["Water is back on in Kibera"])
            # a provider that refuses: failed with its reason, listed, retried
            self.sink.mode = "reject"
            rc, out, err = self.gw.cli("send", "--to", "+254700000403", "hello")
            mid = out.split()[2]
            self.assertTrue(self.gw.wait_until(lambda: self.gw.query(
                "SELECT 1 FROM messages WHERE id=? AND status='failed'", int(mid)), 5))
            # a robot's message: stored, not answered, and why
            self.assertEqual(self.gw.sms("MPESA", "Buy airtime now")[0], 200)
            self.assertTrue(self.gw.wait_until(lambda: self.gw.query(
                "SELECT 1 FROM messages WHERE number = 'MPESA' AND status = 'ignored'"), 5))
            rc, out, err = self.gw.cli("queue")
            self.assertEqual(rc, 0)
            self.assertIn("failed", out)
            self.assertIn("reason=HTTP 400", out)
            self.assertRegex(out, r"\nin +ignored +1  \(alphanumeric sender\)\n")
            self.sink.mode = "ok"
            rc, out, err = self.gw.cli("queue", "retry", mid)
            self.assertEqual((rc, out.strip()), (0, "requeued: 1 message"))
            got = self.gw.wait_until(lambda: self.sink.texts_to("+254700000403"), 5)
            self.assertEqual(got, ["hello"])
            rc, out, err = self.gw.cli("queue", "retry", mid)
            self.assertEqual(rc, 1)
            self.assertIn("is not failed", err)
            rc, out, err = self.gw.cli("queue", "cancel")
            self.assertEqual(rc, 1)
            rc, out, err = self.gw.cli("queue", "cancel", "--all")
            self.assertEqual(rc, 0)
            rc, out, err = self.gw.cli("queue", "frobnicate")
            self.assertEqual(rc, 1)
        finally:
            self.sink.mode = "ok"
            self.gw.stop()

    def test_send_bad_arguments(self):
        self.assertEqual(self.gw.cli("send", "hello")[0], 1)
        self.assertEqual(self.gw.cli("send", "--to", "+1")[0], 1)
        self.assertEqual(self.gw.cli("send", "--to", "ROBOT", "hi")[0], 1)
        import subprocess
        p = subprocess.run([BARAZA, "send", "-c", self.gw.conf, "--to", "+1", b"\xff\xfe"],
                           capture_output=True)
        self.assertEqual(p.returncode, 1)
        self.assertIn(b"not valid UTF-8", p.stderr)

    def test_version_help_unknown(self):
        import subprocess
        p = subprocess.run([BARAZA, "--version"], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0)
        self.assertRegex(p.stdout, r"^baraza \d+\.\d+\.\d+")
        p = subprocess.run([BARAZA, "help"], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0)
        for cmd in ["run", "check", "sim", "send", "queue"]:
            self.assertIn("baraza " + cmd, p.stdout)
        p = subprocess.run([BARAZA, "frob"], capture_output=True, text=True)
        self.assertEqual(p.returncode, 1)
        self.assertIn("unknown command", p.stderr)
        # a command's own usage, as administrators ask for it
        for args in (["sim", "--help"], ["complaint", "-h"], ["run", "--help"]):
            p = subprocess.run([BARAZA, *args], capture_output=True, text=True, timeout=10)
            self.assertEqual(p.returncode, 0, args)
            self.assertTrue(p.stdout.startswith("usage: baraza " + args[0]), p.stdout)
            self.assertIn("-o PATH=VALUE", p.stdout)
        self.assertIn("--ussd CODE", subprocess.run([BARAZA, "sim", "-h"], capture_output=True,
                                                    text=True).stdout)
        p = subprocess.run([BARAZA, "-h"], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0)
        self.assertIn("baraza survey results NAME", p.stdout)

    def test_environment_failures_exit_2(self):
        rc, out, err = self.gw.cli("sim", "-o", "gateway.database=/dev/null/dir/x.db", "help")
        self.assertEqual(rc, 2)
        self.assertIn("/dev/null/dir/x.db", err)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen()
            port = s.getsockname()[1]
            rc, out, err = self.gw.cli("run", "-o", "gateway.listen=127.0.0.1:%d" % port)
        self.assertEqual(rc, 2)
        self.assertIn("cannot listen", err)


if __name__ == "__main__":
    main()

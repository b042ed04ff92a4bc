# SPDX-License-Identifier: Apache-2.0
"""Citizens' conversation rules end to end (SPEC §5): language by keyword
and remembered, typos, STOP/START, flood limit, loop guard."""

import time
import unittest

from harness import Gateway, Sink, main


class ConversationTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sink = Sink()
        cls.gw = Gateway(cls.sink, flood=6).start()

    @classmethod
    def tearDownClass(cls):
        cls.gw.close()
        cls.sink.close()

    def replies(self, number, n, timeout=5):
        return self.gw.wait_until(
            lambda: len(self.sink.texts_to(number)) >= n and self.sink.texts_to(number),
            timeout) or self.sink.texts_to(number)

    def test_language_remembered(self):
        n = "+254700000301"
        self.gw.sms(n, "MSAADA")
        self.assertTrue(self.replies(n, 1)[0].startswith("Tuma neno moja"))
        self.gw.sms(n, "nonsense")
        self.assertTrue(self.replies(n, 2)[1].startswith("Tuma neno moja"))
        self.gw.sms(n, "About")
        self.assertTrue(self.replies(n, 3)[2].startswith("Baraza lets you"))
        self.gw.sms(n, "something")
        self.assertTrue(self.replies(n, 4)[3].startswith("Send one word"))
        self.assertEqual(self.gw.query("SELECT lang FROM contacts WHERE number=?", n)[0][0], "en")

    def test_case_accents_punctuation_typos(self):
        n = "+254700000302"
        for text in ["  ABOUT!! ", "\u00e0bout", "abuot", "Contakt please"]:
            self.gw.sms(n, text)
            time.sleep(0.05)
        got = self.replies(n, 4)
        self.assertTrue(got[0].startswith("Baraza lets you"), got)
        self.assertTrue(got[1].startswith("Baraza lets you"), got)
        self.assertTrue(got[2].startswith("Baraza lets you"), got)
        self.assertTrue(got[3].startswith("County office"), got)
        # reserved words are never guessed: 'stpo' is not STOP
        self.gw.sms(n, "stpo")
        self.assertTrue(self.replies(n, 5)[4].startswith("Send one word"))
        self.assertEqual(self.gw.query("SELECT count(*) FROM contacts WHERE number=?"
                                       " AND opted_out=1", n)[0][0], 0)

    def test_stop_and_start(self):
        n = "+254700000303"
        self.gw.sms(n, "stop")
        self.assertIn("no more messages", self.replies(n, 1)[0])
        self.assertEqual(self.gw.query("SELECT opted_out FROM contacts WHERE number=?", n)[0][0], 1)
        rc, out, err = self.gw.cli("send", "--to", n, "news")
        self.assertEqual(rc, 1)
        self.assertIn("sent STOP", err)
        self.gw.sms(n, "ANZA")
        self.assertIn("Karibu tena", self.replies(n, 2)[1])
        self.assertEqual(self.gw.query("SELECT opted_out FROM contacts WHERE number=?", n)[0][0], 0)

    def test_flood_limit_stores_but_does_not_answer(self):
        n = "+254700000304"
        for i in range(9):
            self.assertEqual(self.gw.sms(n, "about %d" % i)[0], 200)
        self.replies(n, 6)
        time.sleep(0.8)
        self.assertEqual(len(self.sink.texts_to(n)), 6)
        rows = self.gw.query("SELECT status, reason FROM messages WHERE number=? AND"
                             " direction='in' ORDER BY id", n)
        self.assertEqual(len(rows), 9)
        self.assertEqual(rows[-1], ("ignored", "flood limit"))

    def test_loop_guard(self):
        for frm in ["MPESA", "Safaricom", "+19990000000"]:
            self.assertEqual(self.gw.sms(frm, "help")[0], 200)
        n = "+254700000305"
        self.gw.sms(n, "about", id="a")
        self.gw.sms(n, "about", id="b")  # same text within seconds: one message
        self.replies(n, 1)
        time.sleep(0.8)
        self.assertEqual(len(self.sink.texts_to(n)), 1)
        for frm in ["MPESA", "Safaricom", "+19990000000"]:
            self.assertEqual(self.sink.texts_to(frm), [])
        reasons = dict(self.gw.query("SELECT number, reason FROM messages WHERE"
                                     " direction='in' AND status='ignored'"))
        self.assertEqual(reasons["MPESA"], "alphanumeric sender")
        self.assertEqual(reasons["+19990000000"], "deny list")
        self.assertEqual(reasons[n], "repeated text")


if __name__ == "__main__":
    main()

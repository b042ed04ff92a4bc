# SPDX-License-Identifier: Apache-2.0
"""SIGHUP reloads routes atomically: a broken file is reported with file and
line and the old routes keep answering; a good file takes effect."""

import os
import signal
import time
import unittest

from harness import Gateway, Sink, main


class ReloadTest(unittest.TestCase):
    def setUp(self):
        self.sink = Sink()
        self.gw = Gateway(self.sink).start()
        self.routes = os.path.join(self.gw.dir, "routes.conf")

    def tearDown(self):
        self.gw.close()
        self.sink.close()

    def reply(self, number, text, n):
        self.gw.sms(number, text)
        got = self.gw.wait_until(lambda: len(self.sink.texts_to(number)) >= n, 5)
        self.assertTrue(got, "no reply to %r" % text)
        return self.sink.texts_to(number)[n - 1]

    def test_bad_reload_keeps_old_routes(self):
        with open(self.routes) as f:
            good = f.read()
        lines = good.splitlines()
        at = next(i for i, l in enumerate(lines) if 'handler = "text";' in l)
        lines[at] = '    handler = "txet";'
        with open(self.routes, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.gw.send_signal(signal.SIGHUP)
        log = self.gw.wait_until(lambda: "previous configuration keeps serving" in self.gw.logtext()
                                 and self.gw.logtext(), 5)
        self.assertIn("%s:%d: unknown handler 'txet'" % (self.routes, at + 1), log)
        self.assertTrue(self.reply("+254700000501", "about", 1).startswith("Baraza lets you"))

        # a syntax error too
        with open(self.routes, "w") as f:
            f.write(good + "\nroutes = ( { oops\n")
        self.gw.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        self.assertTrue(self.reply("+254700000501", "contact", 2).startswith("County office"))

    def test_include_of_a_folder_does_not_stop_the_daemon(self):
        """libconfig 1.5's scanner exits the process on an @include that
        names a folder; the reload refuses it first and keeps serving."""
        with open(self.routes, "a") as f:
            f.write('\n@include "data"\n')
        self.gw.send_signal(signal.SIGHUP)
        log = self.gw.wait_until(lambda: "previous configuration keeps serving" in self.gw.logtext()
                                 and self.gw.logtext(), 5)
        self.assertTrue(log, "the daemon stopped: " + self.gw.logtext()[-300:])
        self.assertIn("@include 'data' is not a file (%s/data is a folder)" % self.gw.dir, log)
        self.assertIsNone(self.gw.proc.poll())
        self.assertTrue(self.reply("+254700000505", "about", 1).startswith("Baraza lets you"))

    def test_good_reload_takes_effect(self):
        self.assertTrue(self.reply("+254700000502", "hours", 1).startswith("Send one word"))
        with open(self.routes) as f:
            text = f.read()
        text = text.rstrip().rstrip(");").rstrip() + """,
  { name = "hours"; handler = "text"; keywords = { en = [ "HOURS" ]; sw = [ "SAA" ]; };
    reply = { en = "Open 8 to 5."; sw = "Wazi saa 2 hadi 11."; }; }
);
"""
        with open(self.routes, "w") as f:
            f.write(text)
        self.gw.send_signal(signal.SIGHUP)
        self.gw.wait_until(lambda: "reload: routes" in self.gw.logtext(), 5)
        self.assertEqual(self.reply("+254700000503", "hours", 1), "Open 8 to 5.")
        self.assertEqual(self.reply("+254700000503", "saa", 2), "Wazi saa 2 hadi 11.")
        self.assertIn("HOURS", self.reply("+254700000504", "help", 1))


if __name__ == "__main__":
    main()

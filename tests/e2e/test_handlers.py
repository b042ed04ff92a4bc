# SPDX-License-Identifier: Apache-2.0
"""Surveys, complaints and lookups end to end, as issue 3's users try them:
over HTTP through the real daemon to a fake provider, with the real CLI for
officers, on the shipped routes and data, in English and Swahili."""

import csv
import os
import re
import signal
import tempfile
import time
import unittest

from harness import Gateway, Sink, main

REF = re.compile(r"\b([2-9A-HJ-NP-RT-Z]{7})\b")


class HandlersTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sink = Sink()
        cls.gw = Gateway(cls.sink, flood=50).start()

    @classmethod
    def tearDownClass(cls):
        cls.gw.close()
        cls.sink.close()

    def ask(self, number, text, timeout=5):
        """Sends text and returns the reply it gets."""
        before = len(self.sink.texts_to(number))
        status, body = self.gw.sms(number, text)
        self.assertEqual(status, 200, body)
        got = self.gw.wait_until(
            lambda: len(self.sink.texts_to(number)) > before, timeout)
        self.assertTrue(got, "no reply to %r" % text)
        return self.sink.texts_to(number)[before]

    def test_survey_with_a_typo_then_done(self):
        n = "+254722000001"
        self.assertIn("1. How often", self.ask(n, "SURVEY"))
        self.assertIn("number from 1 to 3", self.ask(n, "4"))
        self.assertIn("2. Last week", self.ask(n, "2"))
        self.assertIn("3. Do you boil", self.ask(n, "0"))
        self.assertIn("4. What one thing", self.ask(n, "YES"))
        self.assertIn("Thank you", self.ask(n, "More taps, please"))
        self.assertIn("already answered", self.ask(n, "survey"))
        rows = self.gw.query(
            "SELECT a.question, a.value, a.raw, r.status, r.channel, r.lang"
            " FROM survey_answers a JOIN survey_responses r ON r.id ="
            " a.response_id WHERE r.number = ? ORDER BY a.at", n)
        self.assertEqual([r[:3] for r in rows], [
            ("supply", "some_days", "2"), ("days_without", "0", "0"),
            ("boil", "yes", "YES"), ("comment", "More taps, please",
                                     "More taps, please")])
        self.assertEqual(rows[0][3:], ("complete", "sms", "en"))
        rc, out, err = self.gw.cli("survey", "results", "water")
        self.assertEqual(rc, 0, err)
        self.assertIn("completed response", out)
        self.assertRegex(out, r"2 some_days +\d+ +\d+\.\d%")

    def test_survey_in_swahili(self):
        n = "+254722000002"
        self.assertIn("Utafiti wa maji", self.ask(n, "UTAFITI"))
        self.assertIn("3. Je, unachemsha", self.ask(n, "kila siku"))
        self.assertIn("Tafadhali jibu 1 kwa NDIYO", self.ask(n, "labda"))
        self.assertIn("4. Jambo gani", self.ask(n, "ndio"))
        self.assertIn("Asante", self.ask(n, "Maji safi"))

    def test_complaint_one_message_and_status(self):
        n = "+254722000003"
        reply = self.ask(n, "COMPLAIN WATER no water in Kibera since Monday")
        ref = REF.search(reply).group(1)
        self.assertIn("STATUS " + ref, reply)
        self.assertIn("received", self.ask(n, "STATUS " + ref))
        # the wrong number learns nothing
        self.assertIn("We have no complaint",
                      self.ask("+254722000099", "STATUS " + ref))
        # an officer resolves it; the citizen receives the SMS
        before = len(self.sink.texts_to(n))
        rc, out, err = self.gw.cli("complaint", "update", ref, "--status",
                                   "resolved", "--note", "Pipe fixed",
                                   "--by", "Amina")
        self.assertEqual(rc, 0, err)
        self.assertTrue(self.gw.wait_until(
            lambda: len(self.sink.texts_to(n)) > before, 10))
        self.assertEqual(self.sink.texts_to(n)[before],
                         "Good news: complaint %s (WATER) is resolved. Pipe fixed"
                         % ref)
        rc, out, err = self.gw.cli("complaint", "show", ref)
        self.assertEqual(rc, 0, err)
        self.assertIn("resolved", out)
        self.assertIn("by Amina", out)
        rc, out, err = self.gw.cli("complaint", "list", "--status", "resolved")
        self.assertIn(ref, out)
        # then asked whether it is fixed; NO opens it again, officers told
        ask = "Is your WATER complaint %s fixed now? Reply 1 YES or 2 NO." % ref
        self.assertTrue(self.gw.wait_until(
            lambda: ask in self.sink.texts_to(n), 10))
        self.assertIn("is open again", self.ask(n, "2"))
        self.assertTrue(self.gw.wait_until(lambda: any(
            "Not fixed, says the citizen: WATER complaint %s" % ref in t
            for t in self.sink.texts_to("+254700000101")), 10))
        rc, out, err = self.gw.cli("complaint", "list", "--status", "received")
        self.assertIn(ref, out)
        rc, out, err = self.gw.cli("export", "--date", "today", "--out",
                                   os.path.join(self.gw.dir, "fixed-out"))
        self.assertEqual(rc, 0, err)
        with open(out.split()[0] + "/complaints.csv", encoding="utf-8-sig") as f:
            rows = {r["ref"]: r for r in csv.DictReader(f)}
        self.assertEqual((rows[ref]["status"], rows[ref]["citizen_says"],
                          rows[ref]["closed"]), ("received", "not_fixed", ""))
        with open(out.split()[0] + "/summary.html", encoding="utf-8") as f:
            self.assertRegex(f.read(), r"<b>[1-9]\d*</b>say it is not \(opened again\)")

    def test_complaint_step_by_step_in_swahili(self):
        n = "+254722000004"
        self.assertIn("Jibu 1 MAJI", self.ask(n, "LALAMIKO"))
        self.assertIn("Eleza tatizo la AFYA", self.ask(n, "afya"))
        self.assertIn("Ni wapi?", self.ask(n, "Hakuna dawa"))
        self.assertIn("1 NDIYO", self.ask(n, "Kangemi"))
        reply = self.ask(n, "1")
        ref = REF.search(reply).group(1)
        self.assertIn("HALI " + ref, reply)
        self.assertIn("imepokelewa", self.ask(n, "hali " + ref.lower()))
        row = self.gw.query("SELECT category, description, location, lang"
                            " FROM complaints WHERE ref = ?", ref)
        self.assertEqual(row, [("health", "Hakuna dawa", "Kangemi", "sw")])
        # the desk's officers are told of it by SMS, with what to send
        alert = "New HEALTH complaint %s. Send UPDATE %s PROGRESS to take" \
            " it. Kangemi: Hakuna dawa." % (ref, ref)
        for officer in ("+254700000100", "+254700000101"):
            self.assertTrue(self.gw.wait_until(
                lambda: alert in self.sink.texts_to(officer), 10), officer)
        # a field officer updates by SMS; the citizen is told in Swahili
        before = len(self.sink.texts_to(n))
        self.assertIn("is told by SMS",
                      self.ask("+254700000100", "UPDATE %s PROGRESS dawa zimefika" % ref))
        self.assertTrue(self.gw.wait_until(
            lambda: len(self.sink.texts_to(n)) > before, 10))
        self.assertIn("sasa inashughulikiwa. dawa zimefika",
                      self.sink.texts_to(n)[before])

    def test_officers_reminded_of_overdue_complaints(self):
        reply = self.ask("+254722000031", "COMPLAIN ROADS a hole at the stage")
        ref = REF.search(reply).group(1)
        self.gw.age_complaint(ref, 9)
        rc, out, err = self.gw.cli("complaint", "remind")
        self.assertEqual(rc, 0, err)
        self.assertRegex(out, r"\d+ reminders queued")
        for officer in ("+254700000101", "+254700000120"):  # field, supervisor
            self.assertTrue(self.gw.wait_until(lambda: any(
                t.startswith("Complaints open more than 7 days: ")
                and ref + " (ROADS)" in t
                for t in self.sink.texts_to(officer)), 10), officer)

    def test_late_answers_continue_the_conversation(self):
        # a survey's question answered two hours late (expiry_min is 60):
        # the answer, not menu item 2 ("Make a complaint")
        n = "+254722000011"
        self.assertIn("1. How often", self.ask(n, "SURVEY"))
        self.gw.age_session(n, 2 * 3600 * 1000)
        self.assertIn("2. Last week", self.ask(n, "2"))
        # a complaint's place sent two hours late is filed, not lost
        n = "+254722000012"
        self.ask(n, "COMPLAIN")
        self.ask(n, "water")
        self.assertIn("Where is it?", self.ask(n, "Tap broken"))
        self.gw.age_session(n, 2 * 3600 * 1000)
        self.assertIn("Reply 1 YES", self.ask(n, "Kawangware"))
        self.assertIn("Your complaint number is", self.ask(n, "1"))
        self.assertEqual(self.gw.query(
            "SELECT description, location FROM complaints WHERE number = ?", n),
            [("Tap broken", "Kawangware")])
        # two days late (past late_answer_min) the question is gone, and a
        # number walks the menus as it does with no conversation
        n = "+254722000013"
        self.assertIn("1. How often", self.ask(n, "SURVEY"))
        self.gw.age_session(n, 2 * 86400 * 1000)
        self.assertIn("What is the problem about?", self.ask(n, "2"))

    def test_lookup_with_a_typo(self):
        n = "+254722000005"
        self.assertIn("Kibera Health Centre", self.ask(n, "CLINIC kiberra"))
        self.assertIn("Did you mean 1 KASARANI, 2 KISERIAN",
                      self.ask(n, "clinic kaseran"))
        self.assertIn("Kiserian Dispensary", self.ask(n, "2"))
        self.assertIn("Kituo cha Afya Kayole", self.ask(n, "KLINIKI kayole"))
        self.assertIn("Hatukupata kliniki", self.ask(n, "KLINIKI mombasa"))

    def test_invitations_paced_and_answered(self):
        # a zone where it is about 02:00 now, so the invitations wait for
        # the morning (in waking hours they would go out at once, and the
        # reply awaited below would race the invitation)
        shift = (2 - time.gmtime().tm_hour) % 24
        shift = shift - 24 if shift > 14 else shift  # zones span -12..+14
        zone = "Etc/GMT%+d" % -shift if shift else "UTC"
        with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
            f.write("number\n+254722000010\n+254722000011\n")
            path = f.name
        try:
            rc, out, err = self.gw.cli("survey", "invite", "water",
                                       "--numbers", path,
                                       "-o", "gateway.timezone=" + zone)
        finally:
            os.unlink(path)
        self.assertEqual(rc, 0, err)
        self.assertIn("2 invitations queued", out)
        # queued for waking hours, one per second at 60 a minute
        due = [r[0] for r in self.gw.query(
            "SELECT next_attempt_at FROM messages WHERE route = 'survey'"
            " AND number IN ('+254722000010', '+254722000011') ORDER BY id")]
        self.assertEqual(len(due), 2)
        self.assertEqual(due[1] - due[0], 1000)
        hour = (time.gmtime(due[0] / 1000).tm_hour + shift) % 24
        self.assertTrue(8 <= hour < 20, hour)
        self.assertGreater(due[0], time.time() * 1000 + 60000)  # not yet
        # answering before the invitation arrives still continues it
        self.assertIn("2. Last week", self.ask("+254722000010", "3"))

    def test_reload_of_a_data_file(self):
        n = "+254722000006"
        table = os.path.join(self.gw.dir, "data", "clinics.csv")
        with open(table) as f:
            good = f.read()
        try:
            # a broken row: reported at its line, the old table keeps serving
            with open(table, "a") as f:
                f.write('Lodwar,,"never closed\n')
            self.gw.send_signal(signal.SIGHUP)
            log = self.gw.wait_until(
                lambda: "previous configuration keeps serving" in self.gw.logtext()
                and self.gw.logtext(), 5)
            self.assertIn("%s:%d: a quoted field is never closed"
                          % (table, good.count("\n") + 1), log)
            self.assertIn("Kibera Health", self.ask(n, "CLINIC kibera"))
            # a good new row takes effect
            with open(table, "w") as f:
                f.write(good + "Lodwar,,Lodwar County Referral Hospital (example): open 24 hours.\n")
            self.gw.send_signal(signal.SIGHUP)
            self.gw.wait_until(lambda: self.gw.logtext().count("reload: routes") >= 1, 5)
            time.sleep(0.2)
            self.assertIn("Lodwar County Referral", self.ask(n, "CLINIC lodwar"))
        finally:
            with open(table, "w") as f:
                f.write(good)

    def test_bad_commands_exit_1(self):
        rc, out, err = self.gw.cli("complaint", "update", "K7P4MX8",
                                   "--status", "nonsense")
        self.assertEqual(rc, 1)
        self.assertIn("no status 'nonsense'", err)
        rc, out, err = self.gw.cli("complaint", "show", "IIIII")
        self.assertEqual(rc, 1)
        rc, out, err = self.gw.cli("survey", "results", "nosuch")
        self.assertEqual(rc, 1)
        self.assertIn("no survey named 'nosuch'", err)
        rc, out, err = self.gw.cli("survey", "invite", "water", "--numbers",
                                   "/nonexistent")
        self.assertEqual(rc, 1)
        self.assertIn("cannot read", err)


if __name__ == "__main__":
    main()

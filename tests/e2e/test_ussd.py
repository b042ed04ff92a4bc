# SPDX-License-Identifier: Apache-2.0
"""USSD end to end, as a handset and Africa's Talking drive it: POST
/ussd/NAME with sessionId, serviceCode, phoneNumber and the joined text on
every step, answers "CON ..."/"END ..." as text/plain; the shipped menus
reaching the survey, a complaint (its reference also by SMS) and the
clinic lookup; a step sent twice; a kill -9 mid-session; a survey resumed
on the next dial; bad input."""

import os
import signal
import tempfile
import time
import unittest
import urllib.parse

from harness import Gateway, Sink, main

AT = """,
  { name = "at"; type = "africastalking"; username = "sandbox"; api_key = "k";
    base_url = "http://127.0.0.1:%d"; }"""

CODE = "*384*1#"


class UssdTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sink = Sink()
        cls.gw = Gateway(cls.sink, flood=50, providers=AT % cls.sink.port).start()

    @classmethod
    def tearDownClass(cls):
        cls.gw.close()
        cls.sink.close()

    def step(self, session, number, text, provider="generic", code=CODE):
        body = urllib.parse.urlencode({"sessionId": session, "serviceCode": code,
                                       "phoneNumber": number, "networkCode": "63902",
                                       "text": text})
        status, out = self.gw.post("/ussd/" + provider, body,
                                   {"Content-Type": "application/x-www-form-urlencoded"})
        return status, out

    def walk(self, session, number, inputs, provider="generic"):
        """Dials, then sends each input as a handset does (the joined path);
        returns the screens."""
        screens = []
        status, out = self.step(session, number, "", provider)
        self.assertEqual(status, 200, out)
        screens.append(out)
        path = []
        for i in inputs:
            path.append(i)
            status, out = self.step(session, number, "*".join(path), provider)
            self.assertEqual(status, 200, out)
            screens.append(out)
        return screens

    def test_home_screen(self):
        status, out = self.step("s-home", "+254766000001", "", provider="at")
        self.assertEqual(status, 200)
        self.assertTrue(out.startswith("CON Baraza"), out)
        self.assertIn("\n1 Water survey\n", out)
        self.assertLessEqual(len(out) - 4, 182)

    def test_survey_over_ussd(self):
        n = "+254766000002"
        s = self.walk("s-survey", n, ["1", "7", "2", "3", "1", "More taps"], provider="at")
        self.assertIn("1. How often", s[1])
        # a question says how to leave it; the last screen does not
        self.assertTrue(s[1].endswith("\n00 Home"), s[1])
        self.assertNotIn("00 Home", s[-1])
        self.assertTrue(s[2].startswith("CON Please reply with a number from 1 to 3"), s[2])
        self.assertIn("2. Last week", s[3])
        self.assertTrue(s[-1].startswith("END Thank you"), s[-1])
        row = self.gw.query("SELECT channel, status FROM survey_responses WHERE number = ?", n)
        self.assertEqual(row, [("ussd", "complete")])
        answers = dict(self.gw.query(
            "SELECT a.question, a.value FROM survey_answers a JOIN survey_responses r"
            " ON r.id = a.response_id WHERE r.number = ?", n))
        self.assertEqual(answers, {"supply": "some_days", "days_without": "3",
                                   "boil": "yes", "comment": "More taps"})

    def test_empty_input_shows_the_same_screen(self):
        """A handset can send an empty input (OK pressed on an empty
        field): the citizen sees the screen they were on, and their next
        input answers it."""
        n = "+254766000012"
        s = self.walk("s-empty", n, ["5", "", "0", "1", "", "2"])
        self.assertTrue(s[2].startswith("CON More"), s[2])  # a menu: itself
        self.assertTrue(s[3].startswith("CON Baraza"), s[3])
        self.assertIn("1. How often", s[4])
        self.assertEqual(s[5], s[4])  # a question: itself, not the home menu
        self.assertIn("2. Last week", s[6])
        answers = self.gw.query(
            "SELECT a.question, a.value FROM survey_answers a JOIN survey_responses r"
            " ON r.id = a.response_id WHERE r.number = ?", n)
        self.assertEqual(answers, [("supply", "some_days")])

    def test_complaint_reference_also_by_sms(self):
        n = "+254766000003"
        s = self.walk("s-comp", n, ["2", "1", "No water at the kiosk", "Kibera", "1"])
        self.assertTrue(s[-1].startswith("END Thank you. Your complaint number is "), s[-1])
        ref = s[-1].split(" is ")[1][:7]
        self.assertTrue(self.gw.wait_until(lambda: self.sink.texts_to(n), 10))
        self.assertIn(ref, self.sink.texts_to(n)[0])
        self.assertEqual(self.gw.query("SELECT channel FROM complaints WHERE ref = ?", ref),
                         [("ussd",)])

    def test_clinic_and_language(self):
        n = "+254766000004"
        s = self.walk("s-clinic", n, ["5", "3", "2", "4", "kiberra"])
        self.assertIn("Lugha", s[2])
        self.assertTrue(s[3].startswith("CON Baraza: kaunti yako"), s[3])
        # the clinics, as a list to pick from or a name to type
        self.assertTrue(s[4].startswith("CON Tafuta kliniki (chagua au andika eneo)\n1 Kibera\n"), s[4])
        self.assertIn("\n98 Zaidi\n0 Rudi", s[4])
        self.assertTrue(s[5].startswith("END Kituo cha Afya Kibera"), s[5])

    def test_clinic_list_paged(self):
        n = "+254766000011"
        s = self.walk("s-list", n, ["4", "98", "2"])
        self.assertIn("\n11 ", s[2])
        self.assertNotIn("\n1 Kibera", s[2])
        # numbers are the list's: 2 is still Mathare from the second page
        self.assertTrue(s[3].startswith("END Mathare Clinic"), s[3])
        self.assertTrue(self.gw.wait_until(lambda: self.sink.texts_to(n), 10))
        self.assertIn("Mathare Clinic", self.sink.texts_to(n)[0])

    def test_step_sent_twice_and_a_crash_mid_session(self):
        n = "+254766000005"
        self.walk("s-crash", n, ["1", "2"])
        # the provider resends the last step: the same screen, nothing twice
        status, again = self.step("s-crash", n, "1*2")
        self.assertIn("2. Last week", again)
        # kill -9, restart: the session goes on where it was
        self.gw.proc.send_signal(signal.SIGKILL)
        self.gw.proc.wait()
        self.gw.start()
        status, out = self.step("s-crash", n, "1*2*4")
        self.assertEqual(status, 200)
        self.assertIn("3. Do you boil", out)
        answers = self.gw.query(
            "SELECT count(*) FROM survey_answers a JOIN survey_responses r"
            " ON r.id = a.response_id WHERE r.number = ?", n)[0][0]
        self.assertEqual(answers, 2)

    def test_interrupted_survey_resumes_on_next_dial(self):
        n = "+254766000006"
        self.walk("s-first", n, ["1", "3", "5"])
        # the network drops the session; a new dial, a new session id
        s = self.walk("s-second", n, ["1"])
        self.assertIn("3. Do you boil", s[1])

    def test_survey_resumes_on_a_dial_after_it_expired(self):
        n = "+254766000016"
        self.walk("s-before", n, ["1", "3"])
        # dialled again two hours later (expiry_min is 60): within
        # late_answer_min the survey goes on, and the question is open
        self.gw.age_session(n, 2 * 3600 * 1000)
        s = self.walk("s-after", n, ["1", "2"])
        self.assertTrue(s[1].startswith("CON 2. Last week"), s[1])
        self.assertTrue(s[2].startswith("CON 3. Do you boil"), s[2])

    def test_back_home_and_invalid(self):
        n = "+254766000007"
        s = self.walk("s-nav", n, ["5", "0", "9", "5", "00"])
        self.assertTrue(s[1].startswith("CON More"), s[1])
        self.assertIn("0 Back", s[1])
        self.assertTrue(s[2].startswith("CON Baraza"), s[2])
        self.assertTrue(s[3].startswith("CON Invalid choice.\nBaraza"), s[3])
        self.assertTrue(s[5].startswith("CON Baraza"), s[5])

    def test_bad_input(self):
        for body, field in [({"serviceCode": CODE, "phoneNumber": "+254766000008", "text": ""}, "sessionId"),
                            ({"sessionId": "x", "serviceCode": CODE, "text": ""}, "phoneNumber"),
                            ({"sessionId": "x", "phoneNumber": "+254766000008", "text": ""}, "serviceCode"),
                            ({"sessionId": "x", "serviceCode": "abc", "phoneNumber": "+254766000008"}, "serviceCode"),
                            ({"sessionId": "x", "serviceCode": CODE, "phoneNumber": "+254766000008",
                              "text": "1\n2"}, "text")]:
            status, out = self.gw.post("/ussd/generic", urllib.parse.urlencode(body),
                                       {"Content-Type": "application/x-www-form-urlencoded"})
            self.assertEqual(status, 400, (body, out))
            self.assertIn(field, out)
        # nonsense and over-long paths in a new session: a screen, never a crash
        status, out = self.step("s-junk", "+254766000009", "*".join(["7"] * 200))
        self.assertEqual(status, 200)
        self.assertTrue(out.startswith("CON ") or out.startswith("END "), out)
        status, out = self.step("s-junk2", "+254766000009", "x*y*1")
        self.assertEqual(status, 200)
        status, out = self.gw.get("/healthz")
        self.assertEqual(status, 200)
        # no such provider
        status, out = self.gw.post("/ussd/nosuch", "sessionId=x", {})
        self.assertEqual(status, 404)

    def test_no_menus_configured_is_404(self):
        routes = tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False)
        with open(os.path.join(os.environ.get("BARAZA_SRC", "."), "conf", "routes.conf")) as f:
            text = f.read()
        start = text.index("ussd = {")
        end = text.index("\n};\n", start) + 4
        routes.write(text[:start] + text[end:])
        routes.close()
        sink = Sink()
        gw = Gateway(sink, routes=routes.name)
        try:
            gw.start()
            status, out = gw.post("/ussd/generic", urllib.parse.urlencode(
                {"sessionId": "x", "serviceCode": CODE, "phoneNumber": "+254766000012",
                 "text": ""}), {"Content-Type": "application/x-www-form-urlencoded"})
            self.assertEqual(status, 404, out)
            self.assertIn("no USSD menus", out)
        finally:
            gw.close()
            sink.close()
            os.unlink(routes.name)

    def test_sim_walks_the_menus(self):
        rc, out, err = self.gw.cli("sim", "--from", "+254766000010", "--ussd", CODE, "4*kayole")
        self.assertEqual(rc, 0, err)
        self.assertIn("CON Baraza", out)
        self.assertIn("END Kayole Health Centre", out)


if __name__ == "__main__":
    main()

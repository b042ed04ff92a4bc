# SPDX-License-Identifier: Apache-2.0
"""The pipeline's promises (SPEC §4): a 200 survives kill -9; work resumes
after a restart; a failing provider gets retries with backoff and the
replies arrive once it recovers; a locked database answers 503 and stores
nothing; SIGTERM exits cleanly."""

import signal
import socket
import sqlite3
import threading
import time
import unittest
import urllib.parse

from harness import Gateway, Sink, main


class DurabilityTest(unittest.TestCase):
    def setUp(self):
        self.sink = Sink()
        self.gw = Gateway(self.sink, attempts=8, flood=1000)

    def tearDown(self):
        self.gw.close()
        self.sink.close()

    def test_kill9_after_ack_reply_still_goes_out(self):
        self.gw.start()
        self.sink.mode = "fail"  # nothing can leave before the crash
        self.assertEqual(self.gw.sms("+254700000601", "about", id="k9")[0], 200)
        self.gw.stop(signal.SIGKILL)
        self.sink.mode = "ok"
        self.gw.start()
        got = self.gw.wait_until(lambda: self.sink.texts_to("+254700000601"), 10)
        self.assertTrue(got and got[0].startswith("Baraza lets you"))
        # the provider retrying the same message after the crash: no second reply
        self.assertEqual(self.gw.sms("+254700000601", "about", id="k9"), (200, "OK duplicate\n"))

    def test_kill9_under_load(self):
        self.gw.start()
        acked = []
        lock = threading.Lock()

        def client(k):
            for i in range(40):
                n = "+2547%02d%06d" % (k, i)
                try:
                    if self.gw.sms(n, "about", id="L%d-%d" % (k, i))[0] == 200:
                        with lock:
                            acked.append(n)
                except OSError:
                    return  # the daemon is gone

        threads = [threading.Thread(target=client, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        time.sleep(0.3)
        self.gw.stop(signal.SIGKILL)
        for t in threads:
            t.join()
        self.assertGreater(len(acked), 0)
        self.gw.start()
        def all_answered():
            with self.sink.lock:
                to = {m["to"] for m in self.sink.received}
            return all(n in to for n in acked)
        self.assertTrue(self.gw.wait_until(all_answered, 20),
                        "unanswered: %s" % [n for n in acked
                                            if not self.sink.texts_to(n)][:5])
        # duplicates are bounded: a reply is resent only if the crash fell
        # between the provider's answer and our commit
        with self.sink.lock:
            total = len([m for m in self.sink.received if m["to"] in set(acked)])
        self.assertLessEqual(total, len(acked) + 8 * 8)

    def burst(self, texts):
        """Posts one message from each number at the same moment, each on a
        connection of its own (a provider's webhook workers), and returns
        the HTTP statuses."""
        reqs = []
        for n, text in texts:
            body = urllib.parse.urlencode({"from": n, "to": "22384", "text": text}).encode()
            reqs.append(b"POST /sms/generic HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                        b"Content-Type: application/x-www-form-urlencoded\r\n"
                        b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        socks = [socket.create_connection(("127.0.0.1", self.gw.port)) for _ in reqs]
        for so, req in zip(socks, reqs):
            so.sendall(req)
        statuses = []
        for so in socks:
            so.settimeout(20)
            data = b""
            while True:
                chunk = so.recv(4096)
                if not chunk:
                    break
                data += chunk
            so.close()
            statuses.append(int(data.split(b" ", 2)[1]) if data else 0)
        return statuses

    def test_burst_acknowledged_then_processed_in_order(self):
        """Webhooks in dense batches are acknowledged ahead of their
        processing (the writer processes them when the intake pauses):
        every message is processed, once, before the daemon stops, and
        each citizen's messages in the order they came -- a survey answered
        in a burst records the right answer to each question."""
        self.gw.start()
        numbers = ["+2547090%05d" % i for i in range(64)]
        rounds = ["SURVEY", "2", "3", "1", "Fix the pipe at the market"]
        for text in rounds:
            statuses = self.burst([(n, text) for n in numbers])
            self.assertEqual(statuses, [200] * len(numbers))
        # stopped at once: what was acknowledged ahead of processing is
        # processed before the daemon exits, not left behind
        self.assertEqual(self.gw.stop(signal.SIGTERM), 0, self.gw.logtext()[-2000:])
        self.assertEqual(self.gw.query(
            "SELECT count(*) FROM messages WHERE status='received'")[0][0], 0)
        self.gw.start()
        done = lambda: self.gw.query(
            "SELECT count(*) FROM messages WHERE direction='out' AND number LIKE"
            " '+2547090%' AND status='sent'")[0][0] == len(numbers) * len(rounds)
        self.assertTrue(self.gw.wait_until(done, 30), self.gw.logtext()[-2000:])
        self.assertEqual(self.gw.query(
            "SELECT status, count(*) FROM messages WHERE direction='in' AND number"
            " LIKE '+2547090%' GROUP BY status"), [("processed", len(numbers) * len(rounds))])
        for n in numbers:
            rows = self.gw.query(
                "SELECT a.question, a.value FROM survey_answers a JOIN survey_responses r"
                " ON r.id = a.response_id WHERE r.number = ? ORDER BY a.at, a.rowid", n)
            self.assertEqual(rows, [("supply", "some_days"), ("days_without", "3"),
                                    ("boil", "yes"), ("comment", "Fix the pipe at the market")], n)
            self.assertTrue(any(t.startswith("Thank you") for t in self.sink.texts_to(n)), n)

    def test_burst_processed_before_its_answer_when_switched_off(self):
        """burst_backlog_ms = 0: every batch is processed in its own commit,
        so a burst's 200s come only once their messages are processed."""
        self.gw.start(["-o", "gateway.burst_backlog_ms=0"])
        numbers = ["+2547091%05d" % i for i in range(64)]
        for text in ("about", "clinic"):
            self.assertEqual(self.burst([(n, text) for n in numbers]), [200] * len(numbers))
            self.assertEqual(self.gw.query(
                "SELECT count(*) FROM messages WHERE status='received'")[0][0], 0)
        self.assertEqual(self.gw.query(
            "SELECT count(*) FROM messages WHERE direction='out' AND number LIKE"
            " '+2547091%'")[0][0], 2 * len(numbers))

    def test_provider_down_then_recovers(self):
        self.gw.start()
        self.sink.mode = "fail"
        t0 = time.time()
        for i in range(5):
            status, _ = self.gw.sms("+25470000070%d" % i, "contact")
            self.assertEqual(status, 200)
        self.assertLess(time.time() - t0, 2)
        time.sleep(1.5)
        self.assertEqual(self.sink.received, [])
        retries = self.gw.query("SELECT count(*) FROM message_events WHERE status='retry'")[0][0]
        self.assertGreater(retries, 0)
        self.sink.mode = "ok"
        sent = lambda: self.gw.query("SELECT count(*) FROM messages WHERE"
                                     " direction='out' AND status='sent'")[0][0] == 5
        self.assertTrue(self.gw.wait_until(sent, 15))
        for i in range(5):
            self.assertTrue(self.sink.texts_to("+25470000070%d" % i))
        rows = self.gw.query("SELECT status, attempts FROM messages WHERE direction='out'")
        self.assertTrue(all(s == "sent" and a > 1 for s, a in rows), rows)

    def test_retries_exhausted_then_failed(self):
        self.gw.close()
        self.gw = Gateway(self.sink, attempts=3)
        self.gw.start()
        self.sink.mode = "fail"
        self.gw.sms("+254700000801", "about")
        row = self.gw.wait_until(lambda: self.gw.query(
            "SELECT attempts, reason FROM messages WHERE direction='out' AND status='failed'"), 20)
        self.assertEqual(row, [(3, "HTTP 500")])

    def test_locked_database_gets_503_and_stores_nothing(self):
        self.gw.start()
        con = sqlite3.connect(self.gw.db, timeout=10, isolation_level=None)
        con.execute("BEGIN EXCLUSIVE")
        try:
            status, body = self.gw.sms("+254700000901", "about", id="locked")
            self.assertEqual(status, 503, body)
            self.assertIn("unavailable", body)
        finally:
            con.execute("ROLLBACK")
            con.close()
        self.assertEqual(self.gw.query("SELECT count(*) FROM messages WHERE number='+254700000901'")[0][0], 0)
        # the provider retries: now it is stored and answered
        self.assertEqual(self.gw.sms("+254700000901", "about", id="locked")[0], 200)
        self.assertTrue(self.gw.wait_until(lambda: self.sink.texts_to("+254700000901"), 5))

    def test_sigterm_under_load(self):
        self.gw.start()
        acked, answers = [], []
        lock = threading.Lock()

        def client(k):
            for i in range(200):
                n = "+2548%02d%06d" % (k, i)
                try:
                    status, _ = self.gw.sms(n, "about", id="T%d-%d" % (k, i))
                except OSError:
                    return
                with lock:
                    answers.append(status)
                    if status == 200:
                        acked.append(n)

        threads = [threading.Thread(target=client, args=(k,)) for k in range(6)]
        for t in threads:
            t.start()
        time.sleep(0.3)
        self.assertEqual(self.gw.stop(signal.SIGTERM), 0, self.gw.logtext()[-2000:])
        for t in threads:
            t.join()
        self.assertTrue(set(answers) <= {200, 503}, set(answers))
        stored = {r[0] for r in self.gw.query("SELECT number FROM messages WHERE direction='in'")}
        self.assertTrue(set(acked) <= stored)
        self.gw.start()
        def all_answered():
            with self.sink.lock:
                to = {m["to"] for m in self.sink.received}
            return all(n in to for n in acked)
        self.assertTrue(self.gw.wait_until(all_answered, 20))

    def test_locked_database_while_sending_sends_once(self):
        self.gw.start()
        self.sink.mode = "fail"
        numbers = ["+25470000110%d" % i for i in range(3)]
        for n in numbers:
            self.assertEqual(self.gw.sms(n, "about")[0], 200)
        self.assertTrue(self.gw.wait_until(lambda: self.gw.query(
            "SELECT count(*) FROM messages WHERE direction='out' AND attempts >= 1")[0][0] == 3))
        # an operator's shell holds the write lock while the provider recovers:
        # the sends go out, their outcome cannot be written for a while
        con = sqlite3.connect(self.gw.db, timeout=10, isolation_level=None)
        con.execute("BEGIN EXCLUSIVE")
        self.sink.mode = "ok"
        try:
            self.assertTrue(self.gw.wait_until(
                lambda: all(self.sink.texts_to(n) for n in numbers), 10))
            time.sleep(6.5)  # past the 5 s busy timeout at least once
        finally:
            con.execute("ROLLBACK")
            con.close()
        self.assertTrue(self.gw.wait_until(lambda: self.gw.query(
            "SELECT count(*) FROM messages WHERE direction='out' AND status='sent'")[0][0] == 3, 15))
        for n in numbers:
            self.assertEqual(len(self.sink.texts_to(n)), 1,
                             (n, self.sink.arrivals, self.gw.query(
                                 "SELECT e.* FROM message_events e JOIN messages m ON"
                                 " m.id = e.message_id WHERE m.number=?", n),
                              self.gw.logtext()[-3000:]))

    def test_poison_message_set_aside(self):
        self.gw.start()
        # a fault that will not pass: this one message can never be marked processed
        con = sqlite3.connect(self.gw.db, timeout=10)
        con.execute("CREATE TRIGGER poison BEFORE UPDATE OF status ON messages"
                    " WHEN NEW.status = 'processed' AND NEW.text = 'poison'"
                    " BEGIN SELECT RAISE(ABORT, 'poisoned'); END")
        con.commit()
        con.close()
        self.assertEqual(self.gw.sms("+254700001201", "poison")[0], 200)
        self.assertEqual(self.gw.sms("+254700001202", "about")[0], 200)
        # the message behind it is not held up for ever
        self.assertTrue(self.gw.wait_until(lambda: self.sink.texts_to("+254700001202"), 15))
        row = self.gw.query("SELECT status, reason FROM messages WHERE number='+254700001201'")
        self.assertEqual(row, [("ignored", "processing failed")])
        self.assertIn("set aside after 3 failed tries", self.gw.logtext())

    def test_sigterm_exits_zero(self):
        self.gw.start()
        self.gw.sms("+254700001001", "help")
        self.assertTrue(self.gw.wait_until(lambda: self.sink.texts_to("+254700001001"), 5))
        self.assertEqual(self.gw.stop(signal.SIGTERM), 0)
        self.assertIn("run: stopped", self.gw.logtext())


if __name__ == "__main__":
    main()

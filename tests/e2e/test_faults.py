# SPDX-License-Identifier: Apache-2.0
"""Faults and abuse the daemon must live through: the disk filling up
(simulated by gateway.database_max_mb, which makes SQLite fail exactly as on
a full disk), and thousands of idle or slow clients."""

import os
import resource
import socket
import time
import unittest

from harness import Gateway, Sink, main


def fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def rss_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0


class DiskFullTest(unittest.TestCase):
    def test_full_disk_gets_503_loses_nothing_and_recovers(self):
        sink = Sink()
        gw = Gateway(sink, flood=50)
        try:
            gw.start(["-o", "gateway.database_max_mb=1"])
            acked, refused = [], 0
            for i in range(20000):
                n = "+25475%07d" % i
                status, body = gw.sms(n, "ABOUT " + "x" * 200)
                if status == 200:
                    acked.append(n)
                else:
                    self.assertEqual(status, 503, body)
                    refused += 1
                    if refused >= 20:
                        break
            self.assertGreater(refused, 0, "the database never filled")
            self.assertGreater(len(acked), 100)
            # the daemon lives and answers its health check
            status, body = gw.get("/healthz")
            self.assertIn(status, (200, 503))
            # the fault clears (more room): every acknowledged message is
            # answered, and no refused one was stored
            gw.stop()
            stored = gw.query("SELECT count(*) FROM messages WHERE direction = 'in'")[0][0]
            self.assertEqual(stored, len(acked))
            gw.start()
            self.assertTrue(gw.wait_until(
                lambda: all(sink.texts_to(n) for n in acked), 60),
                "%d of %d answered" % (sum(1 for n in acked if sink.texts_to(n)), len(acked)))
            status, _ = gw.sms("+254759999998", "ABOUT")
            self.assertEqual(status, 200)
        finally:
            gw.close()
            sink.close()


class IdleClientsTest(unittest.TestCase):
    def test_thousands_of_idle_and_slow_clients(self):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
        sink = Sink()
        gw = Gateway(sink)
        socks = []
        try:
            gw.start(["-o", "gateway.max_connections=256",
                      "-o", "gateway.client_timeout_s=2"])
            pid = gw.proc.pid
            base_fds, base_rss = fds(pid), rss_mib(pid)
            for i in range(3000):
                s = socket.socket()
                s.setblocking(False)
                try:
                    s.connect_ex(("127.0.0.1", gw.port))
                except OSError:
                    pass
                socks.append(s)
            time.sleep(0.5)
            # half of them start a request and never finish it (slowloris)
            for s in socks[::2]:
                try:
                    s.send(b"POST /sms/generic HTTP/1.1\r\nHost: x\r\nContent-Le")
                except OSError:
                    pass
            time.sleep(0.5)
            # bounded while they hold on: at most max_connections, and idle
            # ones are closed after client_timeout_s (the kernel's backlog
            # feeds the next ones in: they cycle, never pile up)
            peak_fds, peak_rss = 0, 0
            for _ in range(8):
                peak_fds = max(peak_fds, fds(pid))
                peak_rss = max(peak_rss, rss_mib(pid))
                time.sleep(0.5)
            self.assertLessEqual(peak_fds, base_fds + 256 + 8)
            self.assertLess(peak_rss, base_rss + 32)
            # the attackers leave: the gateway serves as before
            for s in socks:
                s.close()
            socks = []
            self.assertTrue(gw.wait_until(lambda: fds(pid) <= base_fds + 8, 30),
                            "%d fds still open" % fds(pid))
            status, _ = gw.sms("+254760000001", "ABOUT")
            self.assertEqual(status, 200)
            self.assertTrue(gw.wait_until(lambda: sink.texts_to("+254760000001"), 5))
        finally:
            for s in socks:
                s.close()
            gw.close()
            sink.close()


if __name__ == "__main__":
    main()

# SPDX-License-Identifier: Apache-2.0
"""End-to-end harness: runs the real `baraza` binary on a free loopback port
with a temporary database and configuration, a local fake provider that
records what the gateway sends (the generic provider's documented JSON
format), and the real CLI.  Python standard library only."""

import http.server
import json
import os
import shutil
import signal as sig_mod
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

BARAZA = os.environ.get("BARAZA", "build/baraza")
SRC = os.environ.get("BARAZA_SRC", ".")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeApi:
    """A provider's HTTP API played locally: `handler(path, headers, body)`
    returns (status, content_type, body); every request is recorded."""

    def __init__(self, handler):
        self.port = free_port()
        self.requests = []
        self.handler = handler
        self.lock = threading.Lock()
        api = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _serve(self):
                n = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(n).decode()
                with api.lock:
                    api.requests.append((self.command, self.path, dict(self.headers), body))
                status, ctype, out = api.handler(self.path, self.headers, body)
                out = out.encode()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            do_GET = do_POST = _serve

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), H)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Sink:
    """A fake provider: records each JSON POST; answers per `mode`:
    'ok' (200 with an id), 'fail' (500), 'reject' (400), 'slow' (sleeps).
    `delay` seconds before each answer; `clients` the (host, port) of
    every connection that sent a request."""

    def __init__(self):
        self.port = free_port()
        self.received = []
        self.mode = "ok"
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.attempts = 0
        self.inflight = 0
        self.max_inflight = 0
        self.arrivals = []  # (time, to) of every request that succeeded
        self.delay = 0
        self.fail_once = set()  # texts answered 500 the first time
        self.clients = set()
        sink = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(n)
                with sink.lock:
                    sink.attempts += 1
                    sink.inflight += 1
                    sink.max_inflight = max(sink.max_inflight, sink.inflight)
                    sink.clients.add(self.client_address)
                    mode, delay = sink.mode, sink.delay
                    if sink.fail_once:
                        text = json.loads(body).get("text")
                        if text in sink.fail_once:
                            sink.fail_once.discard(text)
                            mode = "fail"
                if mode == "slow":
                    time.sleep(3)
                time.sleep(delay)
                with sink.lock:
                    sink.inflight -= 1
                if mode == "fail":
                    self.send_response(500)
                    out = b"down"
                elif mode == "reject":
                    self.send_response(400)
                    out = b"bad number"
                else:
                    msg = json.loads(body)
                    msg["_auth"] = self.headers.get("Authorization")
                    with sink.cond:
                        sink.received.append(msg)
                        sink.arrivals.append((time.time(), msg["to"]))
                        sink.cond.notify_all()
                    self.send_response(200)
                    out = json.dumps({"id": "P-%s" % msg["id"]}).encode()
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), H)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, count, timeout=10):
        end = time.time() + timeout
        with self.cond:
            while len(self.received) < count and time.time() < end:
                self.cond.wait(0.05)
            return list(self.received)

    def texts_to(self, number):
        with self.lock:
            return [m["text"] for m in self.received if m["to"] == number]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def shipped_routes_with(old, new, path):
    """Writes the shipped routes.conf to path with old (which must be in
    it) replaced by new; returns the shipped text."""
    with open(os.path.join(SRC, "conf", "routes.conf")) as f:
        routes = f.read()
    if old not in routes:
        raise AssertionError("the shipped routes.conf no longer has %r" % old)
    with open(path, "w") as f:
        f.write(routes.replace(old, new))
    return routes


GATEWAY_CONF = """
gateway = {
  listen = "127.0.0.1:%(port)d";
  database = "baraza.db";
  flood_messages = %(flood)d;
  dedup_window_s = 10;
  retry_max_attempts = %(attempts)d;
  retry_base_ms = 200;
  retry_cap_ms = 1000;
  deny = [ %(deny)s ];%(gw_extra)s
};
providers = (
  { name = "generic"; type = "generic"; base_url = "http://127.0.0.1:%(sink)d/send";
    default = true; concurrency = 8; timeout_ms = 2000; },
  { name = "secure"; type = "generic"; base_url = "http://127.0.0.1:%(sink)d/send";
    token = "s3cret-token-123"; },
  { name = "log"; type = "log"; },
  { name = "paced"; type = "generic"; base_url = "http://127.0.0.1:%(sink)d/send";
    rate_per_s = 2.0; concurrency = 2; }%(extra)s
);
@include "routes.conf"
"""


# The daemons of this run, for the log lines main() prints when a test
# fails (a CI run keeps nothing else of them): those running, and those
# the failing test closed.
LOG_TAIL_LINES = 40
_running = set()
_closed_tails = []


def _tail(text):
    return "\n".join(text.splitlines()[-LOG_TAIL_LINES:])


class Gateway:
    def __init__(self, sink, flood=10, attempts=4, routes=None, providers="", gateway="",
                 deny='"+19990000000"'):
        self.dir = tempfile.mkdtemp(prefix="baraza-e2e-")
        self.port = free_port()
        self.sink = sink
        self.conf = os.path.join(self.dir, "baraza.conf")
        with open(self.conf, "w") as f:
            f.write(GATEWAY_CONF % {"port": self.port, "sink": sink.port,
                                    "flood": flood, "attempts": attempts,
                                    "extra": providers, "gw_extra": gateway,
                                    "deny": deny})
        shutil.copy(routes or os.path.join(SRC, "conf", "routes.conf"),
                    os.path.join(self.dir, "routes.conf"))
        shutil.copytree(os.path.join(SRC, "conf", "data"),
                        os.path.join(self.dir, "data"), dirs_exist_ok=True)
        self.db = os.path.join(self.dir, "baraza.db")
        self.proc = None
        self.log = None

    def start(self, extra=(), prefix=()):
        """Runs the daemon (under the command `prefix` when given, which
        must exec it) and waits for /healthz."""
        self.log = open(os.path.join(self.dir, "daemon.log"), "ab")
        _running.add(self)
        self.proc = subprocess.Popen([*prefix, BARAZA, "run", "-c", self.conf, *extra],
                                     stdout=self.log, stderr=self.log)
        # generous: a loaded CI machine whose disk stalls has taken more
        # than 10 s (once, with the suites running two at a time)
        end = time.time() + 30
        while time.time() < end:
            if self.proc.poll() is not None:
                raise RuntimeError("daemon exited: %s" % self.logtext())
            try:
                if self.get("/healthz")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("daemon did not come up: %s" % self.logtext())

    def thread_names(self):
        """The daemon's threads by name, as ps -L and top -H show them."""
        names = []
        for t in os.listdir("/proc/%d/task" % self.proc.pid):
            try:
                with open("/proc/%d/task/%s/comm" % (self.proc.pid, t)) as f:
                    names.append(f.read().strip())
            except FileNotFoundError:
                pass  # a thread that ended meanwhile
        return sorted(names)

    def logtext(self):
        with open(os.path.join(self.dir, "daemon.log"), "rb") as f:
            return f.read().decode(errors="replace")

    def request(self, method, path, data=None, headers=None, timeout=10):
        url = "http://127.0.0.1:%d%s" % (self.port, path)
        if isinstance(data, dict):
            data = urllib.parse.urlencode(data).encode()
        elif isinstance(data, str):
            data = data.encode()
        req = urllib.request.Request(url, data=data, method=method,
                                     headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, r.read().decode(errors="replace")
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(errors="replace")

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, data, headers=None, timeout=10):
        return self.request("POST", path, data, headers, timeout)

    def sms(self, frm, text, id=None, provider="generic"):
        d = {"from": frm, "to": "22384", "text": text}
        if id is not None:
            d["id"] = id
        return self.post("/sms/" + provider, d)

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=sig_mod.SIGTERM, timeout=15):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.proc = None
        self.log.close()
        return rc

    def cli(self, *args, stdin=None):
        p = subprocess.run([BARAZA, *args[:1], "-c", self.conf, *args[1:]],
                           input=stdin, capture_output=True, text=True, timeout=30)
        return p.returncode, p.stdout, p.stderr

    def query(self, sql, *params):
        con = sqlite3.connect(self.db, timeout=10)
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    def age_session(self, number, ms):
        """Moves the number's conversation ms into the past, as if the
        citizen had waited that long to answer."""
        con = sqlite3.connect(self.db, timeout=10)
        try:
            con.execute("UPDATE sessions SET expires_at = expires_at - ?,"
                        " updated_at = updated_at - ? WHERE number = ?",
                        (ms, ms, number))
            con.commit()
        finally:
            con.close()

    def age_complaint(self, ref, days):
        """Moves a complaint's filing days into the past."""
        con = sqlite3.connect(self.db, timeout=10)
        try:
            con.execute("UPDATE complaints SET created_at = created_at - ?"
                        " WHERE ref = ?", (days * 86400000, ref))
            con.commit()
        finally:
            con.close()

    def wait_until(self, fn, timeout=10):
        end = time.time() + timeout
        while time.time() < end:
            v = fn()
            if v:
                return v
            time.sleep(0.05)
        return fn()

    def close(self):
        self.stop(sig_mod.SIGKILL)
        if self in _running:
            _running.discard(self)
            _closed_tails.append(_tail(self.logtext()))
            del _closed_tails[:-4]
        shutil.rmtree(self.dir, ignore_errors=True)


class _Result(unittest.TextTestResult):
    """Prints the daemons' last log lines under a failure's traceback."""

    def _logs(self):
        tails = _closed_tails + [_tail(g.logtext()) for g in _running]
        for t in tails:
            self.stream.write("--- daemon log, last lines:\n%s\n" % t)

    def startTest(self, test):
        _closed_tails.clear()
        super().startTest(test)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._logs()

    def addError(self, test, err):
        super().addError(test, err)
        self._logs()


def main():
    """Runs the calling module's tests; ends with 'N passed, N failed'."""
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules["__main__"])
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout,
                                     resultclass=_Result).run(suite)
    failed = len(result.failures) + len(result.errors)
    print("%d passed, %d failed" % (result.testsRun - failed, failed))
    sys.exit(1 if failed else 0)

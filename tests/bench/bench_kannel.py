#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""bench_kannel: baraza against Kannel, measured in the same run on the
same machine.

    python3 tests/bench/bench_kannel.py build/baraza [N]

1. Static reply: baraza's end-to-end rate against Kannel's static keyword
   reply.
2. The chain fakesmsc -> Kannel -> application (get-url) -> sendsms ->
   Kannel -> fakesmsc, with baraza (the kannel provider, every message
   and reply durable) as the application, against the same chain with
   kannel-forwarder (tests/bench/kannel_forwarder.c: answers 200, sends a
   fixed reply, stores nothing) in its place.
3. The same two chains with the reply in the get-url's answer (Kannel's
   `max-messages = 1`; baraza's `reply_in_response`, the forwarder
   answering its fixed text): no sendsms leg.

Kannel (Debian's bearerbox + smsbox, on loopback): fakesmsc pushes N
messages down its connection (`-i 0 -m N`) to a `keyword = default`
service that answers a fixed text; the time is from fakesmsc's start to
the N-th reply it receives (the method of ../shared/PEERS.md), after a
warm-up of N/10.  Kannel stores nothing.  baraza: `bench-e2e BARAZA N 64`,
webhook -> handler -> reply at a sink, every message and reply durable
(synchronous=FULL).  Prints both rates and their ratio, and for each chain
the CPU time per 1,000 messages of the application, bearerbox and smsbox
(the chain is CPU-bound: its rate follows their sum).  BENCH_ROUNDS=R
measures each comparison R times, the two sides back to back and in
turns first, and reports the median ratio.
BENCH_PIN=1 runs the chains with the application alone on CPU 1 and
Kannel (bearerbox, smsbox, fakesmsc) on CPU 0 (`taskset`), as when the
gateway and the SMSC side do not share a core; the default leaves the
placing to the scheduler.
"""

import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from bench_util import free_port

BEARERBOX = "/usr/sbin/bearerbox"
SMSBOX = "/usr/sbin/smsbox"
FAKESMSC = "/usr/lib/kannel/test/fakesmsc"
SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")

# bearerbox, the fake SMSC connection and smsbox; the services follow
KANNEL_BOXES = """
group = core
admin-port = %(admin)d
admin-password = secret
smsbox-port = %(boxport)d
log-level = 2
log-file = "%(dir)s/bearerbox.log"
box-allow-ip = "127.0.0.1"

group = smsc
smsc = fake
smsc-id = fake1
port = %(fake)d
connect-allow-ip = "127.0.0.1"

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = %(boxport)d
log-file = "%(dir)s/smsbox.log"
log-level = 2
"""

KANNEL_CONF = KANNEL_BOXES + """
group = sms-service
keyword = default
catch-all = true
max-messages = 1
text = "Baraza lets you tell the county government what you think."
"""

CHAIN_CONF = KANNEL_BOXES + """sendsms-port = %(sendsms)d

group = sendsms-user
username = baraza
password = secret
max-messages = 3

group = sms-service
keyword = default
catch-all = true
max-messages = 0
get-url = "http://127.0.0.1:%(app)d/sms/kannel?from=%%p&to=%%P&text=%%b&id=%%I&coding=%%c&charset=%%C"
"""

# the same chain with the reply in the get-url's answer (Kannel sends the
# answer's body as the reply; no sendsms leg)
CHAIN_SYNC_CONF = CHAIN_CONF.replace("max-messages = 0", "max-messages = 1")

BARAZA_CONF = """
gateway = { listen = "127.0.0.1:%(app)d"; database = "bench.db"; flood_messages = 100000;
  flood_window_s = 1; dedup_window_s = 0; };
export = { dir = "exports"; };
providers = ( { name = "kannel"; type = "kannel"; username = "baraza"; password = "secret";
  sendsms_url = "http://127.0.0.1:%(sendsms)d/cgi-bin/sendsms"; from = "22384";
  concurrency = 32; reply_in_response = %(sync)s; } );
@include "routes.conf"
"""


def wait_port(port, proc, secs=20):
    """Until something listens on port (True), proc exits or secs pass."""
    end = time.time() + secs
    while time.time() < end and proc.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


# BENCH_PIN=1: Kannel's processes on one core, the application on the other
PIN = os.environ.get("BENCH_PIN") == "1"
KANNEL_CPU, APP_CPU = 0, 1


def on_cpu(cpu, args, pin):
    """args, to run on that CPU alone when pin"""
    return ["taskset", "-c", str(cpu)] + args if pin else args


QUIET_S = 30  # no reply for this long: the chain is stuck, give up


def kannel_run(port, n, pin=False):
    """fakesmsc sends n messages, each from one of 1,000 numbers at random
    (citizens, not one phone flooding); returns seconds until the n-th
    reply, or None when replies stop coming (QUIET_S without one)."""
    senders = ["+2547%08d 22384 text about" % i for i in range(1000)]
    t0 = time.perf_counter()
    p = subprocess.Popen(on_cpu(KANNEL_CPU, [FAKESMSC, "-H", "127.0.0.1", "-r", str(port),
                                              "-i", "0", "-m", str(n), *senders], pin),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    got, last = 0, [time.time()]

    def watchdog():
        while p.poll() is None:
            if time.time() - last[0] > QUIET_S:
                p.kill()
                return
            time.sleep(1)

    threading.Thread(target=watchdog, daemon=True).start()
    for line in p.stdout:
        if "Got message" in line:
            got += 1
            last[0] = time.time()
            if got == n:
                break
    secs = time.perf_counter() - t0
    p.kill()
    p.wait()
    return secs if got == n else None


def cpu_seconds(pid):
    """user + system CPU seconds of a process so far (0 once it is gone)"""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


class KannelDown(Exception):
    pass


def start_kannel(conf_text, ports, pin=False):
    for prog in (BEARERBOX, SMSBOX, FAKESMSC):
        if not os.access(prog, os.X_OK):
            sys.exit("%s is missing: apt-get install kannel kannel-extras" % prog)
    conf = os.path.join(ports["dir"], "kannel.conf")
    with open(conf, "w") as f:
        f.write(conf_text % ports)
    procs = [subprocess.Popen(on_cpu(KANNEL_CPU, [BEARERBOX, conf], pin),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    # smsbox gives up at once when bearerbox is not listening yet
    if not wait_port(ports["boxport"], procs[0]):
        stop_all(procs)
        raise KannelDown("bearerbox did not come up (%s)" % ports["dir"])
    procs.append(subprocess.Popen(on_cpu(KANNEL_CPU, [SMSBOX, conf], pin),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    if "sendsms" in ports:
        if not wait_port(ports["sendsms"], procs[1]):
            stop_all(procs)
            raise KannelDown("smsbox did not come up (%s)" % ports["dir"])
    time.sleep(1)  # smsbox's connection to bearerbox
    if procs[1].poll() is not None:
        stop_all(procs)
        raise KannelDown("smsbox exited (%s/smsbox.log)" % ports["dir"])
    return procs


def start_kannel_fresh(conf_text, names, pin=False, **extra):
    """Kannel on fresh ports in a fresh folder: (ports, procs).  A port
    free when chosen can be taken before a box binds it (an outgoing
    connection's local port): that start is tried again on new ports."""
    for attempt in range(3):
        d = tempfile.mkdtemp(prefix="baraza-bench-kannel-")
        ports = dict({k: free_port() for k in names}, dir=d, **extra)
        try:
            return ports, start_kannel(conf_text, ports, pin)
        except KannelDown as e:
            why = str(e)
            print("  (%s; trying other ports)" % why, file=sys.stderr, flush=True)
            shutil.rmtree(d, ignore_errors=True)
    sys.exit(why)


def stop_all(procs):
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()


def settle():
    """Lets the previous measurement's files reach the disk (a durable run
    leaves ~100 MB for writeback, and its removal) before the next one
    starts, so that neither side pays for the other's."""
    os.sync()
    time.sleep(0.5)


def chain(baraza, n, app, sync=False):
    """The Kannel chain with `app` ('forwarder' or 'baraza') in the middle,
    replying through sendsms, or in the get-url's answer when sync; msg/s,
    median of three runs after a warm-up."""
    settle()
    ports, procs = start_kannel_fresh(CHAIN_SYNC_CONF if sync else CHAIN_CONF,
                                      ("admin", "boxport", "fake", "sendsms", "app"), PIN,
                                      sync="true" if sync else "false")
    d = ports["dir"]
    if app == "forwarder":
        fwd = os.path.join(os.path.dirname(baraza), "tests", "kannel-forwarder")
        p = subprocess.Popen(on_cpu(APP_CPU, [fwd, str(ports["app"]),
                                              "-" if sync else
                                              "http://127.0.0.1:%d/cgi-bin/sendsms?"
                                              "username=baraza&password=secret"
                                              % ports["sendsms"]], PIN),
                             stdout=subprocess.PIPE, text=True)
        p.stdout.readline()
    else:
        with open(os.path.join(d, "baraza.conf"), "w") as f:
            f.write(BARAZA_CONF % ports)
        shutil.copy(os.path.join(SRC, "conf", "routes.conf"), d)
        shutil.copytree(os.path.join(SRC, "conf", "data"), os.path.join(d, "data"))
        p = subprocess.Popen(on_cpu(APP_CPU, [baraza, "run", "-c",
                                              os.path.join(d, "baraza.conf")], PIN),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1)
    procs.insert(0, p)
    try:
        kannel_run(ports["fake"], max(n // 10, 100), PIN)  # warm-up
        cpu0 = [cpu_seconds(q.pid) for q in procs]
        runs = [kannel_run(ports["fake"], n, PIN) for _ in range(3)]
        cpu = [(cpu_seconds(q.pid) - c) * 1000 * 1000 / (3 * n)
               for q, c in zip(procs, cpu0)]
        runs = sorted(r for r in runs if r is not None)
        if not runs:
            sys.exit("the %s chain answered fewer than %d messages" % (app, n))
        print("  %s chain%s, CPU ms per 1,000 messages: %s %.0f, bearerbox %.0f,"
              " smsbox %.0f" % (app, " (reply in the answer)" if sync else "", app,
                                cpu[0], cpu[1], cpu[2]), flush=True)
        return n / runs[len(runs) // 2]
    finally:
        stop_all(procs)
        shutil.rmtree(d, ignore_errors=True)


def kannel_static(n):
    settle()
    ports, procs = start_kannel_fresh(KANNEL_CONF, ("admin", "boxport", "fake"))
    d = ports["dir"]
    try:
        kannel_run(ports["fake"], max(n // 10, 100))  # warm-up
        runs = [kannel_run(ports["fake"], n) for _ in range(3)]
        runs = sorted(r for r in runs if r is not None)
        if not runs:
            sys.exit("Kannel answered fewer than %d messages" % n)
        return n / runs[len(runs) // 2]
    finally:
        stop_all(procs)
        shutil.rmtree(d, ignore_errors=True)


def baraza_e2e(baraza, n):
    bench = os.path.join(os.path.dirname(baraza), "tests", "bench-e2e")
    settle()
    p = subprocess.run([bench, baraza, str(n), "64"], capture_output=True, text=True,
                       env=dict(os.environ, BARAZA_SRC=os.path.abspath(SRC)))
    m = re.search(r"baraza: webhook -> reply at sink\s+(\d+)", p.stdout)
    if p.returncode != 0 or m is None:
        sys.exit("bench-e2e failed:\n" + p.stdout + p.stderr[-2000:])
    return int(m.group(1)), p.stdout


def in_turns(r, first, second):
    """Runs both measurements, first() first in even rounds and second()
    first in odd ones; returns their results in that order."""
    if r % 2 == 0:
        a = first()
        return a, second()
    b = second()
    return first(), b


def main():
    baraza = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/baraza")
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    # rates drift by a quarter within minutes on a shared machine: each
    # round measures both sides back to back, the one first in odd rounds
    # second in even ones, and the ratio reported is the median of the
    # rounds' ratios
    rounds = max(1, int(os.environ.get("BENCH_ROUNDS", "1")))
    statics = []
    for r in range(rounds):
        k, b = in_turns(r, lambda: kannel_static(n), lambda: baraza_e2e(baraza, n)[0])
        statics.append((k, b))
        if rounds > 1:
            print("  round %d: Kannel %.0f, baraza %d msg/s, ratio %.2f"
                  % (r + 1, k, b, b / k), flush=True)
    print("%d messages, loopback, 2 cores shared by load and servers%s"
          % (n, "; chains: Kannel on CPU %d, the application on CPU %d"
             % (KANNEL_CPU, APP_CPU) if PIN else ""))
    print("%-62s %10s" % ("", "msg/s"))
    print("%-62s %10.0f" % ("Kannel: keyword -> static text (fakesmsc, stores nothing)",
                            statistics.median(p[0] for p in statics)))
    print("%-62s %10.0f" % ("baraza: webhook -> router + handler -> reply at sink, durable",
                          statistics.median(p[1] for p in statics)))
    print("ratio baraza / Kannel: %.2f%s"
          % (statistics.median(b / k for k, b in statics),
             " (median of %d rounds)" % rounds if rounds > 1 else ""), flush=True)
    for sync, how in ((False, "reply through sendsms"),
                      (True, "reply in the get-url's answer")):
        pairs = []
        for r in range(rounds):
            f, g = in_turns(r, lambda: chain(baraza, n, "forwarder", sync),
                            lambda: chain(baraza, n, "baraza", sync))
            pairs.append((f, g))
            if rounds > 1:
                print("  round %d: forwarder %.0f, baraza %.0f msg/s, ratio %.2f"
                      % (r + 1, f, g, g / f), flush=True)
        print("chain, %s:" % how)
        print("%-62s %10.0f" % ("  with kannel-forwarder (stores nothing)",
                                statistics.median(p[0] for p in pairs)))
        print("%-62s %10.0f" % ("  with baraza (kannel provider, durable)",
                                statistics.median(p[1] for p in pairs)))
        print("ratio baraza / forwarder, %s: %.2f%s"
              % (how, statistics.median(g / f for f, g in pairs),
                 " (median of %d rounds)" % rounds if rounds > 1 else ""), flush=True)


if __name__ == "__main__":
    main()

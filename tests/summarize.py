# SPDX-License-Identifier: Apache-2.0
"""Prints one line "N passed, N failed" for a whole run: individual test
cases from meson's JSON test logs (cmocka and the end-to-end harness report
their own counts; other tests count as one), plus fuzz results."""

import json
import os
import re
import sys

passed = failed = 0
for path in sys.argv[1:]:
    if not os.path.exists(path):
        failed += 1
        continue
    if path.endswith(".results"):
        for line in open(path):
            if line.strip().endswith(" ok"):
                passed += 1
            elif line.strip():
                failed += 1
        continue
    for line in open(path):
        t = json.loads(line)
        out = (t.get("stdout") or "") + (t.get("stderr") or "")
        ok = t.get("result") == "OK"
        m = re.findall(r"^(\d+) passed, (\d+) failed$", out, re.M)
        run = re.search(r"\[=+\] (\d+) test\(s\) run\.", out)
        if m:
            p, f = map(int, m[-1])
        elif run:
            n = int(run.group(1))
            fm = re.search(r"\[  FAILED  \] (\d+) test\(s\)", out)
            f = int(fm.group(1)) if fm else 0
            p = n - f
        else:
            p, f = (1, 0) if ok else (0, 1)
        if not ok and f == 0:
            p, f = max(p - 1, 0), 1  # crashed or timed out after its count
        passed += p
        failed += f
print("%d passed, %d failed" % (passed, failed))

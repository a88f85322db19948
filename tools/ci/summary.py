#!/usr/bin/python3
"""Sum meson test logs (counting cmocka cases inside each test binary) and
extra pass/fail lines; print failures and end with 'N passed, M failed'."""
import json
import os
import re
import sys

logdir = sys.argv[1]
passed = failed = 0
failures = []
for name in ("gcc.json", "asan.json"):
    path = os.path.join(logdir, name)
    if not os.path.exists(path):
        continue
    for line in open(path):
        t = json.loads(line)
        # cmocka prints its case counts to stderr.
        out = (t.get("stdout", "") or "") + "\n" + (t.get("stderr", "") or "")
        ok = t["result"] in ("OK", "EXPECTEDFAIL", "SKIP")
        p = sum(int(m) for m in re.findall(r"^\[  PASSED  \] (\d+) test", out, re.M))
        f = sum(int(m) for m in re.findall(r"^\[  FAILED  \] (\d+) test", out, re.M))
        # Python/shell tests print "N passed, M failed" themselves.
        for m in re.finditer(r"^(\d+) passed, (\d+) failed", out, re.M):
            p += int(m.group(1))
            f += int(m.group(2))
        if p == 0 and f == 0:
            p, f = (1, 0) if ok else (0, 1)
        elif not ok and f == 0:
            f = 1
        passed += p
        failed += f
        if not ok:
            failures.append(f"{name[:-5]}: {t['name']} ({t['result']})")
for kind in ("extra-pass", "extra-fail"):
    path = os.path.join(logdir, kind)
    if os.path.exists(path):
        lines = [l.strip() for l in open(path) if l.strip()]
        if kind == "extra-pass":
            passed += len(lines)
        else:
            failed += len(lines)
            failures += lines
if passed == 0 and failed == 0:
    failures.append("no test ran")
    failed = 1
for f in failures:
    print("FAILED:", f)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)

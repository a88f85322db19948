"""The bridge's /metrics passes `promtool check metrics` (Debian's
prometheus package ships promtool; installed here when missing): every
metric has HELP and TYPE and follows Prometheus' naming rules. The bridge
runs with a display, accepted and refused calls and a command, so that
every labelled family has samples."""
import os
import shutil
import subprocess
import sys

import cbtest
from cbsystem import SITE, TENANT, System
from cbtest import test

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import brokers  # noqa: E402


@test
def promtool_check_metrics():
    if not shutil.which("promtool"):
        brokers.ensure_debian("prometheus")
    s = System(ndisplays=1)
    try:
        s.start()
        st, body = s.api.call("A001", "3")
        assert st == 202, body
        st, _ = s.api.recall(body["id"])
        assert st == 202
        st, _ = s.api.req("POST", f"/v1/sites/{TENANT}/{SITE}/calls", {"ticket": "bad"})
        assert st >= 400
        st, _ = s.api.req("POST", f"/v1/devices/{TENANT}/{SITE}/screen-1/commands",
                          {"cmd": "identify"})
        assert st == 200
        st, text = s.api.req("GET", "/metrics", raw=True)
        assert st == 200, st
    finally:
        s.stop()
    r = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                       timeout=60)
    assert r.returncode == 0, (r.stdout + r.stderr).decode()
    names = {line.split()[2] for line in text.decode().splitlines()
             if line.startswith("# TYPE ")}
    helps = {line.split()[2] for line in text.decode().splitlines()
             if line.startswith("# HELP ")}
    assert names == helps, f"TYPE without HELP: {sorted(names - helps)}"
    assert len(names) >= 14, sorted(names)


cbtest.run()

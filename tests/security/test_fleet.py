#!/usr/bin/python3
"""A fleet shared by many municipalities on a plain broker (no ACL, no
client-id binding): device names repeat across tenants and must not collide,
and a display or bridge from an older config says what to change."""

import cbtest
from cbtest import Client, Mosquitto, Proc, TempDir, display, test, wait_until

ROOT = "callboard/v1"


def board(seq):
    now = cbtest.iso_now()
    return ('{"v":1,"seq":%d,"ts":"%s","calls":[{"id":"c%d","ticket":"A%03d","desk":"3",'
            '"kind":"call","ts":"%s"}]}' % (seq, now, seq, seq, now))


@test
def same_device_name_in_two_municipalities():
    tmp = TempDir("cbfleet-")
    b = Mosquitto(tmp)
    obs = Client(b.port)
    sites = (("aarhus", "dokk1"), ("samsoe", "tranebjerg"))
    try:
        obs.subscribe(f"{ROOT}/+/+/display/screen-1/ack")
        # samsoe's display comes from an older config: its username is the bare
        # device name. It still connects, and logs the name to use.
        ds = [display(tmp, b.port, "aarhus", "dokk1", "screen-1"),
              display(tmp, b.port, "samsoe", "tranebjerg", "screen-1", "username = screen-1")]
        for d in ds:
            d.wait_line("connected to", 20)
        for tenant, site in sites:
            obs.publish(f"{ROOT}/{tenant}/{site}/board/main", board(4), retain=True)
        for tenant, site in sites:
            t = f"{ROOT}/{tenant}/{site}/display/screen-1/ack"
            wait_until(lambda: obs.received(t), 20, what=t)
        for d in ds:
            out = d.output()
            assert "lost" not in out and "reconnected" not in out, out
        assert "set username = samsoe.tranebjerg.screen-1" in ds[1].output(), ds[1].output()
        assert "username" not in ds[0].output(), ds[0].output()
        # The broker sees the fleet-unique ids.
        assert "as aarhus.dokk1.screen-1 " in b.proc.output(), b.proc.output()
        assert "as samsoe.tranebjerg.screen-1 " in b.proc.output(), b.proc.output()
        for d in ds:
            d.stop()
    finally:
        obs.close()
        b.stop()
        tmp.cleanup()


@test
def bridge_client_id_is_its_username():
    """An older bridge config names its own client_id: the username wins, and
    the log says what to remove."""
    tmp = TempDir("cbfleet-")
    b = Mosquitto(tmp)
    try:
        conf = tmp.file("bridge.ini", f"""[http]
listen = 127.0.0.1:{cbtest.free_port()}

[mqtt]
host = 127.0.0.1
port = {b.port}
username = bridge-aarhus
client_id = bridge-1

[storage]
path = {tmp.path}/bridge.db

[tenant:aarhus]
token = token-aarhus-0123456789
sites = dokk1
""")
        br = Proc([cbtest.binary("callboard-bridge"), "--config", conf])
        br.wait_line("connected to", 20)
        assert "client_id 'bridge-1' is not used: the client id is the username " \
            "'bridge-aarhus' (remove client_id)" in br.output(), br.output()
        assert "as bridge-aarhus " in b.proc.output(), b.proc.output()
        br.stop()
    finally:
        b.stop()
        tmp.cleanup()


cbtest.run()

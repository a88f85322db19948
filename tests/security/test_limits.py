#!/usr/bin/python3
"""Oversized messages never reach a callboard process: 20 MB on a display's
board topic and on the screenshot topic leave the display's and the bridge's
peak memory (VmHWM) where it was. Twice: behind broker-config's mosquitto
(max_packet_size refuses the packet from the sender), and behind a plain
mosquitto with no limit, where the Maximum Packet Size each client announces
in its MQTT 5 CONNECT makes the broker drop the message for it.

Each big message is followed by a small one whose arrival is seen (an ack, a
kept screenshot): the barrier after which the big one would have been read."""
import http.client
import os
import threading

import paho.mqtt.client as mqtt

import cbtest
from cbbroker import Broker
from cbtest import Mosquitto, Proc, TempDir, test, wait_until

ROOT = "callboard/v1/aarhus/dokk1"
DEV = "screen-1"
BIG = 20 * 1024 * 1024
GROWTH_MAX_KB = 8 * 1024  # far below BIG: what a loop turn may allocate anyway
ADMIN = "admin-token-0123456789"
PNG = b"\x89PNG\r\n\x1a\n"

DEVICES = f"""[bridge]
username = bridge

[tenant:aarhus]
sites = dokk1

[display:aarhus/dokk1/{DEV}]
areas = main
"""


def hwm_kb(proc):
    with open(f"/proc/{proc.p.pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError("no VmHWM")


class Sender:
    """A paho client that notices when the broker drops it."""

    def __init__(self, port, user=None, password=None):
        self.c = mqtt.Client(client_id=f"sender-{os.getpid()}-{id(self)}", protocol=mqtt.MQTTv311)
        if user:
            self.c.username_pw_set(user, password)
        self.up, self.down = threading.Event(), threading.Event()
        self.c.on_connect = lambda c, u, f, rc: rc == 0 and self.up.set()
        self.c.on_disconnect = lambda c, u, rc: self.down.set()
        self.c.connect("127.0.0.1", port, 30)
        self.c.loop_start()
        assert self.up.wait(10), "sender: no CONNACK"

    def send(self, topic, payload, retain=False):
        self.c.publish(topic, payload, qos=1, retain=retain)

    def close(self):
        self.c.disconnect()
        self.c.loop_stop()


def board(seq):
    now = cbtest.iso_now()
    return ('{"v":1,"seq":%d,"ts":"%s","calls":[{"id":"c%d","ticket":"A%03d","desk":"3",'
            '"kind":"call","ts":"%s"}]}' % (seq, now, seq, seq, now)).encode()


class Rig:
    """A broker (generated or plain), the display and the bridge on it."""

    def __init__(self, generated):
        self.tmp = TempDir("cblimits-")
        if generated:
            self.broker = Broker(DEVICES)
            self.port = self.broker.port
            self.creds = self.broker.creds
        else:
            self.broker = Mosquitto(self.tmp)
            self.port = self.broker.port
            self.creds = {}
        self.user = f"aarhus.dokk1.{DEV}"

    def login(self, user):
        return (f"username = {user}\npassword = {self.creds[user]}\n" if self.creds else "")

    def sender(self, user):
        return Sender(self.port, user if self.creds else None, self.creds.get(user))

    def display(self):
        conf = self.tmp.file("display.ini", f"""[device]
id = {DEV}
tenant = aarhus
site = dokk1
areas = main

[mqtt]
host = 127.0.0.1
port = {self.port}
keepalive = 5
{self.login(self.user)}""")
        return Proc([cbtest.binary("callboard-display"), "--config", conf, "--headless"],
                    env={"SDL_AUDIODRIVER": "dummy", "XDG_RUNTIME_DIR": self.tmp.path})

    def bridge(self):
        self.http = cbtest.free_port()
        conf = cbtest.bridge_ini(self.tmp, self.http, self.port, ADMIN, self.login("bridge"),
                                 """[tenant:aarhus]
token = token-aarhus-0123456789
sites = dokk1
""")
        return Proc([cbtest.binary("callboard-bridge"), "--config", conf])

    def latest_png(self):
        c = http.client.HTTPConnection("127.0.0.1", self.http, timeout=10)
        try:
            c.request("GET", f"/status/latest/aarhus/dokk1/{DEV}",
                      headers={"Authorization": f"Bearer {ADMIN}"})
            r = c.getresponse()
            return r.read() if r.status == 200 else None
        except OSError:
            return None
        finally:
            c.close()

    def close(self):
        self.broker.stop()
        self.tmp.cleanup()


def big_board_leaves_the_display_alone(generated):
    rig = Rig(generated)
    try:
        disp = rig.display()
        seen = []

        def bridge():
            """The bridge's credential: writes boards, reads acks."""
            s = rig.sender("bridge")
            s.c.on_message = lambda c, u, m: seen.append(m.payload)
            s.c.subscribe(f"{ROOT}/display/{DEV}/ack", 1)
            return s
        b = bridge()
        disp.wait_line("connected to", 20)
        b.send(f"{ROOT}/board/main", board(1), retain=True)
        wait_until(lambda: any(b'"seq":1' in p for p in seen), 20, what="ack of seq 1")
        before = hwm_kb(disp)
        b.send(f"{ROOT}/board/main", b"x" * BIG)
        if generated:
            # The broker refuses the packet and drops the sender.
            assert b.down.wait(30), "broker kept a sender of 20 MB"
            b = bridge()
        b.send(f"{ROOT}/board/main", board(2), retain=True)
        wait_until(lambda: any(b'"seq":2' in p for p in seen), 30, what="ack of seq 2")
        grown = hwm_kb(disp) - before
        assert grown < GROWTH_MAX_KB, f"display peak memory grew by {grown} kB"
        assert disp.alive(), disp.output()
        disp.stop()
    finally:
        rig.close()


def big_screenshot_leaves_the_bridge_alone(generated):
    rig = Rig(generated)
    try:
        bridge = rig.bridge()
        wait_until(lambda: "connected to" in bridge.output(), 20, what="bridge connected")
        shots = rig.sender(rig.user)
        topic = f"{ROOT}/display/{DEV}/screenshot"
        shots.send(topic, PNG + b"first")
        wait_until(lambda: rig.latest_png() == PNG + b"first", 20, what="first screenshot")
        before = hwm_kb(bridge)
        shots.send(topic, PNG + b"x" * BIG)
        if generated:
            assert shots.down.wait(30), "broker kept a sender of 20 MB"
            shots = rig.sender(rig.user)
        shots.send(topic, PNG + b"second")
        wait_until(lambda: rig.latest_png() == PNG + b"second", 30, what="second screenshot")
        grown = hwm_kb(bridge) - before
        assert grown < GROWTH_MAX_KB, f"bridge peak memory grew by {grown} kB"
        bridge.stop()
    finally:
        rig.close()


@test
def generated_broker_refuses_a_big_board():
    big_board_leaves_the_display_alone(True)


@test
def plain_broker_keeps_a_big_board_from_the_display():
    big_board_leaves_the_display_alone(False)


@test
def generated_broker_refuses_a_big_screenshot():
    big_screenshot_leaves_the_bridge_alone(True)


@test
def plain_broker_keeps_a_big_screenshot_from_the_bridge():
    big_screenshot_leaves_the_bridge_alone(False)


cbtest.run()

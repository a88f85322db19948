"""Monitoring: the bridge's optional Home Assistant discovery messages
([monitoring] homeassistant = true), off by default; and the read-only
monitor account of `callboard broker-config` ([monitor:NAME]), which reads
its tenants' topics and discovery messages and nothing else, and writes
nothing."""
import json

import cbtest
from cbbroker import Broker
from cbsystem import SITE, TENANT, System
from cbtest import Client, test, wait_until

ENTITIES = {"online": "status", "temperature": "health", "audio": "health",
            "last_call_seq": "ack"}


@test
def discovery_is_off_by_default():
    s = System(ndisplays=1)
    ha = Client(s.broker.port)
    ha.subscribe("homeassistant/#")
    try:
        s.start()
        st, body = s.api.call("A001", "3")
        assert st == 202, body
        s.wait_acked("screen-1", body["seq"])
        # The bridge handled the display and published a board: discovery,
        # had it been on, went out in the same loop turns.
        assert not ha.received(), ha.received()[:2]
    finally:
        ha.close()
        s.stop()


@test
def discovery_describes_every_display():
    s = System(ndisplays=2, bridge_extra="[monitoring]\nhomeassistant = true\n")
    try:
        s.start()
        st, body = s.api.call("A001", "3")
        assert st == 202, body
        for dev in s.display_confs:
            s.wait_acked(dev, body["seq"])
        # A late subscriber (Home Assistant starting) gets them retained.
        ha = Client(s.broker.port)
        ha.subscribe("homeassistant/#")
        want = {f"homeassistant/{'binary_sensor' if e == 'online' else 'sensor'}/"
                f"callboard-{TENANT}/{SITE}_{dev}_{e}/config": (dev, src)
                for dev in s.display_confs for e, src in ENTITIES.items()}
        wait_until(lambda: set(want) <= {t for t, _, _ in ha.received()}, 15,
                   what="every discovery config")
        uids = set()
        for topic, payload, retained in ha.received():
            assert retained, topic
            dev, src = want[topic]
            cfg = json.loads(payload)
            assert cfg["state_topic"] == s.topic("display", dev, src), cfg
            assert cfg["device"]["identifiers"] == [f"callboard-{TENANT}-{SITE}-{dev}"], cfg
            uids.add(cfg["unique_id"])
            if src != "status":
                assert cfg["availability_topic"] == s.topic("display", dev, "status"), cfg
        assert len(uids) == len(want), "unique ids repeat"
        # The fields the templates read are what the displays send.
        health = s.watch.wait_json(s.topic("display", "screen-1", "health"))
        assert health["audio"] in ("ok", "none", "muted", "error"), health
        assert s.last_ack("screen-1")["seq"] >= body["seq"]
        ha.close()
    finally:
        s.stop()


DEVICES = """[tenant:aarhus]
sites = dokk1
[tenant:odense]
sites = borgernes-hus
[display:aarhus/dokk1/screen-1]
areas = main
[display:odense/borgernes-hus/tv]
areas = main
[monitor:ha-aarhus]
tenants = aarhus
"""


@test
def monitor_account_reads_its_tenant_only():
    b = Broker(DEVICES)
    try:
        def login(user):
            return Client(b.port, client_id=user, username=user, password=b.creds[user])
        mon = login("ha-aarhus")
        mon.subscribe("#")
        bridge = login("bridge")
        aarhus = login("aarhus.dokk1.screen-1")
        odense = login("odense.borgernes-hus.tv")
        a_root, o_root = "callboard/v1/aarhus/dokk1", "callboard/v1/odense/borgernes-hus"
        disc = "homeassistant/sensor/callboard-{}/x_y_audio/config"
        odense.publish(f"{o_root}/display/tv/health", b"{}")
        bridge.publish(disc.format("odense"), b"{}", retain=True)
        mon.publish(f"{a_root}/board/main", b"{}", retain=True)  # refused: read-only
        aarhus.publish(f"{a_root}/display/screen-1/health", b"{}")
        bridge.publish(f"{a_root}/board/main", b'{"mark":1}', retain=True)
        bridge.publish(disc.format("aarhus"), b"{}", retain=True)
        wait_until(lambda: mon.received(disc.format("aarhus")), 10, what="aarhus discovery")
        got = {t: p for t, p, _ in mon.received()}
        assert f"{a_root}/display/screen-1/health" in got, got
        assert got.get(f"{a_root}/board/main") == b'{"mark":1}', got
        assert not [t for t in got if "odense" in t], got
        # The monitor's own publish never reached the broker's store.
        late = Client(b.port, client_id="bridge", username="bridge", password=b.creds["bridge"])
        late.subscribe(f"{a_root}/board/main")
        wait_until(lambda: late.received(), 10, what="the retained board")
        assert [p for _, p, _ in late.received()] == [b'{"mark":1}'], late.received()
        for c in (mon, aarhus, odense, late):
            c.close()
    finally:
        b.stop()


cbtest.run()

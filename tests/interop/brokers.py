"""Brokers other than mosquitto for the interop suites, each a private
instance on free loopback ports in a temp folder, started from the Debian
or npm package (installed here when missing) and stopped at exit:

- RabbitMQ 3.10 with its MQTT plugin (Debian's rabbitmq-server): node name,
  data, logs, config, enabled plugins, epmd and distribution ports all
  private, so it neither needs nor disturbs a system instance.
- aedes (npm), started by a tiny node script.

Each has .port, .start(), .stop() like cbtest.Mosquitto, so cbsystem.System
runs on any of them."""
import os
import shutil
import socket
import subprocess

import cbtest
from cbtest import Proc, wait_until

CACHE = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
                     "callboard-tests")
RABBIT_BIN = "/usr/lib/rabbitmq/bin"


def _have_deb(pkg):
    r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg], capture_output=True,
                       text=True)
    return "install ok installed" in r.stdout


def ensure_debian(*pkgs):
    """Install the Debian packages that are missing, without starting their
    services (a policy-rc.d that refuses, unless one is already there)."""
    missing = [p for p in pkgs if not _have_deb(p)]
    if not missing:
        return
    if os.geteuid() != 0:
        raise RuntimeError(f"packages missing and not root: {' '.join(missing)}")
    policy = "/usr/sbin/policy-rc.d"
    ours = not os.path.exists(policy)
    if ours:
        with open(policy, "w") as f:
            f.write("#!/bin/sh\nexit 101\n")
        os.chmod(policy, 0o755)
    try:
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        r = subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends",
                            *missing], env=env, capture_output=True, text=True)
        if r.returncode != 0:
            subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True)
            subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends",
                            *missing], env=env, check=True, capture_output=True)
    finally:
        if ours:
            os.unlink(policy)


def ensure_npm(pkg, version):
    """node_modules with pkg@version in the test cache; its folder."""
    d = os.path.join(CACHE, f"{pkg}-{version}")
    if not os.path.isdir(os.path.join(d, "node_modules", pkg)):
        if not shutil.which("node") or not shutil.which("npm"):
            ensure_debian("nodejs", "npm")
        os.makedirs(d, exist_ok=True)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent",
                        f"{pkg}@{version}"], cwd=d, check=True, capture_output=True)
    return d


def _port_open(port):
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


class RabbitMQ:
    """A private RabbitMQ node with the MQTT plugin on 127.0.0.1:port."""

    def __init__(self, tmp):
        ensure_debian("rabbitmq-server")
        self.tmp = tmp
        self.port = cbtest.free_port()
        self.amqp_port = cbtest.free_port()
        self.dist_port = cbtest.free_port()
        self.epmd_port = cbtest.free_port()
        base = os.path.join(tmp.path, f"rabbit-{self.port}")
        os.makedirs(base, exist_ok=True)
        conf = os.path.join(base, "rabbitmq.conf")
        with open(conf, "w") as f:
            f.write(f"listeners.tcp.1 = 127.0.0.1:{self.amqp_port}\n"
                    f"mqtt.listeners.tcp.1 = 127.0.0.1:{self.port}\n"
                    "mqtt.allow_anonymous = true\n"
                    "mqtt.default_user = guest\nmqtt.default_pass = guest\n"
                    "loopback_users = none\n"
                    "log.console = false\nlog.file.level = info\n"
                    "management.tcp.port = 0\n")
        plugins = os.path.join(base, "enabled_plugins")
        with open(plugins, "w") as f:
            f.write("[rabbitmq_mqtt].\n")
        self.env = {
            "HOME": base,  # its Erlang cookie goes here
            "RABBITMQ_NODENAME": f"cbtest{self.port}@localhost",
            "RABBITMQ_MNESIA_BASE": os.path.join(base, "mnesia"),
            "RABBITMQ_LOG_BASE": os.path.join(base, "log"),
            "RABBITMQ_CONFIG_FILE": conf,
            "RABBITMQ_ENABLED_PLUGINS_FILE": plugins,
            "RABBITMQ_PLUGINS_EXPAND_DIR": os.path.join(base, "plugins-expand"),
            "RABBITMQ_PID_FILE": os.path.join(base, "pid"),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "ERL_EPMD_PORT": str(self.epmd_port),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "RABBITMQ_ADVANCED_CONFIG_FILE": os.path.join(base, "advanced.config"),
        }
        with open(self.env["RABBITMQ_ADVANCED_CONFIG_FILE"], "w") as f:
            f.write(f"[{{kernel, [{{inet_dist_listen_min, {self.dist_port}}}, "
                    f"{{inet_dist_listen_max, {self.dist_port}}}]}}].\n")
        self.proc = None
        self.start()

    def start(self):
        self.proc = Proc([os.path.join(RABBIT_BIN, "rabbitmq-server")], env=self.env,
                         cwd=self.tmp.path)
        wait_until(self._ready, 90, step=0.2, what=f"RabbitMQ MQTT on port {self.port}")

    def _ready(self):
        if not self.proc.alive():
            raise RuntimeError("rabbitmq-server exited:\n" + self.proc.output()[-4000:])
        return _port_open(self.port)

    def stop(self):
        if self.proc:
            self.proc.stop(30)
            self.proc = None
        # epmd was started for this node on its private port: stop it too.
        subprocess.run(["epmd", "-kill"], env=dict(os.environ, **self.env),
                       capture_output=True)

    @staticmethod
    def version():
        return os.path.basename(
            next(p for p in os.listdir("/usr/lib/rabbitmq/lib")
                 if p.startswith("rabbitmq_server-"))).split("-", 1)[1]


# aedes 1.x is an ES module: the script lives beside its node_modules.
AEDES_SCRIPT = """
import { Aedes } from 'aedes';
import { createServer } from 'node:net';
const aedes = await Aedes.createBroker();
const server = createServer(aedes.handle);
server.listen(Number(process.argv[2]), '127.0.0.1', () => console.log('aedes ready'));
process.on('SIGTERM', () => { server.close(); aedes.close(() => process.exit(0)); });
"""
AEDES_VERSION = "1.2.0"


class Aedes:
    """aedes (npm) on 127.0.0.1:port, in-memory persistence: a restart
    loses retained messages and sessions, like a broker that lost its store."""

    def __init__(self, tmp):
        self.dir = ensure_npm("aedes", AEDES_VERSION)
        self.tmp = tmp
        self.port = cbtest.free_port()
        self.script = os.path.join(self.dir, "callboard-aedes.mjs")
        with open(self.script, "w") as f:
            f.write(AEDES_SCRIPT)
        self.proc = None
        self.start()

    def start(self):
        self.proc = Proc(["node", self.script, str(self.port)])
        wait_until(self._ready, 20, what=f"aedes on port {self.port}")

    def _ready(self):
        if not self.proc.alive():
            raise RuntimeError("aedes exited:\n" + self.proc.output())
        return _port_open(self.port)

    def stop(self):
        if self.proc:
            self.proc.stop()
            self.proc = None

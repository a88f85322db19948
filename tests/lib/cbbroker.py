"""A mosquitto configured by `callboard broker-config`: its devices file,
its generated config, passwd and ACL, and the installers' credentials."""
import getpass
import os
import subprocess

import cbtest


def read_credentials(path):
    creds = {}
    for line in open(path):
        line = line.strip()
        if line.startswith("username = "):
            user = line.split(" = ", 1)[1]
        elif line.startswith("password = "):
            creds[user] = line.split(" = ", 1)[1]
    return creds


class Broker(cbtest.Mosquitto):
    """broker-config output for a devices file's text, served by a private
    mosquitto; creds maps each username to its password. bind None leaves
    the listeners at broker-config's defaults; options are more flags."""

    def __init__(self, devices, tls=False, bind="127.0.0.1", options=()):
        tmp = cbtest.TempDir("cbsec-")
        self.dev = tmp.file("devices.ini", devices)
        self.dir = os.path.join(tmp.path, "broker")
        self.port = cbtest.free_port()
        self.tls_port = cbtest.free_port() if tls else None
        self.plain = "--no-plain" not in options
        self.generate(self.dev, tls, bind, options)
        # A site broker (--site-bridge) writes none: its input has them.
        cred = os.path.join(self.dir, "credentials.ini")
        self.creds = read_credentials(cred if os.path.exists(cred) else self.dev)
        super().__init__(tmp, port=self.port)

    def generate(self, devices, tls, bind="127.0.0.1", options=()):
        args = [cbtest.binary("callboard"), "broker-config", "--devices", devices, "--out",
                self.dir, "--port", str(self.port), "--user", getpass.getuser(), *options]
        if bind:
            args += ["--bind", bind]
        if tls:
            args += ["--tls", "--tls-port", str(self.tls_port)]
        p = subprocess.run(args, capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stderr

    def start(self):
        """mosquitto with the generated config instead of cbtest's own."""
        self.proc = cbtest.Proc(["/usr/sbin/mosquitto", "-c",
                                 os.path.join(self.dir, "mosquitto.conf")])
        cbtest.wait_until(self._ready, 10, what="mosquitto")

    def _ready(self):
        if not self.proc.alive():
            raise RuntimeError("mosquitto exited:\n" + self.proc.output())
        return cbtest.port_open(self.port if self.plain else self.tls_port)

    def stop(self):
        super().stop()
        self.tmp.cleanup()

"""Name resolution under test: a name server that never answers, and a
program run with a private file (resolv.conf, hosts) mounted over the
system's in a mount namespace of its own. Both need root."""
import random
import socket
import threading


class SilentNameServer:
    """A UDP socket on addr:53 (a loopback address) that reads queries and
    never answers; queries counts them."""

    def __init__(self, addr=None):
        # A loopback address of its own (port 53 is fixed by resolv.conf):
        # tests that run at the same time each take another one.
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for _ in range(100):
            self.addr = addr or f"127.0.{random.randint(1, 254)}.{random.randint(1, 254)}"
            try:
                self.s.bind((self.addr, 53))
                break
            except OSError:
                if addr:
                    raise
        else:
            raise OSError("no free loopback address for a name server")
        self.queries = 0
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while True:
            try:
                self.s.recv(4096)
            except OSError:
                return
            self.queries += 1

    def resolv_conf(self):
        """resolv.conf text naming only this server."""
        return f"nameserver {self.addr}\n"

    def close(self):
        self.s.close()


def over(path, target, argv):
    """argv in a private mount namespace where path is mounted over target."""
    return ["unshare", "-m", "sh", "-c", f'mount --bind "$0" {target} && exec "$@"', path,
            *argv]

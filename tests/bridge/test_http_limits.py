"""callboard-bridge's HTTP side under attack, seen from the attacker: a flood
of slow half-open connections from one address, a chunked body far over the
limit, and a store that cannot write (the bridge on a full tmpfs in a
private mount namespace). Real bridge, real mosquitto, SQLite in temp
folders; every wait bounded."""
import errno
import http.client
import json
import os
import resource
import select
import socket
import time

import cbtest
from cbtest import Mosquitto, Proc, TempDir, test, wait_until

import test_bridge
from test_bridge import SITE, TOK_A, Bridge

# Importing test_bridge registered its cases: this file runs only its own.
cbtest._tests.clear()


class WrappedBridge(Bridge):
    """The bridge started through a wrapper command (prlimit, unshare)."""

    def __init__(self, wrapper, *args, **kw):
        self.wrapper = wrapper
        super().__init__(*args, **kw)

    def start(self):
        self.proc = Proc(self.wrapper + [cbtest.binary("callboard-bridge"), "--config", self.conf])
        wait_until(self.healthy, 10, what="bridge /healthz")


def nofile_limits(pid):
    with open(f"/proc/{pid}/limits") as f:
        for line in f:
            if line.startswith("Max open files"):
                return line.split()[3:5]
    return None


def status_kb(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def api_from(port, source, method, path, body=None, timeout=10):
    """One API request from another loopback address (another client)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout,
                                   source_address=(source, 0))
    h = {"Authorization": f"Bearer {TOK_A}"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    c.request(method, path, body=data, headers=h)
    r = c.getresponse()
    payload = r.read()
    c.close()
    return r.status, payload


@test
def slow_connections_from_one_address_shut_nobody_out():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    n = 2000
    assert hard > n + 200, f"the test needs {n + 200} descriptors, hard limit {hard}"
    tmp = TempDir("cbhttp-")
    broker = Mosquitto(tmp)
    slow = {}
    # Started as systemd would without LimitNOFILE=: a soft limit of 1024.
    b = WrappedBridge(["prlimit", "--nofile=1024:"], tmp, broker.port,
                      "[http]\nper_ip_connections = 64\nrequest_timeout = 3\n")
    try:
        lim = nofile_limits(b.proc.p.pid)
        assert lim[0] == lim[1], f"soft file limit not raised to the hard one: {lim}"
        ep = select.epoll()
        closed = 0
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", b.port), timeout=5)
            s.setblocking(False)
            slow[s.fileno()] = s
            ep.register(s, select.EPOLLIN | select.EPOLLRDHUP)

        def send_all(data):
            nonlocal closed
            for fd, s in list(slow.items()):
                try:
                    s.send(data)
                except OSError:
                    ep.unregister(s)
                    s.close()
                    del slow[fd]
                    closed += 1

        def reap(timeout):
            nonlocal closed
            for fd, ev in ep.poll(timeout):
                s = slow.get(fd)
                if not s:
                    continue
                try:
                    data = s.recv(4096)
                except OSError:
                    data = b""
                if not data:
                    ep.unregister(s)
                    s.close()
                    del slow[fd]
                    closed += 1

        send_all(b"GET /healthz HTTP/1.1\r\nHost: bridge\r\n")
        # Meanwhile another client gets its answer (a liveness bound, not a
        # timing threshold).
        st, body = api_from(b.port, "127.0.0.2", "POST", f"{SITE}/calls",
                            {"ticket": "A001", "desk": "3", "area": "main"})
        assert st == 202, (st, body)
        st, body = api_from(b.port, "127.0.0.2", "GET", f"{SITE}/boards/main")
        assert st == 200 and b"A001" in body, (st, body)
        # The attacker keeps every connection busy with a header line now
        # and then; the bridge closes them all anyway.
        deadline = time.monotonic() + 20
        next_line = 0.0
        while slow and time.monotonic() < deadline:
            if time.monotonic() >= next_line:
                send_all(b"X-Slow: 1\r\n")
                next_line = time.monotonic() + 1.0
            reap(0.2)
        assert not slow, f"{len(slow)} of {n} slow connections still open"
        assert closed == n, (closed, n)
        # The bridge may take a moment to count the closed connections off
        # the address's limit.
        wait_until(b.healthy, 10, what="/healthz from the attacker's address")
        assert b.stop() == 0
    finally:
        for s in slow.values():
            s.close()
        broker.stop()
        tmp.cleanup()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@test
def chunked_body_over_limit_refused_early():
    limit = 1048576
    tmp, broker, b = test_bridge.setup(f"[http]\nbody_limit = {limit}\n")
    try:
        pid = b.proc.p.pid
        rss_before = status_kb(pid, "VmRSS")
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
        s.connect(("127.0.0.1", b.port))
        s.sendall(f"POST {SITE}/calls HTTP/1.1\r\nHost: bridge\r\n"
                  f"Authorization: Bearer {TOK_A}\r\nContent-Type: application/json\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n".encode())
        s.setblocking(False)
        chunk = b"%x\r\n%s\r\n" % (65536, b"a" * 65536)
        total, sent, pending = 100 * 1024 * 1024, 0, b""
        answer = b""
        closed = False
        deadline = time.monotonic() + 30
        while sent < total and not closed and time.monotonic() < deadline:
            r, w, _ = select.select([s], [s] if not answer else [], [], 1.0)
            if r:
                try:
                    data = s.recv(65536)
                except OSError:
                    data = b""
                answer += data
                if not data:
                    closed = True
            if w and not closed:
                if not pending:
                    pending = chunk
                try:
                    k = s.send(pending)
                    sent += k
                    pending = pending[k:]
                except OSError as e:
                    if e.errno not in (errno.EAGAIN, errno.EWOULDBLOCK):
                        closed = True
        s.setblocking(True)
        s.settimeout(5)
        answer += cbtest.read_to_close(s)
        assert closed, f"the bridge read {sent} bytes and kept reading"
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert b"body over the size limit" in answer, answer
        assert sent < 4 * limit, f"{sent} bytes sent before the close (limit {limit})"
        # Far below the 100 MB offered (sanitizer builds keep freed memory
        # in quarantine for a while, so not much closer to the limit).
        grown = status_kb(pid, "VmHWM") - rss_before
        assert grown < 64 * 1024, f"RSS grew by {grown} kB"
        assert b.healthy()
        assert b.stop() == 0
    finally:
        broker.stop()
        tmp.cleanup()


@test
def healthz_reports_failing_store_and_recovers():
    tmp = TempDir("cbhttp-")
    broker = Mosquitto(tmp)
    store = os.path.join(tmp.path, "store")
    os.mkdir(store)
    # The store on a small tmpfs that only the bridge sees: a private mount
    # namespace (a user namespace too when not root).
    unshare = ["unshare", "-m"] if os.geteuid() == 0 else ["unshare", "-Urm"]
    wrapper = unshare + ["sh", "-c", 'mount -t tmpfs -o size=4m cbstore "$0" && exec "$@"',
                         store]
    b = WrappedBridge(wrapper, tmp, broker.port, db=os.path.join(store, "bridge.db"))
    try:
        # Fill the bridge's tmpfs through its own view of the file system.
        filler = f"/proc/{b.proc.p.pid}/root{store}/filler"
        with open(filler, "wb") as f:
            try:
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
            except OSError as e:
                assert e.errno == errno.ENOSPC, e
        st, body = 0, None
        for i in range(200):
            st, body = b.call(f"F{i:03d}")
            if st == 503:
                break
            assert st == 202, (st, body)
        assert st == 503, "writes never failed on a full disk"
        st, body = b.req("GET", "/healthz", token=None)
        assert st == 503, (st, body)
        assert body["status"] == "error" and "full" in body["storage"], body
        os.remove(filler)
        st, body = b.call("R001")
        assert st == 202, (st, body)
        st, body = b.req("GET", "/healthz", token=None)
        assert st == 200 and body["storage"] == "ok", (st, body)
        assert b.stop() == 0
    finally:
        broker.stop()
        tmp.cleanup()


if __name__ == "__main__":
    cbtest.run()

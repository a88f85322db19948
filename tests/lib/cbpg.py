"""A private PostgreSQL server for tests: initdb in a temp folder owned by
an unprivileged user (nobody when the tests run as root), started with
pg_ctl on a free loopback port and a private socket folder, stopped and
removed at exit. Debian's postgresql package is installed when missing
and the tests run as root; when it cannot be, tests skip with a line
saying why.

As a program: cbpg.py run -- CMD ARGS... starts a server, runs CMD with
CB_PG_URL set to its URL, stops the server and exits with CMD's status
(77, meson's skip, when there is no PostgreSQL)."""
import atexit
import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from cbtest import free_port

SKIP = 77


def _bindir():
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    return dirs[0] if dirs else None


def ensure_installed():
    """The folder of initdb and pg_ctl, installing Debian's postgresql when
    missing and root; None (with the reason printed) when there is none."""
    if _bindir():
        return _bindir()
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("installing postgresql (Debian)", flush=True)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends",
                        "postgresql"], env=env, stdout=subprocess.DEVNULL, check=False)
    if not _bindir():
        print("SKIP: PostgreSQL is not installed and cannot be (needs root and apt-get: "
              "apt-get install postgresql)", flush=True)
        return None
    return _bindir()


class PgServer:
    def __init__(self, bindir):
        self.bin = bindir
        self.root = tempfile.mkdtemp(prefix="cbpg-")
        os.chmod(self.root, 0o755)
        self.data = os.path.join(self.root, "data")
        self.sock = os.path.join(self.root, "sock")
        self.log = os.path.join(self.root, "server.log")
        os.mkdir(self.sock)
        self.user = None
        if os.geteuid() == 0:  # the server refuses to run as root
            self.user = "nobody"
            shutil.chown(self.root, user=self.user)
            shutil.chown(self.sock, user=self.user)
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self._as(["initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-sync"], quiet=True)
        atexit.register(self.destroy)
        # meson ends a test past its timeout with SIGTERM: exit through
        # atexit then, so the server does not outlive the test.
        if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        self.start()

    def _as(self, argv, quiet=False, check=True):
        cmd = [os.path.join(self.bin, argv[0])] + argv[1:]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--"] + cmd
        out = subprocess.DEVNULL if quiet else None
        return subprocess.run(cmd, stdout=out, stderr=out, check=check, timeout=60)

    def start(self):
        # fsync off: the tests kill bridges, never the machine.
        opts = (f"-p {self.port} -k {self.sock} -c listen_addresses=127.0.0.1 "
                "-c fsync=off -c max_connections=50")
        self._as(["pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "30", "-o", opts,
                  "start"], quiet=True)

    def stop(self, mode="fast"):
        self._as(["pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "30", "stop"],
                 quiet=True, check=False)

    def url_for(self, user):
        """The URL for another role (made with psql)."""
        return f"postgresql://{user}@127.0.0.1:{self.port}/postgres"

    def psql(self, sql):
        """Run sql with psql; its output."""
        psql = os.path.join(self.bin, "psql")
        return subprocess.run([psql, "-At", "-d", self.url, "-c", sql], capture_output=True,
                              text=True, check=True, timeout=30).stdout

    def destroy(self):
        if os.path.isdir(self.data):
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


def main():
    if len(sys.argv) < 4 or sys.argv[1] != "run" or sys.argv[2] != "--":
        sys.exit("usage: cbpg.py run -- CMD ARGS...")
    bindir = ensure_installed()
    if not bindir:
        sys.exit(SKIP)
    pg = PgServer(bindir)
    t0 = time.monotonic()
    rc = subprocess.run(sys.argv[3:], env=dict(os.environ, CB_PG_URL=pg.url)).returncode
    print(f"postgresql test server used for {time.monotonic() - t0:.1f} s", flush=True)
    pg.destroy()
    sys.exit(rc)


if __name__ == "__main__":
    main()

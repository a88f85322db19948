"""Run foreign-architecture programs from Python test drivers under qemu.

meson wraps the test executables it starts in the cross file's exe_wrapper,
but the Python drivers start the built programs themselves. With this folder
first on PYTHONPATH (tools/cross-test.sh does it), every subprocess whose
program is an ELF file for another machine than this interpreter's is
started through CALLBOARD_EXE_WRAPPER (e.g. "qemu-aarch64-static -L
/usr/aarch64-linux-gnu"), as binfmt_misc would.
"""
import os
import shlex
import shutil
import subprocess
import sys

_WRAPPER = shlex.split(os.environ.get("CALLBOARD_EXE_WRAPPER", ""))


def _elf_machine(path):
    try:
        with open(path, "rb") as f:
            head = f.read(20)
    except OSError:
        return None
    if len(head) < 20 or head[:4] != b"\x7fELF":
        return None
    return int.from_bytes(head[18:20], "little" if head[5] == 1 else "big")


_NATIVE = _elf_machine(sys.executable)
_popen_init = subprocess.Popen.__init__


def _wrapped_init(self, args, *rest, **kw):
    if _WRAPPER and isinstance(args, (list, tuple)) and args and not kw.get("shell"):
        prog = os.fspath(args[0])
        path = prog if os.sep in prog else shutil.which(prog)
        machine = _elf_machine(path) if path else None
        if machine is not None and machine != _NATIVE:
            args = _WRAPPER + [path] + [os.fspath(a) for a in args[1:]]
    _popen_init(self, args, *rest, **kw)


subprocess.Popen.__init__ = _wrapped_init

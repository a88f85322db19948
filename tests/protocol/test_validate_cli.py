#!/usr/bin/python3
"""`callboard validate TYPE FILE`: exit 0 and `ok`, exit 1 and
`FILE: FIELD: reason`, exit 2 for usage errors."""
import os
import subprocess

import cbtest
from cbtest import test

tmp = cbtest.TempDir("cbvalidate-")
BOARD = ('{"v":1,"seq":42,"ts":"2026-11-30T09:15:02.123Z","calls":[{"id":"c1","ticket":"%s",'
         '"desk":"3","kind":"call","ts":"2026-11-30T09:15:02.120Z"}]}')


def validate(*args):
    return subprocess.run([cbtest.binary("callboard"), "validate", *args],
                          capture_output=True, timeout=30)


def write(name, data):
    path = os.path.join(tmp.path, name)
    with open(path, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)
    return path


@test
def valid_payload_prints_ok():
    r = validate("board", write("good.json", BOARD % "A042"))
    assert r.returncode == 0, r
    assert r.stdout == b"ok\n", r.stdout
    assert r.stderr == b"", r.stderr


@test
def invalid_payload_names_file_field_reason():
    path = write("bad.json", BOARD % "a042")
    r = validate("board", path)
    assert r.returncode == 1, r
    assert r.stdout.decode() == \
        f"{path}: calls[0].ticket: only upper-case letters A-Z and digits allowed\n", r.stdout


@test
def every_type_is_known():
    cases = {
        "board": BOARD % "B7",
        "call": '{"id":"c1","ticket":"A1","desk":"3","kind":"recall","ts":"2026-11-30T09:15:02Z"}',
        "notice": '{"v":1,"text":"Lukket","ts":"2026-11-30T09:15:02Z"}',
        "status": '{"v":1,"state":"offline","device":"hall-1"}',
        "health": '{"v":1,"device":"hall-1","ts":"2026-11-30T09:15:02Z"}',
        "ack": '{"v":1,"seq":1,"shown_ts":"2026-11-30T09:15:02Z","ids":[]}',
        "cmd": '{"v":1,"id":"x","cmd":"reload"}',
        "cmd-result": '{"v":1,"id":"x","ok":true}',
    }
    for kind, payload in cases.items():
        r = validate(kind, write(kind + ".json", payload))
        assert r.returncode == 0 and r.stdout == b"ok\n", (kind, r)
        # and each is refused as the wrong type... or with the wrong version
        r = validate(kind, write(kind + "-v2.json", payload.replace('"v":1', '"v":2')
                                 if '"v":1' in payload else payload.replace('"kind":"recall"',
                                                                            '"kind":"x"')))
        assert r.returncode == 1, (kind, r)


@test
def empty_notice_clears():
    r = validate("notice", write("empty", ""))
    assert r.returncode == 0 and r.stdout == b"ok\n", r


@test
def whole_payload_problems_name_payload():
    cases = [
        ("trunc.json", '{"v":1,', "payload: not valid JSON"),
        ("array.json", "[1]", "payload: must be a JSON object"),
        ("utf8.json", b'{"v":1,"state":"online","version":"\xff"}', "payload: invalid UTF-8 at byte"),
        ("dup.json", '{"v":1,"v":1,"state":"online"}', "payload: duplicate key"),
        ("deep.json", '{"v":1,"state":"online","x":[[[[[[0]]]]]]}', "payload: nested deeper than 6"),
        ("big.json", '{"v":1,"state":"online","x":"' + "x" * 5000 + '"}',
         "payload: 5031 bytes is over the limit of 4096"),
    ]
    for name, data, want in cases:
        path = write(name, data)
        r = validate("status", path)
        assert r.returncode == 1, (name, r)
        out = r.stdout.decode()
        assert out.startswith(f"{path}: {want}"), (name, out)
        assert out.endswith("\n") and out.count("\n") == 1, out


@test
def unreadable_file():
    path = os.path.join(tmp.path, "missing.json")
    r = validate("board", path)
    assert r.returncode == 1, r
    assert r.stdout.decode() == f"{path}: payload: cannot open: No such file or directory\n", r.stdout


@test
def usage_errors_exit_2():
    good = write("g.json", BOARD % "A1")
    r = validate("boards", good)
    assert r.returncode == 2, r
    assert b"unknown TYPE 'boards'" in r.stderr, r.stderr
    assert validate("board").returncode == 2
    assert validate().returncode == 2
    assert validate("board", good, "extra").returncode == 2
    r = validate("--help")
    assert r.returncode == 0 and b"usage: callboard validate TYPE FILE" in r.stdout, r


if __name__ == "__main__":
    try:
        cbtest.run()
    finally:
        tmp.cleanup()

#!/usr/bin/python3
"""Every fenced example in protocol/PROTOCOL.md is checked twice: by the C
decoder (`callboard validate TYPE FILE`) and against its JSON Schema.
Blocks tagged `json TYPE` must pass both; `json invalid-TYPE` must fail both."""
import json
import os
import re
import subprocess

import jsonschema

import cbtest
from cbtest import test

SRC = os.environ.get("CALLBOARD_SRC", cbtest.SRC)
DOC = os.path.join(SRC, "protocol", "PROTOCOL.md")
SCHEMA_DIR = os.path.join(SRC, "protocol", "schema")
TYPES = ["board", "call", "notice", "queue", "status", "health", "ack", "cmd", "cmd-result"]
FENCE = re.compile(r"^```json ([a-z-]+)\n(.*?)^```$", re.M | re.S)

tmp = cbtest.TempDir("cbdoc-")


def schema(kind):
    with open(os.path.join(SCHEMA_DIR, kind + ".json"), encoding="utf-8") as f:
        return json.load(f)


def examples():
    with open(DOC, encoding="utf-8") as f:
        text = f.read()
    out = []
    for m in FENCE.finditer(text):
        tag, body = m.group(1), m.group(2)
        line = text.count("\n", 0, m.start()) + 1
        invalid = tag.startswith("invalid-")
        kind = tag[len("invalid-"):] if invalid else tag
        out.append((line, kind, invalid, body))
    return out


def validate_c(kind, body, name):
    path = tmp.file(name, body)
    r = subprocess.run([cbtest.binary("callboard"), "validate", kind, path],
                       capture_output=True, text=True, timeout=30)
    return r, path


@test
def schemas_are_valid_2020_12():
    for kind in TYPES:
        jsonschema.Draft202012Validator.check_schema(schema(kind))


@test
def board_inlines_the_call_schema():
    board, call = schema("board"), schema("call")
    inlined = board["$defs"]["call"]
    assert inlined["required"] == call["required"], "required differs"
    assert inlined["properties"] == call["properties"], "properties differ"


@test
def every_type_has_valid_and_invalid_examples():
    ex = examples()
    assert len(ex) >= 20, f"only {len(ex)} examples"
    for line, kind, _, _ in ex:
        assert kind in TYPES, f"PROTOCOL.md:{line}: unknown example tag {kind}"
    for kind in TYPES:
        assert any(k == kind and not inv for _, k, inv, _ in ex), f"no valid {kind} example"
    invalid_kinds = {k for _, k, inv, _ in ex if inv}
    missing = set(TYPES) - invalid_kinds
    assert not missing, f"no invalid example for {sorted(missing)}"


@test
def valid_examples_pass_decoder_and_schema():
    for i, (line, kind, invalid, body) in enumerate(examples()):
        if invalid:
            continue
        r, path = validate_c(kind, body, f"ok-{i}.json")
        assert r.returncode == 0 and r.stdout == "ok\n", \
            f"PROTOCOL.md:{line} ({kind}): decoder says {r.stdout.strip()} {r.stderr.strip()}"
        errors = list(jsonschema.Draft202012Validator(schema(kind)).iter_errors(json.loads(body)))
        assert not errors, f"PROTOCOL.md:{line} ({kind}): schema says {errors[0].message}"


@test
def invalid_examples_fail_decoder_and_schema():
    for i, (line, kind, invalid, body) in enumerate(examples()):
        if not invalid:
            continue
        r, path = validate_c(kind, body, f"bad-{i}.json")
        assert r.returncode == 1, f"PROTOCOL.md:{line} ({kind}): decoder accepted it"
        assert re.match(re.escape(path) + r": [a-z_\[\]0-9.]+: .+\n$", r.stdout), r.stdout
        try:
            doc = json.loads(body)
        except ValueError:
            continue  # not JSON at all: nothing for the schema to say
        assert not jsonschema.Draft202012Validator(schema(kind)).is_valid(doc), \
            f"PROTOCOL.md:{line} ({kind}): schema accepted it"


TS = '"2026-11-30T09:15:02.123Z"'
CALL = '{"id":"c1","ticket":"A042","desk":"3","kind":"call","ts":%s%%s}' % TS
# Edge cases where the schema and the C decoder must agree (both accept or
# both refuse). Byte lengths, depth, duplicate keys and 1.0-as-integer are
# decoder-only rules and are left out on purpose.
AGREE = [
    ("board", '{"v":1,"seq":9007199254740991,"ts":%s,"calls":[]}' % TS),
    ("board", '{"v":1,"seq":9007199254740992,"ts":%s,"calls":[]}' % TS),
    ("board", '{"v":1,"seq":1,"ts":%s,"calls":null}' % TS),
    ("board", '{"v":1,"seq":1,"ts":%s,"calls":[%s]}' % (TS, CALL % ',"desk_label":null,"service":""')),
    ("board", '{"v":1,"seq":1,"ts":%s,"calls":[%s]}' % (TS, CALL % ',"desk_label":"a\\u0085b"')),
    ("board", '{"v":1,"seq":1,"ts":%s,"calls":[%s],"x":1}' % (TS, CALL % ',"extra":[1]')),
    ("board", '{"v":1,"seq":1,"ts":"2026-11-30T09:15:02.1234567890Z","calls":[]}'),
    ("board", '{"v":1,"seq":1,"ts":"2026-11-30T09:15:02Z","calls":[]}'),
    ("board", '{"v":"1","seq":1,"ts":%s,"calls":[]}' % TS),
    ("board", '{"v":true,"seq":1,"ts":%s,"calls":[]}' % TS),
    ("call", CALL % ',"ticket2":"x"'),
    ("call", '{"id":"c1","ticket":"A042","desk":"","kind":"call","ts":%s}' % TS),
    ("call", '{"id":"c1","ticket":"A042","desk":"Desk 3.a_b-c","kind":"call","ts":%s}' % TS),
    ("call", '{"id":"c1","ticket":"ÆØ1","desk":"3","kind":"call","ts":%s}' % TS),
    ("notice", '{"v":1,"text":"x","mode":null,"ts":%s}' % TS),
    ("notice", '{"v":1,"text":"","ts":%s}' % TS),
    ("notice", '{"v":1,"text":"tab\\there","ts":%s}' % TS),
    ("status", '{"v":1,"state":"online","device":"","config_hash":""}'),
    ("status", '{"v":1,"state":"online","config_hash":"ABC"}'),
    ("status", '{"v":1,"state":"online","areas":null}'),
    ("status", '{"v":1,"state":"online","areas":["a","b","c","d","e","f","g","h","i"]}'),
    ("status", '{"v":1,"state":"online","started":null,"ts":null,"version":null}'),
    ("health", '{"v":1,"device":"d","ts":%s,"rotate":90,"cpu_temp_c":null,"volume":null}' % TS),
    ("health", '{"v":1,"device":"d","ts":%s,"rotate":45}' % TS),
    ("health", '{"v":1,"device":"d","ts":%s,"rotate":-90}' % TS),
    ("health", '{"v":1,"device":"d","ts":%s,"load1":-0.5}' % TS),
    ("health", '{"v":1,"device":"d","ts":%s,"last_frame_ms":12}' % TS),
    ("health", '{"v":1,"device":"d","ts":%s,"clock_offset_ms":-9007199254740991}' % TS),
    ("health", '{"v":1,"device":"d","ts":%s,"boards":[{"area":"a","seq":0,"age_s":null}]}' % TS),
    ("health", '{"v":1,"device":"d","ts":%s,"boards":[{"area":"a"}]}' % TS),
    ("health", '{"v":1,"device":"d","ts":%s,"boards":null}' % TS),
    ("health", '{"v":1,"device":"d","ts":%s,"undervoltage":false}' % TS),
    ("ack", '{"v":1,"area":null,"seq":1,"shown_ts":%s,"ids":[]}' % TS),
    ("ack", '{"v":1,"area":"","seq":1,"shown_ts":%s,"ids":[]}' % TS),
    ("ack", '{"v":1,"seq":1,"shown_ts":%s,"ids":[""]}' % TS),
    ("ack", '{"v":1,"seq":1,"shown_ts":%s,"ids":null}' % TS),
    ("cmd", '{"v":1,"id":"x","cmd":"identify","level":"loud"}'),
    ("cmd", '{"v":1,"id":"x","cmd":"volume","level":null}'),
    ("cmd", '{"v":1,"id":"x","cmd":"volume","level":0}'),
    ("cmd", '{"v":1,"id":"x","cmd":"Volume","level":0}'),
    ("cmd-result", '{"v":1,"id":"x","ok":true,"error":null}'),
    ("cmd-result", '{"v":1,"id":"x","ok":false,"error":""}'),
    ("cmd-result", '{"v":1,"id":"x","ok":false,"error":null}'),
    ("cmd-result", '{"v":1,"id":"x","ok":null,"error":"e"}'),
    ("cmd-result", '{"v":1,"id":"x","ok":false,"error":"e","ts":null}'),
]


@test
def schema_agrees_with_decoder_on_edge_cases():
    disagree = []
    for i, (kind, payload) in enumerate(AGREE):
        json.loads(payload)  # the table itself is JSON
        r, _ = validate_c(kind, payload, f"agree-{i}.json")
        c_ok = r.returncode == 0
        s_ok = jsonschema.Draft202012Validator(schema(kind)).is_valid(json.loads(payload))
        if c_ok != s_ok:
            disagree.append(f"{kind} {payload}: decoder {c_ok} ({r.stdout.strip()}), schema {s_ok}")
    assert not disagree, "\n".join(disagree)


@test
def commands_in_schema_and_doc_match_header():
    """The command rows of proto.h (PROTO_CMDS) are the schema's cmd enum,
    the commands that need a level, and the rows of the doc's table."""
    with open(os.path.join(SRC, "protocol", "proto.h"), encoding="utf-8") as f:
        rows = re.findall(r'X\([A-Z_]+, "([a-z-]+)", (true|false)\)', f.read())
    assert rows, "no PROTO_CMDS rows in proto.h"
    names = [n for n, _ in rows]
    cmd = schema("cmd")
    assert cmd["properties"]["cmd"]["enum"] == names, cmd["properties"]["cmd"]["enum"]
    levelled = [n for n, lv in rows if lv == "true"]
    cond = cmd["if"]["properties"]["cmd"]
    assert cond.get("enum", [cond.get("const")]) == levelled, cond
    with open(DOC, encoding="utf-8") as f:
        doc = f.read()
    for n in names:
        assert f"| `{n}` |" in doc, f"PROTOCOL.md has no row for command {n}"
        r, _ = validate_c("cmd", json.dumps({"v": 1, "id": "x", "cmd": n, "level": 1}),
                          f"cmd-{n}.json")
        assert r.returncode == 0, (n, r.stdout)


@test
def limits_in_doc_match_header():
    """The numbers the document quotes are the ones proto.h defines."""
    with open(os.path.join(SRC, "protocol", "proto.h"), encoding="utf-8") as f:
        h = f.read()
    defs = dict(re.findall(r"#define (PROTO_[A-Z_]+)\s+(\d+)", h))
    with open(DOC, encoding="utf-8") as f:
        doc = f.read()
    for name, phrase in [
        ("PROTO_BOARD_BYTES_MAX", "| board payload | {} bytes |"),
        ("PROTO_NOTICE_MAX", "| notice `text` | any text | 1-{} |"),
        ("PROTO_TICKET_MAX", "| `ticket` | `A-Z 0-9` (upper case) | 1-{} |"),
        ("PROTO_DESK_MAX", "| 1-{} |"),
        ("PROTO_ID_MAX", "| 1-{} |"),
        ("PROTO_DEPTH_MAX", "| nesting depth | {} |"),
        ("PROTO_BOARD_CALLS_MAX", "| calls per board | {} |"),
        ("PROTO_ACK_IDS_MAX", "| ids per ack | {} |"),
        ("PROTO_HEALTH_BYTES_MAX", "| health, ack, queue payload | {} bytes |"),
        ("PROTO_QUEUE_SERVICES_MAX", "| services per queue | {} |"),
    ]:
        want = phrase.format(defs[name])
        assert want in doc, f"PROTOCOL.md lacks '{want}' ({name})"
    for name in ("PROTO_ACK_BYTES_MAX", "PROTO_QUEUE_BYTES_MAX"):
        assert defs[name] == defs["PROTO_HEALTH_BYTES_MAX"]
    for name in ("PROTO_NOTICE_BYTES_MAX", "PROTO_STATUS_BYTES_MAX", "PROTO_CMD_BYTES_MAX",
                 "PROTO_RESULT_BYTES_MAX"):
        assert defs[name] == "4096", name


def topic_table():
    """The rows of PROTOCOL.md's topic table, as topics.json spells them."""
    with open(DOC, encoding="utf-8") as f:
        doc = f.read()
    start = doc.index("| topic (below the root) |")
    rows = []
    for line in doc[start:].splitlines()[2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        topic, route, qos, retained, expiry, ctype, payload, size = cells
        frm, to = route.split(" -> ")
        m = re.match(r"(\d+) s\b", expiry)
        link = re.match(r"\[([a-z-]+)\]", payload)
        rows.append({
            "topic": topic.strip("`"), "from": frm, "to": to,
            "qos": [int(q) for q in qos.split(" or ")], "retain": retained == "yes",
            "expiry_s": (None if expiry == "none" else int(m.group(1)) if m else
                         "2 x health interval" if expiry.startswith("2 x health interval")
                         else expiry),
            "content_type": ctype.strip("`"), "schema": link.group(1) if link else None,
            "empty_clears": "empty clears" in payload, "max_bytes": int(size)})
    return rows


@test
def topics_json_is_the_topic_table():
    with open(os.path.join(SRC, "protocol", "topics.json"), encoding="utf-8") as f:
        spec = json.load(f)
    doc = topic_table()
    assert [r["topic"] for r in doc] == [t["topic"] for t in spec["topics"]], \
        "topics differ in name or order"
    for row, t in zip(doc, spec["topics"]):
        for key, value in row.items():
            assert t.get(key, False if key == "empty_clears" else None) == value, \
                f"{t['topic']}: {key}: PROTOCOL.md says {value!r}, topics.json {t.get(key)!r}"
        if t["schema"]:
            assert t["schema"] in TYPES, t["schema"]


if __name__ == "__main__":
    try:
        cbtest.run()
    finally:
        tmp.cleanup()

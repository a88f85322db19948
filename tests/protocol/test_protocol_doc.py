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
TYPES = ["board", "call", "notice", "status", "health", "ack", "cmd", "cmd-result"]
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
        ("PROTO_HEALTH_BYTES_MAX", "| health, ack payload | {} bytes |"),
    ]:
        want = phrase.format(defs[name])
        assert want in doc, f"PROTOCOL.md lacks '{want}' ({name})"
    for name in ("PROTO_ACK_BYTES_MAX",):
        assert defs[name] == defs["PROTO_HEALTH_BYTES_MAX"]
    for name in ("PROTO_NOTICE_BYTES_MAX", "PROTO_STATUS_BYTES_MAX", "PROTO_CMD_BYTES_MAX",
                 "PROTO_RESULT_BYTES_MAX"):
        assert defs[name] == "4096", name


if __name__ == "__main__":
    try:
        cbtest.run()
    finally:
        tmp.cleanup()

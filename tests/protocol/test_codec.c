/* Table tests for every protocol decoder: valid payloads decode, invalid
 * ones fail naming the exact field and a reason. Payloads are written with
 * single quotes for readability and turned into JSON before decoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clock.h"
#include "proto.h"

enum type { T_BOARD, T_CALL, T_NOTICE, T_STATUS, T_HEALTH, T_ACK, T_CMD, T_RESULT, T_QUEUE };

struct dcase {
	enum type type;
	const char *json;   /* ' stands for " */
	const char *field;  /* NULL: must decode */
	const char *reason; /* substring of proto_error.reason */
};

#define TS            "'2026-11-30T09:15:02.123Z'"
#define CALL1         "{'id':'c7f3a1','ticket':'A042','desk':'3','kind':'call','ts':" TS "}"
#define BOARD(calls)  "{'v':1,'seq':42,'ts':" TS ",'calls':[" calls "]}"
#define CALLF(extra)  "{'id':'c1','ticket':'A042','desk':'3','kind':'call','ts':" TS extra "}"
#define NOTICE(extra) "{'v':1,'text':'Lukket kl. 15','ts':" TS extra "}"
#define STATUS(extra) "{'v':1,'state':'online'" extra "}"
#define HEALTH(extra) "{'v':1,'device':'hall-1','ts':" TS extra "}"
#define ACK(extra)    "{'v':1,'seq':42,'shown_ts':" TS ",'ids':['c1','c2']" extra "}"
#define CMD(extra)    "{'v':1,'id':'cmd-1'" extra "}"
#define RESULT(extra) "{'v':1,'id':'cmd-1'" extra "}"
#define QUEUE(svcs)   "{'v':1,'ts':" TS ",'services':[" svcs "]}"

#define OK(t, j)                                                                                   \
	{                                                                                          \
		t, j, NULL, NULL                                                                   \
	}
#define BAD(t, j, f, r)                                                                            \
	{                                                                                          \
		t, j, f, r                                                                         \
	}

static const struct dcase cases[] = {
    /* board: valid */
    OK(T_BOARD, "{'v':1,'seq':42,'ts':'2026-11-30T09:15:02.123Z','calls':[{'id':'c7f3a1',"
                "'ticket':'A042','desk':'3','desk_label':'Skranke 3','service':'Pas og "
                "kørekort','kind':'call','ts':'2026-11-30T09:15:02.120Z'}]}"),
    OK(T_BOARD, BOARD("")),
    OK(T_BOARD, "{'v':1,'seq':9007199254740991,'ts':" TS ",'calls':[]}"),
    OK(T_BOARD, "{'v':1,'seq':1,'ts':'2026-11-30T09:15:02Z','calls':[],'later':{'x':[1]}}"),
    OK(T_BOARD, "{'v':1,'seq':1,'ts':'2026-11-30T09:15:02.123456789Z','calls':[]}"),
    OK(T_BOARD, BOARD(CALLF(",'desk_label':null,'priority':3"))),
    OK(T_BOARD, BOARD(CALLF("") ","
                                "{'id':'c1','ticket':'A042','desk':'3','kind':'recall',"
                                "'ts':" TS "}")),
    OK(T_BOARD, BOARD(CALLF(",'desk_label':'Skranke 3 – Pas og kørekort'"))),
    OK(T_BOARD, BOARD(CALLF(",'desk_label':'\\u00e6\\u00f8\\u00e5'"))),
    OK(T_BOARD, BOARD(CALLF(",'lang':'uk'"))),
    OK(T_BOARD, BOARD(CALLF(",'lang':'ar'"))),
    /* board: invalid */
    BAD(T_BOARD, "{'seq':1,'ts':" TS ",'calls':[]}", "v", "missing"),
    BAD(T_BOARD, "{'v':2,'seq':1,'ts':" TS ",'calls':[]}", "v", "unsupported version 2"),
    BAD(T_BOARD, "{'v':'1','seq':1,'ts':" TS ",'calls':[]}", "v", "must be an integer"),
    BAD(T_BOARD, "{'v':1.0,'seq':1,'ts':" TS ",'calls':[]}", "v", "must be an integer"),
    BAD(T_BOARD, "{'v':1,'seq':0,'ts':" TS ",'calls':[]}", "seq", "between 1 and"),
    BAD(T_BOARD, "{'v':1,'seq':9007199254740992,'ts':" TS ",'calls':[]}", "seq", "between"),
    BAD(T_BOARD, "{'v':1,'seq':4.5,'ts':" TS ",'calls':[]}", "seq", "must be an integer"),
    BAD(T_BOARD, "{'v':1,'seq':'42','ts':" TS ",'calls':[]}", "seq", "must be an integer"),
    BAD(T_BOARD, "{'v':1,'ts':" TS ",'calls':[]}", "seq", "missing"),
    BAD(T_BOARD, "{'v':1,'seq':1,'calls':[]}", "ts", "missing"),
    BAD(T_BOARD, "{'v':1,'seq':1,'ts':'2026-11-30T10:15:02+01:00','calls':[]}", "ts", "RFC 3339"),
    BAD(T_BOARD, "{'v':1,'seq':1,'ts':1796030102123,'calls':[]}", "ts", "RFC 3339"),
    BAD(T_BOARD, "{'v':1,'seq':1,'ts':" TS "}", "calls", "missing"),
    BAD(T_BOARD, "{'v':1,'seq':1,'ts':" TS ",'calls':{}}", "calls", "must be an array"),
    BAD(T_BOARD, BOARD("'A042'"), "calls[0]", "must be an object"),
    BAD(T_BOARD, BOARD("{'ticket':'A042','desk':'3','kind':'call','ts':" TS "}"), "calls[0].id",
        "missing"),
    BAD(T_BOARD, BOARD(CALL1 ",{'id':'c 2','ticket':'A042','desk':'3','kind':'call','ts':" TS "}"),
        "calls[1].id", "only letters, digits"),
    BAD(T_BOARD,
        BOARD("{'id':'"
              "0123456789012345678901234567890123456789012345678901234567890123"
              "4','ticket':'A042','desk':'3','kind':'call','ts':" TS "}"),
        "calls[0].id", "longer than 64 bytes"),
    BAD(T_BOARD, BOARD("{'id':'c1','ticket':'a042','desk':'3','kind':'call','ts':" TS "}"),
        "calls[0].ticket", "upper-case letters"),
    BAD(T_BOARD, BOARD("{'id':'c1','ticket':'A-42','desk':'3','kind':'call','ts':" TS "}"),
        "calls[0].ticket", "upper-case letters"),
    BAD(T_BOARD, BOARD("{'id':'c1','ticket':'A0420000000','desk':'3','kind':'call','ts':" TS "}"),
        "calls[0].ticket", "longer than 10 bytes"),
    BAD(T_BOARD, BOARD("{'id':'c1','ticket':'','desk':'3','kind':'call','ts':" TS "}"),
        "calls[0].ticket", "must not be empty"),
    BAD(T_BOARD, BOARD("{'id':'c1','ticket':42,'desk':'3','kind':'call','ts':" TS "}"),
        "calls[0].ticket", "must be a string"),
    BAD(T_BOARD, BOARD("{'id':'c1','ticket':'A042','desk':'3/4','kind':'call','ts':" TS "}"),
        "calls[0].desk", "only letters, digits, space"),
    BAD(T_BOARD,
        BOARD("{'id':'c1','ticket':'A042','desk':'12345678901234567','kind':'call',"
              "'ts':" TS "}"),
        "calls[0].desk", "longer than 16"),
    BAD(T_BOARD, BOARD(CALLF(",'desk_label':'a\\u0007b'")), "calls[0].desk_label",
        "control character"),
    BAD(T_BOARD, BOARD(CALLF(",'desk_label':'a\\u0000b'")), "payload", "not valid JSON"),
    BAD(T_BOARD, BOARD(CALLF(",'lang':'xx'")), "calls[0].lang", "ISO 639-1"),
    BAD(T_BOARD, BOARD(CALLF(",'lang':'UK'")), "calls[0].lang", ""),
    BAD(T_BOARD, BOARD(CALLF(",'lang':'ukr'")), "calls[0].lang", ""),
    BAD(T_CALL, CALLF(",'lang':'zz'"), "lang", "ISO 639-1"),
    BAD(T_BOARD, BOARD(CALLF(",'desk_label':'a\\nb'")), "calls[0].desk_label", "control character"),
    BAD(T_BOARD, BOARD(CALLF(",'desk_label':'a\\u0085b'")), "calls[0].desk_label",
        "control character"),
    BAD(T_BOARD, BOARD(CALLF(",'desk_label':'a\\u007fb'")), "calls[0].desk_label",
        "control character"),
    /* 33 x "æ" is 66 bytes: over 64 bytes though only 33 characters */
    BAD(T_BOARD, BOARD(CALLF(",'service':'æææææææææææææææææææææææææææææææææ'")), "calls[0].service",
        "longer than 64 bytes"),
    BAD(T_BOARD, BOARD(CALLF(",'service':7")), "calls[0].service", "must be a string"),
    BAD(T_BOARD, BOARD("{'id':'c1','ticket':'A042','desk':'3','kind':'cancel','ts':" TS "}"),
        "calls[0].kind", "must be one of: call, recall"),
    BAD(T_BOARD, BOARD("{'id':'c1','ticket':'A042','desk':'3','ts':" TS "}"), "calls[0].kind",
        "missing"),
    BAD(T_BOARD, BOARD("{'id':'c1','ticket':'A042','desk':'3','kind':'call'}"), "calls[0].ts",
        "missing"),
    BAD(T_BOARD, BOARD(CALL1 "," CALL1), "calls[1].id", "duplicate call id"),
    BAD(T_BOARD, "{'v':1,'seq':1,'seq':2,'ts':" TS ",'calls':[]}", "payload", "duplicate key"),
    BAD(T_BOARD,
        BOARD("{'id':'c1','id':'c2','ticket':'A042','desk':'3','kind':'call','ts':" TS "}"),
        "payload", "duplicate key"),
    BAD(T_BOARD, "{'v':1,'seq':1,'ts':" TS ",'calls':[]", "payload", "not valid JSON"),
    BAD(T_BOARD, "{'v':1,'seq':1,'ts':" TS ",'calls':[]} x", "payload", "not valid JSON"),
    BAD(T_BOARD, "{'v':1,'seq':1,'ts':" TS ",'calls':[],}", "payload", "not valid JSON"),
    BAD(T_BOARD, "[1,2]", "payload", "must be a JSON object"),
    BAD(T_BOARD, "42", "payload", "must be a JSON object"),
    BAD(T_BOARD, "'board'", "payload", "must be a JSON object"),
    BAD(T_BOARD, "", "payload", "empty"),
    BAD(T_BOARD, "{'v':1,'seq':1,'ts':" TS ",'calls':[],'x':'\xc3'}", "payload", "invalid UTF-8"),
    BAD(T_BOARD, "{'v':1,'seq':1,'ts':" TS ",'calls':[],'x':'\xc0\xaf'}", "payload",
        "invalid UTF-8"),
    BAD(T_BOARD, "{'v':1,'seq':1,'ts':" TS ",'calls':[],'x':'\xed\xa0\x80'}", "payload",
        "invalid UTF-8"),
    BAD(T_BOARD, "{'v':1,'seq':1,'ts':" TS ",'calls':[],'x':'\xff'}", "payload", "invalid UTF-8"),
    BAD(T_BOARD, "{'v':1,'seq':1,'ts':" TS ",'calls':[],'x':'\\ud800'}", "payload",
        "not valid JSON"),
    BAD(T_BOARD, "{'v':1,'seq':1,'ts':" TS ",'calls':[],'x':[[[[[[1]]]]]]}", "payload",
        "nested deeper than 6"),
    OK(T_BOARD, "{'v':1,'seq':1,'ts':" TS ",'calls':[],'x':[[[[[1]]]]],'y':'[[[[[[[['}"),

    /* a lone call (no v) */
    OK(T_CALL, CALL1),
    OK(T_CALL, "{'id':'r-1:2_x.y','ticket':'AB105','desk':'Desk 7','kind':'recall','ts':"
               "'2028-02-29T23:59:60.5Z'}"),
    OK(T_CALL, CALLF(",'v':1,'desk_label':'','service':''")),
    BAD(T_CALL,
        "{'id':'c1','ticket':'A042','desk':'3','kind':'call',"
        "'ts':"
        "'2026-02-29T09:00:00Z'}",
        "ts", "RFC 3339"),
    BAD(T_CALL,
        "{'id':'c1','ticket':'A042','desk':'3','kind':'call','ts':"
        "'2026-11-30t09:15:02Z'}",
        "ts", "RFC 3339"),
    BAD(T_CALL,
        "{'id':'c1','ticket':'A042','desk':'3','kind':'call','ts':"
        "'2026-11-30T09:15:02Z\\u0000'}",
        "payload", "\\u0000 is not allowed"),
    BAD(T_CALL, "{'id':'c1','ticket':'A042','desk':'3','ts':" TS "}", "kind", "missing"),
    BAD(T_CALL, "{'id':'ø','ticket':'A042','desk':'3','kind':'call','ts':" TS "}", "id",
        "only letters"),
    BAD(T_CALL, "[" CALL1 "]", "payload", "must be a JSON object"),

    /* notice */
    OK(T_QUEUE, QUEUE("{'name':'Pas og kørekort','waiting':12,'wait_min':15}")),
    OK(T_QUEUE, QUEUE("")),
    OK(T_QUEUE, QUEUE("{'name':'Sundhed','waiting':0}")),
    BAD(T_QUEUE, QUEUE("{'name':'Pas','waiting':-1}"), "services[0].waiting", ""),
    BAD(T_QUEUE, QUEUE("{'name':'Pas','waiting':1,'wait_min':1441}"), "services[0].wait_min", ""),
    BAD(T_QUEUE, QUEUE("{'name':'','waiting':1}"), "services[0].name", "empty"),
    BAD(T_QUEUE, QUEUE("{'waiting':1}"), "services[0].name", ""),
    BAD(T_QUEUE, QUEUE("7"), "services[0]", "object"),
    BAD(T_QUEUE, "{'v':1,'ts':" TS "}", "services", "missing"),
    BAD(T_QUEUE,
        QUEUE("{'name':'a','waiting':1},{'name':'a','waiting':1},{'name':'a','waiting':1},"
              "{'name':'a','waiting':1},{'name':'a','waiting':1},{'name':'a','waiting':1},"
              "{'name':'a','waiting':1},{'name':'a','waiting':1},{'name':'a','waiting':1},"
              "{'name':'a','waiting':1},{'name':'a','waiting':1},{'name':'a','waiting':1},"
              "{'name':'a','waiting':1},{'name':'a','waiting':1},{'name':'a','waiting':1},"
              "{'name':'a','waiting':1},{'name':'a','waiting':1}"),
        "services", "more than 16"),
    OK(T_NOTICE, NOTICE(",'mode':'ticker'")),
    OK(T_NOTICE, NOTICE("")),
    OK(T_NOTICE, NOTICE(",'mode':'banner','until':'tomorrow'")),
    OK(T_NOTICE, "{'v':1,'text':'Vi åbner igen mandag – god weekend!','ts':" TS "}"),
    BAD(T_NOTICE, "{'v':1,'ts':" TS "}", "text", "missing"),
    BAD(T_NOTICE, "{'v':1,'text':'','ts':" TS "}", "text", "must not be empty"),
    BAD(T_NOTICE, "{'v':1,'text':['a'],'ts':" TS "}", "text", "must be a string"),
    BAD(T_NOTICE, "{'v':1,'text':'line one\\nline two','ts':" TS "}", "text", "control character"),
    BAD(T_NOTICE, NOTICE(",'mode':'blink'"), "mode", "must be one of: banner, ticker"),
    BAD(T_NOTICE, "{'v':1,'text':'x'}", "ts", "missing"),
    BAD(T_NOTICE, "{'v':0,'text':'x','ts':" TS "}", "v", "unsupported version 0"),
    BAD(T_NOTICE, "null", "payload", "must be a JSON object"),

    /* status */
    OK(T_STATUS, "{'v':1,'state':'online','device':'hall-1','version':'0.1.0','started':"
                 "'2026-11-30T07:00:00.000Z','ts':" TS ",'config_hash':'9f2c4e01aa55bb77',"
                 "'areas':['main','pas']}"),
    OK(T_STATUS, "{'v':1,'state':'offline'}"),
    OK(T_STATUS, STATUS(",'areas':['a','b','c','d','e','f','g','h']")),
    BAD(T_STATUS, "{'v':1}", "state", "missing"),
    BAD(T_STATUS, STATUS("") "x", "payload", "not valid JSON"),
    BAD(T_STATUS, "{'v':1,'state':'away'}", "state", "must be one of: online, offline"),
    BAD(T_STATUS, "{'v':1,'state':true}", "state", "must be one of"),
    BAD(T_STATUS, STATUS(",'device':'Hall-1'"), "device", "[a-z0-9][a-z0-9-]*"),
    BAD(T_STATUS, STATUS(",'device':'-hall'"), "device", "[a-z0-9][a-z0-9-]*"),
    BAD(T_STATUS, STATUS(",'config_hash':'XYZ'"), "config_hash", "hex"),
    BAD(T_STATUS, STATUS(",'version':'012345678901234567890123456789012'"), "version",
        "longer than 32"),
    BAD(T_STATUS, STATUS(",'started':'yesterday'"), "started", "RFC 3339"),
    BAD(T_STATUS, STATUS(",'areas':'main'"), "areas", "must be an array"),
    BAD(T_STATUS, STATUS(",'areas':['main','Pas']"), "areas[1]", "must be a name"),
    BAD(T_STATUS, STATUS(",'areas':['a','b','c','d','e','f','g','h','i']"), "areas", "more than 8"),
    OK(T_STATUS, "{'v':1,'state':'offline','device':'hall-1','session':'3f9a0c1d','conn':5}"),
    BAD(T_STATUS, STATUS(",'session':'3F9A'"), "session", "hex"),
    BAD(T_STATUS, STATUS(",'session':'0123456789abcdef0123456789abcdef0'"), "session",
        "longer than 32"),
    BAD(T_STATUS, STATUS(",'conn':0"), "conn", "between 1 and"),
    BAD(T_STATUS, STATUS(",'conn':'5'"), "conn", "integer"),

    /* health */
    OK(T_HEALTH, "{'v':1,'device':'hall-1','version':'0.1.0','ts':" TS ",'uptime_s':8130,"
                 "'width':1920,'height':1080,'rotate':90,'frames':2214,'last_frame_ms':4.812,"
                 "'boards':[{'area':'main','seq':42,'age_s':28},{'area':'pas','seq':0,"
                 "'age_s':-1}],'reconnects':1,'audio':'ok','volume':80,'announced':37,"
                 "'announce_failed':0,'clock_offset_ms':-412,'cpu_temp_c':51.2,'load1':0.18,"
                 "'rss_kb':48212,'disk_free_mb':10240,'undervoltage':0,'screen':'on'}"),
    OK(T_HEALTH, HEALTH("")),
    OK(T_HEALTH, HEALTH(",'cpu_temp_c':null,'audio':'none','screen':'no-output'")),
    OK(T_HEALTH, HEALTH(",'rotate':270,'audio':'muted','screen':'closed','last_frame_ms':3")),
    BAD(T_HEALTH, "{'v':1,'ts':" TS "}", "device", "missing"),
    BAD(T_HEALTH, "{'v':1,'device':'hall-1'}", "ts", "missing"),
    BAD(T_HEALTH, HEALTH(",'rotate':45"), "rotate", "0, 90, 180 or 270"),
    BAD(T_HEALTH, HEALTH(",'rotate':360"), "rotate", "between 0 and 270"),
    BAD(T_HEALTH, HEALTH(",'width':-1"), "width", "between 0 and 16384"),
    BAD(T_HEALTH, HEALTH(",'volume':101"), "volume", "between 0 and 100"),
    BAD(T_HEALTH, HEALTH(",'audio':'loud'"), "audio", "must be one of: ok, none, muted, error"),
    BAD(T_HEALTH, HEALTH(",'screen':'off'"), "screen", "must be one of: on, closed, no-output"),
    BAD(T_HEALTH, HEALTH(",'undervoltage':2"), "undervoltage", "between 0 and 1"),
    BAD(T_HEALTH, HEALTH(",'undervoltage':true"), "undervoltage", "must be an integer"),
    BAD(T_HEALTH, HEALTH(",'cpu_temp_c':300"), "cpu_temp_c", "between -100 and 200"),
    BAD(T_HEALTH, HEALTH(",'last_frame_ms':'4'"), "last_frame_ms", "must be a number"),
    BAD(T_HEALTH, HEALTH(",'uptime_s':9007199254740992"), "uptime_s", "between"),
    BAD(T_HEALTH, HEALTH(",'clock_offset_ms':1.5"), "clock_offset_ms", "must be an integer"),
    BAD(T_HEALTH, HEALTH(",'boards':{}"), "boards", "must be an array"),
    BAD(T_HEALTH, HEALTH(",'boards':[7]"), "boards[0]", "must be an object"),
    BAD(T_HEALTH, HEALTH(",'boards':[{'seq':1}]"), "boards[0].area", "missing"),
    BAD(T_HEALTH, HEALTH(",'boards':[{'area':'main','seq':1},{'area':'pas','seq':-1}]"),
        "boards[1].seq", "between 0 and"),
    BAD(T_HEALTH, HEALTH(",'boards':[{'area':'main','seq':1,'age_s':-2}]"), "boards[0].age_s",
        "between -1 and"),
    BAD(T_HEALTH,
        HEALTH(",'boards':[{'area':'a','seq':1},{'area':'b','seq':1},{'area':'c',"
               "'seq':1},{'area':'d','seq':1},{'area':'e','seq':1},{'area':'f',"
               "'seq':1},{'area':'g','seq':1},{'area':'h','seq':1},{'area':'i',"
               "'seq':1}]"),
        "boards", "more than 8"),

    /* ack */
    OK(T_ACK, ACK(",'area':'main'")),
    OK(T_ACK, ACK("")),
    OK(T_ACK, "{'v':1,'seq':1,'shown_ts':" TS ",'ids':[]}"),
    BAD(T_ACK, "{'v':1,'shown_ts':" TS ",'ids':[]}", "seq", "missing"),
    BAD(T_ACK, "{'v':1,'seq':0,'shown_ts':" TS ",'ids':[]}", "seq", "between 1 and"),
    BAD(T_ACK, "{'v':1,'seq':1,'ids':[]}", "shown_ts", "missing"),
    BAD(T_ACK, "{'v':1,'seq':1,'shown_ts':" TS "}", "ids", "missing"),
    BAD(T_ACK, "{'v':1,'seq':1,'shown_ts':" TS ",'ids':'c1'}", "ids", "must be an array"),
    BAD(T_ACK, "{'v':1,'seq':1,'shown_ts':" TS ",'ids':['c1',2]}", "ids[1]", "must be a string"),
    BAD(T_ACK, "{'v':1,'seq':1,'shown_ts':" TS ",'ids':['c1','c 2']}", "ids[1]", "letters, digits"),
    BAD(T_ACK, "{'v':1,'seq':1,'shown_ts':" TS ",'ids':['']}", "ids[0]", "must be 1-64"),
    BAD(T_ACK, ACK(",'area':'Main'"), "area", "[a-z0-9][a-z0-9-]*"),
    BAD(T_ACK, ACK(",'area':7"), "area", "must be a string"),

    /* cmd */
    OK(T_CMD, CMD(",'cmd':'identify'")),
    OK(T_CMD, CMD(",'cmd':'screenshot'")),
    OK(T_CMD, CMD(",'cmd':'announce-test'")),
    OK(T_CMD, CMD(",'cmd':'volume','level':0")),
    OK(T_CMD, CMD(",'cmd':'volume','level':100")),
    OK(T_CMD, CMD(",'cmd':'reload','level':500")),
    OK(T_CMD, CMD(",'cmd':'identify','ts':" TS)),
    OK(T_CMD, CMD(",'cmd':'identify','ts':null")),
    BAD(T_CMD, CMD(",'cmd':'identify','ts':'2026-11-30 09:15:02Z'"), "ts", "RFC 3339"),
    BAD(T_CMD, "{'v':1,'cmd':'identify'}", "id", "missing"),
    BAD(T_CMD, CMD(""), "cmd", "missing"),
    BAD(T_CMD, CMD(",'cmd':'reboot'"), "cmd",
        "must be one of: identify, screenshot, announce-test, volume, reload"),
    BAD(T_CMD, CMD(",'cmd':'volume'"), "level", "missing"),
    BAD(T_CMD, CMD(",'cmd':'volume','level':101"), "level", "between 0 and 100"),
    BAD(T_CMD, CMD(",'cmd':'volume','level':-1"), "level", "between 0 and 100"),
    BAD(T_CMD, CMD(",'cmd':'volume','level':'50'"), "level", "must be an integer"),
    BAD(T_CMD, "{'v':1,'id':'a/b','cmd':'identify'}", "id", "only letters"),
    BAD(T_CMD, "{'v':3,'id':'a','cmd':'identify'}", "v", "unsupported version 3"),

    /* cmd-result */
    OK(T_RESULT, RESULT(",'cmd':'volume','ok':true,'info':'volume 40','ts':" TS)),
    OK(T_RESULT, RESULT(",'ok':false,'error':'config line 4: rotate: 45: expected one of: "
                        "0, 90, 180, 270'")),
    OK(T_RESULT, RESULT(",'ok':true,'error':'ignored when ok'")),
    BAD(T_RESULT, RESULT(""), "ok", "missing"),
    BAD(T_RESULT, RESULT(",'ok':'yes'"), "ok", "must be true or false"),
    BAD(T_RESULT, RESULT(",'ok':1"), "ok", "must be true or false"),
    BAD(T_RESULT, RESULT(",'ok':false"), "error", "required when ok is false"),
    BAD(T_RESULT, "{'v':1,'ok':true}", "id", "missing"),
    BAD(T_RESULT, RESULT(",'ok':true,'info':'a\\tb'"), "info", "control character"),
    BAD(T_RESULT, RESULT(",'ok':true,'ts':'now'"), "ts", "RFC 3339"),
    BAD(T_RESULT, RESULT(",'ok':true,'cmd':'0123456789012345678901234567890123'"), "cmd",
        "longer than 32"),
};

union any {
	struct proto_board board;
	struct proto_call call;
	struct proto_notice notice;
	struct proto_status status;
	struct proto_health health;
	struct proto_ack ack;
	struct proto_cmd cmd;
	struct proto_cmd_result result;
	struct proto_queue queue;
};

static int decode(enum type t, const char *buf, size_t len, union any *u, struct proto_error *err)
{
	switch (t) {
	case T_BOARD:
		return proto_board_decode(buf, len, &u->board, err);
	case T_CALL:
		return proto_call_decode(buf, len, &u->call, err);
	case T_NOTICE:
		return proto_notice_decode(buf, len, &u->notice, err);
	case T_STATUS:
		return proto_status_decode(buf, len, &u->status, err);
	case T_HEALTH:
		return proto_health_decode(buf, len, &u->health, err);
	case T_ACK:
		return proto_ack_decode(buf, len, &u->ack, err);
	case T_CMD:
		return proto_cmd_decode(buf, len, &u->cmd, err);
	case T_RESULT:
		return proto_cmd_result_decode(buf, len, &u->result, err);
	case T_QUEUE:
		return proto_queue_decode(buf, len, &u->queue, err);
	}
	return -2;
}

static char *dq(const char *s)
{
	char *d = strdup(s);
	assert_non_null(d);
	for (char *p = d; *p; p++)
		if (*p == '\'')
			*p = '"';
	return d;
}

/* Decode into an exact-size heap buffer so ASan sees any read past len. */
static int decode_exact(enum type t, const char *s, size_t len, union any *u,
                        struct proto_error *err)
{
	char *buf = malloc(len ? len : 1);
	assert_non_null(buf);
	memcpy(buf, s, len);
	int r = decode(t, buf, len, u, err);
	free(buf);
	return r;
}

static void test_table(void **state)
{
	(void)state;
	union any *u = malloc(sizeof *u);
	assert_non_null(u);
	int failures = 0;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct dcase *c = &cases[i];
		char *json = dq(c->json);
		struct proto_error err = {{0}, {0}};
		int r = decode_exact(c->type, json, strlen(json), u, &err);
		if (!c->field) {
			if (r != 0) {
				print_error("case %zu should decode: %s\n  -> %s: %s\n", i, json,
				            err.field, err.reason);
				failures++;
			}
		} else if (r == 0) {
			print_error("case %zu should fail: %s\n", i, json);
			failures++;
		} else if (strcmp(err.field, c->field) || !strstr(err.reason, c->reason)) {
			print_error("case %zu: %s\n  want %s: ...%s...\n  got  %s: %s\n", i, json,
			            c->field, c->reason, err.field, err.reason);
			failures++;
		}
		free(json);
	}
	free(u);
	assert_int_equal(failures, 0);
}

static void expect_fail(enum type t, const char *buf, size_t len, const char *field,
                        const char *reason)
{
	union any *u = malloc(sizeof *u);
	assert_non_null(u);
	struct proto_error err = {{0}, {0}};
	assert_int_equal(decode_exact(t, buf, len, u, &err), -1);
	assert_string_equal(err.field, field);
	if (!strstr(err.reason, reason))
		fail_msg("reason '%s' lacks '%s'", err.reason, reason);
	free(u);
}

/* Grow s by appending; aborts on allocation failure. */
static void cat(char **s, size_t *len, const char *add)
{
	size_t n = strlen(add);
	*s = realloc(*s, *len + n + 1);
	assert_non_null(*s);
	memcpy(*s + *len, add, n + 1);
	*len += n;
}

static char *board_with_calls(int n)
{
	char *s = NULL;
	size_t len = 0;
	cat(&s, &len, "{\"v\":1,\"seq\":7,\"ts\":\"2026-11-30T09:15:02.123Z\",\"calls\":[");
	for (int i = 0; i < n; i++) {
		char call[160];
		snprintf(call, sizeof call,
		         "%s{\"id\":\"c%d\",\"ticket\":\"A%03d\",\"desk\":\"%d\",\"kind\":\"call\","
		         "\"ts\":\"2026-11-30T09:15:02.123Z\"}",
		         i ? "," : "", i, i, i % 20);
		cat(&s, &len, call);
	}
	cat(&s, &len, "]}");
	return s;
}

static void test_limits(void **state)
{
	(void)state;
	union any *u = malloc(sizeof *u);
	struct proto_error err;
	char *b50 = board_with_calls(50);
	assert_int_equal(proto_board_decode(b50, strlen(b50), &u->board, &err), 0);
	assert_int_equal(u->board.ncalls, 50);
	assert_string_equal(u->board.calls[49].ticket, "A049");
	free(b50);
	char *b51 = board_with_calls(51);
	expect_fail(T_BOARD, b51, strlen(b51), "calls", "more than 50 calls");
	free(b51);

	/* A board one byte over the limit, padded with an unknown field. */
	char *big = malloc(PROTO_BOARD_BYTES_MAX + 2);
	const char *head =
	    "{\"v\":1,\"seq\":1,\"ts\":\"2026-11-30T09:15:02Z\",\"calls\":[],\"p\":\"";
	size_t hl = strlen(head);
	memcpy(big, head, hl);
	memset(big + hl, 'x', PROTO_BOARD_BYTES_MAX + 1 - hl - 2);
	memcpy(big + PROTO_BOARD_BYTES_MAX + 1 - 2, "\"}", 2);
	expect_fail(T_BOARD, big, PROTO_BOARD_BYTES_MAX + 1, "payload", "over the limit of 32768");
	/* exactly at the limit it decodes */
	memcpy(big + PROTO_BOARD_BYTES_MAX - 2, "\"}", 2);
	assert_int_equal(decode_exact(T_BOARD, big, PROTO_BOARD_BYTES_MAX, u, &err), 0);
	free(big);

	/* notice text: 500 bytes fine, 501 not; notice payload over 4096 */
	char text[700];
	memset(text, 'a', 500);
	text[500] = '\0';
	char notice[800];
	snprintf(notice, sizeof notice, "{\"v\":1,\"text\":\"%s\",\"ts\":\"2026-11-30T09:15:02Z\"}",
	         text);
	assert_int_equal(proto_notice_decode(notice, strlen(notice), &u->notice, &err), 0);
	assert_int_equal(strlen(u->notice.text), 500);
	snprintf(notice, sizeof notice,
	         "{\"v\":1,\"text\":\"%sb\",\"ts\":\"2026-11-30T09:15:02Z\"}", text);
	expect_fail(T_NOTICE, notice, strlen(notice), "text", "longer than 500 bytes");
	char *nbig = calloc(1, 5000);
	memset(nbig, ' ', 4097);
	nbig[0] = '{';
	nbig[4096] = '}';
	expect_fail(T_NOTICE, nbig, 4097, "payload", "over the limit of 4096");
	free(nbig);

	/* 50 ack ids fine, 51 not */
	char *ack = NULL;
	size_t al = 0;
	cat(&ack, &al, "{\"v\":1,\"seq\":3,\"shown_ts\":\"2026-11-30T09:15:02Z\",\"ids\":[");
	for (int i = 0; i < 51; i++) {
		char id[16];
		snprintf(id, sizeof id, "%s\"c%d\"", i ? "," : "", i);
		cat(&ack, &al, id);
		if (i == 49) {
			char *copy = NULL;
			size_t cl = 0;
			cat(&copy, &cl, ack);
			cat(&copy, &cl, "]}");
			assert_int_equal(proto_ack_decode(copy, cl, &u->ack, &err), 0);
			assert_int_equal(u->ack.nids, 50);
			free(copy);
		}
	}
	cat(&ack, &al, "]}");
	expect_fail(T_ACK, ack, al, "ids", "more than 50 ids");
	free(ack);

	/* raw NUL byte and a deep nest given with explicit lengths */
	const char nul[] = "{\"v\":1,\"text\":\"a\0b\",\"ts\":\"2026-11-30T09:15:02Z\"}";
	expect_fail(T_NOTICE, nul, sizeof nul - 1, "payload", "NUL byte");
	/* decoders never read past len: a valid prefix of a longer buffer */
	const char *pre = "{\"v\":1,\"state\":\"online\"}garbage";
	assert_int_equal(proto_status_decode(pre, 24, &u->status, &err), 0);
	free(u);
}

static void test_empty_notice_clears(void **state)
{
	(void)state;
	struct proto_notice n;
	struct proto_error err;
	memset(&n, 0xff, sizeof n);
	assert_int_equal(proto_notice_decode("", 0, &n, &err), 0);
	assert_true(n.cleared);
	assert_string_equal(n.text, "");
	char *s = proto_notice_encode(&n);
	assert_string_equal(s, "");
	free(s);
	/* whitespace is not "empty": it is not JSON either */
	expect_fail(T_NOTICE, " ", 1, "payload", "not valid JSON");
}

static void test_decoded_values(void **state)
{
	(void)state;
	struct proto_error err;
	union any *u = malloc(sizeof *u);
	char *j =
	    dq("{'v':1,'seq':42,'ts':'2026-11-30T09:15:02.123Z','calls':[{'id':'c7f3a1',"
	       "'ticket':'A042','desk':'3','desk_label':'Skranke 3','service':'Pas og kørekort',"
	       "'kind':'recall','ts':'2026-11-30T09:15:02.120Z'},{'id':'b','ticket':'B7',"
	       "'desk':'12','kind':'call','ts':'2026-11-30T09:15:00Z'}]}");
	assert_int_equal(proto_board_decode(j, strlen(j), &u->board, &err), 0);
	free(j);
	assert_int_equal(u->board.seq, 42);
	assert_int_equal(u->board.ts_ms, 1796030102123LL);
	assert_int_equal(u->board.ncalls, 2);
	assert_string_equal(u->board.calls[0].id, "c7f3a1");
	assert_string_equal(u->board.calls[0].desk_label, "Skranke 3");
	assert_string_equal(u->board.calls[0].service, "Pas og kørekort");
	assert_int_equal(u->board.calls[0].kind, PROTO_KIND_RECALL);
	assert_int_equal(u->board.calls[0].ts_ms, 1796030102120LL);
	assert_string_equal(u->board.calls[1].desk_label, "");
	assert_int_equal(u->board.calls[1].kind, PROTO_KIND_CALL);

	j = dq("{'v':1,'device':'pi','ts':'2026-11-30T09:15:02Z'}");
	assert_int_equal(proto_health_decode(j, strlen(j), &u->health, &err), 0);
	free(j);
	assert_false(u->health.has_clock_offset);
	assert_int_equal(u->health.volume, -1);
	assert_int_equal(u->health.undervoltage, -1);
	assert_int_equal(u->health.disk_free_mb, -1);
	assert_true(u->health.cpu_temp_c != u->health.cpu_temp_c); /* NAN */
	assert_int_equal(u->health.audio, PROTO_AUDIO_OK);
	assert_int_equal(u->health.screen, PROTO_SCREEN_ON);

	j = dq("{'v':1,'device':'pi','ts':'2026-11-30T09:15:02Z','clock_offset_ms':0,"
	       "'boards':[{'area':'main','seq':9}]}");
	assert_int_equal(proto_health_decode(j, strlen(j), &u->health, &err), 0);
	free(j);
	assert_true(u->health.has_clock_offset);
	assert_int_equal(u->health.clock_offset_ms, 0);
	assert_int_equal(u->health.nboards, 1);
	assert_int_equal(u->health.boards[0].age_s, -1);

	j = dq("{'v':1,'id':'x','cmd':'identify'}");
	assert_int_equal(proto_cmd_decode(j, strlen(j), &u->cmd, &err), 0);
	free(j);
	assert_int_equal(u->cmd.cmd, PROTO_CMD_IDENTIFY);
	assert_int_equal(u->cmd.level, -1);

	/* a failing command still yields its id, for the error result */
	j = dq("{'v':1,'id':'cmd-9','cmd':'reboot'}");
	assert_int_equal(proto_cmd_decode(j, strlen(j), &u->cmd, &err), -1);
	free(j);
	assert_string_equal(u->cmd.id, "cmd-9");
	j = dq("{'v':2,'id':'cmd-9','cmd':'identify'}");
	assert_int_equal(proto_cmd_decode(j, strlen(j), &u->cmd, &err), -1);
	free(j);
	assert_string_equal(u->cmd.id, "");

	j = dq("{'v':1,'id':'x','ok':true,'error':'stale'}");
	assert_int_equal(proto_cmd_result_decode(j, strlen(j), &u->result, &err), 0);
	free(j);
	assert_string_equal(u->result.error, "");

	j = dq("{'v':1,'text':'x','ts':'2026-11-30T09:15:02Z'}");
	assert_int_equal(proto_notice_decode(j, strlen(j), &u->notice, &err), 0);
	free(j);
	assert_int_equal(u->notice.mode, PROTO_NOTICE_BANNER);
	assert_false(u->notice.cleared);
	free(u);
}

static void test_field_checks(void **state)
{
	(void)state;
	assert_true(proto_name_valid("aarhus"));
	assert_true(proto_name_valid("0"));
	assert_true(proto_name_valid("hall-1"));
	assert_false(proto_name_valid(""));
	assert_false(proto_name_valid("-x"));
	assert_false(proto_name_valid("Aarhus"));
	assert_false(proto_name_valid("a_b"));
	assert_true(
	    proto_name_valid("a23456789012345678901234567890123456789012345678901234567890123"));
	assert_false(
	    proto_name_valid("a234567890123456789012345678901234567890123456789012345678901234"));
	assert_true(proto_id_valid("c7f3:1_2.x-y"));
	assert_false(proto_id_valid("a b"));
	assert_false(proto_id_valid(""));
	assert_true(proto_ticket_valid("A042"));
	assert_false(proto_ticket_valid("a042"));
	assert_false(proto_ticket_valid("A042000000X"));
	assert_true(proto_desk_valid("Desk 3.a_b-c"));
	assert_false(proto_desk_valid("3/4"));
	assert_true(proto_text_valid("Kø ved skranke", strlen("Kø ved skranke")));
	assert_false(proto_text_valid("a\tb", 3));
	assert_false(proto_text_valid("\xc2\x85", 2));         /* C1 NEL */
	assert_false(proto_text_valid("\xe0\x80\x80", 3));     /* overlong */
	assert_false(proto_text_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
	assert_true(proto_text_valid("\xf0\x9f\x98\x80", 4));
	assert_false(proto_text_valid("\xf0\x9f\x98", 3)); /* truncated */
	assert_int_equal(proto_cmd_from_name("announce-test"), PROTO_CMD_ANNOUNCE_TEST);
	assert_int_equal(proto_cmd_from_name("reboot"), -1);
	assert_string_equal(proto_cmd_name(PROTO_CMD_VOLUME), "volume");
	assert_string_equal(proto_audio_name(PROTO_AUDIO_MUTED), "muted");
	assert_string_equal(proto_screen_name(PROTO_SCREEN_NO_OUTPUT), "no-output");
	assert_string_equal(proto_kind_name(PROTO_KIND_RECALL), "recall");
}

/* Each name in the protocol's command table parses back to its own kind,
 * and exactly volume takes a level. */
static void test_command_names(void **state)
{
	for (int k = 0; k < PROTO_CMD_COUNT; k++)
		assert_int_equal(proto_cmd_from_name(proto_cmd_name(k)), k);
	char buf[160];
	proto_cmd_choices(buf, sizeof buf, false);
	assert_string_equal(buf, "identify, screenshot, announce-test, volume, reload");
	proto_cmd_choices(buf, sizeof buf, true);
	assert_string_equal(buf, "volume");
	proto_cmd_choices(buf, 10, false); /* cut, still a string */
	assert_string_equal(buf, "identify,");
}

/* The bridge's clock: the minimum sample wins (delays only add), and the
 * offset is known only after a live board. Here the wall clock is
 * steady + 999000 and the bridge 2 s behind it: bridge = steady + 997000. */
static void test_clock(void **state)
{
	struct proto_clock c = {0};
	int64_t off;
	assert_int_equal(proto_clock_bridge_now(&c, 5000), -1);
	assert_false(proto_clock_offset(&c, &off));
	/* A retained board 10 minutes old: a sample, but no known offset. */
	proto_clock_sample(&c, 1000 + 997000 - 600000, 1000, 1000 + 999000, false);
	assert_false(proto_clock_offset(&c, &off));
	/* Live boards that took 300 and 40 ms to arrive. */
	proto_clock_sample(&c, 1700 + 997000, 2000, 2000 + 999000, true);
	proto_clock_sample(&c, 2960 + 997000, 3000, 3000 + 999000, true);
	assert_true(proto_clock_offset(&c, &off));
	assert_int_equal(off, 2040); /* 2 s, plus the smallest delay */
	assert_int_equal(proto_clock_bridge_now(&c, 3000), 2960 + 997000);
	/* After an outage a persistent session hands over many boards queued
	 * 6 s ago: they must not push the live samples out of the ring. */
	for (int i = 0; i < 2 * PROTO_CLOCK_SAMPLES; i++)
		proto_clock_sample(&c, 2960 + 997000, 9000 + i, 9000 + i + 999000, false);
	assert_int_equal(proto_clock_bridge_now(&c, 9000), 8960 + 997000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_empty_notice_clears),
	    cmocka_unit_test(test_decoded_values),
	    cmocka_unit_test(test_field_checks),
	    cmocka_unit_test(test_command_names),
	    cmocka_unit_test(test_clock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

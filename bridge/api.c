#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LOG_MODULE "api"
#include "api.h"
#include "calls.h"
#include "log.h"
#include "mqttc.h"
#include "registry.h"
#include "request.h"
#include "statuspage.h"
#include "store.h"
#include "timeutil.h"

#define SEGS_MAX 8

enum principal { P_NONE, P_BAD, P_ADMIN, P_TENANT };

struct ctx {
	struct bridge *b;
	struct http_req *req;
	struct http_resp *resp;
	enum principal who;
	const struct cfg_tenant *tenant; /* P_TENANT */
	char segs[SEGS_MAX][PROTO_ID_MAX + 2];
	int nsegs;
};

static void reply(struct http_resp *resp, int status, json_t *body)
{
	resp->status = status;
	resp->ctype = "application/json";
	resp->body = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (!resp->body)
		abort();
	resp->len = strlen(resp->body);
}

struct answer {
	struct http_req *req;
	int status;
	char *body; /* owned */
	uint64_t *counter;
};

static void answer_done(void *ctx, bool committed)
{
	struct answer *a = ctx;
	if (committed) {
		if (a->counter)
			(*a->counter)++;
		http_complete(a->req, a->status, "application/json", a->body, strlen(a->body));
	} else {
		free(a->body);
		char *e = xstrdup("{\"error\":\"could not store the change\",\"field\":\"store\"}");
		http_complete(a->req, 503, "application/json", e, strlen(e));
	}
	free(a);
}

/* Answer once the change is committed: 1 (deferred) while a batch is open. */
static int reply_committed(struct ctx *c, int status, json_t *body, uint64_t *counter)
{
	if (!c->b->batch_open) {
		if (counter)
			(*counter)++;
		reply(c->resp, status, body);
		return 0;
	}
	struct answer *a = xcalloc(1, sizeof *a);
	a->req = c->req;
	a->status = status;
	a->body = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (!a->body)
		abort();
	a->counter = counter;
	calls_on_commit(c->b, answer_done, a);
	return 1;
}

static int fail(struct ctx *c, int status, const char *msg, const char *field)
{
	reply(c->resp, status, json_pack("{s:s,s:s}", "error", msg, "field", field));
	if (status == 401)
		c->resp->www_auth = "Bearer realm=\"callboard\"";
	return 0;
}

/* Constant-time comparison: the time does not depend on where they differ. */
static bool token_eq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d = (unsigned char)(la != lb);
	for (size_t i = 0; i < lb; i++)
		d |= (unsigned char)(a[i % (la ? la : 1)] ^ b[i]);
	return d == 0 && la > 0;
}

static int b64val(int ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	return ch == '+' ? 62 : ch == '/' ? 63 : -1;
}

/* Basic auth (for the status page in a browser): the password is the token. */
static bool basic_password(const char *in, char *out, size_t cap)
{
	size_t o = 0;
	unsigned acc = 0;
	int bits = 0;
	char dec[512];
	for (const char *p = in; *p && *p != '='; p++) {
		int v = b64val((unsigned char)*p);
		if (v < 0 || o + 1 >= sizeof dec)
			return false;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			dec[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	dec[o] = '\0';
	char *colon = strchr(dec, ':');
	if (!colon || strlen(colon + 1) >= cap)
		return false;
	snprintf(out, cap, "%s", colon + 1);
	return true;
}

static void identify(struct ctx *c)
{
	const char *h = http_header(c->req, "Authorization");
	char tok[CFG_TOKEN_MAX + 2] = "";
	c->who = P_NONE;
	if (!h)
		return;
	c->who = P_BAD;
	if (strncasecmp(h, "Bearer ", 7) == 0) {
		if (strlen(h + 7) >= sizeof tok)
			return;
		snprintf(tok, sizeof tok, "%s", h + 7);
	} else if (strncasecmp(h, "Basic ", 6) == 0) {
		if (!basic_password(h + 6, tok, sizeof tok))
			return;
	} else
		return;
	const struct bridge_config *cfg = &c->b->cfg;
	bool admin = cfg->admin_token[0] && token_eq(tok, cfg->admin_token);
	const struct cfg_tenant *t = NULL;
	for (int i = 0; i < cfg->ntenants; i++) /* no early exit: same time for all */
		if (token_eq(tok, cfg->tenants[i].token))
			t = &cfg->tenants[i];
	if (admin)
		c->who = P_ADMIN;
	else if (t) {
		c->who = P_TENANT;
		c->tenant = t;
	}
}

/* 0 when allowed; otherwise the answer is filled and 1 is returned. */
static int need_site(struct ctx *c, const char *tenant, const char *site)
{
	if (c->who == P_NONE) {
		fail(c, 401, "missing bearer token", "Authorization");
		return 1;
	}
	if (c->who == P_BAD) {
		fail(c, 401, "invalid token", "Authorization");
		return 1;
	}
	if (c->who == P_TENANT && strcmp(c->tenant->name, tenant) != 0) {
		fail(c, 403, "this token is not valid for that tenant", "tenant");
		return 1;
	}
	if (!bridge_config_tenant(&c->b->cfg, tenant)) {
		fail(c, 404, "no such tenant", "tenant");
		return 1;
	}
	if (!bridge_config_site(&c->b->cfg, tenant, site)) {
		fail(c, 404, "no such site", "site");
		return 1;
	}
	return 0;
}

/* Without an admin token, a bridge that listens on loopback only shows its
 * status page to anyone on the host (the demo; a local kiosk). */
static bool page_open(const struct ctx *c)
{
	const char *h = c->b->cfg.listen_host;
	return !c->b->cfg.admin_token[0] &&
	       (strncmp(h, "127.", 4) == 0 || strcmp(h, "::1") == 0 || strcmp(h, "localhost") == 0);
}

static int need_admin(struct ctx *c)
{
	if (c->who == P_ADMIN)
		return 0;
	if (c->who == P_NONE || c->who == P_BAD) {
		fail(c, 401, c->who == P_NONE ? "missing token" : "invalid token", "Authorization");
		if (strcmp(http_path(c->req), "/") == 0 ||
		    strncmp(http_path(c->req), "/status/", 8) == 0)
			c->resp->www_auth = "Basic realm=\"callboard\"";
		return 1;
	}
	fail(c, 403,
	     c->b->cfg.admin_token[0] ? "needs the admin token"
	                              : "needs [http] admin_token to be configured",
	     "Authorization");
	return 1;
}

/* Answer a refused body. */
static int refused(struct ctx *c, const struct request_error *e)
{
	return fail(c, e->status, e->reason, e->field);
}

static int post_call(struct ctx *c, const char *tenant, const char *site)
{
	size_t len;
	const char *body = http_body(c->req, &len);
	struct call_req r;
	struct request_error e;
	if (request_parse_call(body, len, (size_t)c->b->cfg.body_limit, &r, &e) < 0) {
		metrics_reject(&c->b->metrics, e.metric);
		return refused(c, &e);
	}
	char id[PROTO_ID_MAX + 1];
	int64_t seq = 0;
	switch (calls_add(c->b, tenant, site, &r, id, &seq)) {
	case CALLS_OK:
		return reply_committed(c, 202,
		                       json_pack("{s:s,s:I}", "id", id, "seq", (json_int_t)seq),
		                       &c->b->metrics.calls_accepted);
	case CALLS_REPEAT: /* the first may still be in the open batch: wait too */
		return reply_committed(
		    c, 202, json_pack("{s:s,s:I}", "id", id, "seq", (json_int_t)seq), NULL);
	case CALLS_CONFLICT:
		metrics_reject(&c->b->metrics, "id-conflict");
		return fail(c, 409, "this id was already used for a different call", "id");
	default:
		metrics_reject(&c->b->metrics, "store");
		return fail(c, 503, "could not store the call", "store");
	}
}

static int call_op(struct ctx *c, const char *tenant, const char *site, const char *id, bool recall)
{
	if (!proto_id_valid(id))
		return fail(c, 422, "letters, digits, '.', '_', ':', '-' (1-64)", "id");
	int64_t seq = 0;
	enum calls_rc rc = recall ? calls_recall(c->b, tenant, site, id, &seq)
	                          : calls_cancel(c->b, tenant, site, id, &seq);
	if (rc == CALLS_NOT_FOUND)
		return fail(c, 404, recall ? "no such call on the board" : "no such call", "id");
	if (rc != CALLS_OK)
		return fail(c, 503, "could not store the change", "store");
	return reply_committed(
	    c, recall ? 202 : 200, json_pack("{s:s,s:I}", "id", id, "seq", (json_int_t)seq),
	    recall ? &c->b->metrics.recalls_accepted : &c->b->metrics.cancels_accepted);
}

static int put_notice(struct ctx *c, const char *tenant, const char *site)
{
	size_t len;
	const char *body = http_body(c->req, &len);
	struct proto_notice n;
	struct request_error e;
	if (request_parse_notice(body, len, (size_t)c->b->cfg.body_limit, &n, &e) < 0)
		return refused(c, &e);
	n.ts_ms = time_now_ms();
	char *payload = proto_notice_encode(&n);
	int rc;
	if (calls_notice(c->b, tenant, site, payload) != CALLS_OK)
		rc = fail(c, 503, "could not store the notice", "store");
	else
		rc = reply_committed(c, 200,
		                     json_pack("{s:s,s:s}", "text", n.text, "mode",
		                               n.mode == PROTO_NOTICE_TICKER ? "ticker" : "banner"),
		                     NULL);
	free(payload);
	return rc;
}

static int get_board(struct ctx *c, const char *tenant, const char *site, const char *area)
{
	if (!proto_name_valid(area))
		return fail(c, 422, "must match [a-z0-9][a-z0-9-]{0,62}", "area");
	struct area *a = bridge_area(c->b, tenant, site, area, false);
	if (!a || a->board.seq == 0)
		return fail(c, 404, "no board for this area yet", "area");
	struct proto_board *pb = xmalloc(sizeof *pb);
	board_to_proto(&a->board, a->board_ts_ms, pb);
	char *s = proto_board_encode(pb);
	free(pb);
	c->resp->status = 200;
	c->resp->ctype = "application/json";
	c->resp->body = s;
	c->resp->len = strlen(s);
	return 0;
}

static bool parse_date(const char *s, int64_t *ms)
{
	char buf[40];
	if (!s || strlen(s) != 10)
		return false;
	snprintf(buf, sizeof buf, "%sT00:00:00Z", s);
	return time_parse_iso(buf, ms);
}

struct stats_acc {
	json_t *rows;
	int64_t calls, recalls;
};

static void stat_row(void *data, const struct store_stat_row *r)
{
	struct stats_acc *acc = data;
	char hour[32];
	time_fmt_iso(r->hour_ms, hour, sizeof hour);
	json_array_append_new(acc->rows,
	                      json_pack("{s:s,s:s,s:s,s:I,s:I}", "hour", hour, "area", r->area,
	                                "desk", r->desk, "calls", (json_int_t)r->calls, "recalls",
	                                (json_int_t)r->recalls));
	acc->calls += r->calls;
	acc->recalls += r->recalls;
}

static int get_stats(struct ctx *c, const char *tenant, const char *site)
{
	int64_t today = time_now_ms() / 86400000 * 86400000;
	int64_t from = today - 6 * 86400000LL, to = today;
	const char *f = http_query(c->req, "from"), *t = http_query(c->req, "to");
	if (f && !parse_date(f, &from))
		return fail(c, 422, "expected a date YYYY-MM-DD", "from");
	if (t && !parse_date(t, &to))
		return fail(c, 422, "expected a date YYYY-MM-DD", "to");
	if (to < from)
		return fail(c, 422, "before from", "to");
	struct stats_acc acc = {json_array(), 0, 0};
	/* to is inclusive: the whole day */
	if (store_stats_query(c->b->store, tenant, site, from, to + 86400000, stat_row, &acc) < 0) {
		json_decref(acc.rows);
		return fail(c, 503, "could not read the statistics", "store");
	}
	char fs[32], ts[32];
	time_fmt_iso(from, fs, sizeof fs);
	time_fmt_iso(to, ts, sizeof ts);
	fs[10] = ts[10] = '\0';
	reply(c->resp, 200,
	      json_pack("{s:s,s:s,s:s,s:s,s:o,s:{s:I,s:I}}", "tenant", tenant, "site", site, "from",
	                fs, "to", ts, "rows", acc.rows, "totals", "calls", (json_int_t)acc.calls,
	                "recalls", (json_int_t)acc.recalls));
	return 0;
}

static int get_devices(struct ctx *c)
{
	if (c->who == P_NONE || c->who == P_BAD)
		return fail(c, 401, c->who == P_NONE ? "missing bearer token" : "invalid token",
		            "Authorization");
	json_t *list = registry_list(c->b->registry, c->who == P_TENANT ? c->tenant->name : NULL);
	reply(c->resp, 200, json_pack("{s:o}", "devices", list));
	return 0;
}

static void cmd_done(void *ctx, int status, const char *ctype, char *body, size_t len)
{
	http_complete(ctx, status, ctype, body, len);
}

static int post_command(struct ctx *c, const char *tenant, const char *site, const char *dev)
{
	if (!proto_name_valid(dev))
		return fail(c, 422, "must match [a-z0-9][a-z0-9-]{0,62}", "device");
	size_t len;
	const char *body = http_body(c->req, &len);
	int cmd, level;
	struct request_error e;
	if (request_parse_command(body, len, (size_t)c->b->cfg.body_limit, &cmd, &level, &e) < 0)
		return refused(c, &e);
	if (!c->b->mqtt || !mqttc_connected(c->b->mqtt))
		return fail(c, 503, "not connected to the broker", "mqtt");
	enum registry_png png = cmd == PROTO_CMD_SCREENSHOT ? REGISTRY_PNG_WAIT : REGISTRY_PNG_NO;
	if (registry_command(c->b->registry, tenant, site, dev, cmd, level, png, cmd_done, c->req) <
	    0)
		return fail(c, 503, "could not send the command", "mqtt");
	return 1;
}

static int get_screenshot(struct ctx *c, const char *tenant, const char *site, const char *dev)
{
	size_t len;
	const unsigned char *png =
	    proto_name_valid(dev) ? registry_screenshot(c->b->registry, tenant, site, dev, &len)
	                          : NULL;
	if (!png)
		return fail(c, 404, "no screenshot of this device yet", "device");
	c->resp->status = 200;
	c->resp->ctype = "image/png";
	c->resp->body = xmalloc(len);
	memcpy(c->resp->body, png, len);
	c->resp->len = len;
	return 0;
}

/* The status page's screenshot link: ask for a fresh one, answer the PNG. */
static int status_screenshot(struct ctx *c, const char *tenant, const char *site, const char *dev)
{
	if (!bridge_config_site(&c->b->cfg, tenant, site) || !proto_name_valid(dev))
		return fail(c, 404, "no such device", "device");
	if (!c->b->mqtt || !mqttc_connected(c->b->mqtt) ||
	    registry_command(c->b->registry, tenant, site, dev, PROTO_CMD_SCREENSHOT, -1,
	                     REGISTRY_PNG_SERVE, cmd_done, c->req) < 0)
		return get_screenshot(c, tenant, site, dev);
	return 1;
}

static void split(struct ctx *c, const char *path)
{
	c->nsegs = 0;
	const char *p = path;
	while (*p == '/')
		p++;
	while (*p && c->nsegs < SEGS_MAX) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n >= sizeof c->segs[0]) {
			c->nsegs = SEGS_MAX + 1; /* too long: no route matches */
			return;
		}
		memcpy(c->segs[c->nsegs], p, n);
		c->segs[c->nsegs][n] = '\0';
		c->nsegs++;
		if (!e)
			break;
		p = e + 1;
	}
	if (*p && c->nsegs >= SEGS_MAX)
		c->nsegs = SEGS_MAX + 1;
}

static bool is(const struct ctx *c, int i, const char *s)
{
	return i < c->nsegs && strcmp(c->segs[i], s) == 0;
}

static int method_not_allowed(struct ctx *c)
{
	return fail(c, 405, "method not allowed here", "method");
}

int api_handle(void *data, struct http_req *req, struct http_resp *resp)
{
	struct ctx c = {.b = data, .req = req, .resp = resp};
	const char *m = http_method(req);
	const char *path = http_path(req);
	bool get = strcmp(m, "GET") == 0, post = strcmp(m, "POST") == 0,
	     put = strcmp(m, "PUT") == 0, del = strcmp(m, "DELETE") == 0;
	identify(&c);
	split(&c, path);
	if (strcmp(path, "/healthz") == 0) {
		if (!get)
			return method_not_allowed(&c);
		bool up = c.b->mqtt && mqttc_connected(c.b->mqtt);
		/* Writes failing (disk full): every change gets 503, so do we. */
		const char *werr = store_write_error(c.b->store);
		reply(resp, werr ? 503 : 200,
		      json_pack("{s:s,s:b,s:i,s:s}", "status", werr ? "error" : "ok", "mqtt", up,
		                "outbox", bridge_outbox_depth(c.b), "storage", werr ? werr : "ok"));
		return 0;
	}
	if (strcmp(path, "/metrics") == 0) {
		if (!get)
			return method_not_allowed(&c);
		if (c.b->cfg.admin_token[0] && need_admin(&c))
			return 0;
		resp->status = 200;
		resp->ctype = "text/plain; version=0.0.4";
		resp->body = metrics_render(c.b, &resp->len);
		return 0;
	}
	if (strcmp(path, "/") == 0) {
		if (!get)
			return method_not_allowed(&c);
		if (!page_open(&c) && need_admin(&c))
			return 0;
		resp->status = 200;
		resp->ctype = "text/html; charset=utf-8";
		resp->body = statuspage_render(c.b, http_query(req, "site"), &resp->len);
		return 0;
	}
	if (c.nsegs == 5 && is(&c, 0, "status") && is(&c, 1, "screenshot")) {
		if (!get)
			return method_not_allowed(&c);
		if (!page_open(&c) && need_admin(&c))
			return 0;
		return status_screenshot(&c, c.segs[2], c.segs[3], c.segs[4]);
	}
	/* The page's thumbnails: the kept screenshot, no new command. */
	if (c.nsegs == 5 && is(&c, 0, "status") && is(&c, 1, "latest")) {
		if (!get)
			return method_not_allowed(&c);
		if (!page_open(&c) && need_admin(&c))
			return 0;
		return get_screenshot(&c, c.segs[2], c.segs[3], c.segs[4]);
	}
	if (is(&c, 0, "v1") && is(&c, 1, "sites") && c.nsegs >= 5) {
		const char *t = c.segs[2], *s = c.segs[3];
		if (!proto_name_valid(t) || !proto_name_valid(s))
			return fail(&c, 404, "no such site",
			            proto_name_valid(t) ? "site" : "tenant");
		if (c.nsegs == 5 && is(&c, 4, "calls")) {
			if (!post)
				return method_not_allowed(&c);
			if (need_site(&c, t, s)) {
				metrics_reject(&c.b->metrics, "auth");
				return 0;
			}
			return post_call(&c, t, s);
		}
		if (c.nsegs == 6 && is(&c, 4, "calls")) {
			if (!del)
				return method_not_allowed(&c);
			return need_site(&c, t, s) ? 0 : call_op(&c, t, s, c.segs[5], false);
		}
		if (c.nsegs == 7 && is(&c, 4, "calls") && is(&c, 6, "recall")) {
			if (!post)
				return method_not_allowed(&c);
			return need_site(&c, t, s) ? 0 : call_op(&c, t, s, c.segs[5], true);
		}
		if (c.nsegs == 5 && is(&c, 4, "notice")) {
			if (!put && !del)
				return method_not_allowed(&c);
			if (need_site(&c, t, s))
				return 0;
			if (put)
				return put_notice(&c, t, s);
			if (calls_notice(c.b, t, s, "") != CALLS_OK)
				return fail(&c, 503, "could not store the notice", "store");
			return reply_committed(&c, 200, json_pack("{s:b}", "cleared", 1), NULL);
		}
		if (c.nsegs == 6 && is(&c, 4, "boards")) {
			if (!get)
				return method_not_allowed(&c);
			return need_site(&c, t, s) ? 0 : get_board(&c, t, s, c.segs[5]);
		}
		if (c.nsegs == 5 && is(&c, 4, "stats")) {
			if (!get)
				return method_not_allowed(&c);
			return need_site(&c, t, s) ? 0 : get_stats(&c, t, s);
		}
	}
	if (is(&c, 0, "v1") && is(&c, 1, "devices")) {
		if (c.nsegs == 2) {
			if (!get)
				return method_not_allowed(&c);
			return get_devices(&c);
		}
		if (c.nsegs == 6 && (is(&c, 5, "commands") || is(&c, 5, "screenshot"))) {
			const char *t = c.segs[2], *s = c.segs[3], *d = c.segs[4];
			if (!proto_name_valid(t) || !proto_name_valid(s))
				return fail(&c, 404, "no such site", "site");
			bool cmds = is(&c, 5, "commands");
			if ((cmds && !post) || (!cmds && !get))
				return method_not_allowed(&c);
			if (need_site(&c, t, s))
				return 0;
			return cmds ? post_command(&c, t, s, d) : get_screenshot(&c, t, s, d);
		}
	}
	return fail(&c, 404, "no such endpoint", "path");
}

void api_count_status(void *data, int status)
{
	struct bridge *b = data;
	if (status >= 100 && status < 600)
		b->metrics.http_status[status]++;
}

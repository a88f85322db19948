#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LOG_MODULE "api"
#include "api.h"
#include "calls.h"
#include "enrol.h"
#include "lease.h"
#include "log.h"
#include "pairpage.h"
#include "mqttc.h"
#include "registry.h"
#include "request.h"
#include "statuspage.h"
#include "store.h"
#include "timeutil.h"

#define SEGS_MAX         8
#define DEVICES_PAGE     100  /* devices per page of /v1/devices by default */
#define DEVICES_PAGE_MAX 1000 /* and at most */

enum principal { P_NONE, P_BAD, P_ADMIN, P_TENANT };

/* The path's {parameters}, pointing into ctx.segs; NULL when absent. */
struct params {
	const char *tenant, *site, *device, *id, *area;
};

struct ctx {
	struct bridge *b;
	struct http_req *req;
	struct http_resp *resp;
	enum principal who;
	const struct cfg_tenant *token_tenant; /* P_TENANT: whose token it is */
	char segs[SEGS_MAX][PROTO_ID_MAX + 2];
	int nsegs;
	struct params p;
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

/* The tenant a single sign-on proxy names in [http] trusted_tenant_header
 * ("*": the admin); believed only from the peer address trusted_proxy.
 * True when it settled who is asking. */
static bool identify_proxy(struct ctx *c)
{
	const struct bridge_config *cfg = &c->b->cfg;
	char peer[64];
	const char *h =
	    cfg->trusted_tenant_header[0] ? http_header(c->req, cfg->trusted_tenant_header) : NULL;
	if (!h || !http_peer(c->req, peer, sizeof peer) || strcmp(peer, cfg->trusted_proxy) != 0)
		return false;
	const struct cfg_tenant *t = bridge_config_tenant(cfg, h);
	c->who = strcmp(h, "*") == 0 ? P_ADMIN : t ? P_TENANT : P_BAD;
	c->token_tenant = t;
	return true;
}

static void identify(struct ctx *c)
{
	const char *h = http_header(c->req, "Authorization");
	char tok[CFG_TOKEN_MAX + 2] = "";
	c->who = P_NONE;
	if (identify_proxy(c) || !h)
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
		c->token_tenant = t;
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
	if (c->who == P_TENANT && strcmp(c->token_tenant->name, tenant) != 0) {
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

/* basic: a page for a browser, which asks for the password on a 401.
 * tenants: a tenant's token will do too (it sees its own sites). */
static int need_admin(struct ctx *c, bool basic, bool tenants)
{
	if (c->who == P_ADMIN)
		return 0;
	if (c->who == P_NONE || c->who == P_BAD) {
		fail(c, 401, c->who == P_NONE ? "missing token" : "invalid token", "Authorization");
		if (basic)
			c->resp->www_auth = "Basic realm=\"callboard\"";
		return 1;
	}
	if (tenants && (!c->p.tenant || strcmp(c->p.tenant, c->token_tenant->name) == 0))
		return 0;
	if (tenants) {
		fail(c, 403, "this token is not valid for that tenant", "tenant");
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
	if (!strcmp(e->metric, "personal-data"))
		c->b->metrics.personal_refused[e->pii]++;
	return fail(c, e->status, e->reason, e->field);
}

static int post_call(struct ctx *c)
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
	switch (calls_add(c->b, c->p.tenant, c->p.site, &r, id, &seq)) {
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

static int call_op(struct ctx *c, bool recall)
{
	const char *tenant = c->p.tenant, *site = c->p.site, *id = c->p.id;
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

static int delete_call(struct ctx *c)
{
	return call_op(c, false);
}

static int post_recall(struct ctx *c)
{
	return call_op(c, true);
}

static int put_notice(struct ctx *c)
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
	if (calls_notice(c->b, c->p.tenant, c->p.site, payload) != CALLS_OK)
		rc = fail(c, 503, "could not store the notice", "store");
	else
		rc = reply_committed(c, 200,
		                     json_pack("{s:s,s:s}", "text", n.text, "mode",
		                               n.mode == PROTO_NOTICE_TICKER ? "ticker" : "banner"),
		                     NULL);
	free(payload);
	return rc;
}

static int delete_notice(struct ctx *c)
{
	if (calls_notice(c->b, c->p.tenant, c->p.site, "") != CALLS_OK)
		return fail(c, 503, "could not store the notice", "store");
	return reply_committed(c, 200, json_pack("{s:b}", "cleared", 1), NULL);
}

static int put_queue(struct ctx *c)
{
	size_t len;
	const char *body = http_body(c->req, &len);
	struct proto_queue q;
	struct request_error e;
	if (!proto_name_valid(c->p.area))
		return fail(c, 422, "must match [a-z0-9][a-z0-9-]{0,62}", "area");
	if (request_parse_queue(body, len, (size_t)c->b->cfg.body_limit, &q, &e) < 0)
		return refused(c, &e);
	q.ts_ms = time_now_ms();
	struct area *a = bridge_area(c->b, c->p.tenant, c->p.site, c->p.area, true);
	free(a->queue);
	a->queue = proto_queue_encode(&q);
	a->queue_due = true;
	c->b->outbox_dirty = true;
	reply(c->resp, 200, json_pack("{s:s,s:i}", "area", c->p.area, "services", q.nservices));
	return 0;
}

static int get_board(struct ctx *c)
{
	const char *area = c->p.area;
	if (!proto_name_valid(area))
		return fail(c, 422, "must match [a-z0-9][a-z0-9-]{0,62}", "area");
	struct area *a = bridge_area(c->b, c->p.tenant, c->p.site, area, false);
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

static int get_stats(struct ctx *c)
{
	const char *tenant = c->p.tenant, *site = c->p.site;
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

/* The tenant a caller sees: its own, or NULL (all) for the admin. */
static const char *own_tenant(const struct ctx *c)
{
	return c->who == P_TENANT ? c->token_tenant->name : NULL;
}

static int get_devices(struct ctx *c)
{
	struct registry_page_req q = {
	    .tenant = own_tenant(c), .after = http_query(c->req, "after"), .limit = DEVICES_PAGE};
	const char *site = http_query(c->req, "site"), *limit = http_query(c->req, "limit");
	char key[2][PROTO_NAME_MAX + 1];
	if (site) {
		if (!registry_key_split(site, key, 2) ||
		    !bridge_config_site(&c->b->cfg, key[0], key[1]))
			return fail(c, 404, "no such site", "site");
		if (q.tenant && strcmp(q.tenant, key[0]) != 0)
			return fail(c, 403, "this token is not valid for that tenant", "site");
		q.tenant = key[0];
		q.site = key[1];
	}
	if (limit) {
		char *end;
		long n = strtol(limit, &end, 10);
		if (!*limit || *end || n < 1 || n > DEVICES_PAGE_MAX)
			return fail(c, 422, "expected 1 to 1000", "limit");
		q.limit = (int)n;
	}
	json_t *list;
	char next[3 * PROTO_NAME_MAX + 3];
	if (registry_page(c->b->registry, &q, &list, next, sizeof next) < 0)
		return fail(c, 422, "expected tenant/site/device from a previous page's next",
		            "after");
	json_t *body = json_pack("{s:o}", "devices", list);
	if (next[0])
		json_object_set_new(body, "next", json_string(next));
	reply(c->resp, 200, body);
	return 0;
}

static void cmd_done(void *ctx, int status, const char *ctype, char *body, size_t len)
{
	http_complete(ctx, status, ctype, body, len);
}

static int post_command(struct ctx *c)
{
	const char *dev = c->p.device;
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
	if (registry_command(c->b->registry, c->p.tenant, c->p.site, dev, cmd, level, png, cmd_done,
	                     c->req) < 0)
		return fail(c, 503, "could not send the command", "mqtt");
	return 1;
}

/* The kept screenshot, no new command (also the status page's thumbnails). */
static int get_screenshot(struct ctx *c)
{
	size_t len;
	const unsigned char *png =
	    proto_name_valid(c->p.device)
	        ? registry_screenshot(c->b->registry, c->p.tenant, c->p.site, c->p.device, &len)
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
static int get_fresh_screenshot(struct ctx *c)
{
	const char *tenant = c->p.tenant, *site = c->p.site, *dev = c->p.device;
	if (!bridge_config_site(&c->b->cfg, tenant, site) || !proto_name_valid(dev))
		return fail(c, 404, "no such device", "device");
	if (!c->b->mqtt || !mqttc_connected(c->b->mqtt) ||
	    registry_command(c->b->registry, tenant, site, dev, PROTO_CMD_SCREENSHOT, -1,
	                     REGISTRY_PNG_SERVE, cmd_done, c->req) < 0)
		return get_screenshot(c);
	return 1;
}

static void pair_done(void *ctx, int status, json_t *body)
{
	char *s = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (!s)
		abort();
	http_complete(ctx, status, "application/json", s, strlen(s));
}

/* Give the screen showing code the identity {device} (enrol.c answers). */
static int post_pair(struct ctx *c)
{
	if (!proto_name_valid(c->p.device))
		return fail(c, 422, "must match [a-z0-9][a-z0-9-]{0,62}", "device");
	size_t len;
	const char *body = http_body(c->req, &len);
	struct pair_req r;
	struct request_error e;
	if (request_parse_pair(body, len, (size_t)c->b->cfg.body_limit, &r, &e) < 0)
		return refused(c, &e);
	const char *who = c->who == P_TENANT ? c->token_tenant->name : "admin";
	enrol_pair(c->b->enrol, who, r.code, c->p.tenant, c->p.site, c->p.device,
	           (const char(*)[PROTO_NAME_MAX + 1]) r.areas, r.nareas, r.name, pair_done,
	           c->req);
	return 1;
}

static int delete_pair(struct ctx *c)
{
	if (!proto_name_valid(c->p.device))
		return fail(c, 422, "must match [a-z0-9][a-z0-9-]{0,62}", "device");
	enrol_unpair(c->b->enrol, c->p.tenant, c->p.site, c->p.device, pair_done, c->req);
	return 1;
}

static void html(struct http_resp *resp, int status, const char *msg, bool ok)
{
	resp->status = status;
	resp->ctype = "text/html; charset=utf-8";
	resp->body = pairpage_render(msg, ok, &resp->len);
}

static int get_pair_page(struct ctx *c)
{
	html(c->resp, 200, NULL, false);
	return 0;
}

static void pair_page_done(void *ctx, int status, json_t *body)
{
	char msg[512];
	if (status == 200)
		snprintf(msg, sizeof msg, "Paired %s/%s/%s (host %s, address %s).",
		         json_string_value(json_object_get(body, "tenant")),
		         json_string_value(json_object_get(body, "site")),
		         json_string_value(json_object_get(body, "device")),
		         json_string_value(json_object_get(body, "hostname")),
		         json_string_value(json_object_get(body, "address")));
	else
		snprintf(msg, sizeof msg, "Not paired: %s.",
		         json_string_value(json_object_get(body, "error")));
	json_decref(body);
	struct http_resp r = {0};
	html(&r, status, msg, status == 200);
	http_complete(ctx, r.status, r.ctype, r.body, r.len);
}

/* The form: the same pairing as POST .../pair, for the form's site. */
static int post_pair_page(struct ctx *c)
{
	size_t len;
	const char *body = http_body(c->req, &len);
	struct pairpage_form f;
	char why[200];
	if (!pairpage_parse(body, len, &f, why, sizeof why)) {
		html(c->resp, 422, why, false);
		return 0;
	}
	if (need_site(c, f.tenant, f.site))
		return 0;
	const char *who = c->who == P_TENANT ? c->token_tenant->name : "admin";
	enrol_pair(c->b->enrol, who, f.req.code, f.tenant, f.site, f.device,
	           (const char(*)[PROTO_NAME_MAX + 1]) f.req.areas, f.req.nareas, f.req.name,
	           pair_page_done, c->req);
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

static int get_health(struct ctx *c)
{
	bool up = c->b->mqtt && mqttc_connected(c->b->mqtt);
	/* Writes failing (disk full): every change gets 503, so do we. */
	const char *werr = store_write_error(c->b->store);
	reply(c->resp, werr ? 503 : 200,
	      json_pack("{s:s,s:b,s:i,s:s,s:o}", "status", werr ? "error" : "ok", "mqtt", up,
	                "outbox", bridge_outbox_depth(c->b), "storage", werr ? werr : "ok",
	                "publisher", lease_health(c->b)));
	return 0;
}

static int get_metrics(struct ctx *c)
{
	c->resp->status = 200;
	c->resp->ctype = "text/plain; version=0.0.4";
	c->resp->body = metrics_render(c->b, &c->resp->len);
	return 0;
}

static int get_page(struct ctx *c)
{
	c->resp->status = 200;
	c->resp->ctype = "text/html; charset=utf-8";
	c->resp->body =
	    statuspage_render(c->b, own_tenant(c), http_query(c->req, "site"), &c->resp->len);
	return 0;
}

/* Who may use a route. */
enum access {
	ACCESS_OPEN,    /* anyone */
	ACCESS_METRICS, /* the admin token, when one is configured */
	ACCESS_PAGE,    /* the admin token or the token of {tenant} (Basic too; a
	                 * tenant sees its own sites), or anyone when page_open */
	ACCESS_TOKEN,   /* any valid token */
	ACCESS_SITE,    /* the admin token or the token of {tenant}, for a configured {site} */
	ACCESS_USER,    /* the admin token or any tenant's, Basic too (a browser's form) */
};

/* One endpoint. API.md documents each row. */
struct route {
	const char *method;
	const char *path; /* "/v1/sites/{tenant}/{site}/calls": {x} fills ctx.p.x */
	enum access access;
	int (*handle)(struct ctx *c); /* 0 answered, 1 answered later */
	const char *refusal_metric;   /* rejected-call reason when access is refused */
};

static const struct route routes[] = {
    {"GET", "/healthz", ACCESS_OPEN, get_health},
    {"GET", "/metrics", ACCESS_METRICS, get_metrics},
    {"GET", "/", ACCESS_PAGE, get_page},
    {"GET", "/status/screenshot/{tenant}/{site}/{device}", ACCESS_PAGE, get_fresh_screenshot},
    {"GET", "/status/latest/{tenant}/{site}/{device}", ACCESS_PAGE, get_screenshot},
    {"GET", "/status/pair", ACCESS_USER, get_pair_page},
    {"POST", "/status/pair", ACCESS_USER, post_pair_page},
    {"POST", "/v1/sites/{tenant}/{site}/calls", ACCESS_SITE, post_call, "auth"},
    {"DELETE", "/v1/sites/{tenant}/{site}/calls/{id}", ACCESS_SITE, delete_call},
    {"POST", "/v1/sites/{tenant}/{site}/calls/{id}/recall", ACCESS_SITE, post_recall},
    {"PUT", "/v1/sites/{tenant}/{site}/notice", ACCESS_SITE, put_notice},
    {"DELETE", "/v1/sites/{tenant}/{site}/notice", ACCESS_SITE, delete_notice},
    {"GET", "/v1/sites/{tenant}/{site}/boards/{area}", ACCESS_SITE, get_board},
    {"PUT", "/v1/sites/{tenant}/{site}/areas/{area}/queue", ACCESS_SITE, put_queue},
    {"GET", "/v1/sites/{tenant}/{site}/stats", ACCESS_SITE, get_stats},
    {"GET", "/v1/devices", ACCESS_TOKEN, get_devices},
    {"POST", "/v1/devices/{tenant}/{site}/{device}/commands", ACCESS_SITE, post_command},
    {"GET", "/v1/devices/{tenant}/{site}/{device}/screenshot", ACCESS_SITE, get_screenshot},
    {"POST", "/v1/devices/{tenant}/{site}/{device}/pair", ACCESS_SITE, post_pair},
    {"DELETE", "/v1/devices/{tenant}/{site}/{device}/pair", ACCESS_SITE, delete_pair},
};

static const char **param(struct params *p, const char *name, size_t n)
{
	static const struct {
		const char *name;
		size_t off;
	} names[] = {
	    {"{tenant}", offsetof(struct params, tenant)},
	    {"{site}", offsetof(struct params, site)},
	    {"{device}", offsetof(struct params, device)},
	    {"{id}", offsetof(struct params, id)},
	    {"{area}", offsetof(struct params, area)},
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strlen(names[i].name) == n && memcmp(names[i].name, name, n) == 0)
			return (const char **)((char *)p + names[i].off);
	abort(); /* a route names an unknown parameter */
}

/* Whether the split path has the route's shape; its parameters into *p. */
static bool match(struct ctx *c, const char *path, struct params *p)
{
	*p = (struct params){0};
	int i = 0;
	for (const char *s = path + 1; *s; i++) {
		const char *e = strchrnul(s, '/');
		size_t n = (size_t)(e - s);
		if (i >= c->nsegs)
			return false;
		if (*s == '{')
			*param(p, s, n) = c->segs[i];
		else if (strlen(c->segs[i]) != n || memcmp(c->segs[i], s, n) != 0)
			return false;
		s = *e ? e + 1 : e;
	}
	return i == c->nsegs;
}

/* 0 when the caller may use the route; otherwise the answer is filled. */
static int allowed(struct ctx *c, const struct route *r)
{
	int refused = 0;
	switch (r->access) {
	case ACCESS_OPEN:
		break;
	case ACCESS_METRICS:
		refused = c->b->cfg.admin_token[0] && need_admin(c, false, false);
		break;
	case ACCESS_PAGE:
		refused = !page_open(c) && need_admin(c, true, true);
		break;
	case ACCESS_TOKEN:
		if (c->who == P_NONE || c->who == P_BAD) {
			fail(c, 401, c->who == P_NONE ? "missing bearer token" : "invalid token",
			     "Authorization");
			refused = 1;
		}
		break;
	case ACCESS_SITE:
		refused = need_site(c, c->p.tenant, c->p.site);
		break;
	case ACCESS_USER:
		if (c->who == P_NONE || c->who == P_BAD) {
			fail(c, 401, c->who == P_NONE ? "missing token" : "invalid token",
			     "Authorization");
			c->resp->www_auth = "Basic realm=\"callboard\"";
			refused = 1;
		}
		break;
	}
	if (refused && r->refusal_metric)
		metrics_reject(&c->b->metrics, r->refusal_metric);
	return refused;
}

int api_handle(void *data, struct http_req *req, struct http_resp *resp)
{
	struct ctx c = {.b = data, .req = req, .resp = resp};
	identify(&c);
	split(&c, http_path(req));
	const struct route *found = NULL, *shape = NULL;
	struct params p;
	for (size_t i = 0; i < sizeof routes / sizeof routes[0] && !found; i++) {
		if (!match(&c, routes[i].path, &p))
			continue;
		if (!shape) {
			shape = &routes[i];
			c.p = p;
		}
		if (strcmp(http_method(req), routes[i].method) == 0) {
			found = &routes[i];
			c.p = p;
		}
	}
	if (!shape)
		return fail(&c, 404, "no such endpoint", "path");
	/* Names that cannot be a site are no site, whatever the method. */
	if (shape->access == ACCESS_SITE &&
	    (!proto_name_valid(c.p.tenant) || !proto_name_valid(c.p.site)))
		return fail(&c, 404, "no such site",
		            proto_name_valid(c.p.tenant) ? "site" : "tenant");
	if (!found)
		return fail(&c, 405, "method not allowed here", "method");
	if (allowed(&c, found))
		return 0;
	return found->handle(&c);
}

void api_count_status(void *data, int status)
{
	struct bridge *b = data;
	if (status >= 100 && status < 600)
		b->metrics.http_status[status]++;
}

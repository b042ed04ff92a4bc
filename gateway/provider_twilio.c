/* SPDX-License-Identifier: Apache-2.0 */
/*
 * provider_twilio: Twilio Programmable Messaging (../shared/protocols.md §1).
 *
 * Inbound: the SMS webhook (MessageSid, AccountSid, From, To, Body, ...);
 * status callbacks (MessageSid, MessageStatus, ErrorCode) on /dlr/NAME.
 * Both are checked with X-Twilio-Signature (HMAC-SHA1 with the auth token
 * over the URL Twilio called and the sorted form parameters), on by
 * default; `public_url` is baraza's address as Twilio sees it (behind a
 * proxy), else the Host header is used.  In reply mode "api" (default)
 * the answer to a webhook is empty TwiML and replies leave through the
 * REST API; in "twiml" the reply is the webhook's answer.
 * Outbound: POST {base_url}/2010-04-01/Accounts/{sid}/Messages.json with
 * basic auth, StatusCallback set when public_url is known.  429 (20429)
 * and 5xx are retried; Twilio's 4xx error codes are permanent.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "provider_twilio.h"
#include "provider_util.h"

#define TWILIO_API "https://api.twilio.com"

struct twilio {
	char *name;
	char *account_sid;
	char *auth_token;
	char *public_url; /* without a trailing '/', or NULL */
	char *base_url;
	char *number; /* our number ('from'), for polling */
	bool validate;
	bool twiml; /* reply_mode "twiml": the reply goes in the answer */
};

static const char *const twilio_keys[] = { "account_sid", "auth_token",
	"public_url", "base_url", "validate", "reply_mode", NULL };

static void
twilio_free(void *state)
{
	struct twilio *t = state;

	if (t == NULL)
		return;
	free(t->name);
	free(t->account_sid);
	free(t->auth_token);
	free(t->public_url);
	free(t->base_url);
	free(t->number);
	free(t);
}

static int
twilio_configure(const config_setting_t *s, struct conf_errors *ce,
    void **ret_state)
{
	const char *sid = NULL, *token = NULL, *pub = NULL, *base = NULL;
	const char *mode = NULL, *name = NULL;
	int validate = 1, before = ce->errors;
	struct twilio *t;

	config_setting_lookup_string(s, "name", &name);
	if (!config_setting_lookup_string(s, "account_sid", &sid) ||
	    strncmp(sid, "AC", 2) != 0 || strlen(sid) != 34)
		conf_error(ce, s,
		    "twilio: 'account_sid' must be the 34-character AC... id");
	if (!config_setting_lookup_string(s, "auth_token", &token) ||
	    *token == '\0')
		conf_error(ce, s, "twilio: 'auth_token' is required");
	if (config_setting_lookup_string(s, "public_url", &pub) &&
	    !url_is_http(pub))
		conf_error(ce, config_setting_get_member(s, "public_url"),
		    "twilio: 'public_url' must be an http:// or https:// URL");
	if (config_setting_lookup_string(s, "base_url", &base) &&
	    !url_is_http(base))
		conf_error(ce, config_setting_get_member(s, "base_url"),
		    "twilio: 'base_url' must be an http:// or https:// URL");
	if (config_setting_get_member(s, "validate") != NULL &&
	    !config_setting_lookup_bool(s, "validate", &validate))
		conf_error(ce, config_setting_get_member(s, "validate"),
		    "twilio: 'validate' must be true or false");
	if (config_setting_lookup_string(s, "reply_mode", &mode) &&
	    strcmp(mode, "api") != 0 && strcmp(mode, "twiml") != 0)
		conf_error(ce, config_setting_get_member(s, "reply_mode"),
		    "twilio: 'reply_mode' is '%s', must be \"api\" or \"twiml\"",
		    mode);
	if (ce->errors > before)
		return -EINVAL;
	t = xcalloc(1, sizeof(*t));
	t->name = xstrdup(name != NULL ? name : "twilio");
	t->account_sid = xstrdup(sid);
	t->auth_token = xstrdup(token);
	t->public_url = pub != NULL ? url_base(pub) : NULL;
	t->base_url = xstrdup(base != NULL ? base : TWILIO_API);
	t->validate = validate;
	t->twiml = mode != NULL && strcmp(mode, "twiml") == 0;
	if (config_setting_lookup_string(s, "from", &name))
		t->number = xstrdup(name);
	*ret_state = t;
	return 0;
}

/* --- X-Twilio-Signature ------------------------------------------------ */

static int
cmp_field(const void *a, const void *b)
{
	const struct form_field *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c != 0 ? c : strcmp(x->value, y->value);
}

static char *
sign(const char *token, const char *url, struct form *params)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	unsigned char b64[64];
	struct buf data;

	buf_init(&data);
	buf_puts(&data, url);
	qsort(params->f, params->n, sizeof(params->f[0]), cmp_field);
	for (size_t i = 0; i < params->n; i++) {
		/* a repeated name with a repeated value counts once */
		if (i > 0 && cmp_field(&params->f[i], &params->f[i - 1]) == 0)
			continue;
		buf_puts(&data, params->f[i].name);
		buf_puts(&data, params->f[i].value);
	}
	HMAC(EVP_sha1(), token, (int)strlen(token),
	    (const unsigned char *)(data.data ? data.data : ""), data.len, mac,
	    &maclen);
	buf_free(&data);
	EVP_EncodeBlock(b64, mac, (int)maclen);
	return xstrdup((const char *)b64);
}

/* The URL with its port removed, or with the scheme's port added. */
static char *
url_port_variant(const char *url, bool with_port)
{
	const char *host = strstr(url, "://"), *end, *colon;
	bool https = strncmp(url, "https", 5) == 0;

	if (host == NULL)
		return xstrdup(url);
	host += 3;
	end = host + strcspn(host, "/?#");
	colon = memchr(host, ':', (size_t)(end - host));
	if (with_port)
		return colon != NULL ? xstrdup(url)
				     : xasprintf("%.*s:%s%s", (int)(end - url),
					   url, https ? "443" : "80", end);
	return colon != NULL ? xasprintf("%.*s%s", (int)(colon - url), url, end)
			     : xstrdup(url);
}

char *
twilio_signature(const char *token, const char *url, struct form *params)
{
	return sign(token, url, params);
}

bool
twilio_signature_ok(const char *token, const char *url, struct form *params,
    const char *given)
{
	bool ok = false;

	/* Twilio is inconsistent about ports; its libraries accept both */
	for (int v = 0; v < 2 && !ok; v++) {
		char *u = url_port_variant(url, v == 1);
		char *sig = sign(token, u, params);
		ok = strlen(sig) == strlen(given) &&
		    CRYPTO_memcmp(sig, given, strlen(sig)) == 0;
		free(sig);
		free(u);
	}
	return ok;
}

/* Checks the signature and the account; fills the body's fields. */
static int
verify(const struct twilio *t, const struct webreq *req, struct form *f,
    struct buf *err)
{
	const char *given = req->header(req, "X-Twilio-Signature");
	const char *acct;
	struct form params;
	char *url;
	bool ok;
	int rc;

	if ((rc = webreq_fields(req, f, err)) < 0)
		return rc;
	acct = form_get(f, "AccountSid");
	if (acct != NULL && strcmp(acct, t->account_sid) != 0) {
		buf_puts(err, "AccountSid is not this provider's account");
		return WEBHOOK_DENIED;
	}
	if (!t->validate)
		return 0;
	if (given == NULL) {
		buf_puts(err, "missing X-Twilio-Signature");
		return WEBHOOK_NOAUTH;
	}
	if (t->public_url != NULL) {
		url = xasprintf("%s%s", t->public_url, req->uri);
	} else {
		const char *host = req->header(req, "Host");
		url = xasprintf("http://%s%s", host != NULL ? host : "",
		    req->uri);
	}
	/* form POSTs sign their body's parameters; GETs only the URL */
	form_init(&params);
	rc = 0;
	if (strcmp(req->method, "POST") == 0 && req->body_len > 0)
		rc = form_parse_urlencoded(&params, req->body, req->body_len,
		    err);
	ok = rc == 0 && twilio_signature_ok(t->auth_token, url, &params, given);
	form_done(&params);
	free(url);
	if (!ok) {
		buf_reset(err);
		buf_puts(err, "X-Twilio-Signature does not match");
		return WEBHOOK_DENIED;
	}
	return 0;
}

static int
twilio_parse_inbound(void *state, const struct webreq *req, struct inbound *ret,
    struct buf *err)
{
	static const struct inbound_fields names = { "From", "To", "Body",
		"MessageSid" };
	struct form f;
	int rc;

	form_init(&f);
	if ((rc = verify(state, req, &f, err)) == 0)
		rc = inbound_fill(&f, &names, number_normalize, ret, err);
	form_done(&f);
	return rc;
}

static const struct dlr_map twilio_statuses[] = {
	{ "accepted", DLR_SENT },
	{ "scheduled", DLR_SENT },
	{ "queued", DLR_SENT },
	{ "sending", DLR_SENT },
	{ "sent", DLR_SENT },
	{ "delivered", DLR_DELIVERED },
	{ "read", DLR_DELIVERED },
	{ "undelivered", DLR_FAILED },
	{ "failed", DLR_FAILED },
	{ "canceled", DLR_FAILED },
};

static int
twilio_parse_dlr(void *state, const struct webreq *req, struct dlr *ret,
    struct buf *err)
{
	struct form f;
	const char *id, *status, *code;
	int rc, found = -1;

	form_init(&f);
	if ((rc = verify(state, req, &f, err)) < 0)
		goto out;
	id = form_get(&f, "MessageSid");
	status = form_get(&f, "MessageStatus");
	code = form_get(&f, "ErrorCode");
	rc = -EINVAL;
	if (id == NULL) {
		buf_puts(err, "missing field 'MessageSid'");
		goto out;
	}
	if (check_id("MessageSid", id, err) < 0)
		goto out;
	found =
	    dlr_map_find(twilio_statuses, ARRAY_LEN(twilio_statuses), status);
	if (found < 0) {
		buf_puts(err,
		    "field 'MessageStatus' is not a Twilio message status");
		goto out;
	}
	if (code != NULL && *code != '\0' &&
	    check_id("ErrorCode", code, err) < 0)
		goto out;
	ret->provider_id = xstrdup(id);
	ret->status = twilio_statuses[found].status;
	if (code != NULL && *code != '\0')
		ret->reason =
		    xasprintf("Twilio error %.16s (%s)", code, status);
	rc = 0;
out:
	form_done(&f);
	return rc;
}

static int
twilio_prepare(void *state, const struct outmsg *m, struct sendreq *ret)
{
	struct twilio *t = state;
	struct buf body;

	buf_init(&body);
	form_append(&body, "To", m->to);
	if (m->from != NULL && *m->from != '\0')
		form_append(&body, "From", m->from);
	form_append(&body, "Body", m->text);
	if (t->public_url != NULL) {
		char *cb = xasprintf("%s/dlr/%s", t->public_url, t->name);
		form_append(&body, "StatusCallback", cb);
		free(cb);
	}
	ret->url = xasprintf("%s/2010-04-01/Accounts/%s/Messages.json",
	    t->base_url, t->account_sid);
	ret->body = buf_steal(&body);
	ret->userpwd = xasprintf("%s:%s", t->account_sid, t->auth_token);
	ret->headers[ret->nheaders++] =
	    xstrdup("Content-Type: application/x-www-form-urlencoded");
	ret->headers[ret->nheaders++] = xstrdup("Accept: application/json");
	return 0;
}

static enum send_result
twilio_classify(void *state, long status, const char *body, size_t len,
    struct send_outcome *ret)
{
	json_t *o = json_loadb(body, len, 0, NULL);
	const char *sid = json_string_value(json_object_get(o, "sid"));
	const char *msg = json_string_value(json_object_get(o, "message"));
	const char *price = json_string_value(json_object_get(o, "price"));
	const char *unit = json_string_value(json_object_get(o, "price_unit"));
	long code = (long)json_integer_value(json_object_get(o, "code"));
	enum send_result res;

	if (status >= 200 && status < 300 && sid != NULL) {
		if (strlen(sid) <= MSG_ID_MAX)
			ret->provider_id = xstrdup(sid);
		if (price != NULL)
			ret->cost = xasprintf("%.16s %.8s", price,
			    unit != NULL ? unit : "");
		res = SEND_OK;
	} else if (status >= 200 && status < 300) {
		ret->reason = xstrdup("unreadable answer from Twilio");
		res = SEND_TEMPFAIL;
	} else {
		if (code != 0)
			ret->reason =
			    xasprintf("HTTP %ld, Twilio error %ld: %.120s",
				status, code, msg != NULL ? msg : "");
		else
			ret->reason = xasprintf("HTTP %ld", status);
		/* 20429 too many requests: never processed, safe to retry */
		res = status == 429 || code == 20429 || status >= 500
		    ? SEND_TEMPFAIL
		    : SEND_PERMFAIL;
	}
	json_decref(o);
	return res;
}

/*
 * Polling lists Messages.json newest first, from yesterday (UTC) on, page
 * by page; the cursor is the next page's URI while paging, then the day
 * to start from next time.  The overlap is deliberate: messages are
 * deduplicated by their sid.
 */
static char *
yesterday(void)
{
	time_t t = time(NULL) - 86400;
	struct tm tm;
	char d[16];

	gmtime_r(&t, &tm);
	strftime(d, sizeof(d), "%Y-%m-%d", &tm);
	return xstrdup(d);
}

static int
twilio_prepare_poll(void *state, const char *cursor, struct sendreq *ret)
{
	struct twilio *t = state;
	char *day = NULL, *to = NULL;

	ret->userpwd = xasprintf("%s:%s", t->account_sid, t->auth_token);
	ret->headers[ret->nheaders++] = xstrdup("Accept: application/json");
	if (cursor != NULL && cursor[0] == '/') {
		ret->url = xasprintf("%s%s", t->base_url, cursor);
		return 0;
	}
	day = cursor != NULL ? xstrdup(cursor) : yesterday();
	if (t->number != NULL)
		to = curl_easy_escape(NULL, t->number, 0);
	ret->url = xasprintf(
	    "%s/2010-04-01/Accounts/%s/Messages.json?%s%s%sDateSent%%3E=%s&PageSize=100",
	    t->base_url, t->account_sid, to != NULL ? "To=" : "",
	    to != NULL ? to : "", to != NULL ? "&" : "", day);
	curl_free(to);
	free(day);
	return 0;
}

static int
twilio_parse_poll(void *state, long status, const char *body, size_t len,
    struct inbound **ret, size_t *ret_n, char **ret_cursor, bool *ret_more,
    struct buf *err)
{
	json_t *o, *msgs, *m;
	const char *next;
	struct inbound *v;
	size_t n = 0, i;

	if (status != 200) {
		buf_printf(err, "HTTP %ld: %.120s", status, body);
		return -EINVAL;
	}
	o = json_loadb(body, len, 0, NULL);
	msgs = json_object_get(o, "messages");
	if (!json_is_array(msgs)) {
		buf_puts(err, "no 'messages' in the answer");
		json_decref(o);
		return -EINVAL;
	}
	v = xcalloc(json_array_size(msgs) + 1, sizeof(*v));
	json_array_foreach(msgs, i, m)
	{
		const char *dir =
		    json_string_value(json_object_get(m, "direction"));
		const char *from =
		    json_string_value(json_object_get(m, "from"));
		const char *to = json_string_value(json_object_get(m, "to"));
		const char *text =
		    json_string_value(json_object_get(m, "body"));
		const char *sid = json_string_value(json_object_get(m, "sid"));
		struct buf e;

		if (dir == NULL || strcmp(dir, "inbound") != 0)
			continue;
		buf_init(&e);
		if (check_number("from", from, &e) == 0 &&
		    check_text("body", text, &e) == 0 && sid != NULL &&
		    check_id("sid", sid, &e) == 0) {
			v[n].from = number_normalize(from);
			v[n].to = to != NULL && check_number("to", to, &e) == 0
			    ? number_normalize(to)
			    : NULL;
			v[n].text = xstrdup(text);
			v[n].id = xstrdup(sid);
			n++;
		}
		buf_free(&e);
	}
	next = json_string_value(json_object_get(o, "next_page_uri"));
	if (next != NULL && next[0] == '/' && strlen(next) < 2048) {
		*ret_cursor = xstrdup(next);
		*ret_more = true;
	} else {
		*ret_cursor = yesterday();
		*ret_more = false;
	}
	*ret = v;
	*ret_n = n;
	json_decref(o);
	return 0;
}

static bool
twilio_sync_reply(void *state)
{
	return ((struct twilio *)state)->twiml;
}

static void
twilio_format_reply(void *state, const char *reply, struct buf *body,
    const char **ret_type)
{
	buf_puts(body,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Message>");
	for (const char *c = reply; *c != '\0'; c++)
		switch (*c) {
		case '&':
			buf_puts(body, "&amp;");
			break;
		case '<':
			buf_puts(body, "&lt;");
			break;
		case '>':
			buf_puts(body, "&gt;");
			break;
		case '"':
			buf_puts(body, "&quot;");
			break;
		case '\'':
			buf_puts(body, "&apos;");
			break;
		default:
			buf_putc(body, *c);
		}
	buf_puts(body, "</Message></Response>\n");
	*ret_type = "text/xml";
}

static bool
twilio_authenticated(void *state)
{
	return ((struct twilio *)state)->validate;
}

const struct provider_type provider_twilio = {
	.name = "twilio",
	.abi = PROVIDER_ABI,
	.keys = twilio_keys,
	.ack_body =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>\n",
	.ack_type = "text/xml",
	.authenticated = twilio_authenticated,
	.configure = twilio_configure,
	.free_state = twilio_free,
	.parse_inbound = twilio_parse_inbound,
	.parse_dlr = twilio_parse_dlr,
	.prepare_send = twilio_prepare,
	.classify = twilio_classify,
	.sync_reply = twilio_sync_reply,
	.format_reply = twilio_format_reply,
	.prepare_poll = twilio_prepare_poll,
	.parse_poll = twilio_parse_poll,
};

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * provider_africastalking: Africa's Talking (../shared/protocols.md §2).
 *
 * Inbound: the SMS callback, a form with from, to, text, date, id, linkId,
 * networkCode.  Delivery reports: id (the messageId of the send), status,
 * failureReason.  AT does not sign its callbacks, so they are checked
 * against a secret token in the callback URL (`?token=...`, setting
 * `token`) and/or the sender's address (`allow`).
 * Outbound: POST {base_url}/version1/messaging, form-encoded, with the
 * `apiKey` header; the per-recipient statusCode says whether it was
 * accepted (100-102), worth retrying (405 no credit, 500, 501) or not.
 * base_url defaults to the live API, or the sandbox for username "sandbox".
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "provider_util.h"

#define AT_LIVE    "https://api.africastalking.com"
#define AT_SANDBOX "https://api.sandbox.africastalking.com"

struct at {
	char *username;
	char *api_key;
	char *base_url;
	char *token;
	char **allow;
};

static const char *const at_keys[] = { "username", "api_key", "base_url",
	"token", "allow", NULL };

static void
at_free(void *state)
{
	struct at *a = state;

	if (a == NULL)
		return;
	free(a->username);
	free(a->api_key);
	free(a->base_url);
	free(a->token);
	addr_list_free(a->allow);
	free(a);
}

static int
at_configure(const config_setting_t *s, struct conf_errors *ce,
    void **ret_state)
{
	const char *user = NULL, *key = NULL, *url = NULL, *token = NULL;
	const config_setting_t *t = config_setting_get_member(s, "token");
	int before = ce->errors;
	char **allow = NULL;
	struct at *a;

	if (!config_setting_lookup_string(s, "username", &user) ||
	    *user == '\0')
		conf_error(ce, s, "africastalking: 'username' is required");
	if (!config_setting_lookup_string(s, "api_key", &key) || *key == '\0')
		conf_error(ce, s, "africastalking: 'api_key' is required");
	if (config_setting_lookup_string(s, "base_url", &url) &&
	    strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		conf_error(ce, config_setting_get_member(s, "base_url"),
		    "africastalking: 'base_url' must be an http:// or https:// URL");
	if (t != NULL &&
	    (!config_setting_lookup_string(s, "token", &token) ||
		strlen(token) < 8))
		conf_error(ce, t,
		    "africastalking: 'token' must be 8 or more characters");
	conf_addr_list(s, "allow", ce, &allow);
	if (ce->errors > before) {
		addr_list_free(allow);
		return -EINVAL;
	}
	a = xcalloc(1, sizeof(*a));
	a->username = xstrdup(user);
	a->api_key = xstrdup(key);
	a->base_url = xstrdup(url != NULL      ? url
		: strcmp(user, "sandbox") == 0 ? AT_SANDBOX
					       : AT_LIVE);
	a->token = token != NULL ? xstrdup(token) : NULL;
	a->allow = allow;
	*ret_state = a;
	return 0;
}

static int
at_check_source(const struct at *a, const struct webreq *req, struct buf *err)
{
	if (!webhook_token_ok(req, a->token)) {
		buf_puts(err, "missing or wrong token in the callback URL");
		return WEBHOOK_DENIED;
	}
	if (!webhook_addr_ok(req, a->allow)) {
		buf_puts(err, "callback from an address not in 'allow'");
		return WEBHOOK_DENIED;
	}
	return 0;
}

static int
at_parse_inbound(void *state, const struct webreq *req, struct inbound *ret,
    struct buf *err)
{
	static const struct inbound_fields names = { "from", "to", "text",
		"id" };
	struct form f;
	int rc;

	if ((rc = at_check_source(state, req, err)) < 0)
		return rc;
	if ((rc = webreq_fields(req, &f, err)) < 0)
		return rc;
	rc = inbound_fill(&f, &names, number_normalize, ret, err);
	form_done(&f);
	return rc;
}

static int
at_parse_ussd(void *state, const struct webreq *req, struct ussd_req *ret,
    struct buf *err)
{
	int rc;

	if ((rc = at_check_source(state, req, err)) < 0)
		return rc;
	return ussd_fill(req, ret, err);
}

static const struct dlr_map at_dlr_statuses[] = {
	{ "Sent", DLR_SENT },
	{ "Submitted", DLR_SENT },
	{ "Buffered", DLR_SENT },
	{ "Success", DLR_DELIVERED },
	{ "Rejected", DLR_FAILED },
	{ "Failed", DLR_FAILED },
	{ "Expired", DLR_EXPIRED },
};

static int
at_parse_dlr(void *state, const struct webreq *req, struct dlr *ret,
    struct buf *err)
{
	struct form f;
	const char *id, *status, *reason;
	int rc, found = -1;

	if ((rc = at_check_source(state, req, err)) < 0)
		return rc;
	if ((rc = webreq_fields(req, &f, err)) < 0)
		return rc;
	id = form_get(&f, "id");
	status = form_get(&f, "status");
	reason = form_get(&f, "failureReason");
	rc = -EINVAL;
	if (id == NULL) {
		buf_puts(err, "missing field 'id'");
		goto out;
	}
	if (check_id("id", id, err) < 0)
		goto out;
	found =
	    dlr_map_find(at_dlr_statuses, ARRAY_LEN(at_dlr_statuses), status);
	if (found < 0) {
		buf_puts(err,
		    "field 'status' is not an Africa's Talking delivery status");
		goto out;
	}
	if (reason != NULL && *reason != '\0' &&
	    check_text("failureReason", reason, err) < 0)
		goto out;
	ret->provider_id = xstrdup(id);
	ret->status = at_dlr_statuses[found].status;
	ret->reason = reason != NULL && *reason != '\0'
	    ? xstrndup_utf8(reason, 200)
	    : NULL;
	rc = 0;
out:
	form_done(&f);
	return rc;
}

static int
at_prepare(void *state, const struct outmsg *m, struct sendreq *ret)
{
	struct at *a = state;
	struct buf body;

	buf_init(&body);
	form_append(&body, "username", a->username);
	form_append(&body, "to", m->to);
	form_append(&body, "message", m->text);
	if (m->from != NULL && *m->from != '\0')
		form_append(&body, "from", m->from);
	form_append(&body, "bulkSMSMode", "1");
	ret->url = xasprintf("%s/version1/messaging", a->base_url);
	ret->body = buf_steal(&body);
	ret->headers[ret->nheaders++] = xasprintf("apiKey: %s", a->api_key);
	ret->headers[ret->nheaders++] = xstrdup("Accept: application/json");
	ret->headers[ret->nheaders++] =
	    xstrdup("Content-Type: application/x-www-form-urlencoded");
	return 0;
}

static enum send_result
at_code_result(long code)
{
	switch (code) {
	case 100: /* Processed */
	case 101: /* Sent */
	case 102: /* Queued */
		return SEND_OK;
	case 405: /* InsufficientBalance: the operator tops up */
	case 500: /* InternalServerError */
	case 501: /* GatewayError */
		return SEND_TEMPFAIL;
	default: /* 401 RiskHold, 402..409, 502: not going to change */
		return SEND_PERMFAIL;
	}
}

static enum send_result
at_classify(void *state, long status, const char *body, size_t len,
    struct send_outcome *ret)
{
	json_t *o, *r;
	const char *st, *id, *cost;
	long code;
	enum send_result res;

	if (status < 200 || status > 299) {
		ret->reason = xasprintf("HTTP %ld: %.120s", status, body);
		return status == 408 || status == 429 || status >= 500
		    ? SEND_TEMPFAIL
		    : SEND_PERMFAIL;
	}
	o = json_loadb(body, len, 0, NULL);
	r = json_array_get(json_object_get(json_object_get(o, "SMSMessageData"),
			       "Recipients"),
	    0);
	if (!json_is_object(r)) {
		/* e.g. "Sent to 0/1" with no recipient: the text says why */
		json_t *msg =
		    json_object_get(json_object_get(o, "SMSMessageData"),
			"Message");

		/* msg is o's: read before o goes */
		res = json_is_string(msg) ? SEND_PERMFAIL : SEND_TEMPFAIL;
		ret->reason = json_is_string(msg)
		    ? xstrndup_utf8(json_string_value(msg), 200)
		    : xstrdup("unreadable answer from Africa's Talking");
		json_decref(o);
		return res;
	}
	code = (long)json_integer_value(json_object_get(r, "statusCode"));
	st = json_string_value(json_object_get(r, "status"));
	id = json_string_value(json_object_get(r, "messageId"));
	cost = json_string_value(json_object_get(r, "cost"));
	res = at_code_result(code);
	if (id != NULL && *id != '\0' && strcmp(id, "None") != 0 &&
	    strlen(id) <= MSG_ID_MAX)
		ret->provider_id = xstrdup(id);
	if (cost != NULL && *cost != '\0' && strcmp(cost, "0") != 0)
		ret->cost = xstrndup_utf8(cost, 32);
	if (res != SEND_OK)
		ret->reason = xasprintf("%ld %s", code, st != NULL ? st : "");
	json_decref(o);
	return res;
}

static int
at_prepare_poll(void *state, const char *cursor, struct sendreq *ret)
{
	struct at *a = state;
	char *user = curl_easy_escape(NULL, a->username, 0);
	char *last = curl_easy_escape(NULL, cursor != NULL ? cursor : "0", 0);

	ret->url =
	    xasprintf("%s/version1/messaging?username=%s&lastReceivedId=%s",
		a->base_url, user != NULL ? user : "",
		last != NULL ? last : "0");
	curl_free(user);
	curl_free(last);
	ret->headers[ret->nheaders++] = xasprintf("apiKey: %s", a->api_key);
	ret->headers[ret->nheaders++] = xstrdup("Accept: application/json");
	return 0;
}

/* AT's ids are numbers in some answers and strings in others. */
static char *
id_string(json_t *v)
{
	if (json_is_integer(v))
		return xasprintf("%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	return NULL;
}

static int
at_parse_poll(void *state, long status, const char *body, size_t len,
    struct inbound **ret, size_t *ret_n, char **ret_cursor, bool *ret_more,
    struct buf *err)
{
	json_t *o, *msgs, *m;
	struct inbound *v = NULL;
	size_t n = 0, i;
	int64_t best = -1;

	if (status != 200) {
		buf_printf(err, "HTTP %ld: %.120s", status, body);
		return -EINVAL;
	}
	o = json_loadb(body, len, 0, NULL);
	msgs =
	    json_object_get(json_object_get(o, "SMSMessageData"), "Messages");
	if (!json_is_array(msgs)) {
		buf_puts(err, "no SMSMessageData.Messages in the answer");
		json_decref(o);
		return -EINVAL;
	}
	v = xcalloc(json_array_size(msgs) + 1, sizeof(*v));
	json_array_foreach(msgs, i, m)
	{
		const char *from =
		    json_string_value(json_object_get(m, "from"));
		const char *to = json_string_value(json_object_get(m, "to"));
		const char *text =
		    json_string_value(json_object_get(m, "text"));
		char *id = id_string(json_object_get(m, "id"));
		int64_t num;
		struct buf e;

		buf_init(&e);
		if (id != NULL && parse_int64(id, 0, INT64_MAX, &num) == 0 &&
		    num > best)
			best = num;
		if (check_number("from", from, &e) < 0 ||
		    check_text("text", text, &e) < 0 || id == NULL ||
		    check_id("id", id, &e) < 0) {
			buf_free(&e);
			free(id);
			continue; /* skipped: the cursor still moves past it */
		}
		buf_free(&e);
		v[n].from = number_normalize(from);
		v[n].to =
		    to != NULL && *to != '\0' && check_number("to", to, &e) == 0
		    ? number_normalize(to)
		    : NULL;
		buf_free(&e);
		v[n].text = xstrdup(text);
		v[n].id = id;
		n++;
	}
	*ret_more = json_array_size(msgs) > 0;
	*ret_cursor = best >= 0 ? xasprintf("%lld", (long long)best) : NULL;
	*ret = v;
	*ret_n = n;
	json_decref(o);
	return 0;
}

static bool
at_authenticated(void *state)
{
	struct at *a = state;

	return a->token != NULL || (a->allow != NULL && a->allow[0] != NULL);
}

const struct provider_type provider_africastalking = {
	.name = "africastalking",
	.abi = PROVIDER_ABI,
	.keys = at_keys,
	.authenticated = at_authenticated,
	.configure = at_configure,
	.free_state = at_free,
	.parse_inbound = at_parse_inbound,
	.parse_ussd = at_parse_ussd,
	.parse_dlr = at_parse_dlr,
	.prepare_send = at_prepare,
	.classify = at_classify,
	.prepare_poll = at_prepare_poll,
	.parse_poll = at_parse_poll,
};

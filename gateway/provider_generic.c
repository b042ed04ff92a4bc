/* SPDX-License-Identifier: Apache-2.0 */
/*
 * provider_generic: a plain HTTP provider for integrators and tests.
 * Inbound: form or JSON with from, to, text, optional id (SPEC §3).
 * Delivery reports: id (ours, as sent) or provider_id, status
 * (sent/delivered/failed/expired), optional reason.
 * Outbound: a JSON POST of {"to","from","text","id"} to base_url; a 2xx
 * answer is accepted (its JSON "id", if any, is the provider's id), 429 and
 * 5xx are retried, other statuses are permanent failures.
 * With 'token' set, webhooks must carry it (header X-Baraza-Token, or
 * ?token=) and sends carry "Authorization: Bearer TOKEN".
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "provider_util.h"

struct generic {
	char *base_url;
	char *token;
};

static const char *const generic_keys[] = { "base_url", "token", NULL };

static int
generic_configure(const config_setting_t *s, struct conf_errors *ce,
    void **ret_state)
{
	struct generic *g;
	const char *url = NULL, *token = NULL;

	if (!config_setting_lookup_string(s, "base_url", &url) ||
	    (strncmp(url, "http://", 7) != 0 &&
		strncmp(url, "https://", 8) != 0)) {
		conf_error(ce,
		    config_setting_get_member(s, "base_url")
			? config_setting_get_member(s, "base_url")
			: s,
		    "generic: 'base_url' must be an http:// or https:// URL");
		return -EINVAL;
	}
	if (config_setting_get_member(s, "token") != NULL &&
	    (!config_setting_lookup_string(s, "token", &token) ||
		strlen(token) < 8)) {
		conf_error(ce, config_setting_get_member(s, "token"),
		    "generic: 'token' must be a string of 8 or more characters");
		return -EINVAL;
	}
	g = xcalloc(1, sizeof(*g));
	g->base_url = xstrdup(url);
	g->token = token != NULL ? xstrdup(token) : NULL;
	*ret_state = g;
	return 0;
}

static void
generic_free(void *state)
{
	struct generic *g = state;

	if (g == NULL)
		return;
	free(g->base_url);
	free(g->token);
	free(g);
}

static int
generic_parse_inbound(void *state, const struct webreq *req,
    struct inbound *ret, struct buf *err)
{
	if (!webhook_token_ok(req, ((struct generic *)state)->token)) {
		buf_puts(err, "missing or wrong token");
		return WEBHOOK_DENIED;
	}
	return generic_inbound(req, ret, err);
}

static int
generic_parse_ussd(void *state, const struct webreq *req, struct ussd_req *ret,
    struct buf *err)
{
	if (!webhook_token_ok(req, ((struct generic *)state)->token)) {
		buf_puts(err, "missing or wrong token");
		return WEBHOOK_DENIED;
	}
	return ussd_fill(req, ret, err);
}

static int
generic_parse_dlr(void *state, const struct webreq *req, struct dlr *ret,
    struct buf *err)
{
	static const char *const names[] = { "sent", "delivered", "failed",
		"expired" };
	struct form f;
	const char *id, *pid, *status, *reason;
	int64_t our = 0;
	int rc, found = -1;

	if (!webhook_token_ok(req, ((struct generic *)state)->token)) {
		buf_puts(err, "missing or wrong token");
		return WEBHOOK_DENIED;
	}
	if ((rc = webreq_fields(req, &f, err)) < 0)
		return rc;
	id = form_get(&f, "id");
	pid = form_get(&f, "provider_id");
	status = form_get(&f, "status");
	reason = form_get(&f, "reason");
	rc = -EINVAL;
	if (id == NULL && pid == NULL) {
		buf_puts(err, "missing field 'id' (or 'provider_id')");
		goto out;
	}
	if (id != NULL && parse_int64(id, 1, INT64_MAX, &our) < 0) {
		buf_puts(err, "field 'id' must be the message id baraza sent");
		goto out;
	}
	if (check_id("provider_id", pid, err) < 0)
		goto out;
	for (int i = 0; status != NULL && i < 4; i++)
		if (strcmp(status, names[i]) == 0)
			found = i;
	if (found < 0) {
		buf_puts(err,
		    "field 'status' must be sent, delivered, failed or expired");
		goto out;
	}
	if (reason != NULL && check_text("reason", reason, err) < 0)
		goto out;
	ret->our_id = our;
	ret->provider_id = pid != NULL ? xstrdup(pid) : NULL;
	ret->status = (enum dlr_status)found;
	ret->reason = reason != NULL ? xstrndup_utf8(reason, 200) : NULL;
	rc = 0;
out:
	form_done(&f);
	return rc;
}

static int
generic_prepare(void *state, const struct outmsg *m, struct sendreq *ret)
{
	struct generic *g = state;
	json_t *o = json_object();
	char id[32];

	snprintf(id, sizeof(id), "%lld", (long long)m->id);
	json_object_set_new(o, "to", json_string(m->to));
	json_object_set_new(o, "from",
	    m->from ? json_string(m->from) : json_null());
	json_object_set_new(o, "text", json_string(m->text));
	json_object_set_new(o, "id", json_string(id));
	ret->url = xstrdup(g->base_url);
	ret->body = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (ret->body == NULL)
		return -ENOMEM;
	ret->headers[ret->nheaders++] =
	    xstrdup("Content-Type: application/json");
	if (g->token != NULL)
		ret->headers[ret->nheaders++] =
		    xasprintf("Authorization: Bearer %s", g->token);
	return 0;
}

static enum send_result
generic_classify(void *state, long status, const char *body, size_t len,
    struct send_outcome *ret)
{
	if (status >= 200 && status < 300) {
		json_t *o = json_loadb(body, len, 0, NULL);
		json_t *id = o ? json_object_get(o, "id") : NULL;
		if (json_is_string(id) && json_string_length(id) <= MSG_ID_MAX)
			ret->provider_id = xstrdup(json_string_value(id));
		json_decref(o);
		return SEND_OK;
	}
	ret->reason = xasprintf("HTTP %ld", status);
	if (status == 429 || status == 408 || status >= 500)
		return SEND_TEMPFAIL;
	return SEND_PERMFAIL;
}

static bool
generic_authenticated(void *state)
{
	return ((struct generic *)state)->token != NULL;
}

const struct provider_type provider_generic = {
	.name = "generic",
	.abi = PROVIDER_ABI,
	.keys = generic_keys,
	.authenticated = generic_authenticated,
	.configure = generic_configure,
	.free_state = generic_free,
	.parse_inbound = generic_parse_inbound,
	.parse_ussd = generic_parse_ussd,
	.parse_dlr = generic_parse_dlr,
	.prepare_send = generic_prepare,
	.classify = generic_classify,
};

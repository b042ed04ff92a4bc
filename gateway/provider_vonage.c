/* SPDX-License-Identifier: Apache-2.0 */
/*
 * provider_vonage: Vonage (Nexmo) SMS API (../shared/protocols.md §4).
 *
 * Inbound: GET, form POST or JSON with msisdn, to, messageId, text, type,
 * and for the parts of a long message concat-ref/-total/-part (joined by
 * the writer before routing).  Numbers come without '+': it is added.
 * Callbacks are verified with the signature secret when one is set
 * (`signature_method` md5hash, md5, sha1, sha256 or sha512, as the
 * dashboard says); otherwise their api-key must be ours.
 * Delivery reports: client-ref (our id, set on every part of a long
 * message) or messageId, status, err-code.
 * Outbound: POST {base_url}/sms/json with api_key/api_secret, type=unicode
 * for UCS-2 texts, client-ref = our id, callback = public_url/dlr/NAME.
 * Per-message status 1 (throttled), 5 (internal error) and 9 (no credit)
 * are retried; the others are permanent.  A long text is answered with
 * one element per part: the first refused part decides, the prices are
 * added up, and each part's message-id is kept for its own report.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "provider_util.h"
#include "provider_vonage.h"
#include "text.h"

#define VONAGE_API "https://rest.nexmo.com"

struct vonage {
	char *name;
	char *api_key;
	char *api_secret;
	char *signature_secret;
	char *signature_method;
	char *base_url;
	char *public_url;
};

static const char *const vonage_keys[] = { "api_key", "api_secret",
	"signature_secret", "signature_method", "base_url", "public_url",
	NULL };
static const char *const methods[] = { "md5hash", "md5", "sha1", "sha256",
	"sha512", NULL };

static void
vonage_free(void *state)
{
	struct vonage *v = state;

	if (v == NULL)
		return;
	free(v->name);
	free(v->api_key);
	free(v->api_secret);
	free(v->signature_secret);
	free(v->signature_method);
	free(v->base_url);
	free(v->public_url);
	free(v);
}

static int
vonage_configure(const config_setting_t *s, struct conf_errors *ce,
    void **ret_state)
{
	const char *name = NULL, *key = NULL, *secret = NULL, *sig = NULL;
	const char *method = "md5hash", *base = NULL, *pub = NULL;
	int before = ce->errors, known = 0;
	struct vonage *v;

	config_setting_lookup_string(s, "name", &name);
	if (!config_setting_lookup_string(s, "api_key", &key) || *key == '\0')
		conf_error(ce, s, "vonage: 'api_key' is required");
	if (!config_setting_lookup_string(s, "api_secret", &secret) ||
	    *secret == '\0')
		conf_error(ce, s, "vonage: 'api_secret' is required");
	config_setting_lookup_string(s, "signature_secret", &sig);
	config_setting_lookup_string(s, "signature_method", &method);
	for (const char *const *m = methods; *m != NULL; m++)
		known |= strcmp(*m, method) == 0;
	if (!known)
		conf_error(ce, config_setting_get_member(s, "signature_method"),
		    "vonage: 'signature_method' must be md5hash, md5, sha1, sha256 or sha512");
	if (config_setting_lookup_string(s, "base_url", &base) &&
	    !url_is_http(base))
		conf_error(ce, config_setting_get_member(s, "base_url"),
		    "vonage: 'base_url' must be an http:// or https:// URL");
	if (config_setting_lookup_string(s, "public_url", &pub) &&
	    !url_is_http(pub))
		conf_error(ce, config_setting_get_member(s, "public_url"),
		    "vonage: 'public_url' must be an http:// or https:// URL");
	if (ce->errors > before)
		return -EINVAL;
	v = xcalloc(1, sizeof(*v));
	v->name = xstrdup(name != NULL ? name : "vonage");
	v->api_key = xstrdup(key);
	v->api_secret = xstrdup(secret);
	v->signature_secret = sig != NULL ? xstrdup(sig) : NULL;
	v->signature_method = xstrdup(method);
	v->base_url = xstrdup(base != NULL ? base : VONAGE_API);
	v->public_url = pub != NULL ? url_base(pub) : NULL;
	*ret_state = v;
	return 0;
}

/* --- signatures -------------------------------------------------------- */

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct form_field *)a)->name,
	    ((const struct form_field *)b)->name);
}

static void
hex(const unsigned char *p, unsigned n, char *out)
{
	for (unsigned i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", p[i]);
}

char *
vonage_signature(const char *secret, const char *method, struct form *params)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char out[2 * EVP_MAX_MD_SIZE + 1];
	const EVP_MD *alg;
	struct buf data;

	qsort(params->f, params->n, sizeof(params->f[0]), cmp_name);
	buf_init(&data);
	for (size_t i = 0; i < params->n; i++) {
		if (strcmp(params->f[i].name, "sig") == 0)
			continue;
		buf_printf(&data, "&%s=", params->f[i].name);
		for (const char *c = params->f[i].value; *c != '\0'; c++)
			buf_putc(&data, *c == '&' || *c == '=' ? '_' : *c);
	}
	if (strcmp(method, "md5hash") == 0) {
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();
		EVP_DigestInit_ex(ctx, EVP_md5(), NULL);
		EVP_DigestUpdate(ctx, data.data ? data.data : "", data.len);
		EVP_DigestUpdate(ctx, secret, strlen(secret));
		EVP_DigestFinal_ex(ctx, md, &mdlen);
		EVP_MD_CTX_free(ctx);
	} else {
		alg = strcmp(method, "md5") == 0    ? EVP_md5()
		    : strcmp(method, "sha1") == 0   ? EVP_sha1()
		    : strcmp(method, "sha256") == 0 ? EVP_sha256()
						    : EVP_sha512();
		HMAC(alg, secret, (int)strlen(secret),
		    (const unsigned char *)(data.data ? data.data : ""),
		    data.len, md, &mdlen);
	}
	buf_free(&data);
	hex(md, mdlen, out);
	return xstrdup(out);
}

static int
verify(const struct vonage *v, struct form *f, struct buf *err)
{
	const char *sig = form_get(f, "sig"), *key = form_get(f, "api-key");
	char *want;
	bool ok;

	if (v->signature_secret == NULL) {
		if (key != NULL && strcmp(key, v->api_key) != 0) {
			buf_puts(err, "api-key is not this provider's");
			return WEBHOOK_DENIED;
		}
		return 0;
	}
	if (sig == NULL) {
		buf_puts(err, "missing sig (signed webhooks are configured)");
		return WEBHOOK_NOAUTH;
	}
	want = vonage_signature(v->signature_secret, v->signature_method, f);
	ok = strlen(want) == strlen(sig) && strcasecmp(want, sig) == 0;
	free(want);
	if (!ok) {
		buf_puts(err, "sig does not match");
		return WEBHOOK_DENIED;
	}
	return 0;
}

/* "254711000002" -> "+254711000002"; other forms as they are. */
static char *
e164(const char *n)
{
	size_t len = strlen(n);

	if (len >= 7 && len <= 15 && strspn(n, "0123456789") == len)
		return xasprintf("+%s", n);
	return number_normalize(n);
}

static int
vonage_parse_inbound(void *state, const struct webreq *req, struct inbound *ret,
    struct buf *err)
{
	static const struct inbound_fields names = { "msisdn", "to", "text",
		"messageId" };
	struct form f;
	const char *type, *ref, *total, *part;
	int64_t t = 0, p = 0;
	int rc;

	if ((rc = webreq_fields(req, &f, err)) < 0)
		return rc;
	if ((rc = verify(state, &f, err)) < 0)
		goto out;
	type = form_get(&f, "type");
	ref = form_get(&f, "concat-ref");
	total = form_get(&f, "concat-total");
	part = form_get(&f, "concat-part");
	if (type != NULL && strcmp(type, "binary") == 0) {
		buf_puts(err, "binary messages are not taken");
		rc = -EINVAL;
		goto out;
	}
	if (ref != NULL || total != NULL || part != NULL) {
		if (check_id("concat-ref", ref, err) < 0 || ref == NULL ||
		    total == NULL || part == NULL ||
		    parse_int64(total, 1, CONCAT_MAX_PARTS, &t) < 0 ||
		    parse_int64(part, 1, t, &p) < 0) {
			buf_reset(err);
			buf_printf(err,
			    "concat-ref, concat-total (1..%d) and concat-part (1..total) must come together",
			    CONCAT_MAX_PARTS);
			rc = -EINVAL;
			goto out;
		}
	}
	if ((rc = inbound_fill(&f, &names, e164, ret, err)) < 0)
		goto out;
	if (t > 1) {
		ret->concat_ref = xstrdup(ref);
		ret->concat_total = (int)t;
		ret->concat_part = (int)p;
	}
out:
	form_done(&f);
	return rc;
}

static const struct dlr_map vonage_statuses[] = {
	{ "accepted", DLR_SENT },
	{ "buffered", DLR_SENT },
	{ "unknown", DLR_SENT },
	{ "delivered", DLR_DELIVERED },
	{ "expired", DLR_EXPIRED },
	{ "failed", DLR_FAILED },
	{ "rejected", DLR_FAILED },
};

static int
vonage_parse_dlr(void *state, const struct webreq *req, struct dlr *ret,
    struct buf *err)
{
	struct form f;
	const char *id, *status, *code, *ref;
	int64_t our;
	int rc, found = -1;

	if ((rc = webreq_fields(req, &f, err)) < 0)
		return rc;
	if ((rc = verify(state, &f, err)) < 0)
		goto out;
	id = form_get(&f, "messageId");
	status = form_get(&f, "status");
	code = form_get(&f, "err-code");
	rc = -EINVAL;
	if (id == NULL || check_id("messageId", id, err) < 0) {
		if (id == NULL)
			buf_puts(err, "missing field 'messageId'");
		goto out;
	}
	found =
	    dlr_map_find(vonage_statuses, ARRAY_LEN(vonage_statuses), status);
	if (found < 0) {
		buf_puts(err, "field 'status' is not a Vonage delivery status");
		goto out;
	}
	ret->provider_id = xstrdup(id);
	/* client-ref is our id, echoed for every part of a long message
	 * (each part has its own messageId) */
	if ((ref = form_get(&f, "client-ref")) != NULL &&
	    parse_int64(ref, 1, INT64_MAX, &our) == 0)
		ret->our_id = our;
	ret->status = vonage_statuses[found].status;
	if (code != NULL && strcmp(code, "0") != 0 &&
	    check_id("err-code", code, err) == 0)
		ret->reason = xasprintf("err-code %s (%s)", code, status);
	rc = 0;
out:
	form_done(&f);
	return rc;
}

static int
vonage_prepare(void *state, const struct outmsg *m, struct sendreq *ret)
{
	struct vonage *v = state;
	struct sms_info info;
	struct buf body;
	char ref[32];

	sms_measure(m->text, &info);
	snprintf(ref, sizeof(ref), "%lld", (long long)m->id);
	buf_init(&body);
	form_append(&body, "api_key", v->api_key);
	form_append(&body, "api_secret", v->api_secret);
	if (m->from != NULL && *m->from != '\0')
		form_append(&body, "from",
		    m->from[0] == '+' ? m->from + 1 : m->from);
	form_append(&body, "to", m->to[0] == '+' ? m->to + 1 : m->to);
	form_append(&body, "text", m->text);
	if (info.encoding == SMS_UCS2)
		form_append(&body, "type", "unicode");
	form_append(&body, "client-ref", ref);
	if (v->public_url != NULL) {
		char *cb = xasprintf("%s/dlr/%s", v->public_url, v->name);
		form_append(&body, "callback", cb);
		form_append(&body, "status-report-req", "1");
		free(cb);
	}
	ret->url = xasprintf("%s/sms/json", v->base_url);
	ret->body = buf_steal(&body);
	ret->headers[ret->nheaders++] =
	    xstrdup("Content-Type: application/x-www-form-urlencoded");
	return 0;
}

/* The ids and the summed price of a long message's parts, all accepted;
 * an id missing or too long leaves the parts untracked, a price missing
 * the cost unknown. */
static void
accepted_parts(json_t *msgs, struct send_outcome *ret)
{
	size_t n = json_array_size(msgs);
	char **ids = xcalloc(n, sizeof(char *));
	bool priced = true, named = true;
	double sum = 0;

	for (size_t i = 0; i < n; i++) {
		json_t *m = json_array_get(msgs, i);
		const char *id =
		    json_string_value(json_object_get(m, "message-id"));
		const char *price =
		    json_string_value(json_object_get(m, "message-price"));
		char *end;
		double v = price != NULL ? strtod(price, &end) : 0;

		if (price == NULL || end == price || *end != '\0' || v < 0)
			priced = false;
		sum += v;
		if (id == NULL || strlen(id) > MSG_ID_MAX)
			named = false;
		else
			ids[i] = xstrdup(id);
	}
	if (named) {
		ret->part_ids = ids;
		ret->nparts = n;
	} else {
		for (size_t i = 0; i < n; i++)
			free(ids[i]);
		free(ids);
	}
	if (priced)
		ret->cost = xasprintf("EUR %.8f", sum);
}

static enum send_result
vonage_classify(void *state, long status, const char *body, size_t len,
    struct send_outcome *ret)
{
	json_t *o, *msgs, *msg = NULL;
	const char *st = NULL, *id, *price, *text;
	enum send_result res;
	size_t n, i;

	if (status < 200 || status > 299) {
		ret->reason = xasprintf("HTTP %ld", status);
		return status == 429 || status == 408 || status >= 500
		    ? SEND_TEMPFAIL
		    : SEND_PERMFAIL;
	}
	o = json_loadb(body, len, 0, NULL);
	msgs = json_object_get(o, "messages");
	n = json_array_size(msgs);
	/* the first part that is not accepted, else the first */
	for (i = 0; i < n; i++) {
		msg = json_array_get(msgs, i);
		st = json_string_value(json_object_get(msg, "status"));
		if (st == NULL || strcmp(st, "0") != 0)
			break;
	}
	if (i == n && n > 0) {
		msg = json_array_get(msgs, 0);
		st = "0";
	}
	if (st == NULL) {
		ret->reason = xstrdup("unreadable answer from Vonage");
		json_decref(o);
		return SEND_TEMPFAIL;
	}
	id = json_string_value(json_object_get(msg, "message-id"));
	price = json_string_value(json_object_get(msg, "message-price"));
	text = json_string_value(json_object_get(msg, "error-text"));
	if (strcmp(st, "0") == 0) {
		if (id != NULL && strlen(id) <= MSG_ID_MAX)
			ret->provider_id = xstrdup(id);
		if (n > 1 && ret->provider_id != NULL)
			accepted_parts(msgs, ret);
		else if (price != NULL)
			ret->cost = xasprintf("EUR %.16s", price);
		res = SEND_OK;
	} else {
		ret->reason = n > 1
		    ? xasprintf("part %zu of %zu: status %.8s: %.120s", i + 1,
			  n, st, text != NULL ? text : "")
		    : xasprintf("status %.8s: %.120s", st,
			  text != NULL ? text : "");
		/* 1 throttled, 5 internal error, 9 out of credit */
		res = strcmp(st, "1") == 0 || strcmp(st, "5") == 0 ||
			strcmp(st, "9") == 0
		    ? SEND_TEMPFAIL
		    : SEND_PERMFAIL;
	}
	json_decref(o);
	return res;
}

/* An api-key in the webhook is no secret: only a signature counts. */
static bool
vonage_authenticated(void *state)
{
	return ((struct vonage *)state)->signature_secret != NULL;
}

const struct provider_type provider_vonage = {
	.name = "vonage",
	.abi = PROVIDER_ABI,
	.keys = vonage_keys,
	.ack_body = "",
	.ack_type = "text/plain",
	.authenticated = vonage_authenticated,
	.configure = vonage_configure,
	.free_state = vonage_free,
	.parse_inbound = vonage_parse_inbound,
	.parse_dlr = vonage_parse_dlr,
	.prepare_send = vonage_prepare,
	.classify = vonage_classify,
};

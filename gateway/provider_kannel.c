/* SPDX-License-Identifier: Apache-2.0 */
/*
 * provider_kannel: Kannel's smsbox (../shared/protocols.md §3).
 *
 * Inbound: an sms-service `get-url` with from=%p&to=%P&text=%b&id=%I
 * &coding=%c&charset=%C (the README has the group to paste), or a
 * `post-url` (the text is the body; X-Kannel-From/-To headers; id in the
 * URL).  %b is the text as the SMSC delivered it: UTF-16BE for UCS-2
 * (charset=UTF-16BE, unless Kannel recodes it), Windows-1252 or Latin-1
 * when Kannel says so, UTF-8 otherwise; all become UTF-8 here.
 * Outbound: GET sendsms with username, password, from, to, text (UTF-8,
 * charset=UTF-8, coding=2 when the text is not GSM-7), dlr-mask and a
 * dlr-url back to /dlr/NAME carrying our message id, since Kannel's %I in a
 * report is a new id.  202 accepts; 503 is retried; other 4xx are not.
 * Delivery reports: id (ours), status (%d: 1 delivered, 2/16 failed,
 * 4/8/32 on the way), reason (%A, the SMSC's words).
 * Authentication of Kannel's calls: `token` in the get-url/dlr-url.
 * With `reply_in_response`, the reply is the get-url's answer instead
 * (the sms-service then needs max-messages >= 1).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "provider_util.h"
#include "text.h"

struct kannel {
	char *name;
	char *username;
	char *password;
	char *sendsms_url;
	char *public_url; /* where Kannel reaches baraza, for dlr-url */
	char *token;
	char *smsc;
	int dlr_mask;
	bool reply_in_response; /* the reply is the get-url's answer */
};

static const char *const kannel_keys[] = { "username", "password",
	"sendsms_url", "public_url", "token", "smsc", "dlr_mask",
	"reply_in_response", NULL };

static void
kannel_free(void *state)
{
	struct kannel *k = state;

	if (k == NULL)
		return;
	free(k->name);
	free(k->username);
	free(k->password);
	free(k->sendsms_url);
	free(k->public_url);
	free(k->token);
	free(k->smsc);
	free(k);
}

static int
kannel_configure(const config_setting_t *s, struct conf_errors *ce,
    void **ret_state)
{
	const char *name = NULL, *user = NULL, *pass = NULL, *url = NULL;
	const char *pub = NULL, *token = NULL, *smsc = NULL;
	int mask = 31, before = ce->errors, inresp = 0;
	struct kannel *k;

	config_setting_lookup_string(s, "name", &name);
	if (!config_setting_lookup_string(s, "username", &user) ||
	    *user == '\0')
		conf_error(ce, s,
		    "kannel: 'username' (a sendsms-user) is required");
	if (!config_setting_lookup_string(s, "password", &pass))
		conf_error(ce, s, "kannel: 'password' is required");
	if (!config_setting_lookup_string(s, "sendsms_url", &url) ||
	    !url_is_http(url))
		conf_error(ce, s,
		    "kannel: 'sendsms_url' must be the smsbox's http://HOST:PORT/cgi-bin/sendsms");
	if (config_setting_lookup_string(s, "public_url", &pub) &&
	    !url_is_http(pub))
		conf_error(ce, config_setting_get_member(s, "public_url"),
		    "kannel: 'public_url' must be an http:// or https:// URL");
	if (config_setting_get_member(s, "token") != NULL &&
	    (!config_setting_lookup_string(s, "token", &token) ||
		strlen(token) < 8))
		conf_error(ce, config_setting_get_member(s, "token"),
		    "kannel: 'token' must be 8 or more characters");
	config_setting_lookup_string(s, "smsc", &smsc);
	if (config_setting_get_member(s, "dlr_mask") != NULL &&
	    (!config_setting_lookup_int(s, "dlr_mask", &mask) || mask < 0 ||
		mask > 63))
		conf_error(ce, config_setting_get_member(s, "dlr_mask"),
		    "kannel: 'dlr_mask' must be 0..63 (0: no delivery reports)");
	if (config_setting_get_member(s, "reply_in_response") != NULL &&
	    !config_setting_lookup_bool(s, "reply_in_response", &inresp))
		conf_error(ce,
		    config_setting_get_member(s, "reply_in_response"),
		    "kannel: 'reply_in_response' must be true or false");
	if (ce->errors > before)
		return -EINVAL;
	k = xcalloc(1, sizeof(*k));
	k->reply_in_response = inresp;
	k->name = xstrdup(name != NULL ? name : "kannel");
	k->username = xstrdup(user);
	k->password = xstrdup(pass);
	k->sendsms_url = xstrdup(url);
	k->public_url = pub != NULL ? url_base(pub) : NULL;
	k->token = token != NULL ? xstrdup(token) : NULL;
	k->smsc = smsc != NULL ? xstrdup(smsc) : NULL;
	k->dlr_mask = pub != NULL ? mask : 0; /* reports need an address */
	*ret_state = k;
	return 0;
}

/* The text in UTF-8, from bytes in the charset Kannel names. */
static int
to_utf8(const struct buf *raw, const char *charset, const char *coding,
    struct buf *out, struct buf *err)
{
	const unsigned char *p =
	    (const unsigned char *)(raw->data ? raw->data : "");
	int rc;

	if ((charset != NULL &&
		(strcasecmp(charset, "UTF-16BE") == 0 ||
		    strcasecmp(charset, "UCS-2") == 0 ||
		    strcasecmp(charset, "UCS-2BE") == 0)) ||
	    (charset == NULL && coding != NULL && strcmp(coding, "2") == 0))
		rc = utf16be_to_utf8(p, raw->len, out);
	else if (charset != NULL &&
	    (strcasecmp(charset, "WINDOWS-1252") == 0 ||
		strcasecmp(charset, "ISO-8859-1") == 0 ||
		strcasecmp(charset, "LATIN1") == 0))
		rc = latin1_to_utf8(p, raw->len, out);
	else if (memchr(p, '\0', raw->len) != NULL ||
	    !utf8_valid((const char *)p, raw->len))
		rc = -EINVAL;
	else {
		buf_append(out, p, raw->len);
		rc = 0;
	}
	if (rc < 0)
		buf_printf(err, "text is not valid %s",
		    charset != NULL ? charset : "UTF-8");
	return rc;
}

static const char *
query_of(const struct webreq *req, size_t *ret_len)
{
	const char *q = req->uri != NULL ? strchr(req->uri, '?') : NULL;

	*ret_len = q != NULL ? strlen(q + 1) : 0;
	return q != NULL ? q + 1 : "";
}

static int
kannel_parse_inbound(void *state, const struct webreq *req, struct inbound *ret,
    struct buf *err)
{
	struct kannel *k = state;
	struct form f;
	struct buf raw, text;
	const char *from, *to, *id, *charset, *coding, *q;
	char csbuf[32];
	size_t qlen;
	int rc;

	if (!webhook_token_ok(req, k->token)) {
		buf_puts(err, "missing or wrong token in the get-url");
		return WEBHOOK_DENIED;
	}
	form_init(&f);
	buf_init(&raw);
	buf_init(&text);
	q = query_of(req, &qlen);
	for (size_t i = 0; i < req->nquery; i++)
		if (strcmp(req->query[i].key, "text") != 0)
			form_add(&f, req->query[i].key, req->query[i].value);
	from = form_get(&f, "from");
	to = form_get(&f, "to");
	id = form_get(&f, "id");
	charset = form_get(&f, "charset");
	coding = form_get(&f, "coding");
	if (strcmp(req->method, "POST") == 0 &&
	    form_raw_value(q, qlen, "text", &raw) == -ENOENT) {
		/* post-url: the body is the text, metadata in headers */
		buf_append(&raw, req->body, req->body_len);
		if (from == NULL)
			from = req->header(req, "X-Kannel-From");
		if (to == NULL)
			to = req->header(req, "X-Kannel-To");
		if (coding == NULL)
			coding = req->header(req, "X-Kannel-Coding");
		if (charset == NULL && req->content_type != NULL &&
		    (charset = strcasestr(req->content_type, "charset=")) !=
			NULL) {
			/* text/plain; charset="UTF-16BE" */
			charset += 8;
			charset += *charset == '"';
			strlcpy_(csbuf, charset, sizeof(csbuf));
			csbuf[strcspn(csbuf, "\"; ")] = '\0';
			charset = csbuf;
		}
	} else if ((rc = form_raw_value(q, qlen, "text", &raw)) < 0) {
		buf_puts(err,
		    rc == -ENOENT ? "missing field 'text'"
				  : "malformed field 'text'");
		rc = -EINVAL;
		goto out;
	}
	if ((rc = check_number("from", from, err)) < 0 ||
	    (rc = check_id("id", id, err)) < 0 ||
	    (to != NULL && *to != '\0' &&
		(rc = check_number("to", to, err)) < 0))
		goto out;
	if ((rc = to_utf8(&raw, charset, coding, &text, err)) < 0 ||
	    (rc = check_text("text", text.data ? text.data : "", err)) < 0)
		goto out;
	ret->from = number_normalize(from);
	ret->to = to != NULL && *to != '\0' ? number_normalize(to) : NULL;
	ret->text = buf_steal(&text);
	ret->id = id != NULL ? xstrdup(id) : NULL;
out:
	buf_free(&raw);
	buf_free(&text);
	form_done(&f);
	return rc;
}

static int
kannel_parse_dlr(void *state, const struct webreq *req, struct dlr *ret,
    struct buf *err)
{
	struct kannel *k = state;
	struct form f;
	const char *id, *status, *reason;
	int64_t our, st;
	int rc;

	if (!webhook_token_ok(req, k->token)) {
		buf_puts(err, "missing or wrong token in the dlr-url");
		return WEBHOOK_DENIED;
	}
	if ((rc = webreq_fields(req, &f, err)) < 0)
		return rc;
	id = form_get(&f, "id");
	status = form_get(&f, "status");
	reason = form_get(&f, "reason");
	rc = -EINVAL;
	if (id == NULL || parse_int64(id, 1, INT64_MAX, &our) < 0) {
		buf_puts(err,
		    "field 'id' must be the message id baraza put in the dlr-url");
		goto out;
	}
	if (status == NULL || parse_int64(status, 0, 255, &st) < 0) {
		buf_puts(err, "field 'status' must be Kannel's %d value");
		goto out;
	}
	ret->our_id = our;
	if (st & 1)
		ret->status = DLR_DELIVERED;
	else if (st & (2 | 16))
		ret->status = DLR_FAILED;
	else
		ret->status = DLR_SENT; /* 4 buffered, 8 smsc ack, 32 notice */
	if (reason != NULL && *reason != '\0' &&
	    utf8_valid(reason, strlen(reason)))
		ret->reason = xstrndup_utf8(reason, 200);
	rc = 0;
out:
	form_done(&f);
	return rc;
}

static void
add_field(struct buf *b, const char *name, const char *value)
{
	char *e = curl_easy_escape(NULL, value, 0);

	buf_printf(b, "%c%s=%s",
	    strchr(b->data ? b->data : "", '?') ? '&' : '?', name,
	    e != NULL ? e : "");
	curl_free(e);
}

static int
kannel_prepare(void *state, const struct outmsg *m, struct sendreq *ret)
{
	struct kannel *k = state;
	struct sms_info info;
	struct buf url;

	sms_measure(m->text, &info);
	buf_init(&url);
	buf_puts(&url, k->sendsms_url);
	add_field(&url, "username", k->username);
	add_field(&url, "password", k->password);
	if (m->from != NULL && *m->from != '\0')
		add_field(&url, "from", m->from);
	add_field(&url, "to", m->to);
	add_field(&url, "text", m->text);
	if (info.encoding == SMS_UCS2) {
		/* else Kannel's defaults: 7-bit coding, the text in UTF-8 (a
		 * charset named would cost smsbox an iconv per message) */
		add_field(&url, "charset", "UTF-8");
		add_field(&url, "coding", "2");
	}
	if (k->smsc != NULL)
		add_field(&url, "smsc", k->smsc);
	if (k->dlr_mask > 0) {
		char mask[16], *dlr;
		snprintf(mask, sizeof(mask), "%d", k->dlr_mask);
		add_field(&url, "dlr-mask", mask);
		dlr = xasprintf("%s/dlr/%s?id=%lld&status=%%d&reason=%%A%s%s",
		    k->public_url, k->name, (long long)m->id,
		    k->token != NULL ? "&token=" : "",
		    k->token != NULL ? k->token : "");
		add_field(&url, "dlr-url", dlr);
		free(dlr);
	}
	ret->url = buf_steal(&url);
	return 0;
}

static enum send_result
kannel_classify(void *state, long status, const char *body, size_t len,
    struct send_outcome *ret)
{
	if (status == 202 || status == 200)
		return SEND_OK; /* "0: Accepted for delivery", "3: Queued" */
	ret->reason = xasprintf("HTTP %ld: %.*s", status,
	    (int)(len < 120 ? len : 120), body);
	/* 503 "Temporal failure, try again later." */
	return status >= 500 || status == 429 || status == 408 ? SEND_TEMPFAIL
							       : SEND_PERMFAIL;
}

static bool
kannel_sync_reply(void *state)
{
	return ((struct kannel *)state)->reply_in_response;
}

/* Kannel sends a text/plain answer as the reply (max-messages >= 1). */
static void
kannel_format_reply(void *state, const char *reply, struct buf *body,
    const char **ret_type)
{
	buf_puts(body, reply);
	*ret_type = "text/plain; charset=UTF-8";
}

static bool
kannel_authenticated(void *state)
{
	return ((struct kannel *)state)->token != NULL;
}

const struct provider_type provider_kannel = {
	.name = "kannel",
	.abi = PROVIDER_ABI,
	.keys = kannel_keys,
	.authenticated = kannel_authenticated,
	.configure = kannel_configure,
	.free_state = kannel_free,
	.parse_inbound = kannel_parse_inbound,
	.parse_dlr = kannel_parse_dlr,
	.prepare_send = kannel_prepare,
	.classify = kannel_classify,
	.sync_reply = kannel_sync_reply,
	.format_reply = kannel_format_reply,
};

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * provider: the table of provider types, and helpers every type shares:
 * reading a webhook's fields whatever its encoding, validating numbers,
 * texts and ids against their limits, and freeing parsed results.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <openssl/crypto.h>

#include "provider.h"
#include "provider_util.h"
#include "text.h"

extern const struct provider_type provider_log;
extern const struct provider_type provider_generic;
extern const struct provider_type provider_africastalking;
extern const struct provider_type provider_twilio;
extern const struct provider_type provider_kannel;
extern const struct provider_type provider_vonage;
extern const struct provider_type provider_smpp;

const struct provider_type *const provider_types[] = {
	&provider_log,
	&provider_generic,
	&provider_africastalking,
	&provider_twilio,
	&provider_kannel,
	&provider_vonage,
	&provider_smpp,
	NULL,
};

const struct provider_type *
provider_type_find(const char *name)
{
	for (const struct provider_type *const *t = provider_types; *t != NULL;
	     t++)
		if (strcmp((*t)->name, name) == 0)
			return *t;
	return NULL;
}

void
inbound_done(struct inbound *in)
{
	free(in->from);
	free(in->to);
	free(in->text);
	free(in->id);
	free(in->concat_ref);
	memset(in, 0, sizeof(*in));
}

void
dlr_done(struct dlr *d)
{
	free(d->provider_id);
	free(d->reason);
	memset(d, 0, sizeof(*d));
}

const char *
dlr_status_name(enum dlr_status s)
{
	static const char *const names[] = { "sent", "delivered", "failed",
		"expired" };

	return names[s];
}

void
send_outcome_done(struct send_outcome *o)
{
	free(o->provider_id);
	free(o->reason);
	free(o->cost);
	for (size_t i = 0; i < o->nparts; i++)
		free(o->part_ids[i]);
	free(o->part_ids);
	memset(o, 0, sizeof(*o));
}

void
sendreq_done(struct sendreq *r)
{
	free(r->url);
	free(r->body);
	for (size_t i = 0; i < r->nheaders; i++)
		free(r->headers[i]);
	free(r->userpwd);
	memset(r, 0, sizeof(*r));
}

static bool
has_type(const struct webreq *r, const char *type)
{
	size_t n = strlen(type);

	return r->content_type != NULL &&
	    strncasecmp(r->content_type, type, n) == 0 &&
	    (r->content_type[n] == '\0' || r->content_type[n] == ';' ||
		r->content_type[n] == ' ');
}

int
webreq_fields(const struct webreq *r, struct form *ret, struct buf *err)
{
	int rc = 0;

	form_init(ret);
	if (r->body_len > 0) {
		if (has_type(r, "application/json"))
			rc = form_parse_json(ret, r->body, r->body_len, err);
		else if (has_type(r, "application/x-www-form-urlencoded") ||
		    r->content_type == NULL)
			rc = form_parse_urlencoded(ret, r->body, r->body_len,
			    err);
		else {
			buf_printf(err,
			    "unsupported content type '%.64s' (use form or JSON)",
			    r->content_type);
			rc = -EINVAL;
		}
	}
	for (size_t i = 0; rc == 0 && i < r->nquery; i++)
		if (form_add(ret, r->query[i].key, r->query[i].value) < 0) {
			buf_printf(err, "more than %d fields", FORM_MAX_FIELDS);
			rc = -E2BIG;
		}
	if (rc < 0)
		form_done(ret);
	return rc;
}

int
check_number(const char *field, const char *v, struct buf *err)
{
	size_t n;

	if (v == NULL || *v == '\0') {
		buf_printf(err, "missing field '%s'", field);
		return -EINVAL;
	}
	n = strlen(v);
	if (strspn(v, " +-.") == n) {
		buf_printf(err, "field '%s' has no digits or letters", field);
		return -EINVAL;
	}
	if (n > MSG_NUMBER_MAX) {
		buf_printf(err, "field '%s' is longer than %d characters",
		    field, MSG_NUMBER_MAX);
		return -EINVAL;
	}
	for (const char *p = v; *p != '\0'; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
			(*p >= 'A' && *p <= 'Z') || *p == '+' || *p == ' ' ||
			*p == '-' || *p == '.' || *p == '_')) {
			buf_printf(err,
			    "field '%s' is not a phone number or sender id",
			    field);
			return -EINVAL;
		}
	return 0;
}

char *
number_normalize(const char *v)
{
	struct buf b;
	bool numeric = true, plus = false;

	for (const char *p = v; *p != '\0'; p++)
		if (!((*p >= '0' && *p <= '9') || *p == ' ' || *p == '-' ||
			*p == '.' || *p == '+'))
			numeric = false;
	if (!numeric)
		return xstrdup(v);
	/* a '+' sent unescaped in a form arrives as a space */
	plus = v[0] == '+' || (v[0] == ' ' && v[1] >= '0' && v[1] <= '9');
	buf_init(&b);
	if (plus)
		buf_putc(&b, '+');
	for (const char *p = v; *p != '\0'; p++)
		if (*p >= '0' && *p <= '9')
			buf_putc(&b, *p);
	return buf_steal(&b);
}

int
check_text(const char *field, const char *v, struct buf *err)
{
	size_t n;

	if (v == NULL) {
		buf_printf(err, "missing field '%s'", field);
		return -EINVAL;
	}
	n = strlen(v);
	if (n > MSG_TEXT_MAX) {
		buf_printf(err, "field '%s' is longer than %d bytes", field,
		    MSG_TEXT_MAX);
		return -EINVAL;
	}
	if (!utf8_valid(v, n)) {
		buf_printf(err, "field '%s' is not valid UTF-8", field);
		return -EINVAL;
	}
	return 0;
}

int
check_id(const char *field, const char *v, struct buf *err)
{
	if (v == NULL)
		return 0;
	if (*v == '\0' || strlen(v) > MSG_ID_MAX) {
		buf_printf(err, "field '%s' must be 1..%d characters", field,
		    MSG_ID_MAX);
		return -EINVAL;
	}
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p < 0x21 || *p > 0x7e) {
			buf_printf(err, "field '%s' must be printable ASCII",
			    field);
			return -EINVAL;
		}
	return 0;
}

int
dlr_map_find(const struct dlr_map *map, size_t n, const char *name)
{
	for (size_t i = 0; name != NULL && i < n; i++)
		if (strcmp(map[i].name, name) == 0)
			return (int)i;
	return -1;
}

bool
url_is_http(const char *u)
{
	return strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0;
}

char *
url_base(const char *u)
{
	size_t n = strlen(u);

	while (n > 0 && u[n - 1] == '/')
		n--;
	return xstrndup(u, n);
}

void
form_append(struct buf *b, const char *name, const char *value)
{
	char *e = curl_easy_escape(NULL, value, 0);

	if (b->len > 0)
		buf_putc(b, '&');
	buf_printf(b, "%s=%s", name, e != NULL ? e : "");
	curl_free(e);
}

int
inbound_fill(const struct form *f, const struct inbound_fields *names,
    char *(*number)(const char *), struct inbound *ret, struct buf *err)
{
	const char *from = form_get(f, names->from),
		   *to = form_get(f, names->to);
	const char *text = form_get(f, names->text),
		   *id = form_get(f, names->id);
	int rc;

	if ((rc = check_number(names->from, from, err)) < 0 ||
	    (rc = check_text(names->text, text, err)) < 0 ||
	    (rc = check_id(names->id, id, err)) < 0 ||
	    (to != NULL && *to != '\0' &&
		(rc = check_number(names->to, to, err)) < 0))
		return rc;
	ret->from = number(from);
	ret->to = to != NULL && *to != '\0' ? number(to) : NULL;
	ret->text = xstrdup(text);
	ret->id = id != NULL ? xstrdup(id) : NULL;
	return 0;
}

void
ussd_req_done(struct ussd_req *u)
{
	free(u->session);
	free(u->number);
	free(u->code);
	free(u->text);
	memset(u, 0, sizeof(*u));
}

int
ussd_fill(const struct webreq *req, struct ussd_req *ret, struct buf *err)
{
	struct form f;
	const char *session, *code, *number, *text;
	int rc;

	if ((rc = webreq_fields(req, &f, err)) < 0)
		return rc;
	session = form_get(&f, "sessionId");
	code = form_get(&f, "serviceCode");
	number = form_get(&f, "phoneNumber");
	text = form_get(&f, "text");
	if (text == NULL)
		text = ""; /* the first step may leave it out */
	if (session == NULL)
		buf_puts(err, "missing field 'sessionId'");
	else if ((rc = check_id("sessionId", session, err)) < 0)
		;
	else if ((rc = check_number("phoneNumber", number, err)) < 0)
		;
	else if (code == NULL || *code == '\0' ||
	    strlen(code) > USSD_CODE_MAX ||
	    strspn(code, "*#0123456789") != strlen(code))
		buf_printf(err,
		    "field 'serviceCode' must be 1..%d of *, # and digits",
		    USSD_CODE_MAX);
	else if (strlen(text) > USSD_TEXT_MAX ||
	    !utf8_valid(text, strlen(text)))
		buf_printf(err,
		    "field 'text' must be valid UTF-8 of at most %d bytes",
		    USSD_TEXT_MAX);
	else if (strpbrk(text, "\r\n") != NULL)
		buf_puts(err, "field 'text' must be one line");
	else {
		ret->session = xstrdup(session);
		ret->number = number_normalize(number);
		ret->code = xstrdup(code);
		ret->text = xstrdup(text);
		form_done(&f);
		return 0;
	}
	form_done(&f);
	return -EINVAL;
}

int
generic_inbound(const struct webreq *req, struct inbound *ret, struct buf *err)
{
	static const struct inbound_fields names = { "from", "to", "text",
		"id" };
	struct form f;
	int rc;

	if ((rc = webreq_fields(req, &f, err)) < 0)
		return rc;
	rc = inbound_fill(&f, &names, number_normalize, ret, err);
	form_done(&f);
	return rc;
}

bool
webhook_token_ok(const struct webreq *r, const char *token)
{
	const char *given;
	size_t n;

	if (token == NULL)
		return true;
	given = r->header(r, "X-Baraza-Token");
	for (size_t i = 0; given == NULL && i < r->nquery; i++)
		if (strcmp(r->query[i].key, "token") == 0)
			given = r->query[i].value;
	n = strlen(token);
	return given != NULL && strlen(given) == n &&
	    CRYPTO_memcmp(given, token, n) == 0;
}

bool
webhook_addr_ok(const struct webreq *r, char *const *allow)
{
	if (allow == NULL || allow[0] == NULL)
		return true;
	if (r->remote_addr == NULL)
		return false;
	for (char *const *a = allow; *a != NULL; a++)
		if (strcmp(*a, r->remote_addr) == 0)
			return true;
	return false;
}

int
conf_addr_list(const config_setting_t *s, const char *key,
    struct conf_errors *ce, char ***ret)
{
	const config_setting_t *l = config_setting_get_member(s, key);
	char **v;
	int n;

	*ret = NULL;
	if (l == NULL)
		return 0;
	if (config_setting_type(l) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(l) != CONFIG_TYPE_LIST) {
		conf_error(ce, l, "'%s' must be a list of IP addresses", key);
		return -EINVAL;
	}
	n = config_setting_length(l);
	v = xcalloc((size_t)n + 1, sizeof(*v));
	for (int i = 0; i < n; i++) {
		const config_setting_t *e =
		    config_setting_get_elem(l, (unsigned)i);
		const char *a = config_setting_get_string(e);
		unsigned char bin[16];

		if (a == NULL ||
		    (inet_pton(AF_INET, a, bin) != 1 &&
			inet_pton(AF_INET6, a, bin) != 1)) {
			conf_error(ce, e,
			    "'%s' entries must be numeric IP addresses", key);
			addr_list_free(v);
			return -EINVAL;
		}
		v[i] = xstrdup(a);
	}
	*ret = v;
	return 0;
}

void
addr_list_free(char **list)
{
	for (char **p = list; p != NULL && *p != NULL; p++)
		free(*p);
	free(list);
}

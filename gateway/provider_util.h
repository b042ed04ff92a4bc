/* SPDX-License-Identifier: Apache-2.0 */
/*
 * provider_util: helpers for provider_<type>.c files only -- webhook
 * fields whatever their encoding, and checks of numbers, texts and ids
 * against the limits in provider.h, each with a one-line reason.
 */
#ifndef BARAZA_PROVIDER_UTIL_H
#define BARAZA_PROVIDER_UTIL_H

#include <stdbool.h>

#include "form.h"
#include "provider.h"

/* Body fields (form or JSON by Content-Type) followed by query fields. */
int webreq_fields(const struct webreq *r, struct form *ret, struct buf *err);

int check_number(const char *field, const char *v, struct buf *err);
/* A phone number in one form: "+254 700-000.001" and " 254700000001" (a
 * form's unescaped '+') become "+254700000001"; sender ids are kept. */
char *number_normalize(const char *v);
int check_text(const char *field, const char *v, struct buf *err);
int check_id(const char *field, const char *v, struct buf *err);

/*
 * True when the webhook carries token (header X-Baraza-Token, or the query
 * argument token=), compared in constant time; true when token is NULL.
 */
bool webhook_token_ok(const struct webreq *r, const char *token);
/* True when allow is NULL/empty or lists the peer's address. */
bool webhook_addr_ok(const struct webreq *r, char *const *allow);
/* Reads an optional list of addresses (`allow = [ "196.201.214.1" ]`)
 * into a NULL-terminated array, NULL when absent; -EINVAL on errors. */
int conf_addr_list(const config_setting_t *s, const char *key,
    struct conf_errors *ce, char ***ret);
void addr_list_free(char **list);

/* True for an http:// or https:// URL. */
bool url_is_http(const char *u);
/* A copy of u without trailing '/', so "/dlr/NAME" can be appended. */
char *url_base(const char *u);
/* Appends "name=value" (value %-escaped) to a form body, '&'-separated. */
void form_append(struct buf *b, const char *name, const char *value);

/* Names of an inbound webhook's fields, in the provider's words. */
struct inbound_fields {
	const char *from, *to, *text, *id;
};

/*
 * Checks from, to (optional), text and id (optional) against their limits
 * and fills ret; number() turns a number into its stored form.  0, or
 * -EINVAL with err naming the field.
 */
int inbound_fill(const struct form *f, const struct inbound_fields *names,
    char *(*number)(const char *), struct inbound *ret, struct buf *err);

/* A provider's delivery statuses and ours. */
struct dlr_map {
	const char *name;
	enum dlr_status status;
};

/* Index of name in map (n entries), or -1 (also for NULL). */
int dlr_map_find(const struct dlr_map *map, size_t n, const char *name);

/* A USSD step in Africa's Talking's fields (sessionId, serviceCode,
 * phoneNumber, text), which the generic provider shares.  0, or -EINVAL
 * with err naming the field. */
int ussd_fill(const struct webreq *req, struct ussd_req *ret, struct buf *err);

/* The generic format: from, to, text, optional id (SPEC §3). */
int generic_inbound(const struct webreq *req, struct inbound *ret,
    struct buf *err);

#endif

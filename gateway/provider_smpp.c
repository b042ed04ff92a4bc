/* SPDX-License-Identifier: Apache-2.0 */
/*
 * provider_smpp: a direct SMPP 3.4 bind to a mobile operator's SMSC
 * (../shared/protocols.md §5).  This file reads the settings and plugs an
 * smpp_link (the session, in its own thread) into the provider interface;
 * smpp_pdu.c and smpp_msg.c hold the protocol.  No webhooks: inbound
 * messages and receipts arrive on the bind.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "provider_util.h"
#include "smpp_link.h"

struct smpp {
	struct smpp_conf c;
	struct smpp_link *link;
};

static const char *const smpp_keys[] = { "host", "port", "system_id",
	"password", "system_type", "address_range", "service_type", "bind",
	"source_ton", "source_npi", "dest_ton", "dest_npi", "alphabet",
	"long_messages", "receipts", "enquire_link_s", "response_timeout_s",
	"reconnect_max_s", "throttle_pause_ms", "redelivery_window_s",
	"message_ids", "tls", "tls_verify", "tls_ca", "outbind_listen",
	"outbind_system_id", "outbind_password", NULL };

static void
smpp_free(void *state)
{
	struct smpp *s = state;

	if (s == NULL)
		return;
	free(s->c.host);
	free(s->c.port);
	free(s->c.system_id);
	free(s->c.password);
	free(s->c.system_type);
	free(s->c.address_range);
	free(s->c.service_type);
	free(s->c.tls_ca);
	free(s->c.outbind_host);
	free(s->c.outbind_system_id);
	free(s->c.outbind_password);
	free(s);
}

/* An optional string setting of at most max bytes (the field's size in
 * the bind PDU); a copy, def's when absent. */
static char *
opt_str(struct conf_errors *ce, const config_setting_t *set, const char *key,
    size_t max, const char *def)
{
	const char *str = NULL;

	if (conf_get_string(ce, set, key, false, &str) < 0)
		return NULL;
	if (str == NULL)
		return def != NULL ? xstrdup(def) : NULL;
	if (strlen(str) > max) {
		conf_error(ce, config_setting_get_member(set, key),
		    "smpp: '%s' must be at most %zu characters", key, max);
		return NULL;
	}
	return xstrdup(str);
}

/* An optional word among choices; its index. */
static void
opt_word(struct conf_errors *ce, const config_setting_t *s, const char *key,
    const char *const *choices, const char *hint, int *ret)
{
	const config_setting_t *v = config_setting_get_member(s, key);
	const char *str;

	if (v == NULL)
		return;
	str = config_setting_get_string(v);
	for (int i = 0; str != NULL && choices[i] != NULL; i++)
		if (strcmp(str, choices[i]) == 0) {
			*ret = i;
			return;
		}
	conf_error(ce, v, "smpp: '%s' must be %s", key, hint);
}

/* outbind_listen, and what the SMSC's outbind must carry. */
static void
configure_outbind(struct conf_errors *ce, const config_setting_t *set,
    struct smpp_conf *c)
{
	const config_setting_t *v =
	    config_setting_get_member(set, "outbind_listen");
	const char *listen = NULL;

	conf_get_string(ce, set, "outbind_listen", false, &listen);
	c->outbind_system_id = opt_str(ce, set, "outbind_system_id", 15, NULL);
	c->outbind_password = opt_str(ce, set, "outbind_password", 8, NULL);
	if (listen == NULL) {
		if (c->outbind_system_id != NULL || c->outbind_password != NULL)
			conf_error(ce, set,
			    "smpp: 'outbind_system_id' and 'outbind_password' "
			    "need 'outbind_listen'");
		return;
	}
	if (parse_listen(listen, &c->outbind_host, &c->outbind_port) < 0)
		conf_error(ce, v,
		    "smpp: 'outbind_listen' is '%s', must be HOST:PORT with a "
		    "port 1..65535",
		    listen);
	if (!c->pair)
		conf_error(ce, v,
		    "smpp: 'outbind_listen' needs bind = "
		    "\"transmitter+receiver\" (the SMSC's outbind brings the "
		    "receiver)");
	if (c->tls)
		conf_error(ce, v,
		    "smpp: 'outbind_listen' cannot be used with 'tls' (the "
		    "SMSC's outbind comes over plain TCP)");
	if (c->outbind_password == NULL)
		conf_error(ce, v,
		    "smpp: 'outbind_password' (the password the SMSC's "
		    "outbind carries) is required with 'outbind_listen'");
}

static int
smpp_configure(const config_setting_t *set, struct conf_errors *ce,
    void **ret_state)
{
	static const char *const binds[] = { "transceiver",
		"transmitter+receiver", NULL };
	static const char *const alphabets[] = { "gsm", "latin1", "ascii",
		NULL };
	static const char *const longs[] = { "udh", "sar", "payload", NULL };
	/* the bases of submit_sm_resp's id / the receipt's (Kannel's
	 * msg-id-type 0..3); "as-is" compares them as strings */
	static const char *const ids[] = { "as-is", "decimal/decimal",
		"hex/decimal", "decimal/hex", "hex/hex", NULL };
	static const int id_bases[][2] = { { 0, 0 }, { 10, 10 }, { 16, 10 },
		{ 10, 16 }, { 16, 16 } };
	struct smpp *s = xcalloc(1, sizeof(*s));
	struct smpp_conf *c = &s->c;
	int before = ce->errors, port, pair = 0, alpha = 0, lng = 0, idf = 0;
	bool receipts, tls, tls_verify;
	const config_setting_t *ca;

	c->host = opt_str(ce, set, "host", 253, NULL);
	if (c->host == NULL && ce->errors == before)
		conf_error(ce, set,
		    "smpp: 'host' (the SMSC's address) is "
		    "required");
	conf_get_bool(ce, set, "tls", false, &tls);
	c->tls = tls;
	conf_get_bool(ce, set, "tls_verify", true, &tls_verify);
	c->tls_verify = tls_verify;
	ca = config_setting_get_member(set, "tls_ca");
	if (ca != NULL && config_setting_get_string(ca) == NULL)
		conf_error(ce, ca, "smpp: 'tls_ca' must be a file name");
	else if (ca != NULL) {
		c->tls_ca =
		    conf_resolve_path(ce, ca, config_setting_get_string(ca));
		if (access(c->tls_ca, R_OK) < 0)
			conf_error(ce, ca, "smpp: cannot read 'tls_ca' %s: %s",
			    c->tls_ca, strerror(errno));
	}
	if ((ca != NULL || config_setting_get_member(set, "tls_verify")) &&
	    !tls)
		conf_error(ce, set,
		    "smpp: 'tls_verify' and 'tls_ca' need 'tls = true'");
	conf_get_int(ce, set, "port", 1, 65535, tls ? 3550 : 2775, &port);
	c->port = xasprintf("%d", port);
	c->system_id = opt_str(ce, set, "system_id", 15, NULL);
	if (c->system_id == NULL && ce->errors == before)
		conf_error(ce, set, "smpp: 'system_id' is required");
	c->password = opt_str(ce, set, "password", 8, "");
	c->system_type = opt_str(ce, set, "system_type", 12, "");
	c->address_range = opt_str(ce, set, "address_range", 40, "");
	c->service_type = opt_str(ce, set, "service_type", 5, "");
	opt_word(ce, set, "bind", binds,
	    "\"transceiver\" or \"transmitter+receiver\"", &pair);
	c->pair = pair == 1;
	/* -1: by the number's form */
	conf_get_int(ce, set, "source_ton", 0, 6, -1, &c->src_ton);
	conf_get_int(ce, set, "source_npi", 0, 18, -1, &c->src_npi);
	conf_get_int(ce, set, "dest_ton", 0, 6, -1, &c->dst_ton);
	conf_get_int(ce, set, "dest_npi", 0, 18, -1, &c->dst_npi);
	opt_word(ce, set, "alphabet", alphabets,
	    "\"gsm\", \"latin1\" or \"ascii\" (what data_coding 0 means to "
	    "this SMSC)",
	    &alpha);
	c->alphabet = (enum smpp_alphabet)alpha;
	opt_word(ce, set, "long_messages", longs,
	    "\"udh\", \"sar\" or \"payload\"", &lng);
	c->long_mode = (enum smpp_long)lng;
	conf_get_bool(ce, set, "receipts", true, &receipts);
	c->receipts = receipts;
	opt_word(ce, set, "message_ids", ids,
	    "\"as-is\", \"decimal/decimal\", \"hex/decimal\", "
	    "\"decimal/hex\" or \"hex/hex\" (the bases of the ids in "
	    "submit_sm_resp / in receipts)",
	    &idf);
	c->id_base_resp = id_bases[idf][0];
	c->id_base_receipt = id_bases[idf][1];
	conf_get_int(ce, set, "enquire_link_s", 1, 3600, 30,
	    &c->enquire_link_s);
	conf_get_int(ce, set, "response_timeout_s", 1, 600, 30, &c->response_s);
	conf_get_int(ce, set, "reconnect_max_s", 1, 3600, 60,
	    &c->reconnect_max_s);
	conf_get_int(ce, set, "throttle_pause_ms", 10, 60000, 1000,
	    &c->throttle_ms);
	conf_get_int(ce, set, "redelivery_window_s", 0, 3600, 120,
	    &c->redelivery_s);
	configure_outbind(ce, set, c);
	if (ce->errors > before) {
		smpp_free(s);
		return -EINVAL;
	}
	*ret_state = s;
	return 0;
}

static int
smpp_start(void *state, const struct provider *p,
    const struct provider_sink *sink, char **ret_err)
{
	struct smpp *s = state;

	s->link = smpp_link_start(&s->c, p, sink, ret_err);
	return s->link != NULL ? 0 : -EIO;
}

static void
smpp_stop(void *state)
{
	struct smpp *s = state;

	smpp_link_stop(s->link);
	s->link = NULL;
}

static int
smpp_room(void *state)
{
	struct smpp *s = state;

	return s->link != NULL ? smpp_link_room(s->link) : 0;
}

static bool
smpp_connected(void *state)
{
	struct smpp *s = state;

	return s->link != NULL && smpp_link_connected(s->link);
}

static int
smpp_submit(void *state, const struct outmsg *m, int attempts)
{
	struct smpp *s = state;

	return s->link != NULL ? smpp_link_submit(s->link, m, attempts)
			       : -EAGAIN;
}

const struct provider_type provider_smpp = {
	.name = "smpp",
	.abi = PROVIDER_ABI,
	.keys = smpp_keys,
	.configure = smpp_configure,
	.free_state = smpp_free,
	.start = smpp_start,
	.stop = smpp_stop,
	.room = smpp_room,
	.submit = smpp_submit,
	.connected = smpp_connected,
	.default_concurrency = 10,
};

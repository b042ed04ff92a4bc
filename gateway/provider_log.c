/* SPDX-License-Identifier: Apache-2.0 */
/*
 * provider_log: the embedded default.  Each outbound message becomes one
 * log line and is marked sent; there is no network.  Inbound messages use
 * the generic format so that the shipped configuration can be tried with
 * curl alone.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "provider_util.h"

static int
log_configure(const config_setting_t *s, struct conf_errors *ce,
    void **ret_state)
{
	*ret_state = NULL;
	return 0;
}

static int
log_parse_inbound(void *state, const struct webreq *req, struct inbound *ret,
    struct buf *err)
{
	return generic_inbound(req, ret, err);
}

static int
log_parse_ussd(void *state, const struct webreq *req, struct ussd_req *ret,
    struct buf *err)
{
	return ussd_fill(req, ret, err);
}

static enum send_result
log_send(void *state, const struct outmsg *m, struct send_outcome *ret)
{
	char masked[64];

	log_info("log: message %lld to %s: \"%s\"", (long long)m->id,
	    log_mask_number(m->to, masked, sizeof(masked)), m->text);
	ret->provider_id = xasprintf("log-%lld", (long long)m->id);
	return SEND_OK;
}

static bool
log_authenticated(void *state)
{
	return false; /* a tool for trying baraza on one machine */
}

const struct provider_type provider_log = {
	.name = "log",
	.abi = PROVIDER_ABI,
	.authenticated = log_authenticated,
	.configure = log_configure,
	.parse_inbound = log_parse_inbound,
	.parse_ussd = log_parse_ussd,
	.send_direct = log_send,
};

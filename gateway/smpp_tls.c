/* SPDX-License-Identifier: Apache-2.0 */
/*
 * smpp_tls: see smpp_tls.h.  TLS 1.2 at least; the peer's certificate
 * checked against the CAs and the host name (or address) configured.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "smpp_tls.h"
#include "util.h"

struct smpp_tls_ctx {
	SSL_CTX *ctx;
};

struct smpp_tls {
	SSL *ssl;
	char error[200];
};

struct smpp_tls_ctx *
smpp_tls_ctx_new(const char *ca_file, bool verify, char **ret_err)
{
	struct smpp_tls_ctx *c = xcalloc(1, sizeof(*c));
	unsigned long e;

	c->ctx = SSL_CTX_new(TLS_client_method());
	if (c->ctx == NULL)
		goto fail;
	SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
	SSL_CTX_set_mode(c->ctx,
	    SSL_MODE_ENABLE_PARTIAL_WRITE |
		SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_verify(c->ctx, verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE,
	    NULL);
	if (ca_file != NULL
		? SSL_CTX_load_verify_locations(c->ctx, ca_file, NULL) != 1
		: SSL_CTX_set_default_verify_paths(c->ctx) != 1)
		goto fail;
	return c;
fail:
	e = ERR_get_error();
	*ret_err = xasprintf("cannot set up TLS%s%s: %s",
	    ca_file != NULL ? " with " : "", ca_file != NULL ? ca_file : "",
	    e != 0 ? ERR_reason_error_string(e) : "unknown error");
	ERR_clear_error();
	smpp_tls_ctx_free(c);
	return NULL;
}

void
smpp_tls_ctx_free(struct smpp_tls_ctx *c)
{
	if (c == NULL)
		return;
	SSL_CTX_free(c->ctx);
	free(c);
}

struct smpp_tls *
smpp_tls_new(struct smpp_tls_ctx *c, int fd, const char *host)
{
	struct smpp_tls *t = xcalloc(1, sizeof(*t));
	unsigned char addr[16];
	bool ip = inet_pton(AF_INET, host, addr) == 1 ||
	    inet_pton(AF_INET6, host, addr) == 1;

	t->ssl = SSL_new(c->ctx);
	if (t->ssl == NULL || SSL_set_fd(t->ssl, fd) != 1 ||
	    (ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl), host) !=
			1
		: SSL_set1_host(t->ssl, host) != 1 ||
			SSL_set_tlsext_host_name(t->ssl, host) != 1)) {
		ERR_clear_error();
		SSL_free(t->ssl);
		free(t);
		return NULL;
	}
	SSL_set_connect_state(t->ssl);
	return t;
}

/* Maps an OpenSSL result to a SMPP_TLS_* code, keeping the reason. */
static int
outcome(struct smpp_tls *t, int rc)
{
	int e = SSL_get_error(t->ssl, rc);
	unsigned long q;
	long v;

	switch (e) {
	case SSL_ERROR_WANT_READ:
		return SMPP_TLS_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return SMPP_TLS_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN:
		snprintf(t->error, sizeof(t->error), "closed by the SMSC");
		return SMPP_TLS_FAILED;
	case SSL_ERROR_SYSCALL:
		snprintf(t->error, sizeof(t->error), "%s",
		    errno != 0 ? strerror(errno) : "closed by the SMSC");
		break;
	default:
		v = SSL_get_verify_result(t->ssl);
		q = ERR_peek_error();
		if (v != X509_V_OK)
			snprintf(t->error, sizeof(t->error),
			    "certificate verify failed: %s",
			    X509_verify_cert_error_string(v));
		else
			snprintf(t->error, sizeof(t->error), "TLS: %s",
			    q != 0 ? ERR_reason_error_string(q)
				   : "protocol error");
		break;
	}
	ERR_clear_error();
	return SMPP_TLS_FAILED;
}

int
smpp_tls_handshake(struct smpp_tls *t)
{
	int rc = SSL_do_handshake(t->ssl);

	return rc == 1 ? 0 : outcome(t, rc);
}

ssize_t
smpp_tls_read(struct smpp_tls *t, void *buf, size_t n)
{
	int rc = SSL_read(t->ssl, buf, n > INT32_MAX ? INT32_MAX : (int)n);

	if (rc > 0)
		return rc;
	if (SSL_get_error(t->ssl, rc) == SSL_ERROR_ZERO_RETURN) {
		ERR_clear_error();
		return 0;
	}
	return outcome(t, rc);
}

ssize_t
smpp_tls_write(struct smpp_tls *t, const void *buf, size_t n)
{
	int rc = SSL_write(t->ssl, buf, n > INT32_MAX ? INT32_MAX : (int)n);

	return rc > 0 ? rc : outcome(t, rc);
}

const char *
smpp_tls_error(const struct smpp_tls *t)
{
	return t->error[0] != '\0' ? t->error : "TLS failed";
}

void
smpp_tls_free(struct smpp_tls *t)
{
	if (t == NULL)
		return;
	if (SSL_is_init_finished(t->ssl))
		SSL_shutdown(t->ssl); /* close_notify, not waiting for one */
	ERR_clear_error();
	SSL_free(t->ssl);
	free(t);
}

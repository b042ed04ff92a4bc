/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conf: loads and validates conf/baraza.conf (libconfig) into an immutable
 * struct conf.  The part a SIGHUP reloads -- languages, reserved words,
 * replies and routes with their handlers' state -- is a separate,
 * reference-counted struct routing, so a reload swaps one pointer and the
 * messages in flight finish on the routing they started with.
 */
#ifndef BARAZA_CONF_H
#define BARAZA_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "conf_errors.h"
#include "handler.h"
#include "provider.h"

/* Reserved words every language defines. */
enum reserved {
	RESERVED_HELP,
	RESERVED_STOP,
	RESERVED_START,
	RESERVED_QUIT,
	RESERVED_FORGET, /* optional: right to be forgotten (SPEC §5) */
	RESERVED_COUNT,
};

/* Texts the router itself sends. */
enum reply_id {
	REPLY_STOP,        /* after STOP */
	REPLY_START,       /* after START */
	REPLY_QUIT,        /* after QUIT with a session */
	REPLY_AMBIGUOUS,   /* a typo close to two keywords; {choices} */
	REPLY_FORGET_ASK,  /* FORGET: reply 1 to confirm */
	REPLY_FORGET_DONE, /* after the erasure */
	REPLY_FORGET_KEPT, /* FORGET not confirmed */
	REPLY_COUNT,
};

struct route {
	char *name;
	const struct handler *handler;
	void *state;
	bool listed;               /* shown in the help's keyword list */
	char **keywords[LANG_MAX]; /* as configured, NULL-terminated */
};

/* A folded word and what it means. */
struct keyword {
	char *folded;
	int lang;     /* -1: the same word in several languages */
	int route;    /* index into routes, or -1 for a reserved word */
	int reserved; /* enum reserved when route == -1 */
};

struct ussd_menu; /* ussd.h */

#define NUMBER_WORDS_MAX 101 /* a language's number words: 0 to 100 */

struct routing {
	int refs; /* guarded by the owner's lock (see daemon.c) */
	int nlangs;
	char *lang_code[LANG_MAX];
	char *lang_name[LANG_MAX];
	struct ltext replies[REPLY_COUNT];
	struct route *routes;
	size_t nroutes;
	int default_route; /* for unknown keywords and HELP */
	struct keyword *keywords;
	size_t nkeywords;
	struct ussd_menu *ussd; /* NULL when no USSD menus are configured */
	bool forget;            /* some language has FORGET words */
	/* each language's number words, folded, by value ("zero", "one",
	 * ...); NULL-terminated, NULL when the language has none */
	char **numbers[LANG_MAX];
};

struct gateway_conf {
	char *listen_host;
	int listen_port;
	char *database; /* absolute or relative to the cwd, resolved */
	char *timezone;
	char *country_code;  /* "254": national and bare numbers made E.164;
				NULL: numbers kept as providers send them */
	char *metrics_token; /* required for /metrics; NULL: loopback only */
	int http_threads;
	int body_max;       /* bytes of a webhook body */
	int flood_messages; /* per number per window; past it stored only */
	int flood_window_s;
	int burst_backlog_ms; /* a burst's messages wait at most this long for
				 processing while webhooks go first; 0: never */
	int addr_rate_per_s;  /* webhooks per second from one address; 0: off */
	int prefix_cap_per_hour; /* replies to one number prefix; 0: off */
	int prefix_digits;    /* characters of a number that make its prefix */
	int dedup_window_s;   /* identical text from one number is one msg */
	int late_answer_min;  /* an expired session still takes a text with no
				 keyword this long; 0: never */
	int concat_timeout_s; /* parts of a long SMS wait this for the rest */
	int retry_max_attempts;
	int retry_base_ms;
	int retry_cap_ms;
	int retention_days; /* message texts older than this are erased; 0: kept
			     */
	int max_connections;          /* open webhook connections */
	int max_connections_per_addr; /* from one client address; 0: off */
	int max_idle_connections; /* idle ones kept; past it a connection left
				     unused 10 ms is closed after its answer */
	int client_timeout_s;     /* an idle or slow connection is closed */
	int database_max_mb;      /* writes past it fail as on a full disk */
	char **deny;              /* numbers never answered; NULL-terminated */
};

struct export_conf {
	char *dir;
	char *time;    /* "HH:MM", local: when the daemon exports yesterday */
	char *phones;  /* "full", "masked" or "pseudonym" */
	bool bom;      /* a UTF-8 byte-order mark first, for Excel */
	int keep_days; /* day folders older than this are pruned; 0: kept */
	int min_group; /* summary tallies smaller than this are hidden */
};

struct conf {
	char *path;
	struct gateway_conf gw;
	struct export_conf export;
	struct provider *providers;
	size_t nproviders;
	int default_provider; /* index, or -1 */
	struct routing *routing;
};

/* What a handler's configure() sees (handler.h): the diagnostics, its
 * route's settings, and the routing being built.  Used by conf*.c. */
struct hconf {
	struct conf_errors *ce;
	const config_setting_t *route;
	const struct routing *r;
	const struct gateway_conf *gw; /* for numbers; NULL: none */
};

struct conf_override {
	const char *path;
	const char *value;
};

/*
 * Readers of one optional setting of a group, for conf.c and the types
 * that read their own settings (providers): each reports a wrong type or
 * range at its line and leaves *ret at def (or NULL).
 */
int conf_get_int(struct conf_errors *ce, const config_setting_t *group,
    const char *key, int min, int max, int def, int *ret);
int conf_get_string(struct conf_errors *ce, const config_setting_t *group,
    const char *key, bool required, const char **ret);
int conf_get_bool(struct conf_errors *ce, const config_setting_t *group,
    const char *key, bool def, bool *ret);

/*
 * Loads path with the overrides applied, using the given handler table.
 * Diagnostics go to ce.  Returns the configuration, or NULL when there were
 * errors (ce->errors > 0) or the file could not be read.
 */
struct conf *conf_load(const char *path, const struct conf_override *ov,
    size_t nov, const struct handler *const *handlers, struct conf_errors *ce);
void conf_free(struct conf *c);

/* Takes the routing out of c (for a reload); c keeps none. */
struct routing *conf_take_routing(struct conf *c);
void routing_free(struct routing *r);

struct provider *conf_provider(const struct conf *c, const char *name);
/* The provider for a message baraza starts to number: the one with the
 * longest matching `prefixes` entry, else the default. */
struct provider *conf_provider_for(const struct conf *c, const char *number);
int routing_lang(const struct routing *r, const char *code);

/*
 * A citizen's number as this deployment stores it: number_normalize()'s
 * form, then, with gateway.country_code, a national number (trunk prefix
 * 0: "0700000001") or one in international digits without '+'
 * ("254700000001") made E.164 ("+254700000001").  Short codes, sender ids
 * and E.164 numbers are kept; gw NULL: no country code.  Caller frees.
 */
char *conf_number(const struct gateway_conf *gw, const char *number);

/* Makes gateway.timezone the process's local time (TZ), once at start,
 * before any thread: local times (invitations' waking hours, exports'
 * days) then come from localtime_r()/mktime(). */
void conf_use_timezone(const struct conf *c);

/* True for 127.0.0.0/8, ::1 and "localhost". */
bool host_is_loopback(const char *host);

/* Parses "HOST:PORT"; 0 or -EINVAL. */
int parse_listen(const char *s, char **ret_host, int *ret_port);

#endif

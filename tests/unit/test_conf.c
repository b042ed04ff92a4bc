/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_conf: loading the configuration -- includes, languages, overrides,
 * and every diagnostic "FILE:LINE: message" an administrator relies on.
 * Runs in tests/unit (meson's workdir), where conf/ holds the fixtures.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"

static void
has(const struct conf_errors *ce, const char *needle)
{
	if (ce->text.data == NULL || strstr(ce->text.data, needle) == NULL)
		fail_msg("diagnostics lack '%s':\n%s", needle,
		    ce->text.data ? ce->text.data : "(none)");
}

static void
test_good(void **state)
{
	struct conf_errors ce;
	struct conf *c;

	conf_errors_init(&ce);
	c = conf_load("conf/good.conf", NULL, 0, handlers_table, &ce);
	assert_non_null(c);
	assert_int_equal(ce.errors, 0);
	assert_int_equal(c->gw.listen_port, 18080);
	assert_string_equal(c->gw.database,
	    "conf/test.db"); /* relative to file */
	/* the default language comes first whatever the file order */
	assert_string_equal(c->routing->lang_code[0], "en");
	assert_string_equal(c->routing->lang_code[1], "sw");
	assert_int_equal(c->routing->nroutes, 6);
	assert_int_equal(c->default_provider, 0);
	/* surgery only has English text; sorvex is close to survey */
	has(&ce, "warning");
	conf_free(c);
	conf_errors_done(&ce);
}

static void
test_bad(void **state)
{
	struct conf_errors ce;
	struct conf *c;

	conf_errors_init(&ce);
	c = conf_load("conf/bad.conf", NULL, 0, handlers_table, &ce);
	assert_null(c);
	has(&ce, "conf/bad.conf:2: 'listen' is '127.0.0.1:99999'");
	has(&ce, "conf/bad.conf:3: 'http_threads' is 0, must be 1..64");
	has(&ce, "conf/bad.conf:4: unknown time zone 'Mars/Olympus'");
	has(&ce, "conf/bad.conf:5: unknown setting 'bogus'");
	has(&ce, "conf/bad.conf:9: unknown provider type 'carrier-pigeon'");
	has(&ce, "generic: 'base_url' must be an http:// or https:// URL");
	has(&ce, "language 'en' has no 'quit' words");
	has(&ce,
	    "conf/bad.conf:21: keyword 'water!' is already used at conf/bad.conf:20");
	has(&ce, "unknown handler 'faq'");
	has(&ce,
	    "conf/bad.conf:13: number words must be words (letters), not '1'");
	has(&ce, "conf/bad.conf:13: 'one' stands for both 1 and 3");
	has(&ce, "keyword 'STOP' is already used at conf/bad.conf:13");
	has(&ce, "warning: 'reply' (en) needs 2 SMS segments");
	assert_true(ce.errors >= 9);
	conf_errors_done(&ce);
}

static void
test_syntax(void **state)
{
	struct conf_errors ce;

	conf_errors_init(&ce);
	assert_null(
	    conf_load("conf/syntax.conf", NULL, 0, handlers_table, &ce));
	has(&ce, "conf/syntax.conf:3: syntax error");
	conf_errors_done(&ce);
	conf_errors_init(&ce);
	assert_null(
	    conf_load("conf/missing.conf", NULL, 0, handlers_table, &ce));
	has(&ce, "conf/missing.conf: cannot read");
	conf_errors_done(&ce);
}

static void
write_main(const char *path, const char *include)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fprintf(f,
	    "gateway = { listen = \"127.0.0.1:18080\"; };\n"
	    "providers = ( { name = \"log\"; type = \"log\"; } );\n"
	    "@include \"%s\"\n",
	    include);
	fclose(f);
}

static void
loads_good_routes(const char *path)
{
	struct conf_errors ce;
	struct conf *c;

	conf_errors_init(&ce);
	c = conf_load(path, NULL, 0, handlers_table, &ce);
	if (c == NULL)
		fail_msg("%s does not load:\n%s", path,
		    ce.text.data ? ce.text.data : "");
	assert_int_equal(c->routing->nroutes, 6);
	conf_free(c);
	conf_errors_done(&ce);
}

/* @include paths.  libconfig 1.5 joins every one to the main file's
 * folder, an absolute one too: the main file's absolute ones (a
 * deployment's baraza.conf naming the shipped routes) are read as written;
 * one in an included file gets a diagnostic naming it and how to write it,
 * and written so it loads.  A missing relative one says where it was
 * looked for; a folder is refused before libconfig's scanner sees it (it
 * would exit the process); a file including itself is read once. */
static void
test_include_paths(void **state)
{
	char dir[64], path[96], mid[96], routes[PATH_MAX], want[PATH_MAX + 64];
	struct conf_errors ce;
	const char *at;
	char *sugg;
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/baraza-test-inc-%d", (int)getpid());
	snprintf(path, sizeof(path), "%s/main.conf", dir);
	snprintf(mid, sizeof(mid), "%s/mid.conf", dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_non_null(realpath("conf/good-routes.conf", routes));

	/* the main file names the routes by their absolute path */
	write_main(path, routes);
	loads_good_routes(path);

	/* an included file does */
	write_main(path, "mid.conf");
	f = fopen(mid, "w");
	assert_non_null(f);
	fprintf(f, "@include \"%s\"\n", routes);
	fclose(f);
	conf_errors_init(&ce);
	assert_null(conf_load(path, NULL, 0, handlers_table, &ce));
	snprintf(want, sizeof(want),
	    "mid.conf:1: cannot open include file '%s'", routes);
	has(&ce, want);
	has(&ce, "libconfig 1.5 reads every @include relative to");
	at = strstr(ce.text.data, "so write it as \"");
	assert_non_null(at);
	sugg = strdup(at + strlen("so write it as \""));
	*strchr(sugg, '"') = '\0';
	conf_errors_done(&ce);
	f = fopen(mid, "w");
	assert_non_null(f);
	fprintf(f, "@include \"%s\"\n", sugg);
	fclose(f);
	loads_good_routes(path);
	unlink(mid);

	/* an included file in a subfolder names its neighbour: the spec
	 * means the neighbour, libconfig 1.5 would look in the main file's
	 * folder, so the path is refused with the way to write it */
	snprintf(want, sizeof(want), "%s/sub", dir);
	assert_int_equal(mkdir(want, 0700), 0);
	snprintf(want, sizeof(want), "%s/sub/mid.conf", dir);
	f = fopen(want, "w");
	assert_non_null(f);
	fprintf(f, "# routes\n@include \"r.conf\"\n");
	fclose(f);
	snprintf(want, sizeof(want), "%s/sub/r.conf", dir);
	assert_int_equal(symlink(routes, want), 0);
	write_main(path, "sub/mid.conf");
	conf_errors_init(&ce);
	assert_null(conf_load(path, NULL, 0, handlers_table, &ce));
	snprintf(want, sizeof(want),
	    "sub/mid.conf:2: @include 'r.conf' means %s/sub/r.conf, next to "
	    "this file, but libconfig 1.5 reads every @include relative to "
	    "%s (the main file's folder): write it as \"sub/r.conf\"",
	    dir, dir);
	has(&ce, want);
	conf_errors_done(&ce);
	snprintf(want, sizeof(want), "%s/sub/mid.conf", dir);
	f = fopen(want, "w");
	assert_non_null(f);
	fprintf(f, "# routes\n@include \"sub/r.conf\"\n");
	fclose(f);
	loads_good_routes(path);
	unlink(want);
	snprintf(want, sizeof(want), "%s/sub/r.conf", dir);
	unlink(want);
	snprintf(want, sizeof(want), "%s/sub", dir);
	rmdir(want);

	write_main(path, "routes-missing.conf");
	conf_errors_init(&ce);
	assert_null(conf_load(path, NULL, 0, handlers_table, &ce));
	snprintf(want, sizeof(want),
	    "cannot open include file 'routes-missing.conf' (looked for "
	    "%s/routes-missing.conf)",
	    dir);
	has(&ce, want);
	conf_errors_done(&ce);

	/* a folder: libconfig's scanner would exit() the process */
	snprintf(want, sizeof(want), "%s/sub", dir);
	assert_int_equal(mkdir(want, 0700), 0);
	write_main(path, "sub");
	conf_errors_init(&ce);
	assert_null(conf_load(path, NULL, 0, handlers_table, &ce));
	has(&ce, "main.conf:3: @include 'sub' is not a file (");
	has(&ce, "/sub is a folder)");
	conf_errors_done(&ce);
	rmdir(want);

	/* a "regular file" whose read fails: the scanner would exit() */
	write_main(path, "/proc/self/mem");
	conf_errors_init(&ce);
	assert_null(conf_load(path, NULL, 0, handlers_table, &ce));
	has(&ce, "/proc/self/mem: cannot read it:");
	conf_errors_done(&ce);

	/* a file that includes itself thirty times: each file is looked at
	 * once (30^10 reads otherwise), and libconfig reports the nesting */
	f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < 30; i++)
		fprintf(f, "@include \"main.conf\"\n");
	fclose(f);
	conf_errors_init(&ce);
	assert_null(conf_load(path, NULL, 0, handlers_table, &ce));
	assert_int_equal(ce.errors, 1);
	conf_errors_done(&ce);
	free(sugg);
	unlink(path);
	rmdir(dir);
}

static void
test_overrides(void **state)
{
	struct conf_override ov[] = {
		{ "gateway.listen", "127.0.0.1:9090" },
		{ "gateway.flood_messages", "3" },
		{ "gateway.new_setting_ok", "x" },
	};
	struct conf_override bad2[] = {
		{ "gateway.listen", "127.0.0.1:8080" },
		{ "gateway.listen", "" },
		{ "providers", "x" },
	};
	struct conf_override bad[] = {
		{ "gateway.flood_messages", "lots" },
		{ "gateway.http_threads", "100000" },
		{ "nosuch.group.key", "1" },
		{ "gateway.burst_backlog_ms", "60001" },
		{ "gateway.max_idle_connections", "-1" },
	};
	struct conf_override no_burst[] = {
		{ "gateway.burst_backlog_ms", "0" },
		{ "gateway.max_idle_connections", "0" },
	};
	struct conf_errors ce;
	struct conf *c;

	conf_errors_init(&ce);
	c = conf_load("conf/good.conf", ov, 2, handlers_table, &ce);
	assert_non_null(c);
	assert_int_equal(c->gw.listen_port, 9090);
	assert_int_equal(c->gw.flood_messages, 3);
	assert_int_equal(c->gw.burst_backlog_ms, 2000); /* not set: 2 s */
	assert_int_equal(c->gw.max_idle_connections, 64);
	conf_free(c);
	conf_errors_done(&ce);

	/* intake first can be switched off; no idle connection kept */
	conf_errors_init(&ce);
	c = conf_load("conf/good.conf", no_burst, 2, handlers_table, &ce);
	assert_non_null(c);
	assert_int_equal(c->gw.burst_backlog_ms, 0);
	assert_int_equal(c->gw.max_idle_connections, 0);
	conf_free(c);
	conf_errors_done(&ce);

	/* an unknown key added by -o is still an unknown key */
	conf_errors_init(&ce);
	assert_null(
	    conf_load("conf/good.conf", &ov[2], 1, handlers_table, &ce));
	has(&ce, "-o gateway.new_setting_ok: unknown setting 'new_setting_ok'");
	conf_errors_done(&ce);

	conf_errors_init(&ce);
	assert_null(conf_load("conf/good.conf", bad, 5, handlers_table, &ce));
	has(&ce,
	    "-o gateway.flood_messages: 'flood_messages' must be a whole number");
	has(&ce,
	    "-o gateway.http_threads: 'http_threads' is 100000, must be 1..64");
	has(&ce, "-o nosuch.group.key: no such group");
	has(&ce,
	    "-o gateway.burst_backlog_ms: 'burst_backlog_ms' is 60001, must be"
	    " 0..60000");
	has(&ce,
	    "-o gateway.max_idle_connections: 'max_idle_connections' is -1,"
	    " must be 0..65536");
	conf_errors_done(&ce);

	/* an existing setting keeps its type: a number stays a number */
	conf_errors_init(&ce);
	assert_null(
	    conf_load("conf/good.conf", &bad2[1], 2, handlers_table, &ce));
	has(&ce, "-o gateway.listen: 'listen' is ''");
	has(&ce, "-o providers: not a scalar setting");
	conf_errors_done(&ce);
}

static void
test_help_list_measured(void **state)
{
	struct conf_errors ce;
	struct conf *c;

	/* the template alone fits; with the keyword list it does not */
	conf_errors_init(&ce);
	c = conf_load("conf/longhelp.conf", NULL, 0, handlers_table, &ce);
	assert_non_null(c);
	assert_int_equal(ce.warnings, 1);
	has(&ce,
	    "conf/longhelp.conf:8: warning: 'reply' (en) needs 2 SMS segments");
	conf_free(c);
	conf_errors_done(&ce);
}

/* Messages baraza starts go by the longest matching prefix, else the
 * default provider. */
static void
test_prefixes(void **state)
{
	struct conf_override bad[] = { { "providers.[1].prefixes", "x" } };
	struct conf_errors ce;
	struct conf *c;

	conf_errors_init(&ce);
	c = conf_load("conf/prefixes.conf", NULL, 0, handlers_table, &ce);
	assert_non_null(c);
	assert_string_equal(conf_provider_for(c, "+254711000001")->name,
	    "ke-safcom");
	assert_string_equal(conf_provider_for(c, "+254733000001")->name, "ke");
	assert_string_equal(conf_provider_for(c, "+255700000001")->name, "tz");
	assert_string_equal(conf_provider_for(c, "+256700000001")->name, "log");
	conf_free(c);
	conf_errors_done(&ce);
	conf_errors_init(&ce);
	assert_null(
	    conf_load("conf/prefixes.conf", bad, 1, handlers_table, &ce));
	conf_errors_done(&ce);
}

/* Beyond loopback, every provider's webhooks must be authenticated. */
static void
test_exposure(void **state)
{
	struct conf_override open[] = { { "gateway.listen", "0.0.0.0:8080" } };
	struct conf_override unsigned_tw[] = { { "providers.[1].validate",
	    "false" } };
	struct conf_errors ce;
	struct conf *c;

	conf_errors_init(&ce);
	assert_null(conf_load("conf/good.conf", open, 1, handlers_table, &ce));
	has(&ce,
	    "listening on 0.0.0.0, but provider 'log' (log) takes webhooks without authentication");
	conf_errors_done(&ce);
	conf_errors_init(&ce);
	c = conf_load("conf/open.conf", NULL, 0, handlers_table, &ce);
	assert_non_null(c);
	conf_free(c);
	conf_errors_done(&ce);
	conf_errors_init(&ce);
	assert_null(
	    conf_load("conf/open.conf", unsigned_tw, 1, handlers_table, &ce));
	has(&ce,
	    "provider 'tw' (twilio) takes webhooks without authentication");
	conf_errors_done(&ce);
	assert_true(host_is_loopback("127.0.0.1"));
	assert_true(host_is_loopback("127.1.2.3"));
	assert_true(host_is_loopback("::1"));
	assert_true(host_is_loopback("localhost"));
	assert_false(host_is_loopback("0.0.0.0"));
	assert_false(host_is_loopback("::"));
	assert_false(host_is_loopback("10.0.0.1"));
}

static void
test_country_code(void **state)
{
	static const char *const cases[][3] = {
		/* country code, as the provider sent it, as stored */
		{ "254", "0711000601", "+254711000601" },
		{ "254", "254711000601", "+254711000601" },
		{ "254", "+254 711-000.601", "+254711000601" },
		{ "254", " 254711000601", "+254711000601" }, /* a form's '+' */
		{ "254", "+447700900123", "+447700900123" }, /* E.164 kept */
		{ "254", "22384", "22384" },                 /* a short code */
		{ "254", "SAFARICOM", "SAFARICOM" },         /* a sender id */
		{ "254", "000254711000601", "000254711000601" }, /* unsure */
		{ "254", "0711", "0711" },                       /* too short */
		{ "1", "12125550123", "+12125550123" },
		{ "44", "07700900123", "+447700900123" },
		/* without a country code numbers stay as providers send them */
		{ NULL, "0711000601", "0711000601" },
		{ NULL, "254711000601", "254711000601" },
		{ NULL, "+254 711 000 601", "+254711000601" },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct gateway_conf gw = { .country_code =
					       (char *)cases[i][0] };
		char *n = conf_number(&gw, cases[i][1]);

		assert_string_equal(n, cases[i][2]);
		free(n);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_include_paths),
		cmocka_unit_test(test_overrides),
		cmocka_unit_test(test_help_list_measured),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_exposure),
		cmocka_unit_test(test_country_code),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

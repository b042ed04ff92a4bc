/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pipeline: see pipeline.h.  A handler's reply and session changes are
 * collected in struct hctx (hctx.c) and written here, after it returns;
 * each handler call runs in a savepoint, undone when it fails or declines.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hctx.h"
#include "pipeline.h"
#include "router.h"
#include "text.h"
#include "ussd.h"

/* run_handler(): the handler failed (its errors are not the store's). */
#define HANDLER_FAILED 2
/* A citizen walking the menus by SMS has this long between replies. */
#define MENU_SESSION_MS (30 * 60 * 1000)
/* A deferred message is looked at again this long after its source's
 * deadline, when the fetcher has not woken it before. */
#define DEFER_SLACK_MS 200

/* --- the pipeline ------------------------------------------------------ */

bool
number_is_alphanumeric(const char *number)
{
	for (const char *p = number; *p != '\0'; p++)
		if (isalpha((unsigned char)*p))
			return true;
	return false;
}

static bool
denied(const struct gateway_conf *gw, const char *number)
{
	for (char **d = gw->deny; d != NULL && *d != NULL; d++)
		if (strcmp(*d, number) == 0)
			return true;
	return false;
}

/* Which of a handler's hooks run_handler() calls. */
enum hook {
	HOOK_HANDLE,
	HOOK_HELP,
	HOOK_UNROUTED
};

/* Calls a route's handler (its handle, help or unrouted hook) in a
 * savepoint and applies its session changes.  Returns the handler's result
 * or a store error; what a handler wrote is undone when it failed or
 * declined. */
static int
run_handler(struct store *st, struct hctx *ctx, int route, enum hook hook,
    int64_t now)
{
	const struct route *rt = &ctx->r->routes[route];
	int rc;

	ctx->route = route;
	if ((rc = store_savepoint(st)) < 0)
		return rc;
	if (hook == HOOK_HELP && rt->handler->help != NULL)
		rc = rt->handler->help(rt->state, ctx);
	else if (hook == HOOK_UNROUTED)
		rc = rt->handler->unrouted(rt->state, ctx);
	else
		rc = rt->handler->handle(rt->state, ctx);
	if (ctx->store_rc < 0) {
		store_savepoint_rollback(st);
		return ctx->store_rc; /* retried as a whole, later */
	}
	if (rc < 0 || rc == HANDLER_DECLINED || rc == HANDLER_DEFER) {
		store_savepoint_rollback(st);
		ctx->anonymous = false; /* what it said is undone */
		return rc < 0 ? HANDLER_FAILED : rc;
	}
	if (ctx->sess_op == SESS_SET)
		rc = store_session_put(st, ctx->number, rt->name,
		    ctx->sess_state, now + (int64_t)ctx->sess_ttl * 1000, now);
	else if (ctx->sess_op == SESS_END)
		rc = store_session_delete(st, ctx->number);
	else
		rc = 0;
	if (rc == 0)
		rc = store_savepoint_release(st);
	else
		store_savepoint_rollback(st);
	return rc < 0 ? rc : HANDLER_OK;
}

static void
reply_ltext(struct hctx *ctx, const struct ltext *t, const char *const *vars)
{
	hctx_reply_template(ctx, t, vars);
}

/* FORGET waits this long for its confirmation. */
#define FORGET_ROUTE  "~forget" /* the pseudo-route of that wait */
#define FORGET_ASK_MS (10 * 60 * 1000)

/* After FORGET: "1" erases what the gateway holds of the number (texts,
 * identity, sessions; counts stay, under a pseudonym); anything else
 * keeps it. */
static int
forget_answer(struct store *st, const struct routing *r, struct hctx *ctx,
    struct outcome *out, int64_t now)
{
	const char *t = ctx->text + strspn(ctx->text, " ");
	char *p;
	int64_t n = 0;
	int rc;

	out->route = "forget";
	if ((rc = store_session_delete(st, ctx->number)) < 0)
		return rc;
	if (strncmp(t, "1", 1) != 0 || t[1 + strspn(t + 1, " ")] != '\0') {
		reply_ltext(ctx, &r->replies[REPLY_FORGET_KEPT], NULL);
		return 0;
	}
	if ((p = hctx_pseudonym(ctx, ctx->number)) == NULL)
		return ctx->store_rc < 0 ? ctx->store_rc : -EIO;
	rc = store_forget(st, ctx->number, p, now, &n);
	free(p);
	if (rc < 0)
		return rc;
	ctx->forgotten = true;
	reply_ltext(ctx, &r->replies[REPLY_FORGET_DONE], NULL);
	return 0;
}

/* The message is a menu input (a number, 0, 00, 98), spaces aside. */
static bool
menu_input_of(const char *text)
{
	char word[8];
	size_t n;

	while (*text == ' ')
		text++;
	n = strcspn(text, " ");
	if (n >= sizeof(word) || text[n + strspn(text + n, " ")] != '\0')
		return false;
	memcpy(word, text, n);
	word[n] = '\0';
	return ussd_sms_input(word);
}

/* One step of the menus by SMS: a screen (kept in the pseudo-route's
 * session), a closing text, or a route run as if its keyword was sent. */
static int
sms_menu(struct store *st, const struct routing *r, struct hctx *ctx,
    struct outcome *out, const char *state, int64_t now)
{
	struct menu_sms ms;
	char input[8];
	const char *t = ctx->text;
	size_t n;
	int rc = 0;

	t += strspn(t, " ");
	n = strcspn(t, " ");
	snprintf(input, sizeof(input), "%.*s", (int)n, t);
	ussd_sms_step(r, state, input, ctx->lang, &ms);
	ctx->lang = ms.lang;
	switch (ms.result) {
	case MENU_SCREEN:
		out->route = "menu";
		hctx_reply(ctx, ms.text);
		rc = store_session_put(st, ctx->number, USSD_SMS_ROUTE,
		    ms.state, now + MENU_SESSION_MS, now);
		break;
	case MENU_END:
		out->route = "menu";
		hctx_reply(ctx, ms.text);
		rc = store_session_delete(st, ctx->number);
		break;
	case MENU_ROUTE:
		if ((rc = store_session_delete(st, ctx->number)) < 0)
			break;
		out->route = r->routes[ms.route].name;
		ctx->args = ""; /* as its keyword alone */
		rc = run_handler(st, ctx, ms.route, HOOK_HANDLE, now);
		break;
	}
	menu_sms_done(&ms);
	return rc;
}

/* A session that has expired still takes this message: a text with no
 * keyword (citizens on basic phones answer late, and a late "2" is the
 * answer to the question they were asked, not a walk of the menus), or
 * its route's own keyword again.  Never FORGET's confirmation. */
static bool
late_answer(const struct routing *r, const struct match *m, const char *route)
{
	if (strcmp(route, FORGET_ROUTE) == 0)
		return false;
	if (m->kind == MATCH_NONE)
		return true;
	return m->kind == MATCH_ROUTE && !m->guessed &&
	    m->route == routing_route(r, route);
}

/* Routes the message and runs what it reaches; fills ctx->reply.  A
 * session that expired less than late_ms ago may still take it. */
static int
route_message(struct store *st, const struct routing *r, struct hctx *ctx,
    struct outcome *out, int64_t now, int64_t late_ms)
{
	struct match m;
	char *sess_route = NULL, *sess_state = NULL;
	int64_t expires_at = 0;
	int rc, sroute = -1;
	bool menu, forget;

	router_match(r, ctx->text, &m);
	rc = store_session_get(st, ctx->number, now - late_ms, &sess_route,
	    &sess_state, &expires_at);
	if (rc < 0 && rc != -ENOENT)
		return rc;
	if (rc == 0 && expires_at <= now && !late_answer(r, &m, sess_route)) {
		/* over: a later text does not bring it back */
		free(sess_route);
		free(sess_state);
		sess_route = sess_state = NULL;
		if ((rc = store_session_delete(st, ctx->number)) < 0)
			return rc;
		rc = -ENOENT;
	}
	menu = rc == 0 && strcmp(sess_route, USSD_SMS_ROUTE) == 0;
	forget = rc == 0 && strcmp(sess_route, FORGET_ROUTE) == 0;
	if (rc == 0 && !menu && !forget &&
	    (sroute = routing_route(r, sess_route)) < 0)
		store_session_delete(st,
		    ctx->number); /* route gone on reload */
	free(sess_route);
	/* the keyword's language, unless a session takes the text as an
	 * answer: a survey's free text that starts with another language's
	 * keyword, or a typo of one, does not switch the conversation */
	if (m.lang >= 0 &&
	    (sroute < 0 || m.kind == MATCH_RESERVED ||
		(m.kind == MATCH_ROUTE && m.route == sroute)))
		ctx->lang = m.lang;

	if (forget) { /* the answer to FORGET: 1 erases, anything else not */
		rc = forget_answer(st, r, ctx, out, now);
		goto done;
	}
	if (m.kind == MATCH_RESERVED) {
		switch (m.reserved) {
		case RESERVED_FORGET:
			out->route = "forget";
			if ((rc = store_session_put(st, ctx->number,
				 FORGET_ROUTE, "ask", now + FORGET_ASK_MS,
				 now)) < 0)
				goto done;
			reply_ltext(ctx, &r->replies[REPLY_FORGET_ASK], NULL);
			goto done;
		case RESERVED_STOP:
			out->route = "stop";
			if ((rc = store_contact_set_optout(st, ctx->number,
				 true, now)) < 0 ||
			    (rc = store_session_delete(st, ctx->number)) < 0)
				goto done;
			reply_ltext(ctx, &r->replies[REPLY_STOP], NULL);
			goto done;
		case RESERVED_START:
			out->route = "start";
			if ((rc = store_contact_set_optout(st, ctx->number,
				 false, now)) < 0)
				goto done;
			reply_ltext(ctx, &r->replies[REPLY_START], NULL);
			goto done;
		case RESERVED_QUIT:
			out->route = "quit";
			if ((rc = store_session_delete(st, ctx->number)) < 0)
				goto done;
			reply_ltext(ctx, &r->replies[REPLY_QUIT], NULL);
			goto done;
		case RESERVED_HELP:
			ctx->args = m.args;
			if (sroute >= 0) {
				ctx->session = sess_state;
				out->route = r->routes[sroute].name;
				rc = run_handler(st, ctx, sroute, HOOK_HELP,
				    now);
				if (rc != HANDLER_DECLINED)
					goto done;
			}
			out->route = r->routes[r->default_route].name;
			rc = run_handler(st, ctx, r->default_route, HOOK_HANDLE,
			    now);
			goto done;
		}
	}
	/* the menus by SMS: a numbered reply walks them */
	if (r->ussd != NULL && sroute < 0 && m.kind == MATCH_NONE &&
	    menu_input_of(ctx->text)) {
		rc = sms_menu(st, r, ctx, out, menu ? sess_state : NULL, now);
		goto done;
	}
	if (menu && (rc = store_session_delete(st, ctx->number)) < 0)
		goto done; /* a word leaves the menu */
	if (sroute >= 0) {
		ctx->session = sess_state;
		ctx->other_keyword =
		    m.kind == MATCH_ROUTE && !m.guessed && m.route != sroute;
		ctx->restarted = m.kind == MATCH_ROUTE && m.route == sroute;
		/* the route's own keyword again: what follows it */
		ctx->args = ctx->restarted ? m.args : ctx->text;
		out->route = r->routes[sroute].name;
		rc = run_handler(st, ctx, sroute, HOOK_HANDLE, now);
		if (rc != HANDLER_DECLINED)
			goto done;
		/* the session's handler let go: route by keyword */
		if ((rc = store_session_delete(st, ctx->number)) < 0)
			goto done;
		if (m.lang >= 0)
			ctx->lang = m.lang;
		ctx->session = NULL;
		ctx->sess_op = SESS_KEEP;
		ctx->other_keyword = false;
		ctx->restarted = false;
	}
	ctx->args = m.args;
	if (m.kind == MATCH_AMBIGUOUS) {
		char *choices = router_choices(r, &m, ctx->lang);
		const char *vars[] = { "choices", choices, NULL };
		out->route = "ambiguous";
		reply_ltext(ctx, &r->replies[REPLY_AMBIGUOUS], vars);
		free(choices);
		rc = 0;
		goto done;
	}
	if (m.kind == MATCH_ROUTE) {
		out->route = r->routes[m.route].name;
		rc = run_handler(st, ctx, m.route, HOOK_HANDLE, now);
		if (rc != HANDLER_DECLINED)
			goto done;
	}
	ctx->args = ctx->text;
	/* no keyword: a route that recognises the text itself (a complaint
	 * reference sent alone), else the default route */
	for (size_t i = 0; m.kind == MATCH_NONE && i < r->nroutes; i++) {
		if (r->routes[i].handler->unrouted == NULL)
			continue;
		out->route = r->routes[i].name;
		rc = run_handler(st, ctx, (int)i, HOOK_UNROUTED, now);
		if (rc != HANDLER_DECLINED)
			goto done;
	}
	out->route = r->routes[r->default_route].name;
	rc = run_handler(st, ctx, r->default_route, HOOK_HANDLE, now);
done:
	free(sess_state);
	ctx->session = NULL;
	if (rc == HANDLER_DECLINED)
		rc = 0;
	return rc;
}

/* The handler waits for a live source: ask for it (unless asked), and
 * leave the message 'received' until the answer or the timeout. */
static int
defer(struct store *st, const struct msg *m, struct hctx *ctx,
    struct outcome *ret)
{
	struct outcome out = { .status = "deferred", .lang = ctx->lang };
	int64_t until;
	int rc = 0;

	if (ctx->fetch_url == NULL) {
		rc = -EINVAL; /* HANDLER_DEFER without hctx_fetch() */
		goto out;
	}
	until = ctx->now + ctx->fetch_timeout_ms;
	if ((rc = store_fetch_request(st, ctx->fetch_url, ctx->now, until,
		 (int64_t)ctx->fetch_cache_s * 1000)) < 0 ||
	    (rc = store_inbound_defer(st, m->id, until + DEFER_SLACK_MS)) < 0)
		goto out;
	*ret = out;
out:
	hctx_done(ctx);
	return rc;
}

int
pipeline_process(struct store *st, const struct routing *r,
    const struct gateway_conf *gw, const struct msg *m,
    const struct pipeline_opts *opts, struct outcome *ret)
{
	struct outcome out = { .status = "processed", .lang = 0 };
	struct hctx ctx;
	struct contact contact = { 0 };
	int64_t now = now_ms();
	int rc, count = 0;
	bool repeat = false, ussd;

	memset(&ctx, 0, sizeof(ctx));
	ctx.r = r;
	ctx.st = st;
	ctx.conf = opts->conf;
	ctx.notify_provider = opts->reply_provider;
	ctx.fetch_inline = opts->fetch_inline;
	ctx.now = now;
	ctx.text = m->text;
	ctx.args = m->text;
	ctx.number = m->number;
	ctx.channel = opts->channel;

	/* the loop guard and the flood limit: stored, never answered */
	if (number_is_alphanumeric(m->number)) {
		out.status = "ignored";
		out.reason = "alphanumeric sender";
	} else if (denied(gw, m->number)) {
		out.status = "ignored";
		out.reason = "deny list";
	}
	/* a USSD session's steps repeat ("1", "1") and come fast: the repeat
	 * and flood guards are for SMS */
	ussd = strcmp(opts->channel, "ussd") == 0;
	if (out.reason == NULL && gw->dedup_window_s > 0 && !ussd) {
		rc = store_inbound_repeat(st, m->number, m->text,
		    m->created_at - (int64_t)gw->dedup_window_s * 1000, m->id,
		    &repeat);
		if (rc < 0)
			return rc;
		if (repeat) {
			out.status = "ignored";
			out.reason = "repeated text";
		}
	}
	if (out.reason == NULL && !ussd) {
		rc = store_inbound_count_since(st, m->number,
		    m->created_at - (int64_t)gw->flood_window_s * 1000, m->id,
		    gw->flood_messages, &count);
		if (rc < 0)
			return rc;
		if (count >= gw->flood_messages) {
			out.status = "ignored";
			out.reason = "flood limit";
		}
	}
	if ((rc = store_contact_get(st, m->number, &contact)) < 0)
		return rc;
	ctx.lang = contact.lang != NULL ? routing_lang(r, contact.lang) : 0;
	if (ctx.lang < 0)
		ctx.lang = 0;
	contact_done(&contact);

	if (out.reason == NULL) {
		int before = ctx.lang;
		rc = route_message(st, r, &ctx, &out, now,
		    (int64_t)gw->late_answer_min * 60 * 1000);
		if (rc < 0)
			goto fail; /* the store failed */
		if (rc == HANDLER_DEFER)
			return defer(st, m, &ctx, ret);
		if (rc == HANDLER_FAILED) {
			out.reason = "handler error";
			free(ctx.reply);
			ctx.reply = NULL;
		}
		/* after FORGET, nothing of the number is kept */
		if (ctx.lang != before && !ctx.forgotten &&
		    (rc = store_contact_set_lang(st, m->number,
			 r->lang_code[ctx.lang], now)) < 0)
			goto fail;
	}
	out.lang = ctx.lang;
	if (ctx.reply != NULL && ctx.reply[0] != '\0' &&
	    gw->prefix_cap_per_hour > 0) {
		/* SMS pumping: replies to one number range, capped per hour */
		char prefix[MSG_NUMBER_MAX + 1];
		int sent = 0;

		snprintf(prefix, sizeof(prefix), "%.*s", gw->prefix_digits,
		    m->number);
		if ((rc = store_outbound_count_prefix(st, prefix,
			 now - 3600 * 1000, &sent)) < 0)
			goto fail;
		if (sent >= gw->prefix_cap_per_hour) {
			out.reason = "prefix cap";
			free(ctx.reply);
			ctx.reply = NULL;
		}
	}
	if (ctx.reply != NULL && ctx.reply[0] != '\0') {
		struct outbound_new o = { 0 };
		struct sms_info info;

		out.reply = sms_prepare(ctx.reply);
		sms_measure(out.reply, &info);
		out.segments = (int)info.segments;
		out.encoding = sms_encoding_name(info.encoding);
		o.provider = opts->reply_provider;
		o.number = m->number;
		o.peer = m->peer;
		o.text = out.reply;
		o.status = opts->reply_status;
		o.route = out.route;
		o.lang = r->lang_code[ctx.lang];
		o.reply_to = m->id;
		o.segments = out.segments;
		o.encoding = out.encoding;
		o.at = now;
		o.channel = opts->channel;
		o.anonymous = ctx.anonymous;
		if ((rc = store_outbound_add(st, &o, &out.reply_id)) < 0 ||
		    (ctx.words_ref[0] != '\0' &&
			(rc = store_complaint_words(st, ctx.words_ref,
			     out.reply_id)) < 0))
			goto fail;
	}
	rc = store_inbound_finish(st, m->id, out.status, out.reason, out.route,
	    r->lang_code[ctx.lang]);
	if (rc == 0 && ctx.anonymous)
		rc = store_message_anonymous(st, m->id);
	if (rc < 0)
		goto fail;
	out.anonymous = ctx.anonymous;
	hctx_done(&ctx);
	*ret = out;
	return 0;
fail:
	hctx_done(&ctx);
	free(out.reply);
	return rc;
}

int
pipeline_command(struct store *st, const struct routing *r,
    const struct conf *c, FILE *out, const char *handler, int argc, char **argv)
{
	struct hctx ctx;
	int rc = HANDLER_DECLINED;

	for (size_t i = 0; rc == HANDLER_DECLINED && i < r->nroutes; i++) {
		const struct route *rt = &r->routes[i];

		if (strcmp(rt->handler->name, handler) != 0 ||
		    rt->handler->command == NULL)
			continue;
		memset(&ctx, 0, sizeof(ctx));
		ctx.r = r;
		ctx.st = st;
		ctx.conf = c;
		ctx.now = now_ms();
		ctx.out = out;
		ctx.route = (int)i;
		ctx.channel = "sms";
		if ((rc = store_begin(st)) < 0)
			return rc;
		rc = rt->handler->command(rt->state, &ctx, argc, argv);
		if (ctx.store_rc < 0)
			rc = ctx.store_rc;
		if (rc == HANDLER_OK)
			rc = store_commit(st);
		else
			store_rollback(st);
		hctx_done(&ctx);
	}
	return rc;
}

void
outcome_done(struct outcome *o)
{
	free(o->reply);
	o->reply = NULL;
}

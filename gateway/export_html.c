/* SPDX-License-Identifier: Apache-2.0 */
/*
 * export_html: see export_html.h.  Plain HTML written with fprintf; every
 * text that comes from data is escaped.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "export_html.h"
#include "util.h"

#define BAR_MAX 260 /* px of the longest bar */
#define LABEL_W 170
#define ROW_H   24
#define CHART_W (LABEL_W + BAR_MAX + 70)

static void
esc(FILE *f, const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*s, f);
		}
}

struct bar {
	const char *label;
	int64_t count;
};

/* A horizontal bar chart; bars below min are left out and counted in a
 * note.  title labels the chart for screen readers. */
static void
chart(FILE *f, const char *title, const struct bar *b, size_t n, int min)
{
	int64_t max = 1, hidden = 0;
	size_t shown = 0, row = 0;

	for (size_t i = 0; i < n; i++) {
		if (b[i].count < min) {
			hidden += b[i].count;
			continue;
		}
		shown++;
		if (b[i].count > max)
			max = b[i].count;
	}
	if (shown > 0) {
		fprintf(f,
		    "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 %d %zu\" width=\"%d\" height=\"%zu\"><title>",
		    CHART_W, shown * ROW_H, CHART_W, shown * ROW_H);
		esc(f, title);
		fputs("</title>\n", f);
		for (size_t i = 0; i < n; i++) {
			int w;
			if (b[i].count < min)
				continue;
			w = (int)(b[i].count * BAR_MAX / max);
			fprintf(f,
			    "<text x=\"%d\" y=\"%zu\" text-anchor=\"end\">",
			    LABEL_W - 8, row * ROW_H + 16);
			esc(f, b[i].label);
			fprintf(f,
			    "</text><rect x=\"%d\" y=\"%zu\" width=\"%d\" height=\"%d\"/>"
			    "<text x=\"%d\" y=\"%zu\">%lld</text>\n",
			    LABEL_W, row * ROW_H + 4, w > 0 ? w : 1, ROW_H - 8,
			    LABEL_W + (w > 0 ? w : 1) + 6, row * ROW_H + 16,
			    (long long)b[i].count);
			row++;
		}
		fputs("</svg>\n", f);
	}
	if (hidden > 0)
		fprintf(f,
		    "<p class=\"note\">%lld more in groups smaller than %d, not shown.</p>\n",
		    (long long)hidden, min);
	if (shown == 0 && hidden == 0)
		fputs("<p class=\"note\">None.</p>\n", f);
}

/* Adds count to the bar labelled label (bars owned by the caller). */
static void
add_bar(struct bar **v, size_t *n, const char *label, int64_t count)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*v)[i].label, label) == 0) {
			(*v)[i].count += count;
			return;
		}
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[*n].label = label;
	(*v)[*n].count = count;
	(*n)++;
}

static int
by_count(const void *a, const void *b)
{
	const struct bar *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->label, y->label);
}

/* qsort() wants a non-NULL base even for no elements. */
static void
sort_bars(struct bar *v, size_t n, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp);
}

static int
by_number(const void *a, const void *b)
{
	const struct bar *x = a, *y = b;
	long long p = strtoll(x->label, NULL, 10),
		  q = strtoll(y->label, NULL, 10);

	if (p != q)
		return p < q ? -1 : 1;
	return strcmp(x->label, y->label);
}

static void
head(FILE *f, const struct conf *c, const char *day)
{
	fputs(
	    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	    "<title>baraza ",
	    f);
	esc(f, day);
	fputs(
	    "</title>\n<style>\n"
	    "body{font:15px/1.4 system-ui,sans-serif;margin:1em auto;max-width:46em;padding:0 1em;color:#222}\n"
	    "h1{font-size:1.5em;margin-bottom:0}h2{margin-top:1.6em;border-bottom:1px solid #ccc}\n"
	    ".sub,.note{color:#666}.figs{display:flex;flex-wrap:wrap;gap:1em}\n"
	    ".fig{background:#f3f5f7;padding:.6em 1em;border-radius:6px}\n"
	    ".fig b{display:block;font-size:1.6em}\n"
	    "table{border-collapse:collapse;margin:.5em 0}td,th{padding:.2em .8em;border-bottom:1px solid #ddd;text-align:right}\n"
	    "td:first-child,th:first-child{text-align:left}\n"
	    "svg.chart{max-width:100%;height:auto;display:block;margin:.4em 0}\n"
	    "svg.chart rect{fill:#2a7ab0}svg.chart text{font:13px sans-serif;fill:#222}\n"
	    "</style>\n</head>\n<body>\n<h1>baraza, ",
	    f);
	esc(f, day);
	fputs("</h1>\n<p class=\"sub\">The day in ", f);
	esc(f, c->gw.timezone);
	fprintf(f,
	    " time. Counts smaller than %d in a breakdown are not shown.</p>\n",
	    c->export.min_group);
}

static void
fig(FILE *f, const char *label, int64_t n)
{
	fprintf(f, "<div class=\"fig\"><b>%lld</b>", (long long)n);
	esc(f, label);
	fputs("</div>\n", f);
}

static bool
is(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

/* The providers the day's messages name: the configured ones in their
 * order, then any other (one renamed or removed since, `sim`), so that the
 * table adds up to the day's figures.  Borrowed from c and g; caller frees
 * the array. */
static size_t
provider_names(const struct conf *c, const struct group_count *g, size_t n,
    const char ***ret)
{
	const char **v = xmalloc((c->nproviders + n + 1) * sizeof(*v));
	size_t k = 0;

	for (size_t p = 0; p < c->nproviders; p++)
		v[k++] = c->providers[p].name;
	for (size_t i = 0; i < n; i++) {
		size_t j = 0;

		while (j < k && !is(v[j], g[i].key[2]))
			j++;
		if (j == k)
			v[k++] = g[i].key[2];
	}
	*ret = v;
	return k;
}

static int
messages(struct store *st, const struct conf *c, int64_t from, int64_t to,
    FILE *f)
{
	struct group_count *g = NULL;
	struct bar *routes = NULL;
	const char **names;
	size_t n = 0, nroutes = 0, nnames;
	int64_t in = 0, out = 0, ignored = 0;
	int rc;

	if ((rc = store_message_groups(st, from, to, &g, &n)) < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if (is(g[i].key[0], "in")) {
			in += g[i].count;
			if (is(g[i].key[3], "ignored"))
				ignored += g[i].count;
			add_bar(&routes, &nroutes,
			    g[i].key[1][0] ? g[i].key[1] : "(none)",
			    g[i].count);
		} else {
			out += g[i].count;
		}
	}
	fputs("<h2>Messages</h2>\n<div class=\"figs\">\n", f);
	fig(f, "received", in);
	fig(f, "sent out", out);
	fig(f, "not answered (flood, loop guard)", ignored);
	fputs("</div>\n<h3>Received, by route</h3>\n", f);
	sort_bars(routes, nroutes, by_count);
	chart(f, "Messages received by route", routes, nroutes, 1);
	free(routes);

	/* delivery by provider */
	fputs(
	    "<h3>By provider</h3>\n<table>\n<tr><th>provider</th><th>received</th>"
	    "<th>sent out</th><th>delivered</th><th>failed</th><th>waiting</th>"
	    "<th>delivered or accepted</th></tr>\n",
	    f);
	nnames = provider_names(c, g, n, &names);
	for (size_t p = 0; p < nnames; p++) {
		const char *name = names[p];
		int64_t rin = 0, rout = 0, dl = 0, fl = 0, wait = 0, ok = 0;
		for (size_t i = 0; i < n; i++) {
			if (!is(g[i].key[2], name))
				continue;
			if (is(g[i].key[0], "in")) {
				rin += g[i].count;
				continue;
			}
			rout += g[i].count;
			if (is(g[i].key[3], "delivered"))
				dl += g[i].count;
			else if (is(g[i].key[3], "failed") ||
			    is(g[i].key[3], "expired"))
				fl += g[i].count;
			else if (is(g[i].key[3], "queued"))
				wait += g[i].count;
			if (is(g[i].key[3], "delivered") ||
			    is(g[i].key[3], "sent"))
				ok += g[i].count;
		}
		if (rin == 0 && rout == 0)
			continue;
		fputs("<tr><td>", f);
		esc(f, name);
		fprintf(f,
		    "</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td>",
		    (long long)rin, (long long)rout, (long long)dl,
		    (long long)fl, (long long)wait);
		if (ok + fl > 0)
			fprintf(f, "<td>%.1f%%</td></tr>\n",
			    100.0 * (double)ok / (double)(ok + fl));
		else
			fputs("<td>-</td></tr>\n", f);
	}
	fputs("</table>\n", f);
	free(names);
	group_counts_free(g, n);
	return 0;
}

/* The day's answers to "is it fixed?", whenever the complaints were filed:
 * resolution figures as citizens confirm them.  Nothing when none. */
static int
fixed_answers(struct store *st, int64_t from, int64_t to, FILE *f)
{
	struct group_count *g = NULL;
	int64_t yes = 0, no = 0;
	size_t n = 0;
	int rc;

	if ((rc = store_complaint_answers(st, from, to, &g, &n)) < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if (is(g[i].key[0], "fixed"))
			yes += g[i].count;
		else
			no += g[i].count;
	}
	group_counts_free(g, n);
	if (yes + no == 0)
		return 0;
	fputs("<h3>Is it fixed? Citizens' answers today</h3>\n"
	      "<div class=\"figs\">\n",
	    f);
	fig(f, "say it is fixed", yes);
	fig(f, "say it is not (opened again)", no);
	fputs("</div>\n", f);
	return 0;
}

static int
complaints(struct store *st, const struct conf *c, int64_t from, int64_t to,
    FILE *f)
{
	struct group_count *g = NULL;
	struct bar *cats = NULL, *stats = NULL;
	size_t n = 0, ncats = 0, nstats = 0;
	int64_t total = 0;
	int rc;

	if ((rc = store_complaint_groups(st, from, to, &g, &n)) < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		add_bar(&cats, &ncats, g[i].key[0], g[i].count);
		add_bar(&stats, &nstats, g[i].key[1], g[i].count);
		total += g[i].count;
	}
	fputs("<h2>Complaints filed</h2>\n<div class=\"figs\">\n", f);
	fig(f, "filed", total);
	fputs("</div>\n<h3>By category</h3>\n", f);
	sort_bars(cats, ncats, by_count);
	chart(f, "Complaints by category", cats, ncats, c->export.min_group);
	fputs("<h3>By status now</h3>\n", f);
	sort_bars(stats, nstats, by_count);
	chart(f, "Complaints by status", stats, nstats, c->export.min_group);
	free(cats);
	free(stats);
	group_counts_free(g, n);
	return fixed_answers(st, from, to, f);
}

static int
survey(struct store *st, const struct conf *c, const struct export_survey *sv,
    int64_t from, int64_t to, FILE *f)
{
	struct tally *t = NULL;
	size_t n = 0;
	int64_t done = 0;
	int rc;

	if ((rc = store_survey_tally(st, sv->name, from, to, false, &t, &n)) <
	    0)
		return rc;
	fputs("<h2>Survey ", f);
	esc(f, sv->name);
	fputs("</h2>\n", f);
	/* completed responses: the most answers any question got */
	for (size_t i = 0; i < n; i++) {
		int64_t q = 0;
		for (size_t j = 0; j < n; j++)
			if (strcmp(t[j].question, t[i].question) == 0)
				q += t[j].count;
		if (q > done)
			done = q;
	}
	fprintf(f, "<p>%lld completed response%s this day.</p>\n",
	    (long long)done, done == 1 ? "" : "s");
	for (size_t k = 0; k < sv->ncolumns; k++) {
		const char *q = sv->columns[k];
		struct bar *bars = NULL;
		size_t nb = 0;

		if (sv->kinds == NULL || is(sv->kinds[k], "text"))
			continue; /* free text is read in the CSV */
		for (size_t i = 0; i < n; i++)
			if (is(t[i].question, q))
				add_bar(&bars, &nb,
				    t[i].value != NULL ? t[i].value
						       : "(skipped)",
				    t[i].count);
		fputs("<h3>", f);
		esc(f, q);
		fputs("</h3>\n", f);
		if (sv->labels != NULL) {
			fputs("<p class=\"sub\">", f);
			esc(f, sv->labels[k]);
			fputs("</p>\n", f);
		}
		sort_bars(bars, nb,
		    is(sv->kinds[k], "number") ? by_number : by_count);
		chart(f, q, bars, nb, c->export.min_group);
		free(bars);
	}
	tallies_free(t, n);
	return 0;
}

int
export_summary(struct store *st, const struct conf *c, const char *day,
    int64_t from, int64_t to, const struct export_survey *sv, size_t nsv,
    FILE *f)
{
	int rc;

	head(f, c, day);
	if ((rc = messages(st, c, from, to, f)) < 0 ||
	    (rc = complaints(st, c, from, to, f)) < 0)
		return rc;
	for (size_t i = 0; i < nsv; i++)
		if ((rc = survey(st, c, &sv[i], from, to, f)) < 0)
			return rc;
	fputs("</body>\n</html>\n", f);
	return ferror(f) ? -EIO : 0;
}

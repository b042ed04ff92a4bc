/* SPDX-License-Identifier: Apache-2.0 */
/*
 * export: see export.h.  Each CSV is RFC 4180 (CRLF, quotes where needed),
 * UTF-8 with a byte-order mark unless export.bom is false, a header row,
 * ISO 8601 local times with their offset.  A cell that a spreadsheet would
 * run as a formula -- it starts with = + - @ TAB or CR -- gets a leading
 * apostrophe, the spreadsheets' "this is text" mark; so a full E.164
 * number shows whole, as text, never as a formula or in scientific
 * notation.  Phone numbers are written full, masked or as a pseudonym
 * (export.phones); an anonymous complaint's is always a pseudonym.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "csv.h"
#include "export.h"
#include "export_html.h"
#include "log.h"
#include "pseudonym.h"

/* --- days and times ---------------------------------------------------- */

int
export_day_bounds(const char *day, int64_t *ret_from, int64_t *ret_to)
{
	struct tm tm, next;
	int y, m, d;
	char tail;
	time_t a, b;

	if (day == NULL || strlen(day) != EXPORT_DAY_LEN ||
	    sscanf(day, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || y < 1970 ||
	    y > 9999)
		return -EINVAL;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_isdst = -1;
	next = tm;
	next.tm_mday++;
	if ((a = mktime(&tm)) == (time_t)-1 || tm.tm_mday != d ||
	    tm.tm_mon != m - 1 || (b = mktime(&next)) == (time_t)-1)
		return -EINVAL;
	*ret_from = (int64_t)a * 1000;
	*ret_to = (int64_t)b * 1000;
	return 0;
}

void
export_day_of(int64_t t, char out[EXPORT_DAY_LEN + 1])
{
	time_t s = (time_t)(t / 1000);
	struct tm tm;

	localtime_r(&s, &tm);
	strftime(out, EXPORT_DAY_LEN + 1, "%Y-%m-%d", &tm);
}

int
export_day_add(const char *day, int days, char out[EXPORT_DAY_LEN + 1])
{
	int64_t from, to;

	if (export_day_bounds(day, &from, &to) < 0)
		return -EINVAL;
	/* noon of the day, moved by whole days: clear of DST shifts */
	export_day_of(from + 12 * 3600 * 1000LL + days * 86400 * 1000LL, out);
	return 0;
}

int
export_day_parse(const char *v, char out[EXPORT_DAY_LEN + 1])
{
	int64_t from, to;

	if (strcmp(v, "today") == 0 || strcmp(v, "yesterday") == 0) {
		char today[EXPORT_DAY_LEN + 1];

		export_day_of(now_ms(), today);
		if (v[0] == 't')
			memcpy(out, today, sizeof(today));
		else
			export_day_add(today, -1, out);
		return 0;
	}
	if (strlen(v) != EXPORT_DAY_LEN || export_day_bounds(v, &from, &to) < 0)
		return -EINVAL;
	memcpy(out, v, EXPORT_DAY_LEN + 1);
	return 0;
}

/* "2026-11-27T09:14:03+03:00" */
static void
iso_time(int64_t ms, char out[32])
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	long off;
	char base[24];

	if (ms <= 0) {
		out[0] = '\0';
		return;
	}
	localtime_r(&s, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	off = tm.tm_gmtoff / 60;
	snprintf(out, 32, "%.19s%c%02d:%02d", base, off < 0 ? '-' : '+',
	    (int)(labs(off) / 60 % 100), (int)(labs(off) % 60));
}

/* --- files ------------------------------------------------------------- */

struct out {
	FILE *f;
	char *tmp;
	char *path;
	struct buf row;
	int ncells;
};

static int
out_open(struct out *o, const char *dir, const char *name, bool bom,
    char **ret_err)
{
	memset(o, 0, sizeof(*o));
	o->path = xasprintf("%s/%s", dir, name);
	o->tmp = xasprintf("%s/.%s.tmp", dir, name);
	buf_init(&o->row);
	if ((o->f = fopen(o->tmp, "w")) == NULL) {
		int err = errno;
		*ret_err =
		    xasprintf("cannot write '%s': %s", o->tmp, strerror(err));
		free(o->path);
		free(o->tmp);
		buf_free(&o->row);
		return -err;
	}
	if (bom)
		fputs("\xEF\xBB\xBF", o->f);
	return 0;
}

/* Flushes to disk and renames into place. */
static int
out_close(struct out *o, char **ret_err)
{
	int err = 0;

	if (fflush(o->f) != 0 || ferror(o->f) || fsync(fileno(o->f)) != 0)
		err = errno ? errno : EIO;
	if (fclose(o->f) != 0 && err == 0)
		err = errno;
	if (err == 0 && rename(o->tmp, o->path) != 0)
		err = errno;
	if (err != 0) {
		*ret_err =
		    xasprintf("cannot write '%s': %s", o->path, strerror(err));
		unlink(o->tmp);
	}
	free(o->path);
	free(o->tmp);
	buf_free(&o->row);
	return -err;
}

static void
out_abort(struct out *o)
{
	fclose(o->f);
	unlink(o->tmp);
	free(o->path);
	free(o->tmp);
	buf_free(&o->row);
}

/* One cell; a formula's first character is neutralised. */
static void
cell(struct out *o, const char *v)
{
	if (o->ncells++ > 0)
		buf_putc(&o->row, ',');
	if (v == NULL)
		return;
	if (strchr("=+-@\t\r", v[0]) != NULL && v[0] != '\0') {
		char *safe = xasprintf("'%s", v);
		csv_put(&o->row, safe);
		free(safe);
		return;
	}
	csv_put(&o->row, v);
}

static void
cell_int(struct out *o, int64_t v)
{
	char s[24];

	snprintf(s, sizeof(s), "%lld", (long long)v);
	cell(o, s);
}

static void
cell_time(struct out *o, int64_t ms)
{
	char s[32];

	iso_time(ms, s);
	cell(o, s);
}

static int
end_row(struct out *o)
{
	buf_puts(&o->row, "\r\n");
	if (fwrite(o->row.data, 1, o->row.len, o->f) != o->row.len)
		return -EIO;
	buf_reset(&o->row);
	o->ncells = 0;
	return 0;
}

static int
header(struct out *o, const char *const *names)
{
	for (; *names != NULL; names++)
		cell(o, *names);
	return end_row(o);
}

/* --- phone numbers ----------------------------------------------------- */

enum phones {
	PHONES_FULL,
	PHONES_MASKED,
	PHONES_PSEUDONYM
};

struct ctx {
	struct store *st;
	const struct conf *c;
	enum phones phones;
	unsigned char key[PSEUDONYM_KEY_LEN];
	struct out out;
	/* a survey's row being gathered */
	const char *const *columns;
	size_t ncolumns;
	char **values;
	int64_t response;
	struct answer_row first; /* of the response being gathered */
	char *first_number, *first_lang, *first_channel, *first_status;
};

static const char *
phone(const struct ctx *x, const char *number, bool anonymous, char *buf,
    size_t size)
{
	if (number == NULL)
		return "";
	if (anonymous || x->phones == PHONES_PSEUDONYM) {
		char p[PSEUDONYM_LEN + 1];
		pseudonym_make(x->key, number, p);
		snprintf(buf, size, "%s", p);
		return buf;
	}
	if (x->phones == PHONES_MASKED)
		return log_mask_number(number, buf, size);
	return number;
}

/* --- messages.csv ------------------------------------------------------ */

static int
message_row(const struct msg *m, void *arg)
{
	struct ctx *x = arg;
	struct out *o = &x->out;
	char num[64];

	cell_int(o, m->id);
	cell_time(o, m->created_at);
	cell(o, m->direction);
	cell(o, m->channel);
	cell(o, m->provider);
	cell(o, phone(x, m->number, m->anonymous, num, sizeof(num)));
	cell(o, m->route);
	cell(o, m->lang);
	cell(o, m->text);
	cell(o, m->status);
	cell(o, m->reason);
	if (m->segments > 0)
		cell_int(o, m->segments);
	else
		cell(o, NULL);
	cell(o, m->encoding);
	cell(o, m->cost);
	cell_time(o, m->updated_at);
	return end_row(o);
}

static int
each_message(struct ctx *x, int64_t from, int64_t to)
{
	return store_messages_each(x->st, from, to, message_row, x);
}

/* One CSV of the day: the header, then a row per record rows() streams. */
static int
write_csv(struct ctx *x, const char *dir, const char *name,
    const char *const *cols, int (*rows)(struct ctx *, int64_t, int64_t),
    int64_t from, int64_t to, char **ret_err)
{
	int rc;

	if ((rc = out_open(&x->out, dir, name, x->c->export.bom, ret_err)) < 0)
		return rc;
	if ((rc = header(&x->out, cols)) < 0 || (rc = rows(x, from, to)) != 0) {
		out_abort(&x->out);
		*ret_err = xasprintf("%s: %s", name,
		    rc == -EIO ? store_errmsg(x->st) : strerror(-rc));
		return rc < 0 ? rc : -EIO;
	}
	return out_close(&x->out, ret_err);
}

static int
write_messages(struct ctx *x, const char *dir, int64_t from, int64_t to,
    char **ret_err)
{
	static const char *const cols[] = { "id", "time", "direction",
		"channel", "provider", "number", "route", "language", "text",
		"status", "reason", "segments", "encoding", "cost",
		"status_time", NULL };

	return write_csv(x, dir, "messages.csv", cols, each_message, from, to,
	    ret_err);
}

/* --- complaints.csv ---------------------------------------------------- */

static int
complaint_row(const struct complaint *cp, void *arg)
{
	struct ctx *x = arg;
	struct out *o = &x->out;
	char num[64];
	const char *who = cp->number != NULL
	    ? phone(x, cp->number, cp->anonymous, num, sizeof(num))
	    : cp->pseudonym != NULL ? cp->pseudonym
				    : "";

	cell(o, cp->ref);
	cell_time(o, cp->created_at);
	cell_time(o, cp->updated_at);
	cell(o, cp->desk);
	cell(o, cp->category);
	cell(o, cp->status);
	cell_time(o, cp->closed_at);
	cell(o, who);
	cell(o, cp->anonymous ? "yes" : "no");
	cell(o, cp->lang);
	cell(o, cp->channel);
	cell(o, cp->location);
	cell(o, cp->description);
	cell(o, cp->note);
	cell(o, cp->citizen_says);
	return end_row(o);
}

static int
each_complaint(struct ctx *x, int64_t from, int64_t to)
{
	return store_complaints_each(x->st, from, to, complaint_row, x);
}

static int
write_complaints(struct ctx *x, const char *dir, int64_t from, int64_t to,
    char **ret_err)
{
	static const char *const cols[] = { "ref", "filed", "updated", "desk",
		"category", "status", "closed", "citizen", "anonymous",
		"language", "channel", "location", "description", "last_note",
		"citizen_says", NULL };

	return write_csv(x, dir, "complaints.csv", cols, each_complaint, from,
	    to, ret_err);
}

/* --- survey-NAME.csv --------------------------------------------------- */

static void
clear_response(struct ctx *x)
{
	for (size_t i = 0; i < x->ncolumns; i++) {
		free(x->values[i]);
		x->values[i] = NULL;
	}
	free(x->first_number);
	free(x->first_lang);
	free(x->first_channel);
	free(x->first_status);
	x->first_number = x->first_lang = NULL;
	x->first_channel = x->first_status = NULL;
	x->response = 0;
}

static int
flush_response(struct ctx *x)
{
	struct out *o = &x->out;
	char num[64];
	int rc;

	if (x->response == 0)
		return 0;
	cell_int(o, x->response);
	cell_time(o, x->first.started_at);
	cell_time(o, x->first.completed_at);
	cell(o, x->first_status);
	cell(o, phone(x, x->first_number, false, num, sizeof(num)));
	cell(o, x->first_lang);
	cell(o, x->first_channel);
	for (size_t i = 0; i < x->ncolumns; i++)
		cell(o, x->values[i]);
	rc = end_row(o);
	clear_response(x);
	return rc;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static int
answer_row(const struct answer_row *a, void *arg)
{
	struct ctx *x = arg;
	int rc;

	if (a->response != x->response) {
		if ((rc = flush_response(x)) < 0)
			return rc;
		x->response = a->response;
		x->first = *a;
		x->first_number = dup_or_null(a->number);
		x->first_lang = dup_or_null(a->lang);
		x->first_channel = dup_or_null(a->channel);
		x->first_status = dup_or_null(a->status);
	}
	for (size_t i = 0; a->question != NULL && i < x->ncolumns; i++)
		if (strcmp(x->columns[i], a->question) == 0) {
			free(x->values[i]);
			x->values[i] = dup_or_null(a->value);
		}
	return 0;
}

static int
write_survey(struct ctx *x, const char *dir, const struct export_survey *sv,
    int64_t from, int64_t to, char **ret_err)
{
	static const char *const fixed[] = { "response", "started", "completed",
		"status", "number", "language", "channel", NULL };
	char *name = xasprintf("survey-%s.csv", sv->name);
	int rc;

	rc = out_open(&x->out, dir, name, x->c->export.bom, ret_err);
	free(name);
	if (rc < 0)
		return rc;
	x->columns = sv->columns;
	x->ncolumns = sv->ncolumns;
	x->values = xcalloc(sv->ncolumns ? sv->ncolumns : 1, sizeof(char *));
	x->response = 0;
	for (const char *const *f = fixed; *f != NULL; f++)
		cell(&x->out, *f);
	for (size_t i = 0; i < sv->ncolumns; i++)
		cell(&x->out, sv->columns[i]);
	if ((rc = end_row(&x->out)) < 0 ||
	    (rc = store_answers_each(x->st, sv->name, from, to, answer_row,
		 x)) != 0 ||
	    (rc = flush_response(x)) < 0) {
		clear_response(x);
		free(x->values);
		out_abort(&x->out);
		*ret_err = xasprintf("survey-%s.csv: %s", sv->name,
		    rc == -EIO ? store_errmsg(x->st) : strerror(-rc));
		return rc < 0 ? rc : -EIO;
	}
	free(x->values);
	return out_close(&x->out, ret_err);
}

/* The surveys of the day: each configured one, and any with responses
 * that is no longer configured (its columns from its answers). */
static int
list_surveys(struct ctx *x, const struct routing *r, int64_t from, int64_t to,
    struct export_survey **ret, size_t *ret_n)
{
	struct export_survey *v = NULL;
	char **names = NULL;
	size_t n = 0, nnames = 0;
	int rc;

	for (size_t i = 0; i < r->nroutes; i++) {
		const struct route *rt = &r->routes[i];
		struct hexport e;
		bool seen = false;

		if (rt->handler->exports == NULL ||
		    rt->handler->exports(rt->state, &e) != HANDLER_OK)
			continue;
		for (size_t k = 0; k < n; k++)
			seen = seen || strcmp(v[k].name, e.dataset) == 0;
		if (seen)
			continue;
		v = xrealloc(v, (n + 1) * sizeof(*v));
		memset(&v[n], 0, sizeof(v[n]));
		v[n].name = xstrdup(e.dataset);
		v[n].columns = e.columns;
		v[n].kinds = e.kinds;
		v[n].labels = e.labels;
		v[n].ncolumns = e.ncolumns;
		n++;
	}
	if ((rc = store_survey_names(x->st, from, to, &names, &nnames)) < 0)
		goto fail;
	for (size_t j = 0; j < nnames; j++) {
		bool seen = false;
		for (size_t k = 0; k < n; k++)
			seen = seen || strcmp(v[k].name, names[j]) == 0;
		if (seen)
			continue;
		v = xrealloc(v, (n + 1) * sizeof(*v));
		memset(&v[n], 0, sizeof(v[n]));
		v[n].name = xstrdup(names[j]);
		if ((rc = store_survey_questions(x->st, names[j], from, to,
			 &v[n].owned, &v[n].ncolumns)) < 0) {
			n++;
			goto fail;
		}
		v[n].columns = (const char *const *)v[n].owned;
		n++;
	}
	strv_free(names, nnames);
	*ret = v;
	*ret_n = n;
	return 0;
fail:
	strv_free(names, nnames);
	export_surveys_free(v, n);
	return rc;
}

void
export_surveys_free(struct export_survey *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		strv_free(v[i].owned, v[i].owned ? v[i].ncolumns : 0);
	}
	free(v);
}

/* --- the day ----------------------------------------------------------- */

static int
make_dir(const char *path, char **ret_err)
{
	int rc = mkdir_p(path);

	if (rc < 0)
		*ret_err =
		    xasprintf("cannot create '%s': %s", path, strerror(-rc));
	return rc;
}

int
export_day(struct store *st, const struct conf *c, const struct routing *r,
    const char *dir, const char *day, char **ret_path, char **ret_err)
{
	struct ctx x;
	struct export_survey *sv = NULL;
	size_t nsv = 0;
	int64_t from, to;
	char *path;
	int rc;

	if (export_day_bounds(day, &from, &to) < 0) {
		*ret_err = xasprintf("'%s' is not a date (YYYY-MM-DD)", day);
		return -EINVAL;
	}
	memset(&x, 0, sizeof(x));
	x.st = st;
	x.c = c;
	x.phones = strcmp(c->export.phones, "full") == 0 ? PHONES_FULL
	    : strcmp(c->export.phones, "masked") == 0    ? PHONES_MASKED
							 : PHONES_PSEUDONYM;
	path = xasprintf("%s/%s", dir, day);
	if ((rc = make_dir(path, ret_err)) < 0)
		goto out;
	if ((rc = store_secret(st, PSEUDONYM_SECRET, x.key, sizeof(x.key))) <
	    0) {
		*ret_err =
		    xasprintf("the database failed: %s", store_errmsg(st));
		goto out;
	}
	if ((rc = write_messages(&x, path, from, to, ret_err)) < 0 ||
	    (rc = write_complaints(&x, path, from, to, ret_err)) < 0)
		goto out;
	if ((rc = list_surveys(&x, r, from, to, &sv, &nsv)) < 0) {
		*ret_err =
		    xasprintf("the database failed: %s", store_errmsg(st));
		goto out;
	}
	for (size_t i = 0; i < nsv; i++)
		if ((rc = write_survey(&x, path, &sv[i], from, to, ret_err)) <
		    0)
			goto out;
	if ((rc = out_open(&x.out, path, "summary.html", false, ret_err)) < 0)
		goto out;
	if ((rc = export_summary(st, c, day, from, to, sv, nsv, x.out.f)) < 0) {
		out_abort(&x.out);
		*ret_err = xasprintf("summary.html: %s",
		    rc == -EIO || rc == -EBUSY ? store_errmsg(st)
					       : strerror(-rc));
		goto out;
	}
	if ((rc = out_close(&x.out, ret_err)) < 0)
		goto out;
	*ret_path = path;
	path = NULL;
out:
	export_surveys_free(sv, nsv);
	free(path);
	return rc;
}

int
export_prune(const char *dir, const char *today, int keep_days)
{
	char oldest[EXPORT_DAY_LEN + 1];
	struct dirent *e;
	DIR *d;
	int n = 0;

	if (keep_days <= 0 || export_day_add(today, -keep_days, oldest) < 0 ||
	    (d = opendir(dir)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		int64_t a, b;
		char *path, *cmd;
		DIR *sub;
		struct dirent *f;

		if (export_day_bounds(e->d_name, &a, &b) < 0 ||
		    strcmp(e->d_name, oldest) >= 0)
			continue;
		path = xasprintf("%s/%s", dir, e->d_name);
		/* a day folder holds files only: remove them, then it */
		if ((sub = opendir(path)) != NULL) {
			while ((f = readdir(sub)) != NULL) {
				if (f->d_name[0] == '.' &&
				    (f->d_name[1] == '\0' ||
					(f->d_name[1] == '.' &&
					    f->d_name[2] == '\0')))
					continue;
				cmd = xasprintf("%s/%s", path, f->d_name);
				unlink(cmd);
				free(cmd);
			}
			closedir(sub);
		}
		if (rmdir(path) == 0)
			n++;
		free(path);
	}
	closedir(d);
	return n;
}

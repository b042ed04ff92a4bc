/* SPDX-License-Identifier: Apache-2.0 */
/*
 * records: what handlers keep beyond messages -- survey responses and
 * complaints -- as the store reads and writes them.  Shared by store.h
 * (which owns the SQL) and handler.h (which hands them to handlers through
 * hctx_*); plain data, no functions but the destructors.
 */
#ifndef BARAZA_RECORDS_H
#define BARAZA_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --- surveys ----------------------------------------------------------- */

/* One value a question got, and how many completed responses gave it. */
struct tally {
	char *question;
	char *value;     /* NULL: asked but skipped (too many invalid tries) */
	int64_t count;   /* in completed responses */
	int64_t partial; /* in responses left part way, when asked for */
};

void tallies_free(struct tally *v, size_t n);

/* --- complaints -------------------------------------------------------- */

#define COMPLAINT_REF_MAX 16

struct complaint {
	char ref[COMPLAINT_REF_MAX];
	char *desk;      /* the route that took it */
	char *category;  /* category id */
	char *number;    /* the citizen; NULL once erased */
	char *pseudonym; /* keyed hash of the number; set for anonymous ones */
	bool anonymous;
	char *lang;
	char *channel;
	char *description;
	char *location; /* NULL when not asked */
	char *status;   /* status id */
	char *note;     /* the last officer's note, or NULL */
	int64_t created_at;
	int64_t updated_at;
	int64_t closed_at;  /* 0 while open */
	char *citizen_says; /* asked whether it is fixed: "fixed",
			       "not_fixed", or NULL */
};

void complaint_done(struct complaint *c);
void complaints_free(struct complaint *v, size_t n);

struct complaint_event {
	int64_t at;
	char *status;
	char *note;
	char *by; /* the officer, "sms:NUMBER" for a field officer, or NULL */
};

void complaint_events_free(struct complaint_event *v, size_t n);

/* What `complaint list` asks for; zero/NULL fields do not filter. */
struct complaint_filter {
	const char *desk;
	const char *status;
	const char *category;
	const char *number;
	int64_t since;       /* filed at or after */
	int64_t open_before; /* open and filed before (overdue) */
	int limit;
};

#endif

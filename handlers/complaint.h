/* SPDX-License-Identifier: Apache-2.0 */
/*
 * complaint: what complaint.c (configuration, the citizen's conversation,
 * STATUS) and complaint_desk.c (officers: UPDATE by SMS and the `baraza
 * complaint` commands) share.  One route holds a desk -- categories,
 * statuses, officers, texts -- and routes with `desk = "NAME"` borrow it
 * for another action (STATUS, UPDATE).
 */
#ifndef BARAZA_COMPLAINT_H
#define BARAZA_COMPLAINT_H

#include "handler.h"

struct category {
	char *id;
	struct lwords names;
	bool anonymous;  /* the desk sees a pseudonym; the number is erased on
			    closing */
	char **officers; /* told of its new complaints instead of the desk's
			    officers; NULL-terminated, NULL when none */
	bool officer_details; /* officers' SMS carry place and description */
};

struct status {
	char *id;
	struct ltext name;   /* how it reads to a citizen */
	struct lwords words; /* what an officer may send for it */
	struct ltext tell;   /* what the citizen is told; empty: 'updated' */
	bool has_tell;
	bool closes;
	bool follow_up; /* the citizen is then asked whether it is fixed */
};

enum ctext {
	T_CHOOSE,        /* {categories} */
	T_DESCRIBE,      /* {category} */
	T_LOCATION,      /* {category} */
	T_CONFIRM,       /* {category} {description} */
	T_FILED,         /* {ref} {category} */
	T_CANCELLED,     /* */
	T_INVALID,       /* {choices} */
	T_HELP,          /* {question}: the pending step's text */
	T_STATUS,        /* {ref} {category} {status} {date} {note} */
	T_UNKNOWN,       /* {ref} */
	T_CHECK,         /* {ref} */
	T_STATUS_USAGE,  /* {example} */
	T_UPDATED,       /* {ref} {category} {status} {note} */
	T_UPDATE_DONE,   /* {ref} {status} */
	T_UPDATE_USAGE,  /* {statuses} */
	T_UPDATE_UNTOLD, /* {ref} {status}: update_done when the citizen cannot
			    be told (STOP); optional */
	T_STATUS_LIST,   /* {count} {list}: STATUS alone from a number with
			    several open complaints; optional */
	T_OFFICER_ALERT, /* {ref} {category} {details} (place: description):
			    a new complaint, to its officers; optional */
	T_ASK_FIXED,     /* {ref} {category}: after a follow_up status */
	T_FIXED_YES,     /* {ref} {category}: the citizen says it is fixed */
	T_FIXED_NO,      /* {ref} {category} {status}: it is not: reopened */
	T_OFFICER_REOPENED, /* {ref} {category} {details}: to its officers;
			       optional */
	T_OFFICER_REMINDER, /* {count} {days} {list}: `complaint remind`;
			       optional */
	T_ALREADY_FILED,    /* {ref} {category}: the same complaint again;
			       optional */
	T_OFFICER_STATUS,   /* {ref} {category} {date} {status} {note}
			       {details}: STATUS REF from an officer;
			       optional */
	T_COUNT
};

struct desk {
	char *name; /* the route's name, kept with each complaint */
	struct category *cats;
	size_t ncats;
	struct status *stats; /* the first is a new complaint's */
	size_t nstats;
	char **officers;    /* numbers that may UPDATE by SMS, and are told of
			       new complaints; NULL-terminated */
	char **escalate_to; /* reminded of every overdue complaint;
			       NULL-terminated, or NULL */
	bool ask_location;
	int expiry_s;
	int escalate_days;
	const struct status *reopen_to; /* where "not fixed" sends it back */
	int ask_fixed_s; /* how long "is it fixed?" waits for its answer */
	int duplicate_s; /* the same complaint again within this is not filed
			    again (with already_filed) */
	int alert_from, alert_to; /* minutes of the local day officers' alerts
				     go out in; others wait for alert_from */
	struct lwords yes, no;
	struct ltext t[T_COUNT];
};

enum action {
	ACT_FILE,
	ACT_STATUS,
	ACT_UPDATE
};

struct complaint_route {
	enum action action;
	struct desk *desk; /* owned when action == ACT_FILE */
};

const struct category *desk_category(const struct desk *d, const char *id);
const struct status *desk_status(const struct desk *d, const char *id);
/* What a citizen reads for a category id (its first name in lang) and a
 * status id (its name in lang); the id itself when the configuration no
 * longer has it.  Borrowed from d or id. */
const char *desk_category_name(const struct desk *d, const char *id, int lang);
const char *desk_status_name(const struct desk *d, const char *id, int lang);
/* A category an officer typed (its id or one of its names, any
 * language), or NULL. */
const struct category *desk_category_word(const struct desk *d,
    const char *word);
/* The number is one of the desk's officers, or of one of its categories
 * (UPDATE by SMS, STATUS of any complaint). */
bool desk_is_officer(const struct desk *d, const char *number);
/* A status an officer typed (its id or one of its words), or NULL; with
 * typos, also one typo from exactly one status's word (by SMS). */
const struct status *desk_status_word(const struct desk *d, const char *word,
    bool typos);
/* "RECEIVED, PROGRESS, RESOLVED, REJECTED": the first word of each. */
char *desk_status_list(const struct desk *d, int lang);

/*
 * Changes a complaint's status (an officer's act): records the event,
 * tells the citizen in their language (unless they sent STOP), and erases
 * the number of an anonymous complaint that closes.  *ret_told says
 * whether an SMS was queued.  -ENOENT for an unknown reference;
 * DESK_UNCHANGED, and nothing done, for its own status again without a
 * new note (an officer's SMS sent twice must not tell the citizen twice).
 */
#define DESK_UNCHANGED 1
int desk_update(const struct desk *d, struct hctx *ctx, const char *ref,
    const struct status *to, const char *note, const char *by, bool *ret_told);
/* The state of a citizen's session that waits for "is REF fixed?", and
 * that question (ask_fixed) in lang.  Caller frees. */
#define FIXED_STATE "F\t"
char *ask_fixed_text(const struct desk *d, const struct complaint *c, int lang);
/* After the citizen answered "is it fixed?" about `answered` (as it was
 * when asked): another of their complaints to ask about, one that closed
 * with a follow_up status after it (so it was told, not asked, while that
 * question waited), within ask_fixed_days, unanswered and not anonymous.
 * 0 and *ret (caller frees, complaint_done), -ENOENT when none, or a store
 * error. */
int desk_next_fixed(const struct desk *d, struct hctx *ctx,
    const struct complaint *answered, struct complaint *ret);

/*
 * With text `which` (officer_alert, officer_reopened), tells the officers
 * of complaint c -- its category's, else the desk's -- by SMS, each in the
 * language they last used: its reference, category, description and
 * place, the description shortened so that the SMS stays one segment.
 * Officers who sent STOP get nothing.  0 or a store error.
 */
int desk_alert(const struct desk *d, struct hctx *ctx,
    const struct complaint *c, enum ctext which);

/*
 * `baraza complaint remind`: with officer_reminder, one SMS to each
 * officer with complaints open past escalate_after_days (and to each of
 * escalate_to, with all of them), oldest first, as many as one SMS holds;
 * prints each and a total.  dry_run prints without queueing.
 */
int desk_remind(const struct desk *d, struct hctx *ctx, bool dry_run);

/* The day complaint c was filed, "2026-12-04", local. */
void desk_filed_day(const struct complaint *c, char out[16]);
/* Text `which` (officer_alert, officer_reopened, officer_status) about c
 * in lang: {ref} {category} {date} {status} {details}, the description in
 * {details} cut at a word so that the SMS stays one segment.  Caller
 * frees. */
char *desk_officer_text(const struct desk *d, const struct complaint *c,
    enum ctext which, int lang);
/* Complaint `ref` as STATUS REF answers it to an officer: officer_status
 * (what it is about, too), else status_reply; -ENOENT when it is not this
 * desk's. */
int desk_status_reply(const struct desk *d, struct hctx *ctx, const char *ref);
/* UPDATE REF STATUS NOTE from an officer's phone (others: declined). */
int desk_sms_update(const struct desk *d, struct hctx *ctx);
/* `baraza complaint list|show|update`. */
int desk_command(const struct desk *d, struct hctx *ctx, int argc, char **argv);

#endif

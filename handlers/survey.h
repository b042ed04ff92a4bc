/* SPDX-License-Identifier: Apache-2.0 */
/*
 * survey: what survey.c (configuration and the conversation) and
 * survey_cmd.c (`baraza survey results|invite`) share.
 */
#ifndef BARAZA_SURVEY_H
#define BARAZA_SURVEY_H

#include "handler.h"

#define SURVEY_END -1 /* a branch that ends the survey */

enum qtype {
	Q_CHOICE,
	Q_NUMBER,
	Q_YESNO,
	Q_TEXT
};

struct option {
	char *value;
	struct lwords words; /* besides its number */
	int next;            /* question index, SURVEY_END, or -2: default */
};

struct question {
	char *id;
	enum qtype type;
	struct ltext prompt;
	struct option *opts; /* choice */
	size_t nopts;
	long min, max;         /* number */
	int next;              /* after any answer; -2: the following one */
	int next_yes, next_no; /* yes/no; -2: next */
};

enum stext {
	S_INTRO,          /* {question} */
	S_DONE,           /* */
	S_ALREADY,        /* */
	S_HELP,           /* {question} */
	S_INVALID_CHOICE, /* {max} */
	S_INVALID_NUMBER, /* {min} {max} */
	S_INVALID_YESNO,  /* */
	S_GAVE_UP,        /* */
	S_COUNT
};

struct survey {
	char *name;  /* as stored and exported */
	char *route; /* the route's name (its sessions) */
	struct question *qs;
	size_t nqs;
	int64_t repeat_ms; /* 0: once ever; -1: unlimited */
	int expiry_s;
	int max_tries;
	bool give_up_ends;
	struct lwords yes, no;
	struct ltext t[S_COUNT];
	/* invitations */
	int invite_per_min;
	int hours_from, hours_to; /* minutes of the local day */
	int invite_expiry_h;
	const char **ids;    /* the questions' ids, for the exports */
	const char **kinds;  /* and their types */
	const char **labels; /* and prompts */
};

/* The question after answering q (with a choice option, or yes/no). */
int survey_next(const struct survey *s, int q, const char *value);
/* The intro with the first question: what starts the survey. */
char *survey_opening(const struct survey *s, int lang);
/* `baraza survey results|invite`. */
int survey_command(const struct survey *s, struct hctx *ctx, int argc,
    char **argv);

#endif

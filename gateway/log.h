/* SPDX-License-Identifier: Apache-2.0 */
/*
 * log: one line per event on stderr, "LEVEL module: what: why".  The only
 * state is the verbosity threshold, set once at start-up.  Leaf modules
 * (store, router, text, queue) never log; their callers do, once.
 */
#ifndef BARAZA_LOG_H
#define BARAZA_LOG_H

enum log_level {
	LOG_DEBUG,
	LOG_INFO,
	LOG_WARN,
	LOG_ERROR
};

void log_set_level(enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

/* Writes a masked form of a phone number ("+2547****0001") into out. */
const char *log_mask_number(const char *number, char *out, size_t size);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * log: formats and writes log lines to stderr with a UTC timestamp.  One
 * write(2) per line so lines from several threads never interleave.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static enum log_level threshold = LOG_INFO;

void
log_set_level(enum log_level level)
{
	threshold = level;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const names[] = { "debug", "info", "warn", "error" };
	char line[2048];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	int n, m;

	if (level < threshold)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = snprintf(line, sizeof(line),
	    "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s ", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    ts.tv_nsec / 1000000, names[level]);
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	n += m;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	(void)!write(STDERR_FILENO, line, (size_t)n);
}

const char *
log_mask_number(const char *number, char *out, size_t size)
{
	size_t len = strlen(number), i;

	if (size == 0)
		return out;
	for (i = 0; i < len && i + 1 < size; i++) {
		int keep = i < 5 || i + 4 >= len;
		out[i] = keep || len <= 8 ? number[i] : '*';
	}
	out[i] = '\0';
	return out;
}

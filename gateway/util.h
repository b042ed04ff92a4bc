/* SPDX-License-Identifier: Apache-2.0 */
/*
 * util: memory helpers whose failure is fatal (our own out-of-memory is not
 * a condition we handle), a growable string buffer, bounded string copies and
 * clock readings, thread names.  Nothing here logs or touches global state.
 */
#ifndef BARAZA_UTIL_H
#define BARAZA_UTIL_H

#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* Copies at most n bytes of s (stopping at a NUL). */
char *xstrndup(const char *s, size_t n);
/* Copies at most n bytes of UTF-8 s without splitting a character. */
char *xstrndup_utf8(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A NUL-terminated growable buffer; buf_free() accepts an empty one. */
struct buf {
	char *data;
	size_t len;
	size_t cap;
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
void buf_append(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Hands the string to the caller (never NULL); the buffer is empty after. */
char *buf_steal(struct buf *b);

/* Copies at most size-1 bytes and always terminates; returns strlen(src). */
size_t strlcpy_(char *dst, const char *src, size_t size);

/* Parses a whole decimal integer within [min, max]; 0 or -EINVAL/-ERANGE. */
int parse_int64(const char *s, int64_t min, int64_t max, int64_t *ret);

/* Creates a directory and the ones above it, as `mkdir -p` (mode 0750);
 * 0 or a negative errno. */
int mkdir_p(const char *dir);

/* Wall clock in milliseconds since the epoch, and a monotonic clock. */
int64_t now_ms(void);
int64_t mono_ms(void);
int64_t mono_us(void);

/* Names a thread for ps -L, top -H and perf (the first 15 bytes). */
void thread_name(pthread_t t, const char *name);

#endif

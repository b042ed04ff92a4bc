/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exporter: the daemon's daily round at export.time (local): the exports
 * of every day since the last one exported (yesterday, or the days missed
 * while the daemon was down, at most EXPORT_CATCH_UP_DAYS), then pruning
 * day folders older than export.keep_days, erasing message texts older
 * than gateway.retention_days and removing the sessions of conversations
 * over (past gateway.late_answer_min).  Its own thread and store connection: an
 * export of a busy day never holds up webhooks or replies.
 */
#ifndef BARAZA_EXPORTER_H
#define BARAZA_EXPORTER_H

#define EXPORT_CATCH_UP_DAYS 31

struct daemon;
struct exporter;

struct exporter *exporter_start(struct daemon *d, char **ret_err);
/* Finishes the export in progress, then joins. */
void exporter_stop(struct exporter *e);

#endif

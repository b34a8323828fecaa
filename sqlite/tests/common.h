/* SPDX-License-Identifier: MIT */
/* Helpers of the sqlite suite: a private scratch directory, SQL that must
 * succeed, query results as text. */
#ifndef SMSQL_TEST_COMMON_H
#define SMSQL_TEST_COMMON_H

#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,   \
				__LINE__, #cond);                              \
			exit(1);                                               \
		}                                                              \
	} while (0)

/* A growing string. */
struct text {
	char *s;
	size_t len, cap;
};

void text_add(struct text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void text_free(struct text *t);

/* The private directory of this program under $SYNCMAP_TEST_DIR (the
 * build directory, set by meson), else $TMPDIR, else the current one. */
const char *scratch_dir(void);
void scratch_cleanup(void);

/* sqlite3_log to stderr, with the messages kept for checks. */
void log_to_stderr(void);
const char *logged(void);

sqlite3 *open_uri(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void exec(sqlite3 *db, const char *sql);
/* Every row of every statement of sql, as "a|b|c\n" lines, appended. */
void query(sqlite3 *db, const char *sql, struct text *out);
/* The single value of a one-row, one-column query. */
char *query1(sqlite3 *db, const char *sql);
/* SQLITE_FCNTL_VFSNAME of the main database (free with sqlite3_free). */
char *vfs_name(sqlite3 *db, const char *schema);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * syncmap-sqlite-bench: commits per second of single-row INSERT
 * transactions (WAL, synchronous=FULL) through a VFS.
 *
 *   syncmap-sqlite-bench DIR VFS [TRANSACTIONS]
 *
 * Creates DIR/bench-VFS.db (removing an old one), writes 200 warm-up
 * transactions, then times TRANSACTIONS more (default 2000) and prints
 * "VFS PATH N commits in S s: R commits/s".
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "syncmap_sqlite.h"

static void must(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", sql, err);
		exit(1);
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void run(sqlite3 *db, sqlite3_stmt *ins, int n)
{
	for (int i = 0; i < n; i++) {
		must(db, "BEGIN");
		sqlite3_bind_int(ins, 1, i);
		if (sqlite3_step(ins) != SQLITE_DONE) {
			fprintf(stderr, "insert: %s\n", sqlite3_errmsg(db));
			exit(1);
		}
		sqlite3_reset(ins);
		must(db, "COMMIT");
	}
}

int main(int argc, char **argv)
{
	char path[4096], uri[4200], *name = NULL;
	int n = argc > 3 ? atoi(argv[3]) : 2000;
	sqlite3_stmt *ins;
	sqlite3 *db;
	double t;

	if (argc < 3 || n <= 0) {
		fprintf(stderr, "usage: %s DIR VFS [TRANSACTIONS]\n", argv[0]);
		return 2;
	}
	if (syncmap_sqlite_register(0) != SQLITE_OK) {
		fprintf(stderr, "the syncmap VFS could not be registered\n");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/bench-%s.db", argv[1], argv[2]);
	unlink(path);
	snprintf(uri, sizeof(uri), "%s-wal", path);
	unlink(uri);
	snprintf(uri, sizeof(uri), "%s-shm", path);
	unlink(uri);
	snprintf(uri, sizeof(uri), "file:%s?vfs=%s", path, argv[2]);
	if (sqlite3_open_v2(uri, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_URI, NULL) != SQLITE_OK) {
		fprintf(stderr, "open %s: %s\n", uri, sqlite3_errmsg(db));
		return 1;
	}
	must(db, "PRAGMA journal_mode=WAL");
	must(db, "PRAGMA synchronous=FULL");
	must(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER, pad TEXT)");
	if (sqlite3_prepare_v2(db, "INSERT INTO t(v, pad) VALUES (?, 'a row of some length')",
			       -1, &ins, NULL) != SQLITE_OK)
		return 1;
	run(db, ins, 200);
	sqlite3_file_control(db, "main", SQLITE_FCNTL_VFSNAME, &name);
	t = now();
	run(db, ins, n);
	t = now() - t;
	printf("%s %s %d commits in %.2f s: %.0f commits/s\n", argv[2], name ? name : "?", n, t,
	       n / t);
	sqlite3_free(name);
	sqlite3_finalize(ins);
	sqlite3_close(db);
	return 0;
}

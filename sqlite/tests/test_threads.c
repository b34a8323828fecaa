/* SPDX-License-Identifier: MIT */
/*
 * Connections on several threads share one mapping per file: a writer
 * inserts rows in transactions (growing the database and its WAL) while
 * readers on other threads open, query and close their own syncmap
 * connections, and one unix connection reads too.  Every reader sees a
 * consistent snapshot (the rows of whole transactions: a multiple of the
 * batch), and at the end the count is exact and integrity_check is ok.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "common.h"
#include "syncmap_sqlite.h"
#include "vfs_internal.h"

#define BATCH 7
#define TRANSACTIONS 150
#define READERS 3

static char path[600];
static atomic_bool writing = true;
static atomic_int bad;

static void *writer(void *arg)
{
	sqlite3 *db = open_uri("file:%s?vfs=syncmap", path);
	char sql[200];

	(void)arg;
	exec(db, "PRAGMA synchronous=FULL");
	for (int tx = 0; tx < TRANSACTIONS; tx++) {
		exec(db, "BEGIN IMMEDIATE");
		for (int i = 0; i < BATCH; i++) {
			snprintf(sql, sizeof(sql), "INSERT INTO t(v) VALUES (zeroblob(%d))",
				 500 + (tx * BATCH + i) % 3000);
			exec(db, sql);
		}
		exec(db, "COMMIT");
	}
	CHECK(sqlite3_close(db) == SQLITE_OK);
	writing = false;
	return NULL;
}

static void *reader(void *arg)
{
	const char *vfs = arg;

	while (writing) {
		sqlite3 *db = open_uri("file:%s?vfs=%s", path, vfs);

		for (int i = 0; i < 5; i++) {
			char *r = query1(db, "SELECT count(*) FROM t");
			long n = atol(r);

			if (n % BATCH) {
				fprintf(stderr, "a reader saw %ld rows, not whole transactions\n", n);
				bad++;
			}
			free(r);
		}
		CHECK(sqlite3_close(db) == SQLITE_OK);
	}
	return NULL;
}

int main(void)
{
	pthread_t w, r[READERS + 1];
	sqlite3 *db, *keeper;
	char *res, *name;

	log_to_stderr();
	CHECK(sqlite3_threadsafe());
	CHECK(syncmap_sqlite_register(0) == SQLITE_OK);
	snprintf(path, sizeof(path), "%s/threads.db", scratch_dir());
	db = open_uri("file:%s?vfs=syncmap", path);
	free(query1(db, "PRAGMA journal_mode=WAL"));
	exec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)");
	CHECK(sqlite3_close(db) == SQLITE_OK);
	/* Mapped before any unix connection of this process locks it, and
	 * kept: every syncmap connection below shares this mapping. */
	keeper = open_uri("file:%s?vfs=syncmap", path);
	free(query1(keeper, "SELECT count(*) FROM t"));
	name = vfs_name(keeper, "main");
	CHECK(name && strncmp(name, "syncmap(", 8) == 0 && !strstr(name, "unmapped"));
	sqlite3_free(name);

	CHECK(pthread_create(&w, NULL, writer, NULL) == 0);
	for (int i = 0; i < READERS; i++)
		CHECK(pthread_create(&r[i], NULL, reader, "syncmap") == 0);
	CHECK(pthread_create(&r[READERS], NULL, reader, "unix") == 0);
	CHECK(pthread_join(w, NULL) == 0);
	for (int i = 0; i <= READERS; i++)
		CHECK(pthread_join(r[i], NULL) == 0);
	CHECK(bad == 0);
	CHECK(sqlite3_close(keeper) == SQLITE_OK);

	db = open_uri("file:%s?vfs=syncmap", path);
	res = query1(db, "SELECT count(*), sum(length(v)) FROM t");
	printf("rows and bytes: %s\n", res);
	CHECK(atol(res) == BATCH * TRANSACTIONS);
	free(res);
	res = query1(db, "PRAGMA integrity_check");
	CHECK(!strcmp(res, "ok"));
	free(res);
	CHECK(sqlite3_close(db) == SQLITE_OK);
	smsql_sweep();
	CHECK(smsql_open_descriptors() == 0);
	scratch_cleanup();
	return 0;
}

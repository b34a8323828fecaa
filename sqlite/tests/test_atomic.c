/* SPDX-License-Identifier: MIT */
/*
 * SQLITE_IOCAP_BATCH_ATOMIC through syncmap (atomic.c), with whichever
 * SQLite this program is linked with:
 *  - syncmap_atomic=1 maps the main database on libsyncmap's journaled
 *    path, and the file claims BATCH_ATOMIC exactly when this SQLite was
 *    compiled with SQLITE_ENABLE_BATCH_ATOMIC_WRITE (Debian's is not);
 *  - with the claim, commits in rollback mode create no journal file
 *    (journal_mode=PERSIST would leave one behind); without it they do;
 *  - a transaction larger than a quarter of the libsyncmap journal, which
 *    the atomic commit refuses, commits all the same (SQLite rolls the
 *    batch back and writes a rollback journal);
 *  - the results are those of the same statements through unix, the
 *    database reads back through unix after close, integrity_check is ok.
 */
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "syncmap_sqlite.h"

static sqlite3_file *file_of(sqlite3 *db)
{
	sqlite3_file *f = NULL;

	CHECK(sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &f) == SQLITE_OK);
	CHECK(f && f->pMethods);
	return f;
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* A database with rows in it, made through unix (a first transaction on
 * an empty database never takes the batch-atomic commit). */
static void make_db(const char *dir, const char *name)
{
	sqlite3 *db = open_uri("file:%s/%s?vfs=unix", dir, name);

	exec(db, "PRAGMA journal_mode=DELETE");
	exec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER, pad BLOB);"
		 "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 500) "
		 "INSERT INTO t SELECT i, i, zeroblob(300) FROM c;");
	CHECK(sqlite3_close(db) == SQLITE_OK);
}

/* The same statements on either VFS; the state afterwards as text. */
static void work(sqlite3 *db, struct text *out)
{
	for (int i = 0; i < 40; i++) {
		char sql[200];

		snprintf(sql, sizeof(sql),
			 "BEGIN; UPDATE t SET v = v + %d WHERE id %% 7 = %d;"
			 "INSERT INTO t(v, pad) VALUES (%d, randomblob(0)); COMMIT;", i, i % 7, i);
		exec(db, sql);
	}
	/* About 600 KiB of new pages in one transaction: more than a quarter
	 * of a 1 MiB libsyncmap journal. */
	exec(db, "BEGIN;"
		 "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 300) "
		 "INSERT INTO t(v, pad) SELECT i, zeroblob(2000) FROM c; COMMIT;");
	query(db, "SELECT count(*), sum(v), sum(length(pad)) FROM t;"
		  "PRAGMA integrity_check;", out);
}

int main(void)
{
	bool batches = sqlite3_compileoption_used("ENABLE_BATCH_ATOMIC_WRITE");
	struct text s = { 0 }, u = { 0 }, back = { 0 };
	char journal[4200], *name;
	const char *dir;
	sqlite3 *db;
	int iocap;

	log_to_stderr();
	CHECK(syncmap_sqlite_register(0) == SQLITE_OK);
	dir = scratch_dir();
	setenv("SYNCMAP_JOURNAL_SIZE", "1M", 1);

	make_db(dir, "unix.db");
	db = open_uri("file:%s/unix.db?vfs=unix", dir);
	exec(db, "PRAGMA journal_mode=PERSIST; PRAGMA synchronous=FULL");
	work(db, &u);
	CHECK(sqlite3_close(db) == SQLITE_OK);

	make_db(dir, "atomic.db");
	db = open_uri("file:%s/atomic.db?vfs=syncmap&syncmap_atomic=1", dir);
	exec(db, "PRAGMA journal_mode=PERSIST; PRAGMA synchronous=FULL");
	free(query1(db, "SELECT count(*) FROM t"));	/* a lock: now it is mapped */
	name = vfs_name(db, "main");
	CHECK(strcmp(name, "syncmap(journal)/unix") == 0);
	sqlite3_free(name);
	iocap = file_of(db)->pMethods->xDeviceCharacteristics(file_of(db));
	CHECK(!!(iocap & SQLITE_IOCAP_BATCH_ATOMIC) == batches);
	snprintf(journal, sizeof(journal), "%s/atomic.db-journal", dir);
	exec(db, "BEGIN; UPDATE t SET v = v + 1 WHERE id = 1; UPDATE t SET v = v - 1 WHERE id = 1; COMMIT;");
	CHECK(exists(journal) == !batches);
	work(db, &s);
	/* The large transaction went through a rollback journal either way. */
	CHECK(exists(journal));
	CHECK(sqlite3_close(db) == SQLITE_OK);
	if (s.len != u.len || memcmp(s.s, u.s, s.len)) {
		fprintf(stderr, "syncmap_atomic=1 and unix differ:\n%s---\n%s", s.s, u.s);
		exit(1);
	}
	CHECK(strstr(s.s, "|ok\n") || strstr(s.s, "\nok\n"));

	/* Closed: the libsyncmap journal is checkpointed, the file is whole. */
	db = open_uri("file:%s/atomic.db?vfs=unix", dir);
	query(db, "SELECT count(*), sum(v), sum(length(pad)) FROM t; PRAGMA integrity_check;",
	      &back);
	CHECK(sqlite3_close(db) == SQLITE_OK);
	CHECK(back.len == s.len && memcmp(back.s, s.s, s.len) == 0);

	/* Without the parameter, on a mapped path (the page path, by name): no claim. */
	db = open_uri("file:%s/atomic.db?vfs=syncmap&syncmap_nosync=page", dir);
	free(query1(db, "SELECT count(*) FROM t"));
	name = vfs_name(db, "main");
	CHECK(strcmp(name, "syncmap(page)/unix") == 0);
	sqlite3_free(name);
	CHECK(!(file_of(db)->pMethods->xDeviceCharacteristics(file_of(db)) &
		SQLITE_IOCAP_BATCH_ATOMIC));
	CHECK(sqlite3_close(db) == SQLITE_OK);

	printf("syncmap_atomic=1: journaled path, SQLite %s, BATCH_ATOMIC %s, %s, same results as "
	       "unix\n", sqlite3_libversion(), batches ? "claimed" : "not claimed (this SQLite "
	       "never issues the batch file controls)", batches ? "no rollback journal file" :
	       "rollback journal as usual");
	text_free(&s);
	text_free(&u);
	text_free(&back);
	scratch_cleanup();
	return 0;
}

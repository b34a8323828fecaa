/* SPDX-License-Identifier: MIT */
/*
 * The choices for files without MAP_SYNC (syncmap_nosync): the path each
 * file takes and says, a value that names no choice, and the sidecar
 * journal of syncmap_nosync=journal across SQLite's deletion of a WAL file
 * and a crash.
 *
 * 1. Each choice: .vfsname says syncmap(CHOICE)/ on the main database, the
 *    WAL is mapped for page and journal and not for unix, and xFetch
 *    (mmap_size) gives the same rows on each.  A value that names no
 *    choice fails the open.
 * 2. journal, clean: closing the last connection checkpoints and deletes
 *    the WAL; the next open makes a new WAL that is mapped on the journal
 *    path again, and the rows are all there.
 * 3. journal, crash, then syncmap: a child commits and is killed; the WAL
 *    and its journal stay, and the next open through syncmap keeps them
 *    and finds every row.
 * 4. journal, crash, then unix: a child commits and is killed; a
 *    connection through plain unix recovers the WAL, writes, and deletes
 *    it on close, leaving the old WAL's journal behind.  The next syncmap
 *    open creates a WAL of the same name: the old journal must not be
 *    applied to it (nor keep it unmapped), and every row of both sessions
 *    must be there, integrity_check ok, through syncmap and unix.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"
#include "syncmap_sqlite.h"

static const char *dir;

/* Whether the process maps a file whose path is dir/name. */
static bool mapped(const char *name)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[4096], want[1024];
	bool found = false;

	CHECK(f);
	snprintf(want, sizeof(want), "%s/%s\n", dir, name);
	while (!found && fgets(line, sizeof(line), f)) {
		size_t n = strlen(line), w = strlen(want);

		found = n >= w && !strcmp(line + n - w, want);
	}
	fclose(f);
	return found;
}

static bool exists(const char *name)
{
	char p[1024];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return stat(p, &st) == 0;
}

static off_t size_of_file(const char *name)
{
	char p[1024];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return stat(p, &st) == 0 ? st.st_size : -1;
}

static sqlite3 *open_wal(const char *name, const char *vfs, const char *choice)
{
	sqlite3 *db = open_uri("file:%s/%s?vfs=%s%s%s", dir, name, vfs,
			       choice ? "&syncmap_nosync=" : "", choice ? choice : "");

	exec(db, "PRAGMA synchronous=FULL; PRAGMA journal_mode=WAL;"
		 "CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v TEXT)");
	return db;
}

static void insert(sqlite3 *db, int from, int n)
{
	char sql[200];

	for (int i = from; i < from + n; i++) {
		snprintf(sql, sizeof(sql), "INSERT INTO t(id, v) VALUES (%d, printf('%%0400d', %d))",
			 i, i);
		exec(db, sql);
	}
}

/* Rows 0..n-1 exactly, and integrity_check ok. */
static void expect_rows(sqlite3 *db, int n)
{
	char want[100], *r = query1(db, "PRAGMA integrity_check");

	CHECK(!strcmp(r, "ok"));
	free(r);
	r = query1(db, "SELECT count(*) || ',' || coalesce(min(id), -1) || ',' || "
		       "coalesce(max(id), -1) || ',' || sum(v = printf('%0400d', id)) FROM t");
	snprintf(want, sizeof(want), "%d,%d,%d,%d", n, n ? 0 : -1, n - 1, n);
	if (strcmp(r, want)) {
		fprintf(stderr, "rows: %s, want %s\n", r, want);
		exit(1);
	}
	free(r);
}

static void each_choice(void)
{
	static const char *const choices[] = { "page", "journal", "unix" };
	struct text first = { 0 };

	for (int i = 0; i < 3; i++) {
		char name[64], wal[80], want[64], *v;
		struct text rows = { 0 };
		sqlite3 *db;

		snprintf(name, sizeof(name), "choice-%s.db", choices[i]);
		snprintf(wal, sizeof(wal), "%s-wal", name);
		db = open_wal(name, "syncmap", choices[i]);
		exec(db, "PRAGMA mmap_size=268435456");
		insert(db, 0, 300);
		v = vfs_name(db, "main");
		snprintf(want, sizeof(want), "syncmap(%s)/", choices[i]);
		if (!v || (strncmp(v, want, strlen(want)) && strncmp(v, "syncmap(map_sync)/", 18))) {
			fprintf(stderr, "%s: the database took %s, not %s\n", choices[i], v, want);
			exit(1);
		}
		if (strncmp(v, "syncmap(map_sync)/", 18))
			CHECK(mapped(wal) == (strcmp(choices[i], "unix") != 0));
		sqlite3_free(v);
		query(db, "SELECT id, v FROM t WHERE id % 7 = 3", &rows);
		expect_rows(db, 300);
		if (i == 0)
			first = rows;
		else
			CHECK(rows.len == first.len && !memcmp(rows.s, first.s, rows.len));
		if (i)
			text_free(&rows);
		CHECK(sqlite3_close(db) == SQLITE_OK);
		printf("%s: the path it says, 300 rows\n", choices[i]);
	}
	text_free(&first);
	/* A value that names no choice fails the open. */
	{
		sqlite3 *db = NULL;
		char uri[1200];
		int rc;

		snprintf(uri, sizeof(uri), "file:%s/bad.db?vfs=syncmap&syncmap_nosync=msync", dir);
		rc = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				     SQLITE_OPEN_URI, NULL);
		CHECK(rc == SQLITE_CANTOPEN);
		CHECK(strstr(logged(), "it takes page, journal or unix"));
		sqlite3_close(db);
		printf("syncmap_nosync=msync: the open fails\n");
	}
}

/* A child that commits rows 0..n-1 on the journal path and is killed. */
static void crash_child(const char *name, int n)
{
	pid_t pid = fork();
	int st;

	CHECK(pid >= 0);
	if (pid == 0) {
		sqlite3 *db = open_wal(name, "syncmap", "journal");

		insert(db, 0, n);
		raise(SIGKILL);
		_exit(1);
	}
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
}

int main(void)
{
	char wal[100], side[140];
	sqlite3 *db;

	log_to_stderr();
	CHECK(syncmap_sqlite_register(0) == SQLITE_OK);
	dir = scratch_dir();
	each_choice();

	/* 2. Clean close: the WAL is deleted, a new one is journaled again. */
	db = open_wal("clean.db", "syncmap", "journal");
	insert(db, 0, 100);
	CHECK(mapped("clean.db-wal"));
	CHECK(exists("clean.db-wal.syncmap-journal"));
	CHECK(sqlite3_close(db) == SQLITE_OK);
	CHECK(!exists("clean.db-wal"));
	db = open_wal("clean.db", "syncmap", "journal");
	insert(db, 100, 100);
	CHECK(mapped("clean.db-wal"));
	expect_rows(db, 200);
	CHECK(sqlite3_close(db) == SQLITE_OK);
	printf("journal: a WAL deleted and made anew is journaled again, 200 rows\n");

	/* 3. Crash, then syncmap: the journal is kept and every row found. */
	crash_child("crash1.db", 150);
	CHECK(exists("crash1.db-wal") && size_of_file("crash1.db-wal.syncmap-journal") > 0);
	db = open_wal("crash1.db", "syncmap", "journal");
	expect_rows(db, 150);
	CHECK(exists("crash1.db-wal.syncmap-journal"));
	CHECK(mapped("crash1.db-wal"));
	insert(db, 150, 10);
	CHECK(sqlite3_close(db) == SQLITE_OK);
	db = open_wal("crash1.db", "unix", NULL);
	expect_rows(db, 160);
	CHECK(sqlite3_close(db) == SQLITE_OK);
	printf("journal: killed, reopened through syncmap: 160 rows\n");

	/* 4. Crash, then unix, which deletes the WAL; then syncmap. */
	crash_child("crash2.db", 150);
	snprintf(wal, sizeof(wal), "crash2.db-wal");
	snprintf(side, sizeof(side), "%s.syncmap-journal", wal);
	CHECK(exists(wal) && exists(side));
	db = open_wal("crash2.db", "unix", NULL);
	expect_rows(db, 150);
	insert(db, 150, 50);
	CHECK(sqlite3_close(db) == SQLITE_OK);
	CHECK(!exists(wal) && exists(side));	/* the old WAL's journal is left */
	db = open_wal("crash2.db", "syncmap", "journal");
	expect_rows(db, 200);
	insert(db, 200, 30);
	CHECK(mapped(wal));			/* the new WAL is journaled */
	CHECK(strstr(logged(), "removed the journal of a deleted WAL file"));
	expect_rows(db, 230);
	CHECK(sqlite3_close(db) == SQLITE_OK);
	db = open_wal("crash2.db", "unix", NULL);
	expect_rows(db, 230);
	CHECK(sqlite3_close(db) == SQLITE_OK);
	db = open_wal("crash2.db", "syncmap", "journal");
	expect_rows(db, 230);
	CHECK(sqlite3_close(db) == SQLITE_OK);
	printf("journal: killed, WAL recovered and deleted through unix, made anew "
	       "through syncmap: the old journal is not applied, 230 rows\n");
	scratch_cleanup();
	return 0;
}

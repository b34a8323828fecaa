/* SPDX-License-Identifier: MIT */
/*
 * The lock trap ("How To Corrupt An SQLite Database File", section 2.2):
 * closing any descriptor of a file drops every POSIX lock the process
 * holds on it.  One connection holds a lock while syncmap connections of
 * the same process open, map, grow, read and close the same database; a
 * child process then looks for the lock (F_GETLK sees other processes'
 * locks) and must find it still held.
 *
 * With the argument "control" the test closes a descriptor of the
 * database itself at the same point, as a careless VFS would: the child
 * must then find the lock gone and the test fails (meson expects it to).
 */
#include <fcntl.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"
#include "syncmap_sqlite.h"
#include "vfs_internal.h"

static bool control;

/* Whether this process holds a lock on path, as another process sees it. */
static bool lock_held(const char *path)
{
	pid_t me = getpid(), child;
	int status;

	fflush(NULL);
	child = fork();
	CHECK(child >= 0);
	if (child == 0) {
		struct flock fl;
		int fd = open(path, O_RDWR);

		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;
		if (fd < 0 || fcntl(fd, F_GETLK, &fl) < 0)
			_exit(2);
		_exit(fl.l_type != F_UNLCK && fl.l_pid == me ? 0 : 1);
	}
	CHECK(waitpid(child, &status, 0) == child);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) != 2);
	return WEXITSTATUS(status) == 0;
}

/* The point where the VFS could have closed a descriptor. */
static void expect_held(const char *path, const char *when)
{
	if (control) {
		/* What the trap is: any descriptor, closed. */
		close(open(path, O_RDONLY));
	}
	if (!lock_held(path)) {
		fprintf(stderr, "the lock on %s was dropped %s\n", path, when);
		exit(1);
	}
}

static void expect_mapped(sqlite3 *db, bool want)
{
	char *name = vfs_name(db, "main");

	CHECK(name);
	if (want == !!strstr(name, "unmapped")) {
		fprintf(stderr, "expected the database %smapped: %s\n", want ? "" : "un", name);
		exit(1);
	}
	sqlite3_free(name);
}

static void make_db(const char *path, const char *mode)
{
	sqlite3 *db = open_uri("file:%s?vfs=unix", path);
	char sql[128];

	snprintf(sql, sizeof(sql), "PRAGMA journal_mode=%s", mode);
	free(query1(db, sql));
	exec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB);"
		 "INSERT INTO t(v) SELECT zeroblob(1000) FROM "
		 "(WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100) "
		 "SELECT x FROM c)");
	CHECK(sqlite3_close(db) == SQLITE_OK);
}

/* A unix connection holds a write lock; syncmap connections come and go. */
static void holder_unix(const char *dir, const char *mode)
{
	char path[512], path2[512], sql[1200];
	sqlite3 *a, *b, *c, *d;

	snprintf(path, sizeof(path), "%s/held-%s.db", dir, mode);
	snprintf(path2, sizeof(path2), "%s/held2-%s.db", dir, mode);
	make_db(path, mode);
	make_db(path2, mode);

	b = open_uri("file:%s?vfs=syncmap", path);
	free(query1(b, "SELECT count(*) FROM t"));
	expect_mapped(b, true);

	a = open_uri("file:%s?vfs=unix", path);
	snprintf(sql, sizeof(sql), "ATTACH 'file:%s?vfs=unix' AS two", path2);
	exec(a, sql);
	exec(a, "BEGIN IMMEDIATE; INSERT INTO t(v) VALUES (x'01'); INSERT INTO two.t(v) VALUES (x'02')");
	CHECK(lock_held(path));	/* the detector sees a held lock */

	/* The last syncmap connection of a mapped file closes. */
	CHECK(sqlite3_close(b) == SQLITE_OK);
	expect_held(path, "when a syncmap connection closed");

	/* One opens on the parked mapping, reads, closes. */
	c = open_uri("file:%s?vfs=syncmap", path);
	free(query1(c, "SELECT count(*) FROM t"));
	CHECK(sqlite3_close(c) == SQLITE_OK);
	expect_held(path, "when a second syncmap connection came and went");

	/* A file first opened through syncmap while it is locked: not
	 * mapped (a failing map would close a descriptor), but read. */
	d = open_uri("file:%s?vfs=syncmap", path2);
	free(query1(d, "SELECT count(*) FROM t"));
	expect_mapped(d, false);
	CHECK(sqlite3_close(d) == SQLITE_OK);
	expect_held(path2, "when a syncmap connection of a locked file came and went");
	CHECK(smsql_open_descriptors() >= 1);	/* parked, not closed */

	exec(a, "COMMIT");
	CHECK(sqlite3_close(a) == SQLITE_OK);
	CHECK(!lock_held(path));	/* the detector sees a released lock */
	CHECK(!lock_held(path2));
	/* Nothing holds a lock now: the next open closes the parked nodes. */
	smsql_sweep();
	CHECK(smsql_open_descriptors() == 0);
}

/* A syncmap connection holds the lock and grows the file under it, while
 * another syncmap connection opens and closes. */
static void holder_syncmap(const char *dir, const char *mode)
{
	char path[512];
	sqlite3 *w, *r;

	snprintf(path, sizeof(path), "%s/grow-%s.db", dir, mode);
	make_db(path, mode);
	w = open_uri("file:%s?vfs=syncmap&syncmap_reserve=262144", path);
	exec(w, "PRAGMA cache_size=8");	/* spill pages inside the transaction */
	free(query1(w, "SELECT count(*) FROM t"));
	expect_mapped(w, true);
	exec(w, "BEGIN IMMEDIATE");
	/* 2 MiB: past the mapping at open, past its reservation too. */
	exec(w, "INSERT INTO t(v) SELECT zeroblob(4000) FROM "
		"(WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 500) "
		"SELECT x FROM c)");
	expect_held(path, "while the writer grew the file");
	r = open_uri("file:%s?vfs=syncmap", path);
	if (!strcmp(mode, "wal"))
		free(query1(r, "SELECT count(*) FROM t"));
	CHECK(sqlite3_close(r) == SQLITE_OK);
	expect_held(path, "when a reader of the writer's file closed");
	exec(w, "COMMIT");
	free(query1(w, "PRAGMA integrity_check"));
	CHECK(sqlite3_close(w) == SQLITE_OK);
	CHECK(!lock_held(path));
	smsql_sweep();
	CHECK(smsql_open_descriptors() == 0);
}

/* Another process holds a reader's lock: it is no reason to leave the file
 * unmapped, or a mapping open after its last connection closes. */
static void holder_other(const char *dir)
{
	char path[512], c = 0;
	int ready[2], done[2], status;
	pid_t child;
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/other.db", dir);
	make_db(path, "delete");
	CHECK(pipe(ready) == 0 && pipe(done) == 0);
	fflush(NULL);
	child = fork();
	CHECK(child >= 0);
	if (child == 0) {
		struct flock fl;
		int fd = open(path, O_RDWR);

		close(done[1]);		/* the parent's exit ends the wait */
		close(ready[0]);
		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_RDLCK;	/* SQLite's shared range */
		fl.l_whence = SEEK_SET;
		fl.l_start = 0x40000002;
		fl.l_len = 510;
		if (fd < 0 || fcntl(fd, F_SETLK, &fl) < 0 || write(ready[1], "r", 1) != 1)
			_exit(1);
		_exit(read(done[0], &c, 1) == 1 ? 0 : 1);
	}
	CHECK(read(ready[0], &c, 1) == 1);
	db = open_uri("file:%s?vfs=syncmap", path);
	free(query1(db, "SELECT count(*) FROM t"));
	expect_mapped(db, true);
	CHECK(sqlite3_close(db) == SQLITE_OK);
	smsql_sweep();
	CHECK(smsql_open_descriptors() == 0);
	CHECK(write(done[1], "d", 1) == 1);
	CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0);
	close(ready[0]);
	close(ready[1]);
	close(done[0]);
	close(done[1]);
}

int main(int argc, char **argv)
{
	const char *dir;

	control = argc > 1 && !strcmp(argv[1], "control");
	log_to_stderr();
	CHECK(syncmap_sqlite_register(0) == SQLITE_OK);
	dir = scratch_dir();
	holder_unix(dir, "delete");
	holder_unix(dir, "wal");
	holder_syncmap(dir, "delete");
	holder_syncmap(dir, "wal");
	holder_other(dir);
	scratch_cleanup();
	printf("every lock survived the syncmap connections' opens and closes\n");
	return 0;
}

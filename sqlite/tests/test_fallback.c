/* SPDX-License-Identifier: MIT */
/*
 * A file libsyncmap cannot map still opens, reads and writes, through
 * unix: here the mapping is refused because the reservation asked for
 * (syncmap_reserve) does not fit the address space.  The refusal is
 * logged through sqlite3_log, .vfsname says "unmapped", xGetLastError
 * gives libsyncmap's advice, and the same database then maps when opened
 * with the default reservation.
 */
#include <errno.h>

#include "common.h"
#include "syncmap_sqlite.h"

static void check_name(sqlite3 *db, const char *want)
{
	char *name = vfs_name(db, "main");

	CHECK(name);
	if (!strstr(name, want)) {
		fprintf(stderr, "vfsname %s, expected %s\n", name, want);
		exit(1);
	}
	sqlite3_free(name);
}

int main(void)
{
	const char *dir;
	sqlite3_vfs *vfs;
	sqlite3 *db;
	char buf[600];
	char *r;
	int e;

	log_to_stderr();
	CHECK(syncmap_sqlite_register(0) == SQLITE_OK);
	vfs = sqlite3_vfs_find("syncmap");
	CHECK(vfs);
	dir = scratch_dir();
	/* Made through unix, so that it is not empty at the next open. */
	db = open_uri("file:%s/f.db?vfs=unix", dir);
	exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1), (2), (3)");
	CHECK(sqlite3_close(db) == SQLITE_OK);

	db = open_uri("file:%s/f.db?vfs=syncmap&syncmap_reserve=4611686018427387904", dir);
	exec(db, "INSERT INTO t VALUES (4)");
	r = query1(db, "SELECT sum(x) FROM t");
	CHECK(!strcmp(r, "10"));
	free(r);
	check_name(db, "syncmap(unmapped)/unix");
	if (!strstr(logged(), "is not mapped")) {
		fprintf(stderr, "the refusal was not logged\n");
		return 1;
	}
	memset(buf, 0, sizeof(buf));
	e = vfs->xGetLastError(vfs, (int)sizeof(buf), buf);
	CHECK(e == ENOMEM);
	if (!strstr(buf, "address space")) {
		fprintf(stderr, "xGetLastError gave \"%s\"\n", buf);
		return 1;
	}
	r = query1(db, "PRAGMA integrity_check");
	CHECK(!strcmp(r, "ok"));
	free(r);
	CHECK(sqlite3_close(db) == SQLITE_OK);

	/* The control: the default reservation maps the same file. */
	db = open_uri("file:%s/f.db?vfs=syncmap", dir);
	r = query1(db, "SELECT sum(x) FROM t");
	CHECK(!strcmp(r, "10"));
	free(r);
	check_name(db, "syncmap(");
	{
		char *name = vfs_name(db, "main");

		CHECK(name && !strstr(name, "unmapped"));
		sqlite3_free(name);
	}
	CHECK(sqlite3_close(db) == SQLITE_OK);
	scratch_cleanup();
	printf("an unmappable file went through unix and said why\n");
	return 0;
}

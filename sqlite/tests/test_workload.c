/* SPDX-License-Identifier: MIT */
/*
 * One SQL workload through "syncmap" and through "unix", in rollback
 * (DELETE) and WAL mode: every query gives the same rows, integrity_check
 * is ok, and each database opens through the other VFS with the same
 * contents.  The workload grows the database well past the mapping it had
 * at open, shrinks it with VACUUM and grows it again, and writes an
 * ATTACHed database in the same transactions.  A third run on syncmap
 * holds only 1 MiB of address space per mapping, so the tail of the file
 * past it goes through unix.
 *
 *   sqlite-workload [page|journal|unix]
 * runs it with SYNCMAP_SQLITE_NOSYNC set to the choice for files without
 * MAP_SYNC (without one, the defaults); a file that did not get MAP_SYNC
 * must then have taken that path (a WAL file on "unix" is not mapped).
 */
#include <stdbool.h>
#include <stdint.h>

#include "common.h"
#include "syncmap_sqlite.h"
#include "vfs_internal.h"

static uint64_t seed;
static int choice = -1;		/* SYNCMAP_SQLITE_NOSYNC, -1: the defaults */

/* What a file of this kind without MAP_SYNC does in this run. */
static enum smsql_nosync choice_of(bool wal)
{
	if (choice >= 0)
		return (enum smsql_nosync)choice;
	return wal ? SMSQL_DEFAULT_NOSYNC_WAL : SMSQL_DEFAULT_NOSYNC_DB;
}

static unsigned next(void)
{
	seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)(seed >> 33);
}

/* Which path the file behind schema took, checked where it must be mapped. */
static void expect_mapped(sqlite3 *db, const char *schema, const char *vfs)
{
	char *name = vfs_name(db, schema);

	CHECK(name);
	if (!strcmp(vfs, "syncmap")) {
		char want[64];

		snprintf(want, sizeof(want), "syncmap(%s)/", smsql_nosync_name(choice_of(false)));
		CHECK(!strncmp(name, "syncmap(", 8));
		if (strncmp(name, want, strlen(want)) && strncmp(name, "syncmap(map_sync)/", 18)) {
			fprintf(stderr, "%s took %s, not %s\n", schema, name, want);
			exit(1);
		}
	} else {
		CHECK(!strcmp(name, "unix"));
	}
	sqlite3_free(name);
}

/* Whether the process maps a file whose path ends in suffix (the WAL
 * file has no file control that names its VFS; its mapping shows here). */
static bool mapped_file(const char *dir, const char *suffix)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[4096], want[1024];
	bool found = false;

	CHECK(f);
	snprintf(want, sizeof(want), "%s/%s\n", dir, suffix);
	while (!found && fgets(line, sizeof(line), f)) {
		size_t n = strlen(line), w = strlen(want);

		found = n >= w && !strcmp(line + n - w, want);
	}
	fclose(f);
	return found;
}

static void integrity(sqlite3 *db)
{
	char *r = query1(db, "PRAGMA main.integrity_check");

	if (strcmp(r, "ok")) {
		fprintf(stderr, "integrity_check: %s\n", r);
		exit(1);
	}
	free(r);
}

/* The final contents, as text. */
static void contents(sqlite3 *db, struct text *out)
{
	query(db, "SELECT id, k, v, length(b), hex(substr(b, 1, 8)) FROM t ORDER BY id", out);
	query(db, "SELECT count(*), sum(length(data)) FROM big", out);
}

static void workload(const char *dir, const char *name, const char *vfs, const char *mode,
		     const char *extra, struct text *out)
{
	char sql[512];
	sqlite3 *db;
	char *r;

	seed = 42;
	db = open_uri("file:%s/%s.db?vfs=%s%s", dir, name, vfs, extra);
	snprintf(sql, sizeof(sql), "PRAGMA journal_mode=%s", mode);
	r = query1(db, sql);
	CHECK(!strcasecmp(r, mode));
	free(r);
	exec(db, "PRAGMA synchronous=FULL;"
		 "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, v TEXT, b BLOB);"
		 "CREATE INDEX t_k ON t(k);"
		 "CREATE TABLE big(id INTEGER PRIMARY KEY, data BLOB);");
	for (int tx = 0; tx < 20; tx++) {
		exec(db, "BEGIN");
		for (int i = 0; i < 100; i++) {
			snprintf(sql, sizeof(sql),
				 "INSERT INTO t(k, v, b) VALUES (%u, 'v%u', CAST(printf('%%0%ud', %u) AS BLOB))",
				 next() % 1000, next(), next() % 300 + 1, next());
			exec(db, sql);
		}
		exec(db, "COMMIT");
	}
	sqlite3_close(db);

	/* Reopened non-empty: the file is mapped from the start now. */
	db = open_uri("file:%s/%s.db?vfs=%s%s", dir, name, vfs, extra);
	exec(db, "PRAGMA synchronous=FULL");
	query(db, "SELECT count(*) FROM t", out);
	expect_mapped(db, "main", vfs);
	exec(db, "BEGIN;"
		 "UPDATE t SET v = v || '-u' WHERE id % 7 = 0;"
		 "DELETE FROM t WHERE id % 11 = 0;"
		 "COMMIT");
	for (int i = 0; i < 100; i++) {
		snprintf(sql, sizeof(sql), "SELECT id, k, v FROM t WHERE id = %u", next() % 2100);
		query(db, sql, out);
	}
	for (int i = 0; i < 20; i++) {
		unsigned lo = next() % 1000;

		snprintf(sql, sizeof(sql),
			 "SELECT count(*), sum(k), group_concat(id) FROM "
			 "(SELECT id, k FROM t WHERE k BETWEEN %u AND %u ORDER BY k, id)",
			 lo, lo + 50);
		query(db, sql, out);
	}
	/* Far past the size at open: 4 MiB of blobs, in a few transactions. */
	for (int tx = 0; tx < 4; tx++) {
		exec(db, "BEGIN");
		for (int i = 0; i < 16; i++) {
			snprintf(sql, sizeof(sql),
				 "INSERT INTO big(data) VALUES (zeroblob(65536) || x'%08x')", next());
			exec(db, sql);
		}
		exec(db, "COMMIT");
	}
	query(db, "SELECT count(*), sum(length(data)) FROM big", out);
	expect_mapped(db, "main", vfs);
	if (!strcmp(mode, "wal")) {
		char wal[128];

		snprintf(wal, sizeof(wal), "%s.db-wal", name);
		if (mapped_file(dir, wal) != (!strcmp(vfs, "syncmap") &&
					      choice_of(true) != SMSQL_NOSYNC_UNIX)) {
			fprintf(stderr, "the WAL of %s through %s is %smapped\n", name, vfs,
				mapped_file(dir, wal) ? "" : "not ");
			exit(1);
		}
	}
	/* Shrink (VACUUM truncates the file), then grow again inside the
	 * mapping's old length. */
	exec(db, "DELETE FROM big WHERE id % 2 = 0");
	exec(db, "VACUUM");
	integrity(db);
	exec(db, "BEGIN");
	for (int i = 0; i < 40; i++) {
		snprintf(sql, sizeof(sql), "INSERT INTO big(data) VALUES (zeroblob(32768) || x'%08x')",
			 next());
		exec(db, sql);
	}
	exec(db, "COMMIT");
	/* An attached database written in the same transactions. */
	snprintf(sql, sizeof(sql), "ATTACH 'file:%s/%s-aux.db?vfs=%s' AS aux", dir, name, vfs);
	exec(db, sql);
	exec(db, "CREATE TABLE aux.u(id INTEGER PRIMARY KEY, k INTEGER, v TEXT)");
	for (int tx = 0; tx < 5; tx++) {
		exec(db, "BEGIN");
		snprintf(sql, sizeof(sql),
			 "INSERT INTO aux.u(k, v) SELECT k, v FROM main.t WHERE id %% 5 = %d;"
			 "UPDATE main.t SET k = k + 1 WHERE id %% 5 = %d;", tx, tx);
		exec(db, sql);
		exec(db, "COMMIT");
	}
	expect_mapped(db, "aux", vfs);
	query(db, "SELECT count(*), sum(k), group_concat(v) FROM aux.u", out);
	r = query1(db, "PRAGMA aux.integrity_check");
	CHECK(!strcmp(r, "ok"));
	free(r);
	integrity(db);
	exec(db, "DETACH aux");
	contents(db, out);
	CHECK(sqlite3_close(db) == SQLITE_OK);
}

/* Open name's databases through vfs, check and describe them. */
static void reopen(const char *dir, const char *name, const char *vfs, struct text *out)
{
	sqlite3 *db = open_uri("file:%s/%s.db?vfs=%s", dir, name, vfs);
	char sql[512];
	char *r;

	integrity(db);
	expect_mapped(db, "main", vfs);
	contents(db, out);
	snprintf(sql, sizeof(sql), "ATTACH 'file:%s/%s-aux.db?vfs=%s' AS aux", dir, name, vfs);
	exec(db, sql);
	query(db, "SELECT count(*), sum(k), group_concat(v) FROM aux.u", out);
	r = query1(db, "PRAGMA aux.integrity_check");
	CHECK(!strcmp(r, "ok"));
	free(r);
	/* And write through it: the other VFS's database takes a transaction. */
	exec(db, "INSERT INTO t(k, v) VALUES (-1, 'reopened')");
	integrity(db);
	CHECK(sqlite3_close(db) == SQLITE_OK);
}

static void compare(const char *what, const struct text *a, const struct text *b)
{
	if (a->len != b->len || memcmp(a->s, b->s, a->len)) {
		fprintf(stderr, "%s: the results differ (%zu and %zu bytes)\n", what, a->len,
			b->len);
		exit(1);
	}
}

static void run_mode(const char *dir, const char *mode)
{
	struct text s = { 0 }, u = { 0 }, small = { 0 }, s2 = { 0 }, u2 = { 0 };
	char ns[64], nu[64], nsmall[64];

	snprintf(ns, sizeof(ns), "sm-%s", mode);
	snprintf(nu, sizeof(nu), "unix-%s", mode);
	snprintf(nsmall, sizeof(nsmall), "small-%s", mode);
	workload(dir, ns, "syncmap", mode, "", &s);
	workload(dir, nu, "unix", mode, "", &u);
	workload(dir, nsmall, "syncmap", mode, "&syncmap_reserve=1048576", &small);
	compare("syncmap against unix", &s, &u);
	compare("syncmap with a 1 MiB reservation against unix", &small, &u);
	CHECK(s.len > 10000);
	/* Each opens in the other. */
	reopen(dir, ns, "unix", &s2);
	reopen(dir, nu, "syncmap", &u2);
	compare("syncmap's database through unix", &s2, &u2);
	text_free(&s2);
	text_free(&u2);
	reopen(dir, ns, "syncmap", &s2);
	reopen(dir, nu, "unix", &u2);
	compare("written by both, read back", &s2, &u2);
	printf("%s: syncmap and unix agree on %zu bytes of results\n", mode, s.len);
	text_free(&s);
	text_free(&u);
	text_free(&small);
	text_free(&s2);
	text_free(&u2);
}

int main(int argc, char **argv)
{
	const char *dir;
	sqlite3_vfs *v;

	if (argc > 1) {
		choice = !strcmp(argv[1], "page") ? SMSQL_NOSYNC_PAGE :
			 !strcmp(argv[1], "journal") ? SMSQL_NOSYNC_JOURNAL :
			 !strcmp(argv[1], "unix") ? SMSQL_NOSYNC_UNIX : -1;
		CHECK(choice >= 0);
		setenv("SYNCMAP_SQLITE_NOSYNC", argv[1], 1);
	}
	log_to_stderr();
	CHECK(syncmap_sqlite_register(0) == SQLITE_OK);
	CHECK(!strcmp(sqlite3_vfs_find(NULL)->zName, "unix"));
	dir = scratch_dir();
	run_mode(dir, "delete");
	run_mode(dir, "wal");
	/* The argument makes it the default. */
	CHECK(syncmap_sqlite_register(1) == SQLITE_OK);
	v = sqlite3_vfs_find(NULL);
	CHECK(v && !strcmp(v->zName, "syncmap"));
	scratch_cleanup();
	return 0;
}

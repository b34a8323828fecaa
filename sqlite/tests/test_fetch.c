/* SPDX-License-Identifier: MIT */
/*
 * SQLite's memory-mapped I/O through syncmap (xFetch, PRAGMA mmap_size):
 *  - xFetch hands out pointers into the mapping that read what the file
 *    holds, at one address for the whole file, none past mmap_size, past
 *    the end of the file or with mmap_size 0;
 *  - the pointers stay valid (same address, same bytes) across growth far
 *    past the size at open, and after a VACUUM truncates the file no
 *    pointer past the new end is handed out;
 *  - a SQL workload with mmap_size set gives the same results through
 *    syncmap as through unix, in DELETE and WAL mode, and integrity_check
 *    is ok.
 */
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "syncmap_sqlite.h"

static sqlite3_file *file_of(sqlite3 *db)
{
	sqlite3_file *f = NULL;

	CHECK(sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &f) == SQLITE_OK);
	CHECK(f && f->pMethods && f->pMethods->iVersion >= 3);
	return f;
}

static void *fetch(sqlite3_file *f, sqlite3_int64 off, int amt)
{
	void *p = (void *)1;

	CHECK(f->pMethods->xFetch(f, off, amt, &p) == SQLITE_OK);
	if (p)
		CHECK(f->pMethods->xUnfetch(f, off, p) == SQLITE_OK);
	return p;
}

static off_t file_size(const char *path)
{
	struct stat st;

	CHECK(stat(path, &st) == 0);
	return st.st_size;
}

/* The pointer reads what pread reads. */
static void same_bytes(const char *path, const void *p, off_t off, size_t len)
{
	unsigned char buf[4096];
	int fd = open(path, O_RDONLY);

	CHECK(fd >= 0 && len <= sizeof(buf));
	CHECK(pread(fd, buf, len, off) == (ssize_t)len);
	close(fd);
	if (memcmp(buf, p, len)) {
		fprintf(stderr, "xFetch at %lld does not read what the file holds\n",
			(long long)off);
		exit(1);
	}
}

static void pointers(const char *dir)
{
	char path[600];
	sqlite3 *db;
	sqlite3_file *f;
	unsigned char *p0, *p;
	off_t size;

	snprintf(path, sizeof(path), "%s/fetch.db", dir);
	db = open_uri("file:%s?vfs=syncmap", path);
	exec(db, "PRAGMA journal_mode=DELETE; PRAGMA synchronous=FULL;"
		 "CREATE TABLE big(id INTEGER PRIMARY KEY, data BLOB);"
		 "INSERT INTO big(data) VALUES (randomblob(20000));");
	sqlite3_close(db);

	db = open_uri("file:%s?vfs=syncmap", path);
	exec(db, "PRAGMA synchronous=FULL");
	f = file_of(db);
	/* mmap_size 0 (the default): no pointer. */
	CHECK(fetch(f, 0, 4096) == NULL);
	free(query1(db, "PRAGMA mmap_size=1073741824"));
	size = file_size(path);
	p0 = fetch(f, 0, 4096);
	if (!p0) {
		fprintf(stderr, "xFetch gave no pointer with mmap_size set\n");
		exit(1);
	}
	same_bytes(path, p0, 0, 4096);
	p = fetch(f, size - 4096, 4096);
	CHECK(p == p0 + size - 4096);
	same_bytes(path, p, size - 4096, 4096);
	CHECK(fetch(f, size, 4096) == NULL);		/* past the end */
	CHECK(fetch(f, size - 100, 4096) == NULL);	/* across it */

	/* Growth to 8 MiB and more: the same address, the same bytes. */
	exec(db, "BEGIN");
	for (int i = 0; i < 128; i++)
		exec(db, "INSERT INTO big(data) VALUES (randomblob(65536))");
	exec(db, "COMMIT");
	size = file_size(path);
	CHECK(size > 8 << 20);
	CHECK(fetch(f, 0, 4096) == p0);
	same_bytes(path, p0, 0, 4096);
	p = fetch(f, size - 4096, 4096);
	CHECK(p == p0 + size - 4096);
	same_bytes(path, p, size - 4096, 4096);

	/* The limit: nothing past mmap_size. */
	free(query1(db, "PRAGMA mmap_size=65536"));
	CHECK(fetch(f, 61440, 4096) == p0 + 61440);
	CHECK(fetch(f, 65536, 4096) == NULL);
	free(query1(db, "PRAGMA mmap_size=1073741824"));

	/* VACUUM truncates the file: nothing past the new end. */
	exec(db, "DELETE FROM big WHERE id > 2; VACUUM");
	CHECK(file_size(path) < size / 4);
	CHECK(fetch(f, size - 4096, 4096) == NULL);
	size = file_size(path);
	CHECK(fetch(f, size - 4096, 4096) == p0 + size - 4096);
	same_bytes(path, p0 + size - 4096, size - 4096, 4096);
	CHECK(fetch(f, size, 4096) == NULL);
	CHECK(!strcmp(query1(db, "PRAGMA integrity_check"), "ok"));
	CHECK(sqlite3_close(db) == SQLITE_OK);
	printf("xFetch: pointers at one address across growth to 8 MiB and a VACUUM\n");
}

/* The same statements through a VFS with mmap_size set; the results. */
static void workload(const char *dir, const char *vfs, const char *mode, struct text *out)
{
	char sql[300];
	sqlite3 *db, *reader;
	uint64_t seed = 7;

	db = open_uri("file:%s/w-%s-%s.db?vfs=%s", dir, vfs, mode, vfs);
	reader = open_uri("file:%s/w-%s-%s.db?vfs=%s", dir, vfs, mode, vfs);
	snprintf(sql, sizeof(sql), "PRAGMA journal_mode=%s", mode);
	free(query1(db, sql));
	exec(db, "PRAGMA synchronous=FULL; PRAGMA mmap_size=268435456;"
		 "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, v BLOB);"
		 "CREATE INDEX t_k ON t(k)");
	free(query1(reader, "PRAGMA mmap_size=268435456"));
	for (int round = 0; round < 6; round++) {
		exec(db, "BEGIN");
		for (int i = 0; i < 300; i++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			snprintf(sql, sizeof(sql),
				 "INSERT INTO t(k, v) VALUES (%u, zeroblob(%u) || x'%08x')",
				 (unsigned)(seed >> 40) % 5000, (unsigned)(seed >> 20) % 3000,
				 (unsigned)(seed >> 32));
			exec(db, sql);
		}
		exec(db, "COMMIT");
		if (round == 3)
			exec(db, "DELETE FROM t WHERE id % 3 = 0; VACUUM");
		query(reader, "SELECT count(*), sum(k), sum(length(v)) FROM t", out);
		query(reader, "SELECT id, k, hex(substr(v, -4)) FROM t WHERE k < 250 ORDER BY k, id",
		      out);
	}
	if (strcmp(query1(db, "PRAGMA integrity_check"), "ok")) {
		fprintf(stderr, "integrity_check failed through %s in %s mode\n", vfs, mode);
		exit(1);
	}
	CHECK(sqlite3_close(reader) == SQLITE_OK);
	CHECK(sqlite3_close(db) == SQLITE_OK);
}

int main(void)
{
	const char *dir;

	log_to_stderr();
	CHECK(syncmap_sqlite_register(0) == SQLITE_OK);
	dir = scratch_dir();
	pointers(dir);
	for (int i = 0; i < 2; i++) {
		const char *mode = i ? "wal" : "delete";
		struct text s = { 0 }, u = { 0 };

		workload(dir, "syncmap", mode, &s);
		workload(dir, "unix", mode, &u);
		if (s.len != u.len || memcmp(s.s, u.s, s.len)) {
			fprintf(stderr, "%s: syncmap and unix differ with mmap_size set\n", mode);
			exit(1);
		}
		CHECK(s.len > 1000);
		printf("%s: syncmap and unix agree on %zu bytes with mmap_size set\n", mode, s.len);
		text_free(&s);
		text_free(&u);
	}
	scratch_cleanup();
	return 0;
}

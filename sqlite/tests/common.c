/* SPDX-License-Identifier: MIT */
#include "common.h"

#include <dirent.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[PATH_MAX];
static struct text log_text;

void text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	CHECK(n >= 0);
	if (t->len + (size_t)n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 256;

		while (cap < t->len + (size_t)n + 1)
			cap *= 2;
		t->s = realloc(t->s, cap);
		CHECK(t->s);
		t->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(t->s + t->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

void text_free(struct text *t)
{
	free(t->s);
	memset(t, 0, sizeof(*t));
}

const char *scratch_dir(void)
{
	const char *base = getenv("SYNCMAP_TEST_DIR");

	if (dir[0])
		return dir;
	if (!base || !*base)
		base = getenv("TMPDIR");
	if (!base || !*base)
		base = ".";
	snprintf(dir, sizeof(dir), "%s/sqlite-test-XXXXXX", base);
	if (!mkdtemp(dir)) {
		fprintf(stderr, "no scratch directory in %s; set SYNCMAP_TEST_DIR or TMPDIR to a "
			"writable directory\n", base);
		exit(1);
	}
	return dir;
}

void scratch_cleanup(void)
{
	DIR *d;
	struct dirent *e;
	char p[PATH_MAX + 256];

	if (!dir[0] || !(d = opendir(dir)))
		return;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

static void on_log(void *arg, int code, const char *msg)
{
	(void)arg;
	fprintf(stderr, "sqlite3_log(%d): %s\n", code, msg);
	text_add(&log_text, "%s\n", msg);
}

void log_to_stderr(void)
{
	CHECK(sqlite3_config(SQLITE_CONFIG_LOG, on_log, NULL) == SQLITE_OK);
}

const char *logged(void)
{
	return log_text.s ? log_text.s : "";
}

sqlite3 *open_uri(const char *fmt, ...)
{
	char uri[PATH_MAX + 256];
	sqlite3 *db = NULL;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(uri, sizeof(uri), fmt, ap);
	va_end(ap);
	rc = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			     SQLITE_OPEN_URI, NULL);
	if (rc != SQLITE_OK) {
		fprintf(stderr, "open %s: %s\n", uri, db ? sqlite3_errmsg(db) : "no memory");
		exit(1);
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, 5000);
	return db;
}

void exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "SQL failed: %s\n  %s (extended code %d)\n", sql, err,
			sqlite3_extended_errcode(db));
		exit(1);
	}
}

static int row(void *arg, int n, char **v, char **names)
{
	struct text *out = arg;

	(void)names;
	for (int i = 0; i < n; i++)
		text_add(out, "%s%s", i ? "|" : "", v[i] ? v[i] : "NULL");
	text_add(out, "\n");
	return 0;
}

void query(sqlite3 *db, const char *sql, struct text *out)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, row, out, &err) != SQLITE_OK) {
		fprintf(stderr, "query failed: %s\n  %s (extended code %d)\n", sql, err,
			sqlite3_extended_errcode(db));
		exit(1);
	}
}

char *query1(sqlite3 *db, const char *sql)
{
	struct text t = { 0 };

	query(db, sql, &t);
	CHECK(t.len > 0);
	if (t.s[t.len - 1] == '\n')
		t.s[--t.len] = 0;
	return t.s;
}

char *vfs_name(sqlite3 *db, const char *schema)
{
	char *name = NULL;

	if (sqlite3_file_control(db, schema, SQLITE_FCNTL_VFSNAME, &name) != SQLITE_OK)
		return NULL;
	return name;
}

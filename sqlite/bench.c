/* SPDX-License-Identifier: MIT */
/*
 * syncmap-sqlite-bench: SQLite workloads through the syncmap VFS and
 * through unix, side by side (README.md, "Measuring").
 *
 *   syncmap-sqlite-bench DIR VFS [TRANSACTIONS]
 *	single-row INSERT transactions, WAL, synchronous=FULL, through VFS on
 *	a fresh database in DIR: "VFS PATH N commits in S s: R commits/s".
 *
 *   syncmap-sqlite-bench --matrix DIR [--rounds R] [--seconds S]
 *			  [--rows N] [--syscalls] [--only CONFIG]
 *	every configuration (table below) on its own database in DIR, all
 *	open at once; each round runs every workload on every configuration,
 *	one after the other, starting from a different configuration each
 *	round, each sample S seconds (default 0.5).  Prints per configuration
 *	and workload the median operations per second and the median of the
 *	per-round ratios to unix-wal-full (the baseline), with the
 *	interquartile range of that ratio, and the median per-round ratio
 *	to unix in the same journal mode (unix-delete-extra for a DELETE
 *	configuration, when it runs; unix-wal-full otherwise).  --syscalls also runs, per
 *	configuration, each write workload a fixed number of times under
 *	strace(1) and prints the fsync, fdatasync, msync and write/pwrite64
 *	calls per transaction of the measured part alone.
 *
 *   syncmap-sqlite-bench --count DIR CONFIG WORKLOAD N
 *	(used by --syscalls) sets up CONFIG, calls getppid() once, runs N
 *	operations of WORKLOAD, calls getppid() again: the system calls
 *	between the two markers belong to the N operations.
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

/* ---- the original single-workload mode ---- */

static void run_inserts(sqlite3 *db, sqlite3_stmt *ins, int n)
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

static void unlink_db(const char *path)
{
	char p[4200];

	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-journal", path);
	unlink(p);
}

/* The sidecar journals a syncmap_nosync=journal configuration leaves. */
static void unlink_journals(const char *path)
{
	char p[4300];

	snprintf(p, sizeof(p), "%s.syncmap-journal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-wal.syncmap-journal", path);
	unlink(p);
}

static int single(const char *dir, const char *vfs, int n)
{
	char path[4096], uri[4200], *name = NULL;
	sqlite3_stmt *ins;
	sqlite3 *db;
	double t;

	snprintf(path, sizeof(path), "%s/bench-%s.db", dir, vfs);
	unlink_db(path);
	unlink_journals(path);
	snprintf(uri, sizeof(uri), "file:%s?vfs=%s", path, vfs);
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
	run_inserts(db, ins, 200);
	sqlite3_file_control(db, "main", SQLITE_FCNTL_VFSNAME, &name);
	t = now();
	run_inserts(db, ins, n);
	t = now() - t;
	printf("%s %s %d commits in %.2f s: %.0f commits/s\n", vfs, name ? name : "?", n, t,
	       n / t);
	sqlite3_free(name);
	sqlite3_finalize(ins);
	sqlite3_close(db);
	return 0;
}

/* ---- the matrix ---- */

struct config {
	const char *name;
	const char *vfs;
	const char *journal;	/* journal_mode */
	const char *sync;	/* synchronous */
	int mmap;		/* PRAGMA mmap_size=MMAP_SIZE */
	const char *nosync;	/* URI syncmap_nosync=, for a file without MAP_SYNC */
};

/* The baseline is the first row. */
static const struct config configs[] = {
	{ "unix-wal-full", "unix", "WAL", "FULL", 0, NULL },
	{ "unix-wal-full-mmap", "unix", "WAL", "FULL", 1, NULL },
	{ "unix-wal-normal", "unix", "WAL", "NORMAL", 0, NULL },
	{ "unix-wal-normal-mmap", "unix", "WAL", "NORMAL", 1, NULL },
	{ "unix-wal-off", "unix", "WAL", "OFF", 0, NULL },	/* durable at no commit */
	{ "syncmap-wal-full", "syncmap", "WAL", "FULL", 0, NULL },
	{ "syncmap-wal-full-mmap", "syncmap", "WAL", "FULL", 1, NULL },
	{ "syncmap-wal-full-page", "syncmap", "WAL", "FULL", 0, "page" },
	{ "syncmap-wal-full-journal", "syncmap", "WAL", "FULL", 0, "journal" },
	{ "syncmap-wal-full-unix", "syncmap", "WAL", "FULL", 0, "unix" },
	{ "unix-delete-extra", "unix", "DELETE", "EXTRA", 0, NULL },
	{ "syncmap-delete-extra", "syncmap", "DELETE", "EXTRA", 0, NULL },
	{ "syncmap-delete-extra-page", "syncmap", "DELETE", "EXTRA", 0, "page" },
	{ "syncmap-delete-extra-journal", "syncmap", "DELETE", "EXTRA", 0, "journal" },
	{ "syncmap-delete-extra-unix", "syncmap", "DELETE", "EXTRA", 0, "unix" },
	/* SQLITE_IOCAP_BATCH_ATOMIC on the journaled path (atomic.c); with a
	 * SQLite built without SQLITE_ENABLE_BATCH_ATOMIC_WRITE it is the
	 * journaled path under a rollback journal. */
	{ "syncmap-atomic-extra", "syncmap", "DELETE", "EXTRA", 0, NULL },
};

/* More URI parameters a configuration's name calls for. */
static const char *config_uri(const struct config *c)
{
	return strncmp(c->name, "syncmap-atomic", 14) == 0 ? "&syncmap_atomic=1" : "";
}
#define NCONFIG (int)(sizeof(configs) / sizeof(configs[0]))
#define MMAP_SIZE "1073741824"

enum { W_INSERT1, W_INSERT100, W_UPDATE, W_READ, W_SCAN, NWORK };
static const char *const work_names[NWORK] = { "insert1", "insert100", "update", "read", "scan" };
static const char *const work_units[NWORK] = { "commits/s", "commits/s", "commits/s",
					       "reads/s", "scans/s" };

struct conn {
	const struct config *c;
	sqlite3 *db;
	sqlite3_stmt *ins, *upd, *get, *scan;
	char *path_name;
	int rows;		/* rows with ids 1..rows exist */
	unsigned seed;
};

static sqlite3_stmt *prep(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
		exit(1);
	}
	return st;
}

static void step_done(sqlite3 *db, sqlite3_stmt *st)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "step: %s\n", sqlite3_errmsg(db));
		exit(1);
	}
	sqlite3_reset(st);
}

static unsigned next_rand(struct conn *k)
{
	k->seed = k->seed * 1103515245u + 12345u;
	return k->seed >> 8;
}

static void insert_row(struct conn *k)
{
	sqlite3_bind_int(k->ins, 1, (int)(next_rand(k) & 0xffff));
	step_done(k->db, k->ins);
	k->rows++;
}

static void conn_open(struct conn *k, const struct config *c, const char *dir, int rows)
{
	char path[4096], uri[4200], sql[128];

	memset(k, 0, sizeof(*k));
	k->c = c;
	k->seed = 1;
	snprintf(path, sizeof(path), "%s/matrix-%s.db", dir, c->name);
	unlink_db(path);
	unlink_journals(path);
	snprintf(uri, sizeof(uri), "file:%s?vfs=%s%s%s%s", path, c->vfs,
		 c->nosync ? "&syncmap_nosync=" : "", c->nosync ? c->nosync : "", config_uri(c));
	if (sqlite3_open_v2(uri, &k->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_URI, NULL) != SQLITE_OK) {
		fprintf(stderr, "open %s: %s\n", uri, sqlite3_errmsg(k->db));
		exit(1);
	}
	snprintf(sql, sizeof(sql), "PRAGMA journal_mode=%s", c->journal);
	must(k->db, sql);
	snprintf(sql, sizeof(sql), "PRAGMA synchronous=%s", c->sync);
	must(k->db, sql);
	must(k->db, c->mmap ? "PRAGMA mmap_size=" MMAP_SIZE : "PRAGMA mmap_size=0");
	must(k->db, "CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER, pad TEXT)");
	k->ins = prep(k->db, "INSERT INTO t(v, pad) VALUES (?, "
			     "'a row of some length, about a hundred bytes of text that "
			     "pads the row out to a realistic size')");
	k->upd = prep(k->db, "UPDATE t SET v = v + 1 WHERE id = ?");
	k->get = prep(k->db, "SELECT v, pad FROM t WHERE id = ?");
	k->scan = prep(k->db, "SELECT sum(v), count(*) FROM t WHERE id BETWEEN ? AND ?");
	must(k->db, "BEGIN");
	for (int i = 0; i < rows; i++)
		insert_row(k);
	must(k->db, "COMMIT");
	must(k->db, "PRAGMA wal_checkpoint(TRUNCATE)");
	sqlite3_file_control(k->db, "main", SQLITE_FCNTL_VFSNAME, &k->path_name);
}

static void conn_close(struct conn *k)
{
	sqlite3_finalize(k->ins);
	sqlite3_finalize(k->upd);
	sqlite3_finalize(k->get);
	sqlite3_finalize(k->scan);
	sqlite3_free(k->path_name);
	sqlite3_close(k->db);
}

/* One operation of workload w. */
static void op(struct conn *k, int w)
{
	int id;

	switch (w) {
	case W_INSERT1:
		must(k->db, "BEGIN");
		insert_row(k);
		must(k->db, "COMMIT");
		break;
	case W_INSERT100:
		must(k->db, "BEGIN");
		for (int i = 0; i < 100; i++)
			insert_row(k);
		must(k->db, "COMMIT");
		break;
	case W_UPDATE:
		sqlite3_bind_int(k->upd, 1, (int)(next_rand(k) % (unsigned)k->rows) + 1);
		step_done(k->db, k->upd);
		break;
	case W_READ:
		sqlite3_bind_int(k->get, 1, (int)(next_rand(k) % (unsigned)k->rows) + 1);
		if (sqlite3_step(k->get) != SQLITE_ROW) {
			fprintf(stderr, "read: no row\n");
			exit(1);
		}
		sqlite3_reset(k->get);
		break;
	case W_SCAN:
		id = (int)(next_rand(k) % (unsigned)(k->rows > 100 ? k->rows - 100 : 1)) + 1;
		sqlite3_bind_int(k->scan, 1, id);
		sqlite3_bind_int(k->scan, 2, id + 99);
		step_done(k->db, k->scan);
		break;
	}
}

/* Operations per second over about `seconds`. */
static double sample(struct conn *k, int w, double seconds)
{
	double t0 = now(), t;
	long n = 0;

	do {
		for (int i = 0; i < 8; i++)
			op(k, w);
		n += 8;
		t = now() - t0;
	} while (t < seconds);
	return (double)n / t;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The q-quantile (0..1) of v[0..n), sorted in place. */
/* The q-quantile of v[0..n), which is sorted. */
static double quantile_sorted(const double *v, int n, double q)
{
	double pos = q * (n - 1), frac;
	int i = (int)pos;

	frac = pos - i;
	return i + 1 < n ? v[i] * (1 - frac) + v[i + 1] * frac : v[i];
}

/* The q-quantile of v[0..n), sorting v. */
static double quantile(double *v, int n, double q)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return quantile_sorted(v, n, q);
}

/* The quartiles of v[0..n), sorting v once. */
static void quartiles(double *v, int n, double *q1, double *med, double *q3)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	*q1 = quantile_sorted(v, n, 0.25);
	*med = quantile_sorted(v, n, 0.5);
	*q3 = quantile_sorted(v, n, 0.75);
}

static const struct config *find_config(const char *name)
{
	for (int i = 0; i < NCONFIG; i++)
		if (strcmp(configs[i].name, name) == 0)
			return &configs[i];
	return NULL;
}

static int find_work(const char *name)
{
	for (int w = 0; w < NWORK; w++)
		if (strcmp(work_names[w], name) == 0)
			return w;
	return -1;
}

static int count_mode(const char *dir, const char *cname, const char *wname, int n, int rows)
{
	const struct config *c = find_config(cname);
	int w = find_work(wname);
	struct conn k;

	if (!c || w < 0 || n < 0) {
		fprintf(stderr, "--count: unknown configuration or workload\n");
		return 2;
	}
	conn_open(&k, c, dir, rows);
	for (int i = 0; i < 20; i++)	/* warm-up: the WAL exists, the mapping too */
		op(&k, w);
	(void)getppid();
	for (int i = 0; i < n; i++)
		op(&k, w);
	(void)getppid();
	conn_close(&k);
	return 0;
}

/* Runs --count under strace for one configuration and workload; fills
 * per-operation counts of fsync, fdatasync, msync, writes (write+pwrite64). */
static int strace_counts(const char *dir, const char *cname, const char *wname, int n,
			 int rows, double out[4])
{
	char exe[4096], cmd[12000], line[1024];
	int inside = 0, markers = 0;
	long cnt[4] = { 0, 0, 0, 0 };
	ssize_t len;
	FILE *f;

	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len <= 0)
		return -1;
	exe[len] = 0;
	snprintf(cmd, sizeof(cmd),
		 "strace -f -qq -e trace=getppid,fsync,fdatasync,msync,pwrite64,write "
		 "-e signal=none -o '%s/strace.out' '%s' --count '%s' %s %s %d --rows %d "
		 ">/dev/null",
		 dir, exe, dir, cname, wname, n, rows);
	if (system(cmd) != 0) {
		fprintf(stderr, "failed: %s\n", cmd);
		return -1;
	}
	snprintf(cmd, sizeof(cmd), "%s/strace.out", dir);
	f = fopen(cmd, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		const char *s = line;

		while (*s >= '0' && *s <= '9')	/* the pid strace -f puts first */
			s++;
		while (*s == ' ')
			s++;
		if (strncmp(s, "getppid(", 8) == 0) {
			inside = !inside;
			markers++;
			continue;
		}
		if (!inside)
			continue;
		if (strncmp(s, "fsync(", 6) == 0)
			cnt[0]++;
		else if (strncmp(s, "fdatasync(", 10) == 0)
			cnt[1]++;
		else if (strncmp(s, "msync(", 6) == 0)
			cnt[2]++;
		else if (strncmp(s, "write(", 6) == 0 || strncmp(s, "pwrite64(", 9) == 0)
			cnt[3]++;
	}
	fclose(f);
	unlink(cmd);
	if (markers != 2)
		return -1;
	for (int i = 0; i < 4; i++)
		out[i] = (double)cnt[i] / n;
	return 0;
}

/* Whether name is one of the comma-separated names of list. */
static int in_list(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *s = list; (s = strstr(s, name)); s += n)
		if ((s == list || s[-1] == ',') && (s[n] == ',' || s[n] == 0))
			return 1;
	return 0;
}

static int matrix(int argc, char **argv)
{
	const char *dir = NULL, *only = NULL;
	int rounds = 5, rows = 20000, syscalls = 0, nconf = 0, base = -1, mbase[NCONFIG];
	double seconds = 0.5;
	const struct config *use[NCONFIG];
	struct conn conns[NCONFIG];
	double *ops, *ratio, *mratio, *tmp;

	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
			seconds = atof(argv[++i]);
		else if (strcmp(argv[i], "--rows") == 0 && i + 1 < argc)
			rows = atoi(argv[++i]);
		else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
			only = argv[++i];
		else if (strcmp(argv[i], "--syscalls") == 0)
			syscalls = 1;
		else if (!dir)
			dir = argv[i];
		else {
			fprintf(stderr, "--matrix: unknown argument %s\n", argv[i]);
			return 2;
		}
	}
	if (!dir || rounds < 1 || rows < 200 || seconds <= 0) {
		fprintf(stderr, "usage: %s --matrix DIR [--rounds R] [--seconds S] [--rows N] "
			"[--syscalls] [--only CONFIG,...]\n", argv[0]);
		return 2;
	}
	for (int i = 0; i < NCONFIG; i++) {
		if (only && !in_list(only, configs[i].name) && i != 0)
			continue;
		if (i == 0)
			base = nconf;
		use[nconf++] = &configs[i];
	}
	ops = calloc((size_t)(NCONFIG * NWORK * rounds), sizeof(double));
	ratio = calloc((size_t)(NCONFIG * NWORK * rounds), sizeof(double));
	mratio = calloc((size_t)(NCONFIG * NWORK * rounds), sizeof(double));
	tmp = calloc((size_t)rounds, sizeof(double));
	if (!ops || !ratio || !mratio || !tmp)
		return 1;
	/* Each configuration's unix baseline of the same journal mode. */
	for (int c = 0; c < nconf; c++) {
		mbase[c] = base;
		if (strcmp(use[c]->journal, "DELETE") == 0)
			for (int b = 0; b < nconf; b++)
				if (strcmp(use[b]->name, "unix-delete-extra") == 0)
					mbase[c] = b;
	}
#define AT(a, c, w, r) a[((c) * NWORK + (w)) * rounds + (r)]
	for (int c = 0; c < nconf; c++)
		conn_open(&conns[c], use[c], dir, rows);
	printf("# syncmap-sqlite-bench --matrix %s: %d rounds, %.2f s per sample, %d rows "
	       "preloaded\n", dir, rounds, seconds, rows);
	for (int c = 0; c < nconf; c++)
		printf("# %-28s vfs=%s journal_mode=%s synchronous=%s mmap_size=%s "
		       "syncmap_nosync=%s path=%s\n",
		       use[c]->name, use[c]->vfs, use[c]->journal, use[c]->sync,
		       use[c]->mmap ? MMAP_SIZE : "0", use[c]->nosync ? use[c]->nosync : "-",
		       conns[c].path_name);
	fflush(stdout);
	for (int r = 0; r < rounds; r++) {
		for (int w = 0; w < NWORK; w++) {
			for (int j = 0; j < nconf; j++) {
				int c = (j + r) % nconf;

				AT(ops, c, w, r) = sample(&conns[c], w, seconds);
			}
			for (int c = 0; c < nconf; c++) {
				AT(ratio, c, w, r) = AT(ops, c, w, r) / AT(ops, base, w, r);
				AT(mratio, c, w, r) = AT(ops, c, w, r) / AT(ops, mbase[c], w, r);
			}
		}
		fprintf(stderr, "round %d/%d done\n", r + 1, rounds);
	}
	for (int c = 0; c < nconf; c++)
		conn_close(&conns[c]);

	printf("\n| configuration | workload | ops/s (median) | ratio to unix-wal-full "
	       "(median) | ratio IQR | ratio to unix, same journal mode (median, IQR) |\n"
	       "|---|---|---|---|---|---|\n");
	for (int w = 0; w < NWORK; w++) {
		for (int c = 0; c < nconf; c++) {
			double med, q1, q3;

			for (int r = 0; r < rounds; r++)
				tmp[r] = AT(ops, c, w, r);
			med = quantile(tmp, rounds, 0.5);
			printf("| %s | %s | %.0f %s |", use[c]->name, work_names[w], med,
			       work_units[w]);
			for (int r = 0; r < rounds; r++)
				tmp[r] = AT(ratio, c, w, r);
			quartiles(tmp, rounds, &q1, &med, &q3);
			printf(" %.2f | %.2f–%.2f |", med, q1, q3);
			for (int r = 0; r < rounds; r++)
				tmp[r] = AT(mratio, c, w, r);
			quartiles(tmp, rounds, &q1, &med, &q3);
			printf(" %.2f (%.2f–%.2f) |\n", med, q1, q3);
		}
	}
	if (syscalls) {
		static const int sw[] = { W_INSERT1, W_INSERT100, W_UPDATE };
		static const int sn[] = { 200, 50, 200 };

		printf("\nSystem calls per transaction (strace -f, the measured operations "
		       "only, after 20 warm-up operations):\n\n"
		       "| configuration | workload | fsync | fdatasync | msync | "
		       "write+pwrite64 |\n|---|---|---|---|---|---|\n");
		fflush(stdout);
		for (int c = 0; c < nconf; c++) {
			for (int i = 0; i < 3; i++) {
				double v[4];

				if (strace_counts(dir, use[c]->name, work_names[sw[i]], sn[i],
						  rows, v) != 0) {
					printf("| %s | %s | strace failed |||\n", use[c]->name,
					       work_names[sw[i]]);
					continue;
				}
				printf("| %s | %s | %.2f | %.2f | %.2f | %.2f |\n",
				       use[c]->name, work_names[sw[i]], v[0], v[1], v[2], v[3]);
				fflush(stdout);
			}
		}
	}
	for (int c = 0; c < nconf; c++) {
		char path[4200];

		snprintf(path, sizeof(path), "%s/matrix-%s.db", dir, use[c]->name);
		unlink_db(path);
		unlink_journals(path);
	}
	free(ops);
	free(ratio);
	free(mratio);
	free(tmp);
	return 0;
}

int main(int argc, char **argv)
{
	if (syncmap_sqlite_register(0) != SQLITE_OK) {
		fprintf(stderr, "the syncmap VFS could not be registered\n");
		return 1;
	}
	if (argc >= 2 && strcmp(argv[1], "--matrix") == 0)
		return matrix(argc, argv);
	if (argc >= 6 && strcmp(argv[1], "--count") == 0) {
		int rows = 20000;

		if (argc >= 8 && strcmp(argv[6], "--rows") == 0)
			rows = atoi(argv[7]);
		return count_mode(argv[2], argv[3], argv[4], atoi(argv[5]), rows);
	}
	if (argc >= 3 && argv[1][0] != '-') {
		int n = argc > 3 ? atoi(argv[3]) : 2000;

		if (n > 0)
			return single(argv[1], argv[2], n);
	}
	fprintf(stderr, "usage: %s DIR VFS [TRANSACTIONS]\n"
		"       %s --matrix DIR [--rounds R] [--seconds S] [--rows N] [--syscalls] "
		"[--only CONFIG,...]\n", argv[0], argv[0]);
	return 2;
}

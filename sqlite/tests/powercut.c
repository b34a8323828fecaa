/* SPDX-License-Identifier: MIT */
/*
 * A SQLite workload for power cuts (tests/dax/powercut.list) and for strict
 * mode's crash points (test_strict.sh), and its verifier.
 *
 *   sqlite-powercut wal|rollback|unix-control[:CHOICE] TARGET TAG RUN [READY]
 *   sqlite-powercut verify TARGET TAG RUN ACKED HOW[:CHOICE] [sweep]
 *
 * TARGET is a directory; the database is TARGET/db.  Two threads, each
 * with its own connection, commit transactions: thread T's transaction S
 * inserts row (T, S) with a payload that follows from (RUN, T, S) and adds
 * one to T's counter row.  "ACK TAG/T S" is printed once COMMIT returned.
 * READY is created after the first acknowledgement.  The writers pause
 * 10 ms after each transaction and never stop, unless
 * SQLITE_POWERCUT_TXNS=N asks for N transactions in all; then one
 * thread alternates between the two connections (the same persists in the
 * same order every time, as a crash-point sweep needs) and the program
 * exits.  SQLITE_POWERCUT_URI adds URI parameters to the syncmap opens
 * ("&syncmap_atomic=1": the journaled path, batch-atomic commits with a
 * SQLite that has them).
 *
 *   wal           the syncmap VFS, journal_mode=WAL, synchronous=FULL,
 *                 wal_autocheckpoint=16 (checkpoints and WAL restarts
 *                 happen within a few dozen transactions), mmap_size set
 *                 (database pages are read through xFetch's pointers)
 *   rollback      the syncmap VFS, journal_mode=DELETE, synchronous=EXTRA
 *                 (the unlink of the journal commits a transaction, and
 *                 only EXTRA syncs the directory after it: under FULL a
 *                 power cut can bring the journal back, and the next open
 *                 rolls the acknowledged transaction back), mmap_size set
 *   unix-control  SQLite's unix VFS, journal_mode=WAL, synchronous=OFF:
 *                 nothing is made durable; after a power cut it must have
 *                 lost acknowledged transactions
 *
 * CHOICE (page, journal or unix) is the URI parameter syncmap_nosync of
 * every open, the verifier's too: what a file without MAP_SYNC does
 * (syncmap-sqlite(7)); without it, the VFS's defaults.
 *
 * verify gets ACKED as "N0,N1" (the transactions each thread had
 * acknowledged) and prints one line
 *   RESULT powercut-TAG-runRUN PASS|FAIL acked=A recovered=R lost=L ...
 * PASS needs integrity_check "ok", every acknowledged row whole (its
 * payload byte for byte), each thread's rows numbered 0..n-1 without a gap,
 * and each counter equal to its thread's rows (a transaction is all or
 * nothing).  For the control, PASS means it lost an acknowledged
 * transaction (or its database).  The database is opened through the VFS
 * the workload used; on a DAX file (STATX_ATTR_DAX) the syncmap VFS must
 * have taken the MAP_SYNC path, elsewhere the path of CHOICE, or of the
 * default for a main database (SMSQL_DEFAULT_NOSYNC_DB).  Nothing
 * acknowledged fails a power cut (it tested nothing), but not a crash
 * point of a sweep ("sweep"), where the early points come before any
 * acknowledgement.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "syncmap_sqlite.h"
#include "vfs_internal.h"

#define THREADS 2
#define MAX_PAYLOAD 600

static const char *target, *tag, *how;
static char how_buf[64];
static const char *nosync;	/* CHOICE, or NULL: the defaults */
static uint64_t run;
static char db_path[PATH_MAX];
static pthread_mutex_t out_mu = PTHREAD_MUTEX_INITIALIZER;
static const char *ready_path;
static bool ready_made;

static void die(const char *what, sqlite3 *db)
{
	fprintf(stderr, "sqlite-powercut %s: %s: %s\n", tag, what,
		db ? sqlite3_errmsg(db) : "");
	exit(1);
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/* The payload of thread t's transaction s in this run: its length, and
 * its bytes in buf. */
static int payload(unsigned t, uint64_t s, unsigned char *buf)
{
	uint64_t h = mix(run * 1000003 + t * 7919 + s);
	int len = 40 + (int)(h % (MAX_PAYLOAD - 40));

	for (int i = 0; i < len; i++) {
		if (i % 8 == 0)
			h = mix(h + (uint64_t)i);
		buf[i] = (unsigned char)(h >> (8 * (i % 8)));
	}
	return len;
}

static bool is_control(const char *h)
{
	return !strcmp(h, "unix-control");
}

/* Retry a busy lock every 200 us for up to a minute: SQLite's own
 * handler sleeps longer and longer, and one writer can then starve the
 * other (in rollback mode, for seconds). */
static int busy(void *arg, int n)
{
	(void)arg;
	if (n >= 300000)
		return 0;
	usleep(200);
	return 1;
}

/* SQLITE_POWERCUT_URI: more URI parameters for the syncmap opens, as
 * "&syncmap_atomic=1" (the database then takes the journaled path). */
static const char *extra_uri(void)
{
	const char *e = getenv("SQLITE_POWERCUT_URI");

	return e ? e : "";
}

static sqlite3 *open_db(const char *h)
{
	sqlite3 *db = NULL;
	char uri[PATH_MAX + 64];

	snprintf(uri, sizeof(uri), "file:%s?vfs=%s%s%s%s", db_path,
		 is_control(h) ? "unix" : SYNCMAP_SQLITE_VFS_NAME,
		 nosync ? "&syncmap_nosync=" : "", nosync ? nosync : "",
		 is_control(h) ? "" : extra_uri());
	if (sqlite3_open_v2(uri, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_URI, NULL) != SQLITE_OK)
		die("open", db);
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_handler(db, busy, NULL);
	return db;
}

static void exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "sqlite-powercut %s: %s: %s (extended code %d)\n", tag, sql,
			err, sqlite3_extended_errcode(db));
		exit(1);
	}
}

/* synchronous first: a change of journal mode under the default (FULL)
 * would fsync, and one fsync on the control's file system makes its
 * files durable (and every other workload's there). */
static void set_mode(sqlite3 *db, const char *h)
{
	if (!strcmp(h, "rollback")) {
		exec(db, "PRAGMA synchronous=EXTRA; PRAGMA journal_mode=DELETE;"
			 "PRAGMA mmap_size=268435456");
	} else if (!strcmp(h, "wal")) {
		exec(db, "PRAGMA synchronous=FULL; PRAGMA journal_mode=WAL;"
			 "PRAGMA wal_autocheckpoint=16; PRAGMA mmap_size=268435456");
	} else {
		exec(db, "PRAGMA synchronous=OFF; PRAGMA journal_mode=WAL");
	}
}

struct writer {
	sqlite3 *db;
	sqlite3_stmt *ins, *upd;
	unsigned t;
	uint64_t s;
};

static void writer_open(struct writer *w, unsigned t)
{
	w->t = t;
	w->s = 0;
	w->db = open_db(how);
	set_mode(w->db, how);
	if (sqlite3_prepare_v2(w->db, "INSERT INTO t(thread, seq, payload) VALUES (?1, ?2, ?3)",
			       -1, &w->ins, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(w->db, "UPDATE counter SET n = n + 1 WHERE thread = ?1",
			       -1, &w->upd, NULL) != SQLITE_OK)
		die("prepare", w->db);
}

/* One transaction, acknowledged once COMMIT has returned. */
static void writer_step(struct writer *w)
{
	unsigned char buf[MAX_PAYLOAD];
	int len = payload(w->t, w->s, buf);

	exec(w->db, "BEGIN IMMEDIATE");
	sqlite3_bind_int(w->ins, 1, (int)w->t);
	sqlite3_bind_int64(w->ins, 2, (sqlite3_int64)w->s);
	sqlite3_bind_blob(w->ins, 3, buf, len, SQLITE_TRANSIENT);
	if (sqlite3_step(w->ins) != SQLITE_DONE)
		die("insert", w->db);
	sqlite3_reset(w->ins);
	sqlite3_bind_int(w->upd, 1, (int)w->t);
	if (sqlite3_step(w->upd) != SQLITE_DONE || sqlite3_changes(w->db) != 1)
		die("update", w->db);
	sqlite3_reset(w->upd);
	exec(w->db, "COMMIT");
	pthread_mutex_lock(&out_mu);
	printf("ACK %s/%u %" PRIu64 "\n", tag, w->t, w->s);
	fflush(stdout);
	if (ready_path && !ready_made) {
		int fd = open(ready_path, O_CREAT | O_WRONLY, 0644);

		if (fd >= 0)
			close(fd);
		ready_made = true;
	}
	pthread_mutex_unlock(&out_mu);
	w->s++;
}

/* A pause after each transaction leaves CPU time to the other workloads
 * cut at the same moment (they share the guest's emulated CPUs); a
 * transaction in the guest takes tens of milliseconds, so the writers
 * still spend most of their time committing. */
#define PAUSE_US 10000

static void *writer_loop(void *arg)
{
	struct writer *w = arg;

	for (;;) {
		writer_step(w);
		usleep(PAUSE_US);
	}
	return NULL;
}

static int do_write(void)
{
	struct writer w[THREADS];
	const char *txns = getenv("SQLITE_POWERCUT_TXNS");
	sqlite3 *db;
	char sql[200];

	if (strcmp(how, "wal") && strcmp(how, "rollback") && !is_control(how)) {
		fprintf(stderr, "sqlite-powercut: unknown HOW %s\n", how);
		return 2;
	}
	/* The schema, in one transaction, before any acknowledgement. */
	db = open_db(how);
	set_mode(db, how);
	exec(db, "BEGIN");
	exec(db, "CREATE TABLE t(thread INTEGER, seq INTEGER, payload BLOB NOT NULL,"
		 " PRIMARY KEY (thread, seq));"
		 "CREATE TABLE counter(thread INTEGER PRIMARY KEY, n INTEGER NOT NULL)");
	for (unsigned t = 0; t < THREADS; t++) {
		snprintf(sql, sizeof(sql), "INSERT INTO counter VALUES (%u, 0)", t);
		exec(db, sql);
	}
	exec(db, "COMMIT");
	if (sqlite3_close(db) != SQLITE_OK)
		die("close", NULL);
	for (unsigned t = 0; t < THREADS; t++)
		writer_open(&w[t], t);
	if (txns) {
		long n = atol(txns);

		for (long i = 0; i < n; i++)
			writer_step(&w[i % THREADS]);
		for (unsigned t = 0; t < THREADS; t++) {
			sqlite3_finalize(w[t].ins);
			sqlite3_finalize(w[t].upd);
			if (sqlite3_close(w[t].db) != SQLITE_OK)
				die("close", NULL);
		}
		return 0;
	}
	for (unsigned t = 0; t < THREADS; t++) {
		pthread_t th;

		if (pthread_create(&th, NULL, writer_loop, &w[t]))
			die("pthread_create", NULL);
	}
	for (;;)
		pause();
}

/* ---- verify */

struct check {
	uint64_t acked[THREADS];
	uint64_t rows[THREADS], counter[THREADS];
	uint64_t recovered[THREADS];	/* acknowledged rows found whole */
	uint64_t bad_rows;		/* rows whose payload is not theirs */
	uint64_t gaps;			/* missing seq below a thread's highest */
	char lost[THREADS][160];	/* which acknowledged ones are missing */
	char integrity[200];
	char path[100];
};

static void note_lost(char *buf, size_t cap, uint64_t s)
{
	size_t len = strlen(buf);

	if (len + 24 >= cap) {
		if (len + 4 < cap && !strstr(buf, "..."))
			strcat(buf, "...");
		return;
	}
	snprintf(buf + len, cap - len, "%s%" PRIu64, len ? " " : "", s);
}

static void check_db(sqlite3 *db, struct check *c)
{
	sqlite3_stmt *st;
	unsigned char buf[MAX_PAYLOAD];
	char *name = NULL;

	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK) {
		snprintf(c->integrity, sizeof(c->integrity), "cannot run: %s", sqlite3_errmsg(db));
		return;
	}
	c->integrity[0] = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		size_t len = strlen(c->integrity);

		snprintf(c->integrity + len, sizeof(c->integrity) - len, "%s%s",
			 len ? "; " : "", v ? v : "NULL");
	}
	if (sqlite3_finalize(st) != SQLITE_OK && !c->integrity[0])
		snprintf(c->integrity, sizeof(c->integrity), "failed: %s", sqlite3_errmsg(db));
	for (unsigned t = 0; t < THREADS; t++) {
		uint64_t next = 0;
		char sql[120];

		snprintf(sql, sizeof(sql), "SELECT n FROM counter WHERE thread = %u", t);
		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW)
			c->counter[t] = (uint64_t)sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		snprintf(sql, sizeof(sql),
			 "SELECT seq, payload FROM t WHERE thread = %u ORDER BY seq", t);
		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
			continue;
		while (sqlite3_step(st) == SQLITE_ROW) {
			uint64_t s = (uint64_t)sqlite3_column_int64(st, 0);
			int len = payload(t, s, buf);
			bool whole = sqlite3_column_bytes(st, 1) == len &&
				     !memcmp(sqlite3_column_blob(st, 1), buf, (size_t)len);

			c->rows[t]++;
			for (; next < s; next++) {
				c->gaps++;
				if (next < c->acked[t])
					note_lost(c->lost[t], sizeof(c->lost[t]), next);
			}
			next = s + 1;
			if (!whole) {
				c->bad_rows++;
				if (s < c->acked[t])
					note_lost(c->lost[t], sizeof(c->lost[t]), s);
			} else if (s < c->acked[t]) {
				c->recovered[t]++;
			}
		}
		sqlite3_finalize(st);
		for (; next < c->acked[t]; next++)
			note_lost(c->lost[t], sizeof(c->lost[t]), next);
	}
	if (sqlite3_file_control(db, "main", SQLITE_FCNTL_VFSNAME, &name) == SQLITE_OK && name)
		snprintf(c->path, sizeof(c->path), "%s", name);
	sqlite3_free(name);
}

static bool file_is_dax(const char *p)
{
#ifdef STATX_ATTR_DAX
	struct statx sx;

	if (statx(AT_FDCWD, p, 0, STATX_BASIC_STATS, &sx) == 0)
		return (sx.stx_attributes_mask & STATX_ATTR_DAX) &&
		       (sx.stx_attributes & STATX_ATTR_DAX);
#else
	(void)p;
#endif
	return false;
}

static int do_verify(const char *acked_arg, const char *vhow, bool sweep)
{
	struct check c = { 0 };
	struct stat st;
	uint64_t acked = 0, recovered = 0;
	const char *a = acked_arg;
	bool control = is_control(vhow), pass, consistent = true, path_ok = true;
	char why[300] = "", detail[THREADS * 220] = "";
	const char *want = NULL;
	char wantbuf[64];

	for (unsigned t = 0; t < THREADS && *a; t++) {
		c.acked[t] = strtoull(a, (char **)&a, 10);
		if (*a == ',')
			a++;
		acked += c.acked[t];
	}
	if (stat(db_path, &st) < 0 || st.st_size == 0) {
		/* Gone or empty: everything acknowledged was lost. */
		snprintf(c.integrity, sizeof(c.integrity), "no database (%s)",
			 stat(db_path, &st) < 0 ? strerror(errno) : "empty file");
		for (unsigned t = 0; t < THREADS; t++)
			if (c.acked[t])
				snprintf(c.lost[t], sizeof(c.lost[t]), "all %" PRIu64, c.acked[t]);
		consistent = false;
	} else {
		bool dax = file_is_dax(db_path);
		sqlite3 *db = open_db(vhow);

		check_db(db, &c);
		sqlite3_close(db);
		if (!control) {
			snprintf(wantbuf, sizeof(wantbuf), "syncmap(%s)/",
				 dax ? "map_sync" :
				 strstr(extra_uri(), "syncmap_atomic=1") ? "journal" :
				 nosync ? nosync : smsql_nosync_name(SMSQL_DEFAULT_NOSYNC_DB));
			want = wantbuf;
			path_ok = !strncmp(c.path, want, strlen(want));
		}
	}
	for (unsigned t = 0; t < THREADS; t++) {
		size_t len = strlen(detail);

		recovered += c.recovered[t];
		if (c.rows[t] != c.counter[t])
			consistent = false;
		snprintf(detail + len, sizeof(detail) - len,
			 " t%u=%" PRIu64 "/%" PRIu64 "(rows=%" PRIu64 " counter=%" PRIu64 "%s%s)",
			 t, c.recovered[t], c.acked[t], c.rows[t], c.counter[t],
			 c.lost[t][0] ? " lost " : "", c.lost[t]);
	}
	if (c.gaps || c.bad_rows)
		consistent = false;
	if (control) {
		pass = acked > 0 && recovered < acked;
	} else {
		pass = (acked > 0 || sweep) && recovered == acked &&
		       !strcmp(c.integrity, "ok") && consistent && path_ok;
		if (!acked && !sweep)
			snprintf(why, sizeof(why), " (nothing acknowledged: the cut tested nothing)");
		else if (strcmp(c.integrity, "ok"))
			snprintf(why, sizeof(why), " (integrity_check: %s)", c.integrity);
		else if (!consistent)
			snprintf(why, sizeof(why), " (rows and counters disagree, or a gap: "
				 "gaps=%" PRIu64 " bad_rows=%" PRIu64 ")", c.gaps, c.bad_rows);
		else if (!path_ok)
			snprintf(why, sizeof(why), " (the database took %s, not %s)", c.path, want);
	}
	printf("RESULT powercut-%s-run%" PRIu64 " %s acked=%" PRIu64 " recovered=%" PRIu64
	       " lost=%" PRIu64 " integrity=%s path=%s%s%s%s\n",
	       tag, run, pass ? "PASS" : "FAIL", acked, recovered, acked - recovered,
	       !strcmp(c.integrity, "ok") ? "ok" :
	       !strncmp(c.integrity, "no database", 11) ? "no-database" : "bad",
	       c.path[0] ? c.path : "-", detail, why,
	       control ? (pass ? " (the control lost acknowledged transactions, as it must)"
			       : " (the control kept everything: this cut proves nothing)")
		       : "");
	if (!control && strcmp(c.integrity, "ok"))
		fprintf(stderr, "integrity_check of %s: %s\n", db_path, c.integrity);
	return pass ? 0 : 1;
}

int main(int argc, char **argv)
{
	char *end;

	if (argc < 5 || (!strcmp(argv[1], "verify") && argc < 7)) {
		fprintf(stderr, "usage: sqlite-powercut wal|rollback|unix-control TARGET TAG RUN "
				"[READY]\n"
				"       sqlite-powercut verify TARGET TAG RUN ACKED HOW [sweep]\n");
		return 2;
	}
	target = argv[2];
	tag = argv[3];
	run = strtoull(argv[4], &end, 10);
	if (*end || end == argv[4]) {
		fprintf(stderr, "sqlite-powercut: RUN '%s' is not a number\n", argv[4]);
		return 2;
	}
	snprintf(db_path, sizeof(db_path), "%s/db", target);
	if (syncmap_sqlite_register(0) != SQLITE_OK) {
		fprintf(stderr, "sqlite-powercut: cannot register the syncmap VFS\n");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* HOW[:CHOICE] */
	snprintf(how_buf, sizeof(how_buf), "%s", !strcmp(argv[1], "verify") ? argv[6] : argv[1]);
	if (strchr(how_buf, ':')) {
		nosync = strchr(how_buf, ':') + 1;
		*strchr(how_buf, ':') = 0;
		if (strcmp(nosync, "page") && strcmp(nosync, "journal") && strcmp(nosync, "unix")) {
			fprintf(stderr, "sqlite-powercut: unknown CHOICE %s\n", nosync);
			return 2;
		}
	}
	if (!strcmp(argv[1], "verify")) {
		how = how_buf;
		return do_verify(argv[5], how, argc > 7 && !strcmp(argv[7], "sweep"));
	}
	how = how_buf;
	ready_path = argc > 5 ? argv[5] : NULL;
	return do_write();
}

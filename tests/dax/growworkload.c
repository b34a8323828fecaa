/* SPDX-License-Identifier: MIT */
/*
 * A mapping that grows in place, under power cuts.
 *
 *   grow-sync     TARGET/data opened with syncmap_open_reserve() at
 *                 GR_BASE bytes, SYNCMAP_REQUIRE_SYNC (ext4 and xfs with
 *                 -o dax), GR_RESERVE reserved
 *   grow-journal  the same with SYNCMAP_JOURNAL, where MAP_SYNC is missing
 *                 (ext4 -o dax=never, or the unflagged directory of the
 *                 dax=inode ext4 that nobody else syncs)
 *   grow-control  the same as grow-journal without the journal and without
 *                 persisting the markers: it must lose acknowledged ones
 *   grow-dax-control  the same on a DAX file (the control's file system,
 *                 which nothing else syncs), sparse and without MAP_SYNC;
 *                 it persists its first line once, so that the file and
 *                 its first MiB are durable, then grows without persists:
 *                 its markers reach the media, but not the blocks and the
 *                 size that hold them, so it must lose acknowledged ones
 *
 * Round i (from 1) grows the one mapping with syncmap_grow() to
 * GR_BASE + i * GR_STEP bytes (4 MiB a round), writes a marker into the
 * last line of the new size, persists it and only then prints
 * "ACK TAG i-1".  It prints "GROWING TAG i-1" before the grow, so the host
 * can count the cuts that came between the two: inside a grow or its
 * marker's persist.  A second thread meanwhile persists lines of the first
 * half MiB without pause, so cuts land inside grows, inside persists on
 * the old range, and between them.
 * After GR_ROUNDS rounds (1 MiB to 257 MiB) it stops growing.  The file
 * systems of the guest are 1 GiB, shared with the other workloads; a run
 * deletes the file of the run before once that has been verified
 * (drop_last_run), and stops growing early, leaving GR_MARGIN, if the file
 * system fills.
 *
 * Nothing is synced but by the library: no grow syncs the new size (see
 * syncmap_grow(3) for what commits it on each path), so a cut after an ACK
 * finds the size durable only if the path made it so.
 *
 * After the cut, "verify" opens the file (with SYNCMAP_JOURNAL on the
 * journal's runs, which replays) and passes only if it is at least as long
 * as the last acknowledged grow made it and every acknowledged marker is
 * whole.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <syncmap.h>

#include "marker.h"
#include "workload.h"

#define GR_BASE (1u << 20)
#define GR_STEP (4u << 20)	/* 64 rounds reach 257 MiB before most cuts */
#define GR_ROUNDS 64
#define GR_RESERVE ((uint64_t)GR_BASE + (uint64_t)GR_ROUNDS * GR_STEP)
#define GR_WORK_MS 2	/* the host cuts 0.2-4 s in: reach the last round */
/* Room left to the workloads this one shares its file system with. */
#define GR_MARGIN ((uint64_t)8 << 20)
#define GR_LINE 64u		/* the lines the second thread persists */
#define GR_MAGIC 0x32574f5247534d53ull	/* "SMGROW2" */

bool gr_how(const char *how)
{
	return !strcmp(how, "grow-sync") || !strcmp(how, "grow-journal") ||
	       !strcmp(how, "grow-control") || !strcmp(how, "grow-dax-control");
}

static bool is_control(const char *how)
{
	return !strcmp(how, "grow-control") || !strcmp(how, "grow-dax-control");
}

static uint64_t size_of(uint64_t round)
{
	return GR_BASE + round * (uint64_t)GR_STEP;
}

static unsigned flags_of(const char *how)
{
	if (!strcmp(how, "grow-sync"))
		return SYNCMAP_REQUIRE_SYNC;
	if (!strcmp(how, "grow-journal"))
		return SYNCMAP_JOURNAL;
	/* Sparse: a preallocating open syncs its zeros, which would commit
	 * the file system's metadata, the other control's included. */
	if (!strcmp(how, "grow-dax-control"))
		return SYNCMAP_FORBID_SYNC | SYNCMAP_SPARSE;
	return SYNCMAP_FORBID_SYNC;
}

static int fail(const struct log *l, const char *what, int r)
{
	say("WORKLOAD %s %s failed: %s (%s)", l->tag, what, strerror(-r), syncmap_last_advice());
	return 1;
}

static void sleep_ms(unsigned ms)
{
	struct timespec t = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&t, NULL);
}

struct gr_old {
	const struct log *l;
	struct syncmap *m;
};

/* Persists on the old range, during the grows. */
static void *old_range(void *arg)
{
	struct gr_old *o = arg;
	uint8_t *a = syncmap_addr(o->m);

	for (uint64_t k = 0;; k++) {
		uint8_t *p = a + (k % (GR_BASE / 2 / GR_LINE)) * GR_LINE;
		int r;

		memset(p, (int)k, GR_LINE);
		r = syncmap_persist(o->m, p, GR_LINE);
		if (r) {
			fail(o->l, "persist on the old range", r);
			_exit(1);
		}
	}
	return NULL;
}

/* Would the next step leave the other workloads less than GR_MARGIN? */
static bool room_for_step(const struct log *l)
{
	struct statvfs v;

	return statvfs(l->target, &v) != 0 ||
	       (uint64_t)v.f_bavail * v.f_frsize >= GR_MARGIN + GR_STEP;
}

static int one_round(const struct log *l, struct syncmap *m, uint64_t round, bool control)
{
	uint8_t *p;
	int r;

	say("GROWING %s %" PRIu64, l->tag, round - 1);
	r = room_for_step(l) ? syncmap_grow(m, size_of(round), 0) : -ENOSPC;

	if (r == -ENOSPC)
		return 2;	/* the file system is (nearly) full: stop growing */
	if (r)
		return fail(l, "grow", r);
	p = marker_put(syncmap_addr(m), size_of(round), GR_MAGIC, l->run, round);
	if (!control && (r = syncmap_persist(m, p, MARKER_LINE)))
		return fail(l, "persist of the marker", r);
	say("ACK %s %" PRIu64, l->tag, round - 1);	/* ids from 0 */
	sleep_ms(GR_WORK_MS);
	return 0;
}

/*
 * The guest keeps the run it just verified beside the new one, and two
 * files as large as a run grows them would crowd the guest's 1 GiB file
 * systems beside the other workloads.  This boot verified that run before it started the
 * workloads (a boot cut while it verifies starts none), so its file is no
 * longer needed.
 */
static void drop_last_run(const struct log *l)
{
	char path[4200];
	const char *slash = strrchr(l->target, '/');
	int n = slash ? (int)(slash - l->target) : 0;

	if (!slash || l->run < 2)
		return;
	snprintf(path, sizeof(path), "%.*s/%s-run-%" PRIu64 "/data", n, l->target, l->tag,
		 l->run - 1);
	unlink(path);
	strncat(path, ".syncmap-journal", sizeof(path) - strlen(path) - 1);
	unlink(path);
}

int gr_write(const struct log *l, const char *how, const char *ready_path)
{
	bool control = is_control(how);
	struct gr_old o = { l, NULL };
	char path[4096];
	uint64_t round;
	pthread_t t;
	int r;

	drop_last_run(l);
	snprintf(path, sizeof(path), "%s/data", l->target);
	r = syncmap_open_reserve(path, SYNCMAP_CREATE | flags_of(how), 0644, GR_BASE, GR_RESERVE,
				 &o.m);
	if (r)
		_exit(fail(l, "open", r));
	say("WORKLOAD %s run=%" PRIu64 " %s: %s path, %u MiB growing to %" PRIu64 " MiB in place",
	    l->tag, l->run, how, syncmap_path_name(syncmap_path(o.m)), GR_BASE >> 20,
	    GR_RESERVE >> 20);
	if (!control && pthread_create(&t, NULL, old_range, &o))
		_exit(1);
	/* The DAX control's file must exist after the cut, or its loss
	 * would say nothing about growth. */
	if (!strcmp(how, "grow-dax-control") && (r = syncmap_persist(o.m, syncmap_addr(o.m), 1)))
		_exit(fail(l, "persist of the first line", r));
	/* The control needs no size to show a loss: it stops at 33 MiB and
	 * leaves the file system's room to the workloads it shares it with. */
	for (round = 1; round <= (control ? 8u : GR_ROUNDS); round++) {
		r = one_round(l, o.m, round, control);
		if (r == 1)
			_exit(1);
		if (round == 1 || r == 2)
			ready(ready_path);
		if (r == 2)
			break;
	}
	say("WORKLOAD %s idle: %" PRIu64 " rounds done%s", l->tag, round - 1,
	    r == 2 ? ", the file system is full" : "");
	for (;;)
		pause();
	return 0;
}

/* ---- after the cut */

static uint64_t markers_whole(const struct log *l, const uint8_t *a, size_t len, uint64_t acked)
{
	uint64_t ok = 0;

	for (uint64_t i = 1; i <= acked && size_of(i) <= len; i++)
		ok += marker_whole(a, len, size_of(i), GR_MAGIC, l->run, i);
	return ok;
}

/* acked is the highest id acknowledged + 1: rounds 1..acked. */
int gr_verify(const struct log *l, uint64_t acked, const char *how)
{
	uint64_t want = acked ? size_of(acked) : 0, ok = 0;
	struct syncmap *m;
	char path[4096];
	size_t len = 0;
	bool pass;
	int r;

	snprintf(path, sizeof(path), "%s/data", l->target);
	/* SYNCMAP_SPARSE: reading back allocates nothing.  xfs reserves space
	 * for the whole range of an fallocate before it looks at what is
	 * allocated, so a default open of a large file on a nearly full xfs
	 * fails with ENOSPC even though every block is there. */
	r = syncmap_open(path, SYNCMAP_SPARSE | (!strcmp(how, "grow-journal") ? SYNCMAP_JOURNAL : 0),
			 0, 0, &m);
	if (r == 0) {
		len = syncmap_length(m);
		ok = markers_whole(l, syncmap_addr(m), len, acked);
		syncmap_close(m);
	}
	pass = acked > 0 && r == 0 && ok == acked && len >= want;
	/* A control passes when it lost acknowledged markers; a file whose
	 * creation never became durable lost them all. */
	if (is_control(how))
		pass = acked > 0 && (r == 0 || r == -ENOENT) && ok < acked;
	say("RESULT powercut-%s-run%" PRIu64 " %s acked=%" PRIu64 " recovered=%" PRIu64
	    " lost=%" PRIu64 " size=%zu acked_size=%" PRIu64 "%s%s%s", l->tag, l->run,
	    pass ? "PASS" : "FAIL", acked, ok, acked - ok, len, want, r ? " open: " : "",
	    r ? strerror(-r) : "",
	    pass && is_control(how) ?
	    " (the control lost acknowledged data, as it must)" : "");
	return pass ? 0 : 1;
}

/* SPDX-License-Identifier: MIT */
/*
 * A journaled file that grows, under power cuts.
 *
 *   journal-grow  TARGET/data opened with SYNCMAP_CREATE|SYNCMAP_JOURNAL
 *                 at GW_BASE bytes; round i (from 0) opens it again
 *                 GW_BASE + i * GW_STEP bytes long, writes a marker into
 *                 the last line of the new size, persists it and only then
 *                 prints "ACK TAG i"; then, for GW_WORK_MS, it commits
 *                 batches of 8 lines in the first half MiB, as a database
 *                 does between two growths, and closes the file
 *
 * An open that extends the file changes its size in the file system's own
 * metadata, which nothing on the journaled path syncs before the next
 * checkpoint; the lines persisted past the old end are durable only in
 * the journal.  The place this runs (the unflagged directory of the
 * dax=inode ext4, mounted commit=300, that nobody else syncs in this run)
 * keeps the file system from committing the size by itself, so a cut
 * after an ACK and before the close's checkpoint finds the file at its
 * old size.  The work after each ACK keeps the round open well past the
 * moment the host reads the ACK from the console, so that most cuts land
 * where an ACK was seen and the size it depends on was not yet synced.
 *
 * After the cut, "verify" opens the file with SYNCMAP_JOURNAL and length
 * 0 (the whole file, replayed) and passes only if it is at least as long
 * as the last acknowledged round made it and every acknowledged marker is
 * whole.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <syncmap.h>

#include "marker.h"
#include "workload.h"

#define GW_BASE (1u << 20)
#define GW_STEP (1u << 20)
#define GW_ROUNDS 200		/* then it stops growing: 201 MiB */
#define GW_WORK_MS 500
#define GW_LINE 64u		/* the lines the batches write */
#define GW_MAGIC 0x31574f5247534d53ull	/* "SMGROW1" */

bool gw_how(const char *how)
{
	return !strcmp(how, "journal-grow");
}

static uint64_t size_of(uint64_t round)
{
	return GW_BASE + round * (uint64_t)GW_STEP;
}

static void path_of(const struct log *l, char *buf, size_t n)
{
	snprintf(buf, n, "%s/data", l->target);
}

static int fail(const struct log *l, const char *what, int r)
{
	say("WORKLOAD %s %s failed: %s (%s)", l->tag, what, strerror(-r), syncmap_last_advice());
	return 1;
}

/* Batches of 8 lines in the first range, as a database's pages would be. */
static double ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

static int batches(const struct log *l, struct syncmap *m, uint64_t round)
{
	uint8_t *a = syncmap_addr(m);
	struct syncmap_batch *b;
	struct timespec t0;
	int r = syncmap_batch_new(m, 8, &b);

	if (r)
		return fail(l, "batch_new", r);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (uint64_t k = 0; r == 0 && ms_since(&t0) < GW_WORK_MS; k++) {
		for (unsigned s = 0; s < 8 && r == 0; s++) {
			uint8_t *p = a + ((round * 1000 + k) * 8 + s) % (GW_BASE / 2 / GW_LINE) *
					 GW_LINE;

			memset(p, (int)(round + k + s), GW_LINE);
			r = syncmap_batch_add(b, p, GW_LINE);
		}
		if (r == 0)
			r = syncmap_batch_commit(b);
	}
	syncmap_batch_free(b);
	return r ? fail(l, "batch", r) : 0;
}

static int round_trip(const struct log *l, const char *path, uint64_t round)
{
	uint64_t size = size_of(round);
	struct syncmap *m;
	uint8_t *p;
	int r = syncmap_open(path, SYNCMAP_CREATE | SYNCMAP_JOURNAL, 0644, size, &m);

	if (r)
		return fail(l, "open", r);
	if (syncmap_path(m) != SYNCMAP_PATH_JOURNAL) {
		say("WORKLOAD %s is on the %s path, not the journal's: %s", l->tag,
		    syncmap_path_name(syncmap_path(m)), syncmap_advice(m));
		return 1;
	}
	p = marker_put(syncmap_addr(m), size, GW_MAGIC, l->run, round);
	if ((r = syncmap_persist(m, p, MARKER_LINE)))
		return fail(l, "persist of the marker", r);
	say("ACK %s %" PRIu64, l->tag, round);
	if (batches(l, m, round))
		return 1;
	if ((r = syncmap_close(m)))
		return fail(l, "close", r);
	return 0;
}

int gw_write(const struct log *l, const char *ready_path)
{
	char path[4096];

	path_of(l, path, sizeof(path));
	say("WORKLOAD %s run=%" PRIu64 " journal-grow: %u MiB, then 1 MiB more per round",
	    l->tag, l->run, GW_BASE >> 20);
	for (uint64_t round = 0; round < GW_ROUNDS; round++) {
		if (round_trip(l, path, round))
			_exit(1);
		if (round == 0)
			ready(ready_path);
	}
	say("WORKLOAD %s idle: %u rounds done", l->tag, GW_ROUNDS);
	for (;;)
		pause();
	return 0;
}

/* ---- after the cut */

static uint64_t markers_whole(const struct log *l, const uint8_t *a, size_t len, uint64_t acked)
{
	uint64_t ok = 0;

	for (uint64_t i = 0; i < acked && size_of(i) <= len; i++)
		ok += marker_whole(a, len, size_of(i), GW_MAGIC, l->run, i);
	return ok;
}

int gw_verify(const struct log *l, uint64_t acked)
{
	struct syncmap_journal_stats st = { 0 };
	struct timespec t0;
	struct syncmap *m;
	char path[4096];
	uint64_t want = acked ? size_of(acked - 1) : 0, ok;
	size_t len;
	double ms;
	int r;

	path_of(l, path, sizeof(path));
	say("REPLAY-BEGIN %s", l->tag);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = syncmap_open(path, SYNCMAP_JOURNAL, 0, 0, &m);
	ms = ms_since(&t0);
	if (r) {
		say("RESULT powercut-%s-run%" PRIu64 " %s acked=%" PRIu64 " %s: %s (%s)", l->tag,
		    l->run, acked ? "FAIL" : "PASS", acked, path, strerror(-r),
		    syncmap_last_advice());
		return acked ? 1 : 0;
	}
	syncmap_journal_stats(m, &st, sizeof(st));
	say("REPLAY-END %s ms=%.1f replayed=%" PRIu64, l->tag, ms, st.replayed);
	len = syncmap_length(m);
	ok = markers_whole(l, syncmap_addr(m), len, acked);
	if ((r = syncmap_close(m)))
		say("WORKLOAD %s: syncmap_close after the replay: %s", l->tag, strerror(-r));
	say("RESULT powercut-%s-run%" PRIu64 " %s acked=%" PRIu64 " recovered=%" PRIu64
	    " lost=%" PRIu64 " size=%zu acked_size=%" PRIu64 " replayed=%" PRIu64
	    " replay_ms=%.1f", l->tag, l->run,
	    acked > 0 && ok == acked && len >= want ? "PASS" : "FAIL", acked, ok, acked - ok,
	    len, want, st.replayed, ms);
	return acked > 0 && ok == acked && len >= want ? 0 : 1;
}

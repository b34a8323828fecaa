/* SPDX-License-Identifier: MIT */
/*
 * A libpmemobj workload for the DAX suite's power cuts (tests/dax,
 * powercut.list; run through obj-powercut.sh):
 *
 *   pm-obj-powercut write POOL TAG READY
 *       create the pool (layout "pm-cut") or open it, then commit
 *       transactions for ever; once pmemobj_tx_end() has returned for
 *       transaction ID (counted from 0), it may print "ACK TAG ID";
 *       READY is created after the first acknowledgement
 *   pm-obj-powercut verify POOL TAG RUN ACKED durable|control
 *       after the cut: pmemobj_open() (which runs libpmemobj's recovery)
 *       and the pool's invariants; one line "RESULT powercut-TAG-runRUN"
 *       that passes if every acknowledged transaction is there, or, for
 *       the control, if some are not
 *
 * Each transaction adds three ranges to the undo log: the counters, one
 * slot of a ring of the last ids, and one 256-byte block of a ring of
 * payloads, each on its own cache lines.  Transaction c (counting from 1)
 * sets count = c, sum += c, last[c % SLOTS] = c and fills payload[c % RING]
 * with bytes that follow from c, so a pool holding count = c must hold all
 * of that for c and the transactions before it that the rings still show.
 *
 * With PM_OBJ_EXPECT_LIB set, the program refuses to run unless
 * pmem_persist comes from that file (the replacement), and with
 * PM_OBJ_EXPECT_NO_MAP_SYNC it refuses a pool mapped with MAP_SYNC (a
 * control that proves nothing).  PM_OBJ_PACE_US=N sleeps N microseconds
 * after each transaction.
 *
 *   pm-obj-powercut template FILE
 *       create an empty pool at FILE, for the writer to copy
 *
 * With PM_OBJ_TEMPLATE=FILE the writer makes a new pool by copying that
 * file (and, with PM_OBJ_SYNC_COPY=1, syncing the copy and its directory)
 * instead of calling pmemobj_create(): formatting a pool in the guest,
 * beside a dozen busy workloads under TCG, took 20 s, long enough for the
 * file systems' own writeback to do the other controls' durability work.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpmemobj.h>

#define LAYOUT "pm-cut"
#define SLOTS 64
#define RING 16
#define BLOCK 256
#define POOL_SIZE PMEMOBJ_MIN_POOL

struct root {
	uint64_t count;
	uint64_t sum;
	uint8_t pad0[48];
	uint64_t last[SLOTS];
	uint8_t payload[RING][BLOCK];
};

static uint8_t byte_of(uint64_t c, unsigned i)
{
	uint64_t x = (c + 1) * 0x9E3779B97F4A7C15ull + i * 0xBF58476D1CE4E5B9ull;

	return (uint8_t)(x >> 56);
}

/* 0 if the root holds a consistent history of root->count transactions. */
static int consistent(const struct root *r, char *why, size_t n)
{
	uint64_t c = r->count;

	if (r->sum != c * (c + 1) / 2) {
		snprintf(why, n, "count %" PRIu64 " but sum %" PRIu64, c, r->sum);
		return -1;
	}
	for (uint64_t i = c > SLOTS ? c - SLOTS + 1 : 1; i <= c; i++)
		if (r->last[i % SLOTS] != i) {
			snprintf(why, n, "count %" PRIu64 " but last[%" PRIu64 "] = %" PRIu64,
				 c, i % SLOTS, r->last[i % SLOTS]);
			return -1;
		}
	for (uint64_t i = c > RING ? c - RING + 1 : 1; i <= c; i++)
		for (unsigned b = 0; b < BLOCK; b++)
			if (r->payload[i % RING][b] != byte_of(i, b)) {
				snprintf(why, n, "count %" PRIu64 " but the payload of %" PRIu64
					 " differs at byte %u", c, i, b);
				return -1;
			}
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Where pmem_persist comes from, and whether addr is mapped MAP_SYNC. */
static const char *persist_lib(void)
{
	void *p = dlsym(RTLD_DEFAULT, "pmem_persist");
	Dl_info info;

	return p && dladdr(p, &info) && info.dli_fname ? info.dli_fname : "?";
}

static int map_sync_at(const void *addr)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	unsigned long lo, hi, a = (unsigned long)addr;
	int in = 0, r = -1;

	if (!f)
		return -1;
	while (r < 0 && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
			in = a >= lo && a < hi;
		else if (in && !strncmp(line, "VmFlags:", 8))
			r = strstr(line, " sf") != NULL;
	}
	fclose(f);
	return r;
}

/* Transaction c; 0 once pmemobj_tx_end() has returned it committed. */
static int commit_one(PMEMobjpool *pop, PMEMoid root, struct root *r, uint64_t c)
{
	volatile int aborted = 0;

	TX_BEGIN(pop) {
		pmemobj_tx_add_range(root, 0, 2 * sizeof(uint64_t));
		pmemobj_tx_add_range(root, offsetof(struct root, last) + (c % SLOTS) * 8, 8);
		pmemobj_tx_add_range(root, offsetof(struct root, payload) + (c % RING) * BLOCK, BLOCK);
		r->count = c;
		r->sum += c;
		r->last[c % SLOTS] = c;
		for (unsigned b = 0; b < BLOCK; b++)
			r->payload[c % RING][b] = byte_of(c, b);
	} TX_ONABORT {
		aborted = 1;
	} TX_END
	return aborted ? -1 : 0;
}

/* A copy of the template at path, synced with its directory if asked. */
static int copy_template(const char *template, const char *path, int sync)
{
	/* Large reads: the template comes over the guest's 9p root, where
	 * each read is a round trip to QEMU. */
	static char buf[1 << 20];
	char dir[4096], *slash;
	int in = open(template, O_RDONLY), out, dfd, r = 0;
	ssize_t n;

	if (in < 0)
		return -1;
	out = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (out < 0) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			r = -1;
			break;
		}
	close(in);
	if (n < 0 || (sync && fsync(out) < 0))
		r = -1;
	if (close(out) < 0 || r < 0 || !sync)
		return r;
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY);
	if (dfd < 0)
		return -1;
	r = fsync(dfd);
	close(dfd);
	return r;
}

static int do_write(const char *path, const char *tag, const char *ready)
{
	const char *want = getenv("PM_OBJ_EXPECT_LIB");
	const char *lib = persist_lib();
	PMEMobjpool *pop;
	PMEMoid root;
	struct root *r;
	const char *pace_s = getenv("PM_OBJ_PACE_US");
	long pace = pace_s ? atol(pace_s) : 0;
	double last_print = 0, t0;
	int sync;

	if (want && strcmp(want, lib) != 0) {
		printf("WORKLOAD %s pmem_persist comes from %s, not %s: not started\n", tag, lib, want);
		return 1;
	}
	t0 = now();
	if (access(path, F_OK) == 0)
		pop = pmemobj_open(path, LAYOUT);
	else if (getenv("PM_OBJ_TEMPLATE"))
		pop = copy_template(getenv("PM_OBJ_TEMPLATE"), path,
				    getenv("PM_OBJ_SYNC_COPY") != NULL) == 0
			      ? pmemobj_open(path, LAYOUT) : NULL;
	else
		pop = pmemobj_create(path, LAYOUT, POOL_SIZE, 0600);
	if (!pop) {
		printf("WORKLOAD %s %s: %s (%s)\n", tag, path, pmemobj_errormsg(), strerror(errno));
		return 1;
	}
	root = pmemobj_root(pop, sizeof(struct root));
	r = pmemobj_direct(root);
	sync = map_sync_at(r);
	printf("WORKLOAD %s pool %s ready in %.1f s: pmem_persist from %s, MAP_SYNC %s\n", tag,
	       path, now() - t0, lib, sync < 0 ? "unknown" : sync ? "yes" : "no");
	if (sync != 0 && getenv("PM_OBJ_EXPECT_NO_MAP_SYNC")) {
		printf("WORKLOAD %s the pool is mapped with MAP_SYNC: the control would prove "
		       "nothing; not started\n", tag);
		return 1;
	}
	fflush(stdout);
	for (;;) {
		uint64_t c = r->count + 1;
		double t;

		if (commit_one(pop, root, r, c) < 0) {
			printf("WORKLOAD %s transaction %" PRIu64 " aborted: %s\n", tag, c,
			       pmemobj_errormsg());
			fflush(stdout);
			for (;;)
				pause();
		}
		/* The serial console is slow: an ACK acknowledges every id
		 * before it too, so one every 20 ms keeps the lag short. */
		t = now();
		if (t - last_print >= 0.02) {
			printf("ACK %s %" PRIu64 "\n", tag, c - 1);
			fflush(stdout);
			if (last_print == 0 && ready) {
				int fd = open(ready, O_WRONLY | O_CREAT, 0644);

				if (fd >= 0)
					close(fd);
			}
			last_print = t;
		}
		if (pace > 0)
			usleep((useconds_t)pace);
	}
}

static int do_verify(const char *path, const char *tag, const char *run, uint64_t acked,
		     int control)
{
	PMEMobjpool *pop = NULL;
	uint64_t recovered = 0;
	char why[200] = "";
	int ok = 1, pass;

	if (access(path, F_OK) != 0) {
		snprintf(why, sizeof(why), "no pool: %s", strerror(errno));
	} else if (!(pop = pmemobj_open(path, LAYOUT))) {
		snprintf(why, sizeof(why), "pmemobj_open: %s", pmemobj_errormsg());
		ok = 0;
	} else {
		struct root *r = pmemobj_direct(pmemobj_root(pop, sizeof(struct root)));

		if (consistent(r, why, sizeof(why)) == 0)
			recovered = r->count;
		else
			ok = 0;
		pmemobj_close(pop);
	}
	/* A pool that is missing, unreadable or inconsistent holds nothing
	 * acknowledged; for the control that is the loss it must show. */
	if (control)
		pass = acked > 0 && (!ok || recovered < acked);
	else
		pass = acked > 0 && ok && recovered >= acked;
	printf("RESULT powercut-%s-run%s %s acked=%" PRIu64 " recovered=%" PRIu64 " lost=%" PRIu64
	       "%s%s%s\n", tag, run, pass ? "PASS" : "FAIL", acked, recovered,
	       acked > recovered ? acked - recovered : 0, *why ? " " : "", why,
	       control ? (pass ? " (the control lost acknowledged transactions, as it must)"
			       : " (the control kept everything: this cut proves nothing)") : "");
	return pass ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "write"))
		return do_write(argv[2], argv[3], argv[4]);
	if (argc == 3 && !strcmp(argv[1], "template")) {
		PMEMobjpool *pop;

		unlink(argv[2]);
		pop = pmemobj_create(argv[2], LAYOUT, POOL_SIZE, 0644);
		if (!pop) {
			fprintf(stderr, "pmemobj_create %s: %s\n", argv[2], pmemobj_errormsg());
			return 1;
		}
		pmemobj_close(pop);
		return 0;
	}
	if (argc == 7 && !strcmp(argv[1], "verify"))
		return do_verify(argv[2], argv[3], argv[4], strtoull(argv[5], NULL, 10),
				 !strcmp(argv[6], "control"));
	fprintf(stderr, "usage: pm-obj-powercut write POOL TAG READY\n"
			"       pm-obj-powercut template FILE\n"
			"       pm-obj-powercut verify POOL TAG RUN ACKED durable|control\n");
	return 2;
}

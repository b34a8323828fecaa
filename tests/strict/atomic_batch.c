/* SPDX-License-Identifier: MIT */
/*
 * The workload and the check of the atomic-batch sweeps (atomic.sh):
 * batch k sets pages 0, 2, 4 and 6 of a journaled file to the byte k,
 * either as a batch of copies (syncmap_batch_add_copy(), atomic) or as
 * stores and a batch of ranges (durable, not atomic: the control).
 *
 *   strict-atomic init FILE               a clean journaled file of zeros
 *   strict-atomic run FILE copies|ranges N   N batches, "ack k" after each
 *   strict-atomic check FILE              after a crash: the four pages
 *       hold one batch, whole, and no batch older than the last ack
 *       ($SYNCMAP_CRASHTEST_STDOUT)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <syncmap.h>

#define PG 4096u
#define NPAGES 4
#define FSIZE (16u * PG)

static int fail(const char *what, int r)
{
	fprintf(stderr, "strict-atomic: %s: %s (%s)\n", what, strerror(-r), syncmap_last_advice());
	return 2;
}

static int run(const char *path, int copies, int n)
{
	struct syncmap_batch *b;
	struct syncmap *m;
	uint8_t buf[PG], *a;
	int r;

	if ((r = syncmap_open(path, SYNCMAP_JOURNAL, 0, 0, &m)) < 0)
		return fail("open", r);
	if ((r = syncmap_batch_new(m, 0, &b)) < 0)
		return fail("batch", r);
	a = syncmap_addr(m);
	for (int k = 1; k <= n; k++) {
		memset(buf, k, sizeof(buf));
		for (unsigned i = 0; i < NPAGES && r == 0; i++) {
			uint8_t *dst = a + 2 * i * PG;

			if (copies) {
				r = syncmap_batch_add_copy(b, dst, buf, PG);
			} else {
				memcpy(dst, buf, PG);
				r = syncmap_batch_add(b, dst, PG);
			}
		}
		if (r == 0)
			r = syncmap_batch_commit(b);
		if (r < 0)
			return fail("batch", r);
		printf("ack %d\n", k);
		fflush(stdout);
	}
	syncmap_batch_free(b);
	return syncmap_close(m) < 0 ? 2 : 0;
}

static int last_ack(void)
{
	const char *out = getenv("SYNCMAP_CRASHTEST_STDOUT");
	char line[64];
	int ack = 0;
	FILE *f;

	if (!out || !(f = fopen(out, "r")))
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "ack ", 4))
			ack = atoi(line + 4);
	fclose(f);
	return ack;
}

static int check(const char *path)
{
	int ack = last_ack(), v[NPAGES], r;
	struct syncmap *m;
	const uint8_t *a;

	if ((r = syncmap_open(path, SYNCMAP_JOURNAL, 0, 0, &m)) < 0)
		return fail("open", r);
	a = syncmap_addr(m);
	for (unsigned i = 0; i < NPAGES; i++) {
		v[i] = a[2 * i * PG];
		for (unsigned k = 1; k < PG; k++)
			if (a[2 * i * PG + k] != v[i]) {
				printf("torn page %u: byte 0 is %d, byte %u is %d\n", 2 * i, v[i], k,
				       a[2 * i * PG + k]);
				return 1;
			}
	}
	syncmap_close(m);
	for (unsigned i = 1; i < NPAGES; i++)
		if (v[i] != v[0]) {
			printf("torn batch: pages 0, 2, 4, 6 hold %d, %d, %d, %d (last ack %d)\n",
			       v[0], v[1], v[2], v[3], ack);
			return 1;
		}
	if (v[0] < ack || v[0] > ack + 1) {
		printf("batch %d in the file, last ack %d\n", v[0], ack);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct syncmap *m;
	int r;

	if (argc == 3 && !strcmp(argv[1], "init")) {
		if ((r = syncmap_open(argv[2], SYNCMAP_CREATE | SYNCMAP_JOURNAL, 0, FSIZE, &m)) < 0)
			return fail("create", r);
		return syncmap_close(m) < 0 ? 2 : 0;
	}
	if (argc == 5 && !strcmp(argv[1], "run"))
		return run(argv[2], !strcmp(argv[3], "copies"), atoi(argv[4]));
	if (argc == 3 && !strcmp(argv[1], "check"))
		return check(argv[2]);
	fprintf(stderr, "usage: strict-atomic init FILE | run FILE copies|ranges N | check FILE\n");
	return 2;
}

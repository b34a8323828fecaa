/* SPDX-License-Identifier: MIT */
/*
 * The public API's argument space: open flags, modes, sizes, offsets and
 * lengths (including ranges partly or wholly outside a mapping), and
 * sequences of persists, flushes, copies, safe accesses and batches.
 * Every call's result is compared with what the header promises: 0 or a
 * negative errno, -EINVAL for a range outside the mapping (without
 * touching memory), -EBADF for writes to a read-only mapping, and data
 * written through the library reads back.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c) do { if (!(c)) { fprintf(stderr, "violated: %s\n", #c); abort(); } } while (0)
#define SCRATCH (64u * 1024)
#define BIG_OK (4u << 20)	/* largest size that may be written or faulted */

static char dir[256], file[300], link_[300], sub[300];
static uint8_t scratch[SCRATCH], back[SCRATCH];

struct in {
	const uint8_t *p;
	size_t n;
};

static uint64_t take(struct in *in, size_t bytes)
{
	uint64_t v = 0;

	for (size_t i = 0; i < bytes && in->n; i++, in->p++, in->n--)
		v |= (uint64_t)in->p[0] << (8 * i);
	return v;
}

static void cleanup(void)
{
	unlink(file);
	unlink(link_);
	rmdir(sub);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *t = getenv("TMPDIR");

	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "%s/syncmap-fuzz-XXXXXX", t && *t ? t : "/var/tmp");
	if (!mkdtemp(dir))
		abort();
	snprintf(file, sizeof(file), "%s/f", dir);
	snprintf(link_, sizeof(link_), "%s/l", dir);
	snprintf(sub, sizeof(sub), "%s/d", dir);
	if (symlink(file, link_) < 0 || mkdir(sub, 0700) < 0)
		abort();
	atexit(cleanup);
	for (size_t i = 0; i < SCRATCH; i++)
		scratch[i] = (uint8_t)(i * 13 + 1);
	return 0;
}

/* A size: small ones often, the edges of every check sometimes. */
static uint64_t pick_size(struct in *in, long page)
{
	static const uint64_t edge[] = {
		0, 1, 63, 64, 4095, 4096, 4097, 3 * 4096, 65536, 1u << 20, BIG_OK,
		(1ull << 31), (1ull << 32) + 4096, 1ull << 40, (uint64_t)SIZE_MAX / 2,
		(uint64_t)SIZE_MAX / 2 + 1, (uint64_t)INT64_MAX, UINT64_MAX, UINT64_MAX - 4095,
	};
	uint8_t k = (uint8_t)take(in, 1);

	if (k < 128)
		return (uint64_t)(k % 32) * (uint64_t)page + (k & 1 ? (uint64_t)take(in, 2) : 0);
	return edge[k % (sizeof(edge) / sizeof(edge[0]))];
}

/* An address relative to the mapping: inside, at the edges, or far off. */
static uintptr_t pick_addr(struct in *in, uintptr_t base, size_t len)
{
	uint8_t k = (uint8_t)take(in, 1);

	switch (k % 8) {
	case 0: return base;
	case 1: return base + len;
	case 2: return base + len - (take(in, 1) % (len + 1));
	case 3: return base - 1 - take(in, 2);
	case 4: return (uintptr_t)take(in, 8);
	default: return base + (uintptr_t)(take(in, 4) % (len + 1));
	}
}

static size_t pick_len(struct in *in, size_t len)
{
	uint8_t k = (uint8_t)take(in, 1);

	switch (k % 6) {
	case 0: return 0;
	case 1: return (size_t)take(in, 8);
	case 2: return len;
	case 3: return SIZE_MAX - (size_t)take(in, 1);
	default: return (size_t)(take(in, 2) % (len + 1));
	}
}

static int inside(uintptr_t a, size_t n, uintptr_t base, size_t len)
{
	return a >= base && a - base <= len && n <= len - (a - base);
}

static void prepare_file(struct in *in, long page)
{
	uint8_t k = (uint8_t)take(in, 1);
	int fd;

	unlink(file);
	if (k % 4 == 0)
		return;		/* absent */
	fd = open(file, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		abort();
	if (ftruncate(fd, (off_t)((k / 4) % 8) * page + (k % 4 == 3 ? 100 : 0)) < 0)
		abort();
	close(fd);
}

static void ops(struct in *in, struct syncmap *m, int rdonly)
{
	uintptr_t base = (uintptr_t)syncmap_addr(m);
	size_t len = syncmap_length(m);
	struct syncmap_batch *b = NULL;
	int steps = 0;

	REQUIRE(base != 0 && len > 0);
	while (in->n && steps++ < 24) {
		uint8_t op = (uint8_t)take(in, 1) % 10;
		uintptr_t a = pick_addr(in, base, len);
		size_t n = pick_len(in, len);
		int in_range = n == 0 || inside(a, n, base, len);
		int want = n == 0 ? 0 : !in_range ? -EINVAL : rdonly ? -EBADF : 0;
		int copy_ok = !in_range || n <= SCRATCH;	/* our buffers suffice */
		unsigned flags = (unsigned)take(in, 1) % 3;
		int r;

		switch (op) {
		case 0:
			REQUIRE(syncmap_persist(m, (void *)a, n) == want);
			break;
		case 1:
			REQUIRE(syncmap_flush(m, (void *)a, n) == want);
			break;
		case 2:
			REQUIRE(syncmap_drain(m) == (rdonly ? -EBADF : 0));
			break;
		case 3:
			r = syncmap_deep_flush(m, (void *)a, n);
			REQUIRE(r == want);
			break;
		case 4:
			if (!copy_ok)
				break;
			r = syncmap_memcpy(m, (void *)a, scratch, n, flags);
			if (flags & ~SM_COPY_VALID && n)
				REQUIRE(r == -EINVAL);
			else
				REQUIRE(r == want);
			if (r == 0 && n) {
				REQUIRE(syncmap_read_safe(m, back, (void *)a, n) == 0);
				REQUIRE(memcmp(back, scratch, n) == 0);
			}
			break;
		case 5:
			if (!copy_ok)
				break;
			r = syncmap_memset(m, (void *)a, flags + 'a', n, flags);
			REQUIRE(flags & ~SM_COPY_VALID && n ? r == -EINVAL : r == want);
			break;
		case 6:
			if (!copy_ok)
				break;
			REQUIRE(syncmap_read_safe(m, back, (void *)a, n) == (in_range ? 0 : -EINVAL));
			break;
		case 7:
			if (!copy_ok)
				break;
			REQUIRE(syncmap_write_safe(m, (void *)a, scratch, n) == want);
			break;
		case 8:
			if (!b) {
				size_t cap = (size_t)take(in, 1) % 5;

				REQUIRE(syncmap_batch_new(m, cap == 4 ? SIZE_MAX : cap, &b) ==
					(cap == 4 ? -EINVAL : 0));
				break;
			}
			/* CPU paths flush at add time and do not look at
			 * the read-only flag; this file system gives the
			 * page path unless forced. */
			r = syncmap_batch_add(b, (void *)a, n);
			if (syncmap_granularity(m) == SYNCMAP_GRAN_PAGE)
				REQUIRE(r == want);
			else
				REQUIRE(r == (in_range ? 0 : -EINVAL));
			break;
		case 9:
			if (b)
				REQUIRE(syncmap_batch_commit(b) == 0);
			break;
		}
	}
	syncmap_batch_free(b);
}

static void by_path(struct in *in, long page)
{
	const char *paths[] = { file, file, file, link_, sub, "" };
	unsigned flags = (unsigned)take(in, 2);
	uint64_t size = pick_size(in, page);
	mode_t mode = (mode_t)take(in, 2);
	const char *path = paths[take(in, 1) % 6];
	struct syncmap *m = NULL;
	int r;

	/* Keep the search to what the header allows and the machine can
	 * hold: mostly valid flags, and nothing that writes or faults in
	 * more than BIG_OK bytes. */
	if (!(flags & 0x8000))
		flags &= SM_OPEN_VALID;
	if (size > BIG_OK || size == 0) {
		/* Strict mode's persist copies what it covers: a write. */
		flags &= ~(SYNCMAP_PREFAULT | SYNCMAP_STRICT);
		flags |= SYNCMAP_SPARSE;
	}
	if (!(mode & 0x8000))
		mode &= 0777;
	r = syncmap_open(path, flags, mode, size, &m);
	REQUIRE(r <= 0);
	if (flags & ~SM_OPEN_VALID || mode & ~(mode_t)07777 || !*path)
		REQUIRE(r == -EINVAL);
	if (r < 0) {
		REQUIRE(m == NULL);
		REQUIRE(*syncmap_last_advice() != '\0');
		return;
	}
	REQUIRE(m != NULL);
	ops(in, m, (flags & SYNCMAP_RDONLY) != 0);
	REQUIRE(syncmap_close(m) == 0);
}

static void by_fd(struct in *in, long page)
{
	int rdonly = (int)take(in, 1) & 1;
	unsigned flags = (unsigned)take(in, 2) & SM_OPEN_VALID;
	uint64_t off = pick_size(in, page), len = pick_size(in, page);
	struct syncmap *m = NULL;
	int fd = open(file, (rdonly ? O_RDONLY : O_RDWR) | O_CLOEXEC), r;

	if (fd < 0)
		return;
	if (len > BIG_OK || len == 0) {
		flags &= ~(SYNCMAP_PREFAULT | SYNCMAP_STRICT);
		flags |= SYNCMAP_SPARSE;
	}
	r = syncmap_open_fd(fd, off, len, flags, &m);
	REQUIRE(r <= 0);
	if (flags & (SYNCMAP_CREATE | SYNCMAP_EXCL | SYNCMAP_NOFOLLOW))
		REQUIRE(r == -EINVAL);
	if (r == 0) {
		ops(in, m, (flags & SYNCMAP_RDONLY) != 0);
		REQUIRE(syncmap_close(m) == 0);
	} else {
		REQUIRE(m == NULL);
		REQUIRE(*syncmap_last_advice() != '\0');
	}
	REQUIRE(fcntl(fd, F_GETFD) >= 0);	/* the caller's, still open */
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };
	long page = sysconf(_SC_PAGESIZE);

	prepare_file(&in, page);
	if (take(&in, 1) & 1)
		by_fd(&in, page);
	else
		by_path(&in, page);
	return 0;
}

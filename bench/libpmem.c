/* SPDX-License-Identifier: MIT */
/*
 * --libpmem DIR: libsyncmap's libpmem.so.1 (from DIR) against the
 * system's libpmem, through the functions unmodified programs call:
 * pmem_persist(), pmem_flush() + pmem_drain() and pmem_memcpy(), at 64 B,
 * 4 KiB and 64 KiB, with 1, 16 and 1,024 live mappings made by each
 * library's pmem_map_file().  Each iteration works in the next mapping in
 * turn, so the replacement's address lookup is paid on every call, over
 * the whole table.
 *
 * Both libraries have the soname libpmem.so.1: this program links the
 * system's, and loads the replacement with dlmopen() into a namespace of
 * its own.  The files are on the cache-line path (--cpu-dir, tmpfs by
 * default, where SYNCMAP_FORCE_GRANULARITY=cache_line forces it and
 * nothing is durable) so that only CPU cost is compared.  Every row is
 * the median of interleaved repetitions, with the ratio of samples taken
 * moments apart.
 */
#include <dlfcn.h>
#include <errno.h>
#include <libpmem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "report.h"

#define MAX_MAPS 1024
#define MAP_SIZE (128u << 10)
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct lib {
	const char *name;
	void *(*map_file)(const char *, size_t, int, mode_t, size_t *, int *);
	int (*unmap)(void *, size_t);
	void (*persist)(const void *, size_t);
	void (*flush)(const void *, size_t);
	void (*drain)(void);
	void *(*memcpy)(void *, const void *, size_t, unsigned);
	uint8_t *maps[MAX_MAPS];
};

/* 0: the system's libpmem; 1: the replacement.  op->fd says which. */
static struct lib libs[2];
static unsigned nmaps;
static uint8_t src[1u << 16] __attribute__((aligned(64)));

static inline void dirty(uint8_t *p, size_t n, uint64_t v)
{
	for (size_t off = 0; off < n; off += BENCH_LINE)
		*(volatile uint64_t *)(p + off) = v;
}

static void op_persist(struct op *o, uint64_t iters)
{
	const struct lib *l = &libs[o->fd];

	for (uint64_t i = 0; i < iters; i++) {
		uint8_t *p = l->maps[i % nmaps];

		dirty(p, o->size, i);
		l->persist(p, o->size);
	}
}

static void op_flush_drain(struct op *o, uint64_t iters)
{
	const struct lib *l = &libs[o->fd];

	for (uint64_t i = 0; i < iters; i++) {
		uint8_t *p = l->maps[i % nmaps];

		dirty(p, o->size, i);
		l->flush(p, o->size);
		l->drain();
	}
}

static void op_memcpy(struct op *o, uint64_t iters)
{
	const struct lib *l = &libs[o->fd];

	for (uint64_t i = 0; i < iters; i++)
		l->memcpy(l->maps[i % nmaps], src, o->size, 0);
}

static int load_replacement(const char *dir)
{
	char path[4096];
	void *h;

	snprintf(path, sizeof(path), "%s/libpmem.so.1", dir);
	h = dlmopen(LM_ID_NEWLM, path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "syncmap-bench: %s\n", dlerror());
		return -ENOENT;
	}
	libs[1] = (struct lib){ .name = "replacement",
		.map_file = (void *(*)(const char *, size_t, int, mode_t, size_t *, int *))dlsym(h, "pmem_map_file"),
		.unmap = (int (*)(void *, size_t))dlsym(h, "pmem_unmap"),
		.persist = (void (*)(const void *, size_t))dlsym(h, "pmem_persist"),
		.flush = (void (*)(const void *, size_t))dlsym(h, "pmem_flush"),
		.drain = (void (*)(void))dlsym(h, "pmem_drain"),
		.memcpy = (void *(*)(void *, const void *, size_t, unsigned))dlsym(h, "pmem_memcpy") };
	if (!libs[1].map_file || !libs[1].unmap || !libs[1].persist || !libs[1].flush ||
	    !libs[1].drain || !libs[1].memcpy) {
		fprintf(stderr, "syncmap-bench: %s lacks a libpmem function\n", path);
		return -ENOENT;
	}
	libs[0] = (struct lib){ .name = "libpmem", .map_file = pmem_map_file,
		.unmap = pmem_unmap, .persist = pmem_persist, .flush = pmem_flush,
		.drain = pmem_drain, .memcpy = pmem_memcpy };
	return 0;
}

/* Grow both libraries' sets of live mappings to n. */
static int map_up_to(const char *dir, unsigned n)
{
	char path[4096];

	for (; nmaps < n; nmaps++)
		for (int k = 0; k < 2; k++) {
			snprintf(path, sizeof(path), "%s/syncmap-bench-libpmem.%ld.%d.%u", dir,
				 (long)getpid(), k, nmaps);
			libs[k].maps[nmaps] = libs[k].map_file(path, MAP_SIZE,
							       PMEM_FILE_CREATE, 0600, NULL, NULL);
			unlink(path);
			if (!libs[k].maps[nmaps]) {
				fprintf(stderr, "syncmap-bench: %s pmem_map_file %s: %s\n",
					libs[k].name, path, strerror(errno));
				return -errno;
			}
		}
	return 0;
}

static const char *mode_name(unsigned n)
{
	return n == 1 ? "1 mapping" : n == 16 ? "16 mappings" : "1024 mappings";
}

static int run_one(const struct bench_opts *o, const char *bench, op_fn fn, size_t size)
{
	struct bench_case c = { .bench = bench, .path = "cache_line", .size = size,
				.durable = false };
	const struct result *a, *b;
	double ratio, spread = 0;
	int r;

	for (int k = 1; k >= 0; k--) {
		struct entry *e = bench_case_add(&c, libs[k].name, mode_name(nmaps), 1, fn);

		e->ops[0].fd = k;
		e->ops[0].size = size;
	}
	r = bench_run_case(&c, o->reps_cpu, o->sample_ns_cpu);
	if (r < 0)
		return r;
	report_keep(&c, o->json);
	a = report_find(bench, "cache_line", "replacement", mode_name(nmaps), size, 1);
	b = report_find(bench, "cache_line", "libpmem", mode_name(nmaps), size, 1);
	if (!a || !b)
		return -EINVAL;
	ratio = report_ratio(a, b, &spread);
	if (!o->json)
		printf("%-12s %6zu  %5u  %12.1f  %12.1f  %6.3f  (+-%.3f)\n", bench, size, nmaps,
		       a->ns, b->ns, ratio, spread);
	else
		printf("{\"bench\":\"libpmem_ratio\",\"op\":\"%s\",\"size\":%zu,\"maps\":%u,"
		       "\"replacement_over_libpmem\":%.4f,\"spread\":%.4f}\n",
		       bench, size, nmaps, ratio, spread);
	return 0;
}

/*
 * The replacement contains libsyncmap, whose SIGBUS handler reads an
 * initial-exec thread-local variable, so it needs static TLS; a library
 * loaded later by dlmopen() gets it only from glibc's optional surplus.
 * Start again with a larger surplus (a glibc tunable), once.
 */
void bench_libpmem_reexec(char **argv)
{
	const char *t = getenv("GLIBC_TUNABLES");
	char buf[512];

	if (t && strstr(t, "glibc.rtld.optional_static_tls"))
		return;
	snprintf(buf, sizeof(buf), "%s%sglibc.rtld.optional_static_tls=16384",
		 t ? t : "", t ? ":" : "");
	setenv("GLIBC_TUNABLES", buf, 1);
	execv("/proc/self/exe", argv);
	/* If that failed, go on: dlmopen() will say what is wrong. */
}

int bench_libpmem(const struct bench_opts *o, const char *libdir)
{
	static const unsigned counts[] = { 1, 16, MAX_MAPS };
	static const size_t sizes[] = { 64, 4096, 65536 };
	int r;

	/* The replacement's libsyncmap reads it at each open: the files are
	 * on tmpfs, which has no MAP_SYNC. */
	setenv("SYNCMAP_FORCE_GRANULARITY", "cache_line", 1);
	r = load_replacement(libdir);
	if (r < 0)
		return r;
	memset(src, 0x5a, sizeof(src));
	if (!o->json)
		printf("libpmem.so.1 from %s against the system's libpmem, cache-line path in %s\n"
		       "(forced, not durable: CPU cost only); median ns per call of %u interleaved\n"
		       "repetitions, and the median ratio of samples taken moments apart\n\n"
		       "%-12s %6s  %5s  %12s  %12s  %6s\n", libdir, o->cpu_dir, o->reps_cpu,
		       "op", "size", "maps", "replacement", "libpmem", "ratio");
	r = bench_pool_start();
	for (size_t i = 0; r == 0 && i < COUNT(counts); i++) {
		r = map_up_to(o->cpu_dir, counts[i]);
		for (size_t s = 0; r == 0 && s < COUNT(sizes); s++) {
			r = run_one(o, "persist", op_persist, sizes[s]);
			if (r == 0)
				r = run_one(o, "flush_drain", op_flush_drain, sizes[s]);
			if (r == 0)
				r = run_one(o, "memcpy", op_memcpy, sizes[s]);
		}
	}
	bench_pool_stop();
	for (unsigned i = 0; i < nmaps; i++)
		for (int k = 0; k < 2; k++)
			if (libs[k].maps[i])
				libs[k].unmap(libs[k].maps[i], MAP_SIZE);
	return r;
}

/* SPDX-License-Identifier: MIT */
/* syncmap-bench: declarations shared by its source files. */
#ifndef SYNCMAP_BENCH_H
#define SYNCMAP_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpmem2.h>

#include "syncmap.h"

#define BENCH_MAX_THREADS 2
/* The journal cases (--journal) run up to 4 threads; the pool has that
 * many workers, the other cases use the first two. */
#define BENCH_POOL_THREADS 4
#define BENCH_MAX_REPS 64
#define BENCH_MAX_ENTRIES 16
#define BENCH_LINE 64u
#define BENCH_PAGE 4096u

/* Each thread owns one region of the file, so threads never share a page
 * or a cache line.  Inside a region every case has its own area. */
#define BENCH_REGION (4u << 20)
#define BENCH_OFF_PERSIST 0u
#define BENCH_OFF_BATCH (1u << 20)
#define BENCH_OFF_COPY (2u << 20)
#define BENCH_FILE_SIZE ((uint64_t)BENCH_MAX_THREADS * BENCH_REGION)

/* Case 3: 64 small records, each in its own page, pages not adjacent so
 * that a batch cannot merge them into one range. */
#define BENCH_RECORDS 64u
#define BENCH_RECORD_SIZE 64u
#define BENCH_RECORD_STRIDE (3u * BENCH_PAGE)

struct bench_opts {
	bool json;
	bool quick;
	const char *dir;	/* page-path file: a real disk */
	const char *cpu_dir;	/* cache-line-path file */
	const char *fault_dir;	/* --fault: run only case 6 there */
	bool journal;		/* --journal: only the journal cases, in dir */
	bool extend;		/* --extend: only journaled extensions, in dir */
	const char *libpmem_dir;	/* --libpmem: the libpmem.so.1 replacement's directory */
	bool grow;		/* --grow: syncmap_grow against its system calls, in dir */
	unsigned fault_rounds;
	uint64_t fixed;		/* --fixed N: one run of N iterations each */
	unsigned reps_cpu, reps_page, reps_journal;
	uint64_t sample_ns_cpu, sample_ns_page, sample_ns_journal;
};

/* One library's mapping of one file, and the functions it hands out. */
struct view {
	uint8_t *base;
	struct syncmap *sm;
	struct pmem2_map *p2;
	pmem2_persist_fn p2_persist;
	pmem2_flush_fn p2_flush;
	pmem2_drain_fn p2_drain;
	pmem2_memcpy_fn p2_memcpy;
};

/* The two files every case works on, as each implementation sees them. */
struct bench_files {
	char cl_path[4096], pg_path[4096];
	int cl_fd, pg_fd;
	struct view sm_cl, p2_cl;	/* cache-line path */
	struct view sm_pg, p2_pg;	/* page path */
	struct view sm_cl_strict, sm_pg_strict;	/* the same files in strict mode */
	bool cl_durable;		/* MAP_SYNC really took */
	enum syncmap_insn flush;	/* what libsyncmap chose; raw uses it too */
};

/* What one thread of one implementation works on. */
struct op {
	uint8_t *p;
	size_t size;
	const struct view *v;
	struct syncmap_batch *batch;
	const void *src;
	int err;
	/* The journal cases: lines chosen at random in [p, p + span) (or, for
	 * a raw write to fd, at offsets in [off, off + span)). */
	size_t span;
	unsigned lines;		/* per batch */
	uint64_t rng;
	int fd;
	uint64_t off;
	size_t wbytes;		/* bytes of each raw write */
};

typedef void (*op_fn)(struct op *o, uint64_t iters);

/* One implementation in an interleaved case. */
struct entry {
	const char *impl;
	const char *mode;	/* "batch"/"single" for case 3, else NULL */
	unsigned threads;
	op_fn fn;
	struct op ops[BENCH_POOL_THREADS];
	double samples[BENCH_MAX_REPS];	/* ns per operation */
	unsigned nsamples;
};

struct bench_case {
	const char *bench;	/* persist, batch, memcpy */
	const char *path;	/* cache_line, page */
	size_t size;
	bool durable;
	struct entry e[BENCH_MAX_ENTRIES];
	size_t n;
};

/* clock.c */
uint64_t bench_now_ns(void);
double bench_median(double *v, unsigned n);

/* pool.c: worker threads, pinned one per CPU. */
int bench_pool_start(void);
void bench_pool_stop(void);
/* Run e->fn on e->threads workers; returns the wall time in ns. */
uint64_t bench_pool_run(struct entry *e, uint64_t iters);

/* run.c: interleave a case's entries, repeat, keep the samples. */
int bench_run_case(struct bench_case *c, unsigned reps, uint64_t sample_ns);
/* Instead of timing: run each entry once, for callgrind. */
void bench_set_fixed(uint64_t iters);
struct entry *bench_case_add(struct bench_case *c, const char *impl,
			     const char *mode, unsigned threads, op_fn fn);

/* files.c */
int bench_files_open(struct bench_files *f, const struct bench_opts *o);
void bench_files_close(struct bench_files *f);
/* Where thread t's area at offset off starts in view v. */
uint8_t *bench_at(const struct view *v, unsigned t, size_t off);

/* ops.c */
extern const op_fn op_persist_syncmap, op_persist_libpmem, op_persist_libpmem2,
	op_persist_msync;
op_fn op_persist_raw(enum syncmap_insn f);
extern const op_fn op_batch_syncmap, op_single_syncmap, op_batch_libpmem,
	op_single_libpmem, op_batch_libpmem2, op_single_libpmem2, op_single_msync,
	op_batch_msync, op_batch_fdatasync;
op_fn op_batch_raw(enum syncmap_insn f);
op_fn op_single_raw(enum syncmap_insn f);
extern const op_fn op_copy_syncmap, op_copy_libpmem, op_copy_libpmem2;
extern const op_fn op_control_alu;

/* cases.c */
int bench_cases_run(struct bench_files *f, const struct bench_opts *o);

/* report.c */
void report_header(const struct bench_opts *o, const struct bench_files *f);
void report_control(double speedup, bool json);
void report_case(const struct bench_case *c, bool json);
/* Keep a case's results for ratios and targets; JSON rows if json, no
 * table (the caller prints its own). */
void report_keep(const struct bench_case *c, bool json);
int report_targets(bool json);

/* fault.c: case 6. */
int bench_fault(const struct bench_opts *o);

/* journal.c: the journaled page path (--journal). */
int bench_journal(const struct bench_opts *o);
/* extend.c: journaled opens that extend the file (--extend). */
int bench_extend(const struct bench_opts *o);
/* grow.c: --grow */
int bench_grow(const struct bench_opts *o);

/* libpmem.c: libsyncmap's libpmem.so.1 against the system's (--libpmem). */
int bench_libpmem(const struct bench_opts *o, const char *libdir);
void bench_libpmem_reexec(char **argv);

/* files.c, for the journal cases: a libpmem2 view of fd at PAGE
 * granularity. */
int bench_pmem2_page(struct view *v, int fd);
void bench_view_close(struct view *v);

/* targets.c */
void bench_cpu_model(char *buf, size_t size);

#endif

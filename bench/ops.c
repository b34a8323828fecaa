/* SPDX-License-Identifier: MIT */
/*
 * The operations every implementation repeats.  An operation writes the
 * data first (one store per cache line, the same for everyone) and then
 * makes it durable the implementation's way, so a clean line is never
 * "persisted" for free.
 */
#include <errno.h>
#include <fcntl.h>
#include <libpmem.h>
#include <unistd.h>
#include <sys/mman.h>

#include "bench.h"

static inline void dirty(uint8_t *p, size_t n, uint64_t v)
{
	for (size_t off = 0; off < n; off += BENCH_LINE)
		*(volatile uint64_t *)(p + off) = v;
}

static inline uint8_t *record(const struct op *o, unsigned k)
{
	return o->p + (size_t)k * BENCH_RECORD_STRIDE;
}

static void note(struct op *o, int r)
{
	if (r < 0 && o->err == 0)
		o->err = r;
}

/* ---- Case 1 and 2: one range, written and persisted. */

static void persist_syncmap(struct op *o, uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++) {
		dirty(o->p, o->size, i);
		note(o, syncmap_persist(o->v->sm, o->p, o->size));
	}
}

static void persist_libpmem(struct op *o, uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++) {
		dirty(o->p, o->size, i);
		pmem_persist(o->p, o->size);
	}
}

static void persist_libpmem2(struct op *o, uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++) {
		dirty(o->p, o->size, i);
		o->v->p2_persist(o->p, o->size);
	}
}

static int msync_range(const uint8_t *p, size_t n)
{
	uintptr_t a = (uintptr_t)p & ~(uintptr_t)(BENCH_PAGE - 1);
	uintptr_t end = ((uintptr_t)p + n + BENCH_PAGE - 1) & ~(uintptr_t)(BENCH_PAGE - 1);

	return msync((void *)a, end - a, MS_SYNC) ? -1 : 0;
}

static void persist_msync(struct op *o, uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++) {
		dirty(o->p, o->size, i);
		note(o, msync_range(o->p, o->size));
	}
}

const op_fn op_persist_syncmap = persist_syncmap;
const op_fn op_persist_libpmem = persist_libpmem;
const op_fn op_persist_libpmem2 = persist_libpmem2;
const op_fn op_persist_msync = persist_msync;

/*
 * The raw instruction loops, written inline here, one set per flush
 * instruction: the persist of a range, 64 single persists, and 64
 * write-backs with one fence.
 */
#define RAW_OPS(name, insn, target_attr)					\
	target_attr static inline void flush_##name(const uint8_t *p, size_t n) \
	{								\
		uintptr_t a = (uintptr_t)p & ~(uintptr_t)(BENCH_LINE - 1);	\
		for (; a < (uintptr_t)p + n; a += BENCH_LINE)		\
			insn((void *)a);				\
	}								\
	target_attr static void persist_raw_##name(struct op *o, uint64_t iters) \
	{								\
		for (uint64_t i = 0; i < iters; i++) {			\
			dirty(o->p, o->size, i);			\
			flush_##name(o->p, o->size);			\
			__builtin_ia32_sfence();			\
		}							\
	}								\
	target_attr static void single_raw_##name(struct op *o, uint64_t iters) \
	{								\
		for (uint64_t i = 0; i < iters; i++) {			\
			for (unsigned k = 0; k < BENCH_RECORDS; k++) {	\
				dirty(record(o, k), o->size, i);	\
				flush_##name(record(o, k), o->size);	\
				__builtin_ia32_sfence();		\
			}						\
		}							\
	}								\
	target_attr static void batch_raw_##name(struct op *o, uint64_t iters) \
	{								\
		for (uint64_t i = 0; i < iters; i++) {			\
			for (unsigned k = 0; k < BENCH_RECORDS; k++) {	\
				dirty(record(o, k), o->size, i);	\
				flush_##name(record(o, k), o->size);	\
			}						\
			__builtin_ia32_sfence();			\
		}							\
	}

RAW_OPS(clwb, __builtin_ia32_clwb, __attribute__((target("clwb"))))
RAW_OPS(clflushopt, __builtin_ia32_clflushopt, __attribute__((target("clflushopt"))))
RAW_OPS(clflush, __builtin_ia32_clflush, )

op_fn op_persist_raw(enum syncmap_insn f)
{
	switch (f) {
	case SYNCMAP_INSN_CLWB: return persist_raw_clwb;
	case SYNCMAP_INSN_CLFLUSHOPT: return persist_raw_clflushopt;
	default: return persist_raw_clflush;
	}
}

op_fn op_single_raw(enum syncmap_insn f)
{
	switch (f) {
	case SYNCMAP_INSN_CLWB: return single_raw_clwb;
	case SYNCMAP_INSN_CLFLUSHOPT: return single_raw_clflushopt;
	default: return single_raw_clflush;
	}
}

op_fn op_batch_raw(enum syncmap_insn f)
{
	switch (f) {
	case SYNCMAP_INSN_CLWB: return batch_raw_clwb;
	case SYNCMAP_INSN_CLFLUSHOPT: return batch_raw_clflushopt;
	default: return batch_raw_clflush;
	}
}

/* ---- Case 3: 64 records in 64 pages, one batch or 64 persists. */

static void batch_syncmap(struct op *o, uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++) {
		for (unsigned k = 0; k < BENCH_RECORDS; k++) {
			dirty(record(o, k), o->size, i);
			note(o, syncmap_batch_add(o->batch, record(o, k), o->size));
		}
		note(o, syncmap_batch_commit(o->batch));
	}
}

/* The page batch's commit by hand, for its thread scaling: one
 * msync(MS_SYNC) from the first record's page to the last one's. */
static void batch_msync(struct op *o, uint64_t iters)
{
	uintptr_t pg = (uintptr_t)BENCH_PAGE;
	uintptr_t start = (uintptr_t)record(o, 0) & ~(pg - 1);
	uintptr_t end = ((uintptr_t)record(o, BENCH_RECORDS - 1) + o->size + pg - 1) & ~(pg - 1);

	for (uint64_t i = 0; i < iters; i++) {
		for (unsigned k = 0; k < BENCH_RECORDS; k++)
			dirty(record(o, k), o->size, i);
		note(o, msync((void *)start, end - start, MS_SYNC) ? -errno : 0);
	}
}

/* The commit libsyncmap 0.3.0 made: sync_file_range(WRITE) of each
 * record's page, then fdatasync of the whole file. */
static void batch_fdatasync(struct op *o, uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++) {
		for (unsigned k = 0; k < BENCH_RECORDS; k++)
			dirty(record(o, k), o->size, i);
		for (unsigned k = 0; k < BENCH_RECORDS; k++) {
			uint64_t off = (uint64_t)(record(o, k) - o->v->base) & ~(uint64_t)(BENCH_PAGE - 1);

			note(o, sync_file_range(o->fd, (off_t)off, BENCH_PAGE,
						SYNC_FILE_RANGE_WRITE) ? -errno : 0);
		}
		note(o, fdatasync(o->fd) ? -errno : 0);
	}
}

static void single_syncmap(struct op *o, uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++) {
		for (unsigned k = 0; k < BENCH_RECORDS; k++) {
			dirty(record(o, k), o->size, i);
			note(o, syncmap_persist(o->v->sm, record(o, k), o->size));
		}
	}
}

static void batch_libpmem(struct op *o, uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++) {
		for (unsigned k = 0; k < BENCH_RECORDS; k++) {
			dirty(record(o, k), o->size, i);
			pmem_flush(record(o, k), o->size);
		}
		pmem_drain();
	}
}

static void single_libpmem(struct op *o, uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++) {
		for (unsigned k = 0; k < BENCH_RECORDS; k++) {
			dirty(record(o, k), o->size, i);
			pmem_persist(record(o, k), o->size);
		}
	}
}

static void batch_libpmem2(struct op *o, uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++) {
		for (unsigned k = 0; k < BENCH_RECORDS; k++) {
			dirty(record(o, k), o->size, i);
			o->v->p2_flush(record(o, k), o->size);
		}
		o->v->p2_drain();
	}
}

static void single_libpmem2(struct op *o, uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++) {
		for (unsigned k = 0; k < BENCH_RECORDS; k++) {
			dirty(record(o, k), o->size, i);
			o->v->p2_persist(record(o, k), o->size);
		}
	}
}

static void single_msync(struct op *o, uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++) {
		for (unsigned k = 0; k < BENCH_RECORDS; k++) {
			dirty(record(o, k), o->size, i);
			note(o, msync_range(record(o, k), o->size));
		}
	}
}

const op_fn op_batch_syncmap = batch_syncmap;
const op_fn op_single_syncmap = single_syncmap;
const op_fn op_batch_libpmem = batch_libpmem;
const op_fn op_single_libpmem = single_libpmem;
const op_fn op_batch_libpmem2 = batch_libpmem2;
const op_fn op_single_libpmem2 = single_libpmem2;
const op_fn op_single_msync = single_msync;
const op_fn op_batch_msync = batch_msync;
const op_fn op_batch_fdatasync = batch_fdatasync;

/* ---- Case 4: persistent copies. */

static void copy_syncmap(struct op *o, uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++)
		note(o, syncmap_memcpy(o->v->sm, o->p, o->src, o->size, 0));
}

static void copy_libpmem(struct op *o, uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++)
		pmem_memcpy(o->p, o->src, o->size, 0);
}

static void copy_libpmem2(struct op *o, uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++)
		o->v->p2_memcpy(o->p, o->src, o->size, 0);
}

const op_fn op_copy_syncmap = copy_syncmap;
const op_fn op_copy_libpmem = copy_libpmem;
const op_fn op_copy_libpmem2 = copy_libpmem2;

/* ---- A control: pure ALU work, six independent chains, no memory.  How
 * much two threads gain on it is the most this machine gives any case. */

static volatile uint64_t control_sink;

static void control_alu(struct op *o, uint64_t iters)
{
	uint64_t a = 1, b = 2, c = 3, d = 4, e = 5, f = 6;

	for (uint64_t i = 0; i < iters * 256; i++) {
		a += i;
		b ^= i;
		c += a;
		d ^= b;
		e += c;
		f ^= d;
		__asm__ volatile("" : "+r"(a), "+r"(b), "+r"(c), "+r"(d), "+r"(e), "+r"(f));
	}
	control_sink = a + b + c + d + e + f;
	(void)o;
}

const op_fn op_control_alu = control_alu;

/* SPDX-License-Identifier: MIT */
/*
 * The libpmem.so.1 replacement's internal declarations.  The library is
 * built on libsyncmap's public API (syncmap.h); the objects of libsyncmap
 * are linked into it, compiled without libpmem, so that this library
 * never brings the real libpmem.so.1 into a process.
 *
 * Every address the 23 functions see is looked up in one table (reg.c):
 * a mapping made by pmem_map_file(), a range the kernel has described
 * (foreign.c), or nothing known yet.
 */
#ifndef PM_H
#define PM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "syncmap.h"
#include "api.h"

#define PM_EXPORT __attribute__((visibility("default")))

/* Copy (s non-NULL) or fill with c `lines` whole lines at d (cpu.c). */
typedef void pm_lines_fn(char *d, const char *s, int c, size_t lines);
#define pm_likely(x) __builtin_expect(!!(x), 1)
#define pm_unlikely(x) __builtin_expect(!!(x), 0)

/* ---- api.h values, as libpmem.h 1.12 defines them (tests/abi.c checks). */
#define PM_FILE_CREATE (1 << 0)
#define PM_FILE_EXCL (1 << 1)
#define PM_FILE_SPARSE (1 << 2)
#define PM_FILE_TMPFILE (1 << 3)
#define PM_FILE_ALL (PM_FILE_CREATE | PM_FILE_EXCL | PM_FILE_SPARSE | PM_FILE_TMPFILE)
#define PM_F_NODRAIN (1U << 0)
#define PM_F_NONTEMPORAL (1U << 1)
#define PM_F_TEMPORAL (1U << 2)
#define PM_F_WC (1U << 3)
#define PM_F_WB (1U << 4)
#define PM_F_NOFLUSH (1U << 5)
#define PM_F_ALL ((1U << 6) - 1)
#define PM_MAJOR 1
#define PM_MINOR 1

/*
 * What the table holds for a page: 0 (nothing known), a foreign kind
 * (small even values), a mapping (a pointer to struct pm_map), or, for a
 * 2 MiB chunk shared by several of these, a page table (pointer | 1).
 */
enum pm_kind {
	PM_UNKNOWN = 0,
	PM_PLAIN = 2,	/* memory no flush or msync makes durable (anonymous, private) */
	PM_SYNC = 4,	/* MAP_SYNC ("sf") or device DAX: write-back + fence is durable */
	PM_MSYNC = 6,	/* a shared file mapping without MAP_SYNC: msync is durable */
	PM_KIND_MAX = 6,
};

#define PM_CHUNK_SHIFT 21
#define PM_PAGE_SHIFT 12
#define PM_PT_ENTRIES (1u << (PM_CHUNK_SHIFT - PM_PAGE_SHIFT))
#define PM_LEAF_BITS 14
#define PM_TOP_BITS 12	/* 2^(12 + 14 + 21) = 128 TiB, x86-64's user half */
#define PM_ADDR_LIMIT (1ULL << (PM_TOP_BITS + PM_LEAF_BITS + PM_CHUNK_SHIFT))

/*
 * A mapping made by pmem_map_file().  Records are never freed (a thread
 * that looked one up while another unmapped it reads a valid record);
 * they are reused after pmem_unmap().
 */
struct pm_map {
	struct syncmap *m;	/* NULL once closed */
	uintptr_t start, end;	/* what the caller sees */
	bool cpu;	/* flush + fence: persist, flush and drain never enter the kernel */
	bool durable;	/* pmem_persist() alone makes its ranges durable */
	bool fence_only;	/* PMEM_NO_FLUSH=1 on a cpu mapping */
	enum syncmap_insn insn;	/* the mapping's write-back (NONE: a fence suffices) */
	/* Copy and write back in one pass; NULL: not here.  Non-NULL also
	 * says persist and flush may write back with insn directly. */
	pm_lines_fn *wb_copy, *wb_set;
	unsigned gen;	/* bumped at each reuse */
	size_t live_pages;	/* pages pmem_unmap() has not taken yet */
	pthread_mutex_t lock;	/* close against drain */
	struct pm_map *next_free;
} __attribute__((aligned(64)));

/* ---- reg.c: the address table.  Lookups take no lock. */
extern _Atomic(uintptr_t *) pm_top[1u << PM_TOP_BITS];

static inline uintptr_t pm_lookup(uintptr_t a)
{
	uintptr_t c = a >> PM_CHUNK_SHIFT, e;
	uintptr_t *leaf;

	if (pm_unlikely(a >= PM_ADDR_LIMIT))
		return PM_UNKNOWN;
	leaf = atomic_load_explicit(&pm_top[c >> PM_LEAF_BITS], memory_order_acquire);
	if (pm_unlikely(!leaf))
		return PM_UNKNOWN;
	e = atomic_load_explicit((_Atomic uintptr_t *)&leaf[c & ((1u << PM_LEAF_BITS) - 1)],
				 memory_order_acquire);
	if (e & 1)
		e = atomic_load_explicit((_Atomic uintptr_t *)((e - 1) +
				sizeof(uintptr_t) * ((a >> PM_PAGE_SHIFT) & (PM_PT_ENTRIES - 1))),
				memory_order_acquire);
	return e;
}

static inline bool pm_is_map(uintptr_t e)
{
	return e > PM_KIND_MAX;
}

/* The entry at a and the end of the span (chunk or page) it covers,
 * clipped to end. */
uintptr_t pm_lookup_span(uintptr_t a, uintptr_t end, uintptr_t *span_end);
/* The writers, serialised by pm_reg_lock(). */
void pm_reg_lock(void);
void pm_reg_unlock(void);
/* Set the pages of [start, end) to v; with keep_maps, pages that hold a
 * mapping keep it.  -ENOMEM if a table could not be allocated. */
int pm_reg_set(uintptr_t start, uintptr_t end, uintptr_t v, bool keep_maps);
/* Clear the pages of [start, end) that hold p; returns how many. */
size_t pm_reg_clear_map(uintptr_t start, uintptr_t end, const struct pm_map *p);
struct pm_map *pm_map_alloc(void);
void pm_map_release(struct pm_map *p);

/* ---- foreign.c: what the kernel says about ranges nobody registered. */
/* Read /proc/self/smaps once and record the kind of every page of
 * [start, end) (rounded out to chunks); pages in no mapping get 0. */
int pm_foreign_learn(uintptr_t start, uintptr_t end);
/* 1 if every page of [start, end) is PM_SYNC or PM_MSYNC, read afresh. */
int pm_foreign_durable(uintptr_t start, uintptr_t end);

/* ---- cpu.c: write-back and non-temporal stores for any address. */
void pm_cpu_init(bool no_clwb, bool no_clflushopt);
/* false where this architecture has no code here (msync is used). */
bool pm_cpu_can_flush(void);
void pm_cpu_flush(const void *addr, size_t len);
/* Write back the lines of [addr, addr + len) with wb (CLWB, CLFLUSHOPT
 * or CLFLUSH: what pm_cpu_lines() has a loop for); no fence. */
void pm_cpu_flush_with(const void *addr, size_t len, enum syncmap_insn wb);
/* The instruction pm_cpu_flush() uses (NONE where it has none). */
enum syncmap_insn pm_cpu_wb_insn(void);
void pm_cpu_fence(void);
/* Non-temporal copy and fill of whole 64-byte lines (dst 64-aligned,
 * n a multiple of 64); false where not available. */
bool pm_cpu_has_movnt(void);
void pm_cpu_movnt_copy(void *dst, const void *src, size_t n);
void pm_cpu_movnt_set(void *dst, int c, size_t n);
/*
 * Copy (s non-NULL) or fill with c whole lines at d (64-aligned), writing
 * each back with one instruction as soon as it is stored; no fence.
 * pm_cpu_lines() gives the loop for an instruction (CLWB, CLFLUSHOPT,
 * CLFLUSH), NULL where this build has none.  pm_cpu_part_wb() does the
 * same for part of one line.
 */
pm_lines_fn *pm_cpu_lines(enum syncmap_insn wb, bool copy);
void pm_cpu_part_wb(void *dst, const void *src, int c, size_t n, enum syncmap_insn wb);

/* ---- env.c: libpmem's environment and the per-thread message. */
struct pm_env {
	int no_flush;		/* PMEM_NO_FLUSH: -1 unset, 0, 1 */
	bool no_movnt;		/* PMEM_NO_MOVNT */
	size_t movnt_threshold;	/* PMEM_MOVNT_THRESHOLD, default 256 */
	bool journal;		/* SYNCMAP_PMEM_JOURNAL: journaled path */
};
extern struct pm_env pm_env;
/* PMEM_IS_PMEM_FORCE, read at the first call: -1 unset, 0, 1. */
int pm_is_pmem_force(void);
/* Set this thread's pmem_errormsg(). */
void pm_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- persist.c: the handle-less paths, shared by the copies. */
void pm_persist_range(uintptr_t a, size_t len);
void pm_flush_range(uintptr_t a, size_t len);
/* Remember that this thread flushed p: pmem_drain() drains it. */
void pm_pending_add(struct pm_map *p);
/* The deep forms: libsyncmap's deep flush in its mappings, a persist
 * elsewhere; 0 or -errno. */
int pm_deep_walk(uintptr_t a, size_t len);
/* Report a failed persist of a mapping (pmem_persist() returns void). */
void pm_persist_failed(struct pm_map *p, int r, const char *what);

#endif

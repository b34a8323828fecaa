/* SPDX-License-Identifier: MIT */
/* Internal declarations shared by the library's source files. */
#ifndef SYNCMAP_INTERNAL_H
#define SYNCMAP_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "config.h"
#include "syncmap.h"

#define SM_EXPORT __attribute__((visibility("default")))
#define SM_ADVICE_MAX 1024
#define SM_HUGE_ALIGN (2u << 20)

/* The valid bits of each flag word, and the number of causes: kept out of
 * the public header so that adding a flag or a cause changes no constant
 * a program was compiled with. */
#define SM_OPEN_VALID ((1U << 11) - 1)
#define SM_COPY_VALID ((1U << 1) - 1)
#define SM_PROBE_VALID ((1U << 1) - 1)
#define SM_GROW_VALID ((1U << 1) - 1)
#define SM_CAUSE_COUNT (SYNCMAP_CAUSE_JOURNAL_BUSY + 1)

#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef MAP_SYNC
#define MAP_SYNC 0x80000
#endif

#define sm_likely(x) __builtin_expect(!!(x), 1)
#define sm_unlikely(x) __builtin_expect(!!(x), 0)

/* Write back [addr, addr + len) with one instruction per cache line. */
typedef void (*sm_flush_fn)(const void *addr, size_t len);

struct syncmap;
struct sm_range;

/*
 * How a mapping makes ranges durable: one table per path (cache line,
 * byte, page, read-only), chosen when the mapping is made.  The
 * cache-line path is also inlined through syncmap.flush_fn, so a persist
 * there costs no indirect call; a path that wraps or replaces another
 * clears flush_fn and installs its own table.  Addresses are in the view
 * the caller sees (syncmap.addr); a path that presents a view of its own
 * translates them before it calls the table it wraps.
 */
struct sm_path_ops {
	const char *name;
	/* Copies may use CPU write-back (non-temporal stores, flush_fn). */
	bool cpu;
	/* Make [start, end) durable. */
	int (*persist)(struct syncmap *m, uintptr_t start, uintptr_t end);
	/* Start making [start, end) durable; drain() finishes. */
	int (*flush)(struct syncmap *m, uintptr_t start, uintptr_t end);
	int (*drain)(struct syncmap *m);
	/*
	 * Make a batch's ranges durable.  They are in any order, may
	 * overlap, and may be reordered and merged in place.  NULL when a
	 * batch needs only flush() on add and drain() at commit.
	 */
	int (*commit)(struct syncmap *m, struct sm_range *r, size_t n);
	/* The batch's array is full: make room, set *n to what is left. */
	int (*full)(struct syncmap *m, struct sm_range *r, size_t *n);
	/* Release the path's state at close (NULL: nothing to release). */
	int (*close)(struct syncmap *m);
};

/*
 * A mapping.  Everything the persist path reads sits in the first cache
 * line and is never written after open, so threads persisting through
 * one mapping share it read-only.
 */
struct syncmap {
	uint8_t *addr;		/* first byte the caller sees */
	size_t len;		/* bytes the caller sees */
	sm_flush_fn flush_fn;	/* set on the cache-line path only */
	const struct sm_path_ops *ops;	/* every path; never NULL once open */
	enum syncmap_granularity gran;
	int fd;			/* our own descriptor, O_CLOEXEC */
	bool rdonly;
	bool sync;		/* MAP_SYNC took */
	bool devdax;
	bool whole;		/* opened with length 0: the whole file */

	/* Cold fields. */
	void *map_base;		/* what munmap gets */
	size_t map_len;
	uint64_t offset;	/* file offset of map_base */
	dev_t st_dev, st_rdev;
	ino_t st_ino;
	unsigned line;		/* bytes one write-back covers */
	enum syncmap_insn insn;
	enum syncmap_cause cause;
	void *path_data;	/* the path's own state, released by ops->close */
	enum syncmap_path path;	/* what syncmap_path() says */
	int deep_flush;		/* the region's: 1 flushes, 0 nothing to, -1 none */
	char *deep_flush_path;	/* its attribute when it flushes */
	char advice[SM_ADVICE_MAX];
	/* Growing (grow.c).  len and map_len change only under grow_lock,
	 * and are read with sm_len()/sm_map_len() by threads that do not
	 * hold it; reserve is the address space held from map_base. */
	pthread_mutex_t grow_lock;
	size_t reserve;
	unsigned open_flags;
};

/* The lengths a grow may change while other threads read them. */
static inline size_t sm_len(const struct syncmap *m)
{
	return __atomic_load_n(&m->len, __ATOMIC_ACQUIRE);
}
static inline size_t sm_map_len(const struct syncmap *m)
{
	return __atomic_load_n(&m->map_len, __ATOMIC_ACQUIRE);
}
/* What munmap gets at close: the mapping and the rest of its reservation. */
static inline size_t sm_map_span(const struct syncmap *m)
{
	return m->reserve > m->map_len ? m->reserve : m->map_len;
}

struct sm_range {
	uintptr_t start, end;	/* [start, end) */
};

/* ---- sys.c: the only code that calls the kernel; returns -errno. */
int sm_sys_open(const char *path, int flags, mode_t mode);
int sm_sys_openat(int dirfd, const char *path, int flags, mode_t mode);
int sm_sys_close(int fd);
int sm_sys_unlink(const char *path);
int sm_sys_stat(const char *path, struct stat *st);
int sm_sys_lstat(const char *path, struct stat *st);
int sm_sys_dup(int fd);
int sm_sys_fstat(int fd, struct stat *st);
int sm_sys_fstatfs_type(int fd, long *type);
int sm_sys_ftruncate(int fd, uint64_t size);
int sm_sys_fallocate(int fd, int mode, uint64_t off, uint64_t len);
int sm_sys_pwrite_all(int fd, const void *buf, size_t len, uint64_t off);
int sm_sys_mmap(void *addr, size_t len, int prot, int flags, int fd,
		uint64_t off, void **out);
int sm_sys_mremap(void *addr, size_t len, size_t new_len, int flags, void **out);
/* Move [addr, addr + len) to new_addr (MREMAP_MAYMOVE | MREMAP_FIXED). */
int sm_sys_mremap_fixed(void *addr, size_t len, void *new_addr);
int sm_sys_munmap(void *addr, size_t len);
int sm_sys_msync(void *addr, size_t len, int flags);
int sm_sys_madvise(void *addr, size_t len, int advice);
int sm_sys_fdatasync(int fd);
int sm_sys_sync_file_range(int fd, uint64_t off, uint64_t len, unsigned flags);
int sm_sys_fcntl_int(int fd, int cmd, int arg);
/* Read a small sysfs/proc file into buf (NUL-terminated, newline cut). */
int sm_sys_read_text(const char *path, char *buf, size_t size);
int sm_sys_write_text(const char *path, const char *text);
/* The statx fields the library reads. */
#define SM_STATX_BTIME 0x00000800U
#define SM_STATX_MNT_ID 0x00001000U
#define SM_STATX_ATTR_DAX 0x00200000ULL
struct sm_statx {
	uint32_t mask;
	uint64_t attributes, attributes_mask;
	uint64_t mnt_id;
	int64_t btime_sec;	/* with SM_STATX_BTIME in mask */
	uint32_t btime_nsec;
};
int sm_sys_statx(int fd, unsigned mask, struct sm_statx *out);
/* 1 if statx says the file is DAX, 0 if not, negative if it can't say. */
int sm_sys_statx_dax(int fd);
int sm_sys_ioctl(int fd, unsigned long request, void *arg);
/* NUL-terminated; returns the length. */
int sm_sys_readlink(const char *path, char *buf, size_t size);
/* The canonical path, allocated (free it). */
int sm_sys_realpath(const char *path, char **out);
/* fn for each entry not starting with a dot, until it returns non-zero;
 * returns what fn last returned (0 at the end), or -errno. */
int sm_sys_list_dir(const char *path, int (*fn)(void *arg, const char *name), void *arg);
int sm_sys_memfd(const char *name);
int sm_sys_uname_release(char *buf, size_t size);
struct sigaction;
int sm_sys_sigaction(int sig, const struct sigaction *sa, struct sigaction *old);
int sm_sys_sigmask(int how, const sigset_t *set, sigset_t *old);
int sm_sys_raise(int sig);
long sm_page_size(void);
/* riscv_hwprobe(2) for all online CPUs (riscv64 only; -ENOSYS
 * elsewhere and on kernels before 6.4). */
struct sm_hwprobe_pair {
	int64_t key;
	uint64_t value;
};
int sm_sys_riscv_hwprobe(struct sm_hwprobe_pair *pairs, size_t n);
/* Strict mode: an OFD lock (F_WRLCK, F_UNLCK) of [off, off + len), without waiting. */
int sm_sys_ofd_lock(int fd, short type, uint64_t off, uint64_t len);
int sm_sys_write_all(int fd, const void *buf, size_t len);
long sm_sys_getpid(void);
/* The journal: reads that are short only at the end of the file. */
ssize_t sm_sys_pread_all(int fd, void *buf, size_t len, uint64_t off);
int sm_sys_fsync(int fd);
int sm_sys_mprotect(void *addr, size_t len, int prot);
uint64_t sm_sys_now_ns(void);
/* SIGKILL to this process: strict mode's crash point. */
void sm_sys_kill_self(void) __attribute__((noreturn));

/* ---- log.c: callback, per-thread last cause/advice, environment. */
void sm_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Record why the calling thread's call failed; returns err for chaining. */
int sm_fail(int err, enum syncmap_cause cause, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void sm_clear_last(void);
/* getenv that ignores the environment in setuid/setgid processes. */
const char *sm_getenv(const char *name);

/* ---- cause.c: names and the default sentence for each cause. */
const char *sm_cause_default_advice(enum syncmap_cause c);

/* ---- cpu_<arch>.c: one file per architecture, chosen by the build. */
#define SM_INSN_BIT(i) (1u << (unsigned)(i))
#define SM_PREFER_MAX 4

/*
 * What a CPU offers for writing cache lines back: the instructions it
 * (and the kernel) lets user space run, the architecture's order of
 * preference, and the bytes one write-back covers.
 */
struct sm_cpu {
	const char *arch;	/* "x86_64", "aarch64", ... */
	unsigned line;		/* bytes per write-back, a power of two */
	uint32_t have;		/* SM_INSN_BIT() of each usable instruction */
	enum syncmap_insn prefer[SM_PREFER_MAX]; /* best first, NONE ends it */
	/* Why this CPU offers none of prefer[] ("the kernel does not let user
	 * space run cbo.clean"), for the advice; NULL when it offers one. */
	const char *lacks;
};

/* Read this CPU's features (CPUID, hardware capabilities).  Stateless. */
void sm_arch_cpu(struct sm_cpu *c);
/* The write-back loop of an instruction; NULL for one the arch lacks. */
sm_flush_fn sm_flush_fn_for(enum syncmap_insn insn);
/* Order the write-backs (and stores) before it: the end of a persist. */
void sm_fence(void);

/* ---- cpu.c: the process's CPU, read once, and the choice. */
const struct sm_cpu *sm_cpu(void);
/* SM_INSN_BIT() of each instruction SYNCMAP_NO_<NAME> disables. */
uint32_t sm_cpu_disabled(void);
/* Pure: the first preferred instruction that is usable and not disabled. */
enum syncmap_insn sm_cpu_select(const struct sm_cpu *c, uint32_t disabled);

/* ---- cause.c: the instructions' names and environment variables. */
#define SM_INSN_COUNT (SYNCMAP_INSN_CBO_CLEAN + 1)
/* "SYNCMAP_NO_CLWB"; NULL for SYNCMAP_INSN_NONE. */
const char *sm_insn_env(enum syncmap_insn insn);
/*
 * The advice of cpu_cannot_flush for a CPU and the instructions the
 * environment disables: names the architecture and what is missing.
 * Pure; writes at most size bytes, NUL-terminated.
 */
void sm_cpu_advice(const struct sm_cpu *c, uint32_t disabled, char *buf,
		   size_t size);

/* ---- map.c: mapping a file on the path the decision chose. */
struct sm_facts;
int sm_map(struct syncmap *m, unsigned flags, const struct sm_facts *f);
/* Does the kernel know MAP_SHARED_VALIDATE?  1, 0, or -errno. */
int sm_validate_known(void);
/* Write "1" to the deep_flush of the region behind m (path kept at open). */
int sm_region_deep_flush(const struct syncmap *m);

/* ---- persist.c: argument checks shared by every entry point. */
static inline bool sm_in_range(const struct syncmap *m, const void *addr, size_t len)
{
	uintptr_t a = (uintptr_t)addr, base = (uintptr_t)m->addr;

	size_t mlen = sm_len(m);

	return a >= base && a - base <= mlen && len <= mlen - (a - base);
}
/* -EINVAL: "WHAT ADDR+LEN is not inside the mapping ..." */
int sm_range_error(const struct syncmap *m, const char *what, const void *addr,
		   size_t len) __attribute__((cold));
/* -EBADF with cause read_only. */
int sm_readonly_error(void) __attribute__((cold));

/* ---- path_cpu.c, path_page.c: the paths' tables. */
extern const struct sm_path_ops sm_cache_line_ops;
extern const struct sm_path_ops sm_byte_ops;
extern const struct sm_path_ops sm_page_ops;
extern const struct sm_path_ops sm_rdonly_ops;
extern const struct sm_path_ops sm_journal_ops;
/* msync of the pages under [start, end), with advice on failure. */
int sm_page_sync(struct syncmap *m, uintptr_t start, uintptr_t end);

/* ---- grow.c: room to grow, and growing. */
/* At the end of an open: take the lock, hold reserve bytes of address
 * space from the mapping's start and move the mapping (and a strict
 * view) there.  -errno with advice; on failure the mapping is as it was. */
int sm_grow_setup(struct syncmap *m, unsigned flags, uint64_t reserve);

/* ---- batch.c: sort and merge ranges in place, returns the new count. */
size_t sm_ranges_coalesce(struct sm_range *r, size_t n, uintptr_t page);

#endif

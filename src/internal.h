/* SPDX-License-Identifier: MIT */
/* Internal declarations shared by the library's source files. */
#ifndef SYNCMAP_INTERNAL_H
#define SYNCMAP_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "config.h"
#include "syncmap.h"

#define SM_EXPORT __attribute__((visibility("default")))
#define SM_CACHE_LINE 64u
#define SM_ADVICE_MAX 1024
#define SM_HUGE_ALIGN (2u << 20)

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

/*
 * A mapping.  Everything the persist path reads sits in the first cache
 * line and is never written after open, so threads persisting through
 * one mapping share it read-only.
 */
struct syncmap {
	uint8_t *addr;		/* first byte the caller sees */
	size_t len;		/* bytes the caller sees */
	sm_flush_fn flush_fn;	/* NULL on the byte and page paths */
	enum syncmap_granularity gran;
	int fd;			/* our own descriptor, O_CLOEXEC */
	bool rdonly;
	bool sync;		/* MAP_SYNC took */
	bool devdax;
	bool deep_flush_ok;	/* region has deep_flush */

	/* Cold fields. */
	void *map_base;		/* what munmap gets */
	size_t map_len;
	uint64_t offset;	/* file offset of addr */
	dev_t st_dev, st_rdev;
	ino_t st_ino;
	enum syncmap_flush flush;
	enum syncmap_cause cause;
	char advice[SM_ADVICE_MAX];
};

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
int sm_sys_munmap(void *addr, size_t len);
int sm_sys_msync(void *addr, size_t len, int flags);
int sm_sys_madvise(void *addr, size_t len, int advice);
int sm_sys_fdatasync(int fd);
int sm_sys_sync_file_range(int fd, uint64_t off, uint64_t len, unsigned flags);
int sm_sys_fcntl_int(int fd, int cmd, int arg);
/* Read a small sysfs/proc file into buf (NUL-terminated, newline cut). */
int sm_sys_read_text(const char *path, char *buf, size_t size);
int sm_sys_write_text(const char *path, const char *text);
/* 1 if statx says the file is DAX, 0 if not, negative if it can't say. */
int sm_sys_statx_dax(int fd);
long sm_page_size(void);

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

/* ---- cpu_x86.c (or another arch file): flush instructions. */
struct sm_cpu_features {
	bool clflush, clflushopt, clwb;
};
struct sm_cpu_env {
	bool no_clwb, no_clflushopt;
};
/* CPUID, once per process. */
const struct sm_cpu_features *sm_cpu_features(void);
/* Pure policy: which instruction, given features and overrides. */
enum syncmap_flush sm_cpu_select(const struct sm_cpu_features *f,
				 const struct sm_cpu_env *env);
/* The selection for this process (features + environment), cached. */
enum syncmap_flush sm_cpu_flush(void);
/* SYNCMAP_NO_CLWB or SYNCMAP_NO_CLFLUSHOPT is in effect. */
bool sm_cpu_overridden(void);
sm_flush_fn sm_flush_fn_for(enum syncmap_flush f);
void sm_fence(void);

/* ---- diagnose.c: why did the kernel refuse MAP_SYNC for this fd? */
enum syncmap_cause sm_diagnose_refusal(int fd, char *advice, size_t size);
/* 1 if the region backing fd reports persistence_domain cpu_cache, 0 if
 * not, negative errno if unknown.  Also says whether deep_flush exists. */
int sm_domain_is_cpu_cache(int fd, bool *deep_flush);
/* Write "1" to the deep_flush of the region backing fd. */
int sm_region_deep_flush(int fd);

/* ---- map.c: the mapping policy. */
int sm_map(struct syncmap *m, unsigned flags);

/* ---- open.c */
int sm_devdax_geometry(const struct stat *st, uint64_t *size,
		       uint64_t *align);

/* ---- persist.c */
int sm_check_range(const struct syncmap *m, const void *addr, size_t len);
int sm_page_sync(struct syncmap *m, uintptr_t start, uintptr_t end);

/* ---- batch.c: sort and merge ranges in place, returns the new count. */
size_t sm_ranges_coalesce(struct sm_range *r, size_t n, uintptr_t page);

#endif

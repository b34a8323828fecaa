/* SPDX-License-Identifier: MIT */
/*
 * libsyncmap - durable memory-mapped files with MAP_SYNC, or an honest
 * msync fallback.
 *
 * Every function that can fail returns 0 (or a non-negative value) on
 * success and a negative errno on failure.  The library never prints,
 * aborts or exits; it reports through the optional log callback and
 * through the per-thread "last cause" and "last advice" of the calling
 * thread.
 */
#ifndef SYNCMAP_H
#define SYNCMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SYNCMAP_VERSION_MAJOR 0
#define SYNCMAP_VERSION_MINOR 3
#define SYNCMAP_VERSION_MICRO 0

/* Opaque handles. */
struct syncmap;
struct syncmap_batch;
struct syncmap_probe;

/**
 * enum syncmap_granularity - the smallest unit a persist acts on
 * @SYNCMAP_GRAN_BYTE: the persistence domain includes the CPU caches
 *	(eADR); a store fence makes any byte durable.
 * @SYNCMAP_GRAN_CACHE_LINE: MAP_SYNC mapping; cache lines are written
 *	back with clwb/clflushopt/clflush followed by a fence.
 * @SYNCMAP_GRAN_PAGE: ordinary shared mapping; persisting takes msync or
 *	fdatasync and acts on whole pages.
 */
enum syncmap_granularity {
	SYNCMAP_GRAN_BYTE = 0,
	SYNCMAP_GRAN_CACHE_LINE = 1,
	SYNCMAP_GRAN_PAGE = 2,
};

/**
 * enum syncmap_insn - the instruction that writes a cache line back
 * @SYNCMAP_INSN_NONE: no write-back is done (page path, or byte
 *	granularity where a fence suffices).
 * @SYNCMAP_INSN_CLFLUSH: CLFLUSH, ordered, evicts the line.
 * @SYNCMAP_INSN_CLFLUSHOPT: CLFLUSHOPT, needs a fence, evicts the line.
 * @SYNCMAP_INSN_CLWB: CLWB, needs a fence, may keep the line cached.
 * @SYNCMAP_INSN_DC_CVAP: aarch64 DC CVAP, clean to the point of
 *	persistence, then DSB.
 * @SYNCMAP_INSN_DC_CVAC: aarch64 DC CVAC, clean to the point of
 *	coherency, then DSB (CPUs without DC CVAP).
 * @SYNCMAP_INSN_DCBSTPS: POWER10 dcbstps, then phwsync.
 * @SYNCMAP_INSN_DCBF: POWER8 and POWER9 dcbf, then hwsync.
 * @SYNCMAP_INSN_CBO_CLEAN: RISC-V Zicbom cbo.clean, then a fence.
 */
enum syncmap_insn {
	SYNCMAP_INSN_NONE = 0,
	SYNCMAP_INSN_CLFLUSH = 1,
	SYNCMAP_INSN_CLFLUSHOPT = 2,
	SYNCMAP_INSN_CLWB = 3,
	SYNCMAP_INSN_DC_CVAP = 4,
	SYNCMAP_INSN_DC_CVAC = 5,
	SYNCMAP_INSN_DCBSTPS = 6,
	SYNCMAP_INSN_DCBF = 7,
	SYNCMAP_INSN_CBO_CLEAN = 8,
};

/**
 * enum syncmap_cause - why a mapping did not get the fastest path
 *
 * syncmap_cause_name() gives each a stable identifier string.
 */
enum syncmap_cause {
	SYNCMAP_CAUSE_NONE = 0,		/* "none": nothing is missing */
	SYNCMAP_CAUSE_KERNEL_TOO_OLD,	/* "kernel_too_old": EINVAL, < 4.15 */
	SYNCMAP_CAUSE_NOT_DAX,		/* "not_dax": EOPNOTSUPP, no detail */
	SYNCMAP_CAUSE_FS_NOT_DAX_MOUNTED, /* "fs_not_dax_mounted" */
	SYNCMAP_CAUSE_INODE_DAX_FLAG_UNSET, /* "inode_dax_flag_unset" */
	SYNCMAP_CAUSE_FS_NOT_DAX_CAPABLE, /* "fs_not_dax_capable" */
	SYNCMAP_CAUSE_DEVICE_NOT_DAX,	/* "device_not_dax" */
	SYNCMAP_CAUSE_NAMESPACE_RAW,	/* "namespace_raw_mode" */
	SYNCMAP_CAUSE_NOT_SYNCHRONOUS,	/* "device_not_synchronous" */
	SYNCMAP_CAUSE_FORBIDDEN,	/* "map_sync_forbidden" */
	SYNCMAP_CAUSE_FORCED_BY_ENV,	/* "forced_by_environment" */
	SYNCMAP_CAUSE_READ_ONLY,	/* "read_only" */
	SYNCMAP_CAUSE_NO_FLUSH_INSN,	/* "cpu_cannot_flush" */
	SYNCMAP_CAUSE_NO_NVDIMM_BUS,	/* "no_nvdimm_bus" */
	SYNCMAP_CAUSE_ERROR,		/* "error": a call failed, see advice */
	SYNCMAP_CAUSE_STRICT_MODE,	/* "strict_mode": a test mode, see advice */
	SYNCMAP_CAUSE_JOURNAL_BUSY,	/* "journal_busy": another open holds the journal */
	SYNCMAP_CAUSE_VOLATILE_MEMORY,	/* "volatile_memory": device DAX on memory that
					 * does not keep its contents (dax_hmem, CXL ram) */
};

/* Flags of syncmap_open() and syncmap_open_fd(). */
#define SYNCMAP_CREATE		(1U << 0) /* create the file if missing */
#define SYNCMAP_EXCL		(1U << 1) /* with CREATE: fail if it exists */
#define SYNCMAP_RDONLY		(1U << 2) /* map read-only */
#define SYNCMAP_REQUIRE_SYNC	(1U << 3) /* fail instead of falling back */
#define SYNCMAP_FORBID_SYNC	(1U << 4) /* never use MAP_SYNC */
#define SYNCMAP_SPARSE		(1U << 5) /* do not allocate the mapped blocks */
#define SYNCMAP_PREFAULT	(1U << 6) /* fault the whole mapping in */
#define SYNCMAP_NOFOLLOW	(1U << 7) /* refuse a symbolic link */
#define SYNCMAP_RESIZE		(1U << 8) /* set the size exactly (may shrink) */
#define SYNCMAP_STRICT		(1U << 9) /* test mode: only persisted lines reach the file */
#define SYNCMAP_JOURNAL		(1U << 10) /* page path with a sidecar journal */

/* Flags of syncmap_memcpy() and syncmap_memset(). */
#define SYNCMAP_COPY_NODRAIN	(1U << 0) /* leave the final fence to the caller */

/* Flags of syncmap_probe_format(). */
#define SYNCMAP_PROBE_JSON	(1U << 0) /* one JSON object, no newline */

/* Log levels, as in syslog(3). */
#define SYNCMAP_LOG_ERR		3
#define SYNCMAP_LOG_WARNING	4
#define SYNCMAP_LOG_NOTICE	5
#define SYNCMAP_LOG_INFO	6
#define SYNCMAP_LOG_DEBUG	7

/**
 * typedef syncmap_log_fn - a log sink
 * @arg: the pointer given to syncmap_set_log()
 * @level: one of SYNCMAP_LOG_*
 * @msg: one line of text without a trailing newline
 */
typedef void (*syncmap_log_fn)(void *arg, int level, const char *msg);

/**
 * syncmap_set_log() - route the library's messages to a callback
 * @fn: the callback, or NULL to drop messages
 * @arg: passed through to @fn
 * @max_level: messages above this level are not delivered; the
 *	SYNCMAP_LOG_LEVEL environment variable overrides it
 */
void syncmap_set_log(syncmap_log_fn fn, void *arg, int max_level);

/**
 * syncmap_version() - the library's version string, "MAJOR.MINOR.MICRO"
 */
const char *syncmap_version(void);

/**
 * syncmap_open() - open (and maybe create) a file and map it durably
 * @path: a regular file or a device DAX character device
 * @flags: SYNCMAP_* open flags
 * @mode: permissions for a created file; 0 means 0600
 * @size: bytes to map; 0 maps the whole current file.  A larger size
 *	extends the file; with SYNCMAP_RESIZE the file is set to @size.
 * @out: receives the mapping
 *
 * Return: 0, or a negative errno.  On failure nothing is left behind and
 * syncmap_last_cause()/syncmap_last_advice() explain it.
 */
int syncmap_open(const char *path, unsigned flags, mode_t mode,
		 uint64_t size, struct syncmap **out);

/**
 * syncmap_open_fd() - map part of an already open file durably
 * @fd: the file; the mapping keeps its own duplicate of it
 * @offset: file offset of the mapping, a multiple of the page size (of
 *	the device alignment for device DAX)
 * @length: bytes to map; 0 maps from @offset to the end of the file
 * @flags: SYNCMAP_* open flags (CREATE, EXCL and NOFOLLOW are invalid)
 * @out: receives the mapping
 */
int syncmap_open_fd(int fd, uint64_t offset, uint64_t length, unsigned flags,
		    struct syncmap **out);

/**
 * syncmap_open_reserve() - syncmap_open(), with room to grow in place
 * @path: as for syncmap_open()
 * @flags: as for syncmap_open(); SYNCMAP_RDONLY is refused when @reserve
 *	is larger than the mapping (nothing grows through a read-only one)
 * @mode: as for syncmap_open()
 * @size: as for syncmap_open()
 * @reserve: bytes of address space to hold for the mapping, from its
 *	start: syncmap_grow() can reach this length without moving.  0, or
 *	no more than the mapped length, holds no more than is mapped.
 * @out: receives the mapping
 *
 * Return: 0, or a negative errno, as syncmap_open().
 */
int syncmap_open_reserve(const char *path, unsigned flags, mode_t mode,
			 uint64_t size, uint64_t reserve, struct syncmap **out);

/**
 * syncmap_open_fd_reserve() - syncmap_open_fd(), with room to grow in place
 * @fd: as for syncmap_open_fd()
 * @offset: as for syncmap_open_fd()
 * @length: as for syncmap_open_fd()
 * @reserve: as for syncmap_open_reserve()
 * @flags: as for syncmap_open_fd()
 * @out: receives the mapping
 */
int syncmap_open_fd_reserve(int fd, uint64_t offset, uint64_t length,
			    uint64_t reserve, unsigned flags,
			    struct syncmap **out);

/* Flags of syncmap_grow(). */
#define SYNCMAP_GROW_MAY_MOVE	(1U << 0) /* past the reservation: move the mapping */

/**
 * syncmap_grow() - extend the file and the mapping in place
 * @m: a writable mapping
 * @new_length: the mapping's new length, at least its current one
 * @flags: SYNCMAP_GROW_* flags
 *
 * Extends the file (allocating the new range unless the mapping was
 * opened with SYNCMAP_SPARSE) and maps the new range on the path the
 * mapping already has, inside the address space held at open.  The base
 * address does not change and every pointer into the mapping stays
 * valid; other threads may persist, flush and read on the existing range
 * meanwhile.  Grows of one mapping are serialised.  Shrinking is not
 * supported.
 *
 * Return: 0, or a negative errno: -ENOMEM past the reservation (without
 * SYNCMAP_GROW_MAY_MOVE), -ENOSPC or -EDQUOT when the file system cannot
 * allocate the range.  On failure the mapping and the file are as they
 * were.
 */
int syncmap_grow(struct syncmap *m, uint64_t new_length, unsigned flags);

/**
 * syncmap_reserved() - the length the mapping can grow to in place
 * @m: the mapping
 *
 * Return: bytes from syncmap_addr() that syncmap_grow() can reach without
 * moving; syncmap_length() when nothing more was reserved.
 */
size_t syncmap_reserved(const struct syncmap *m);

/**
 * syncmap_close() - unmap and release a mapping
 * @m: the mapping, may be NULL
 *
 * Return: 0, or a negative errno from munmap or close; the mapping is
 * released in every case.
 */
int syncmap_close(struct syncmap *m);

/* What a mapping is, and how it persists. */
void *syncmap_addr(const struct syncmap *m);
size_t syncmap_length(const struct syncmap *m);
enum syncmap_granularity syncmap_granularity(const struct syncmap *m);
bool syncmap_is_sync(const struct syncmap *m);
enum syncmap_insn syncmap_insn(const struct syncmap *m);
enum syncmap_cause syncmap_cause(const struct syncmap *m);
const char *syncmap_advice(const struct syncmap *m);

/**
 * enum syncmap_path - which path a mapping took
 * @SYNCMAP_PATH_MAP_SYNC: "map_sync": MAP_SYNC, cache_line or byte
 * @SYNCMAP_PATH_PAGE: "page": msync
 * @SYNCMAP_PATH_JOURNAL: "journal": cache lines appended to the sidecar
 * @SYNCMAP_PATH_READ_ONLY: "read_only"
 * @SYNCMAP_PATH_FORCED: "forced": SYNCMAP_FORCE_GRANULARITY, not durable
 */
enum syncmap_path {
	SYNCMAP_PATH_MAP_SYNC = 0,
	SYNCMAP_PATH_PAGE,
	SYNCMAP_PATH_JOURNAL,
	SYNCMAP_PATH_READ_ONLY,
	SYNCMAP_PATH_FORCED,
};
enum syncmap_path syncmap_path(const struct syncmap *m);
const char *syncmap_path_name(enum syncmap_path p);

/**
 * struct syncmap_journal_stats - what the journal of a mapping did
 * @persists: persists, batch commits and drains served
 * @writes: durable journal writes (group commits)
 * @bytes: bytes written to the journal
 * @checkpoints: checkpoints done (not counting close)
 * @replayed: records replayed at this open
 */
struct syncmap_journal_stats {
	uint64_t persists;
	uint64_t writes;
	uint64_t bytes;
	uint64_t checkpoints;
	uint64_t replayed;
};

/**
 * syncmap_journal_stats() - the counters of a mapping on the journal path
 * @m: the mapping
 * @out: receives the counters
 * @size: sizeof(*out); later versions may append fields
 *
 * Return: 0, or -EINVAL (cause error) if @m is not on the journal path.
 */
int syncmap_journal_stats(const struct syncmap *m,
			  struct syncmap_journal_stats *out, size_t size);

/* Stable identifiers for the enums above ("cache_line", "clwb", ...). */
const char *syncmap_granularity_name(enum syncmap_granularity g);
const char *syncmap_insn_name(enum syncmap_insn f);
const char *syncmap_cause_name(enum syncmap_cause c);

/* Why the calling thread's last failed call failed. */
enum syncmap_cause syncmap_last_cause(void);
const char *syncmap_last_advice(void);

/**
 * syncmap_persist() - make [@addr, @addr + @len) durable
 *
 * Return: 0; -EINVAL if the range is not inside the mapping; -EBADF on a
 * read-only mapping; on the page path any msync error (-EIO, -ENOMEM...).
 */
int syncmap_persist(struct syncmap *m, const void *addr, size_t len);

/**
 * syncmap_flush() - start writing a range back, without waiting for it
 *
 * Any number of syncmap_flush() calls followed by one syncmap_drain()
 * make all the ranges durable.
 */
int syncmap_flush(struct syncmap *m, const void *addr, size_t len);

/**
 * syncmap_drain() - wait until every range flushed so far is durable
 */
int syncmap_drain(struct syncmap *m);

/**
 * syncmap_deep_flush() - persist a range and flush the platform's write
 *	queues (the region's deep_flush) as well
 */
int syncmap_deep_flush(struct syncmap *m, const void *addr, size_t len);

/* Persistent copies; without SYNCMAP_COPY_NODRAIN the destination is
 * durable on return. */
int syncmap_memcpy(struct syncmap *m, void *dst, const void *src, size_t n,
		   unsigned flags);
int syncmap_memset(struct syncmap *m, void *dst, int c, size_t n,
		   unsigned flags);

/**
 * syncmap_batch_new() - a batch of ranges committed at once
 * @m: the mapping the ranges belong to
 * @capacity: ranges held before the batch starts write-back early; 0
 *	picks a default.  All memory for ranges is allocated here (a batch
 *	of copies allocates as they are added).
 * @out: receives the batch; it belongs to one thread at a time
 */
int syncmap_batch_new(struct syncmap *m, size_t capacity,
		      struct syncmap_batch **out);
int syncmap_batch_add(struct syncmap_batch *b, const void *addr, size_t len);

/**
 * syncmap_batch_add_copy() - add bytes to be placed in the mapping atomically
 * @b: a batch of a mapping on the journaled path (SYNCMAP_PATH_JOURNAL)
 * @dst: where the bytes go, inside the mapping
 * @src: the bytes; copied into the batch, so @src may be reused on return
 * @len: how many
 *
 * Nothing is stored at @dst until syncmap_batch_commit(), which writes
 * every copy of the batch to the journal as one unit, makes it durable,
 * and only then copies the bytes into the mapping, in the order they were
 * added.  After a crash the next open replays the whole unit or none of
 * it: the batch is atomic, which a batch of ranges stored beforehand is
 * not (the kernel may write a page of a shared mapping back at any time).
 * A batch holds copies or ranges until it is committed, not both.  All of
 * a batch's copies must fit in a quarter of the journal
 * (SYNCMAP_JOURNAL_SIZE).
 *
 * Return: 0; -EOPNOTSUPP on any other path (bytes reach the file there as
 * they are stored, so no group of them can be atomic); -EINVAL if @dst is
 * not inside the mapping or the batch holds ranges; -ENOMEM.
 */
int syncmap_batch_add_copy(struct syncmap_batch *b, void *dst, const void *src,
			   size_t len);
int syncmap_batch_commit(struct syncmap_batch *b);
void syncmap_batch_free(struct syncmap_batch *b);

/* Safe access: SIGBUS on the library's own access becomes -EIO. */
int syncmap_read_safe(struct syncmap *m, void *dst, const void *src,
		      size_t n);
int syncmap_write_safe(struct syncmap *m, void *dst, const void *src,
		       size_t n);

/**
 * syncmap_probe() - what can this path get, and why
 * @path: a file, a device DAX device, or a path not created yet (then its
 *	directory is examined)
 * @out: receives the report; free it with syncmap_probe_free()
 */
int syncmap_probe(const char *path, struct syncmap_probe **out);
int syncmap_probe_mapping(const struct syncmap *m,
			  struct syncmap_probe **out);
void syncmap_probe_free(struct syncmap_probe *p);
bool syncmap_probe_map_sync(const struct syncmap_probe *p);
enum syncmap_granularity
syncmap_probe_granularity(const struct syncmap_probe *p);
enum syncmap_insn syncmap_probe_insn(const struct syncmap_probe *p);
enum syncmap_cause syncmap_probe_cause(const struct syncmap_probe *p);
const char *syncmap_probe_advice(const struct syncmap_probe *p);

/**
 * syncmap_probe_fact() - the @i-th fact of a report as key and value
 *
 * Return: 0, or -ENOENT past the last fact.
 */
int syncmap_probe_fact(const struct syncmap_probe *p, size_t i,
		       const char **key, const char **value);

/**
 * syncmap_probe_format() - the report as text or JSON, snprintf-style
 *
 * Return: the length the whole report needs (excluding the NUL), or a
 * negative errno.
 */
int syncmap_probe_format(const struct syncmap_probe *p, unsigned flags,
			 char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* SYNCMAP_H */

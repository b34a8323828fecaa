/* SPDX-License-Identifier: MIT */
/*
 * Opening: validate the request, size the file (or read a device DAX
 * geometry), hand the descriptor to the mapping policy, and on any failure
 * leave nothing behind: no descriptor, no mapping, no memory, no file we
 * created, no size we grew.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "chain.h"
#include "cpu.h"
#include "facts.h"
#include "grow.h"
#include "journal.h"
#include "log.h"
#include "map.h"
#include "strict.h"
#include "sys.h"

#define SM_DEFAULT_MODE 0600

/* What open did to the file, so a failure can undo it. */
struct sm_undo {
	const char *created_path;	/* unlink on failure */
	bool grew;
	uint64_t old_size;		/* truncate back on failure */
	uint64_t shrink_to;		/* RESIZE smaller: done once mapped */
	bool shrink;
	const char *given;		/* syncmap_open's path, where the journal is
					 * looked for if /proc/self/fd gives none */
	uint64_t reserve;		/* address space to hold (grow.c) */
};

static int check_flags(unsigned flags, bool by_fd)
{
	if (flags & ~SM_OPEN_VALID)
		return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR,
			       "unknown open flags 0x%x", flags & ~SM_OPEN_VALID);
	if ((flags & SYNCMAP_REQUIRE_SYNC) && (flags & SYNCMAP_FORBID_SYNC))
		return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR,
			       "SYNCMAP_REQUIRE_SYNC and SYNCMAP_FORBID_SYNC contradict each other");
	if ((flags & SYNCMAP_EXCL) && !(flags & SYNCMAP_CREATE))
		return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR,
			       "SYNCMAP_EXCL needs SYNCMAP_CREATE");
	if ((flags & SYNCMAP_RDONLY) &&
	    (flags & (SYNCMAP_CREATE | SYNCMAP_RESIZE | SYNCMAP_REQUIRE_SYNC)))
		return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR,
			       "SYNCMAP_RDONLY cannot be combined with CREATE, RESIZE or REQUIRE_SYNC");
	if (by_fd && (flags & (SYNCMAP_CREATE | SYNCMAP_EXCL | SYNCMAP_NOFOLLOW)))
		return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR,
			       "CREATE, EXCL and NOFOLLOW apply to paths, not to syncmap_open_fd()");
	if ((flags & SYNCMAP_JOURNAL) && (flags & SYNCMAP_RDONLY))
		return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR,
			       "SYNCMAP_JOURNAL cannot be combined with SYNCMAP_RDONLY: nothing is "
			       "persisted through a read-only mapping (a read-only open applies a "
			       "waiting journal on its own)");
	if ((flags & SYNCMAP_STRICT) && (flags & SYNCMAP_RDONLY))
		return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR,
			       "SYNCMAP_STRICT needs a writable mapping: nothing is persisted through "
			       "a read-only one");
	return 0;
}

static int size_devdax(struct syncmap *m, const struct sm_facts *f, uint64_t off,
		       uint64_t *len, unsigned flags)
{
	uint64_t size = (uint64_t)f->devdax_size, align = (uint64_t)f->devdax_align;

	if (f->devdax_size < 0 || f->devdax_align <= 0)
		return sm_fail(-ENODEV, SYNCMAP_CAUSE_DEVICE_NOT_DAX,
			       "character device %u:%u is not a device DAX (no size/align in sysfs)",
			       major(f->fd.rdev), minor(f->fd.rdev));
	if (flags & SYNCMAP_RESIZE)
		return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR,
			       "a device DAX has a fixed size of %llu bytes; it cannot be resized",
			       (unsigned long long)size);
	if (*len == 0 && off < size)
		*len = size - off;
	if (off % align || *len % align)
		return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR,
			       "device DAX mappings need offset and length in multiples of its "
			       "alignment %llu; got offset %llu, length %llu",
			       (unsigned long long)align, (unsigned long long)off,
			       (unsigned long long)*len);
	if (off >= size || *len > size - off)
		return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR,
			       "offset %llu + length %llu is beyond the device's %llu bytes",
			       (unsigned long long)off, (unsigned long long)*len,
			       (unsigned long long)size);
	m->devdax = true;
	return 0;
}

/* What to do when allocating ran out of space or quota. */
static const char *space_hint(int r)
{
	if (r != -ENOSPC && r != -EDQUOT)
		return "";
	return "; free space on the file system (or raise the quota), or open with "
	       "SYNCMAP_SPARSE to leave the range unallocated, where a store the file "
	       "system cannot allocate then raises SIGBUS";
}

/*
 * Allocate the blocks behind [off, end).  A MAP_SYNC write fault on an
 * unallocated or unwritten block must commit metadata first (the cover
 * letter of the MAP_SYNC series measured 124 us against 10 us), so the part the file grew by is written
 * with zeros, which leaves written extents; the old part only gets
 * fallocate, which never changes data.
 */
static int preallocate(int fd, int statx_dax, uint64_t off, uint64_t end,
		       uint64_t old_size)
{
	uint64_t zero_from = old_size > off ? old_size : off;
	int r;

	r = sm_sys_fallocate(fd, 0, off, end - off);
	if (r == -EOPNOTSUPP)
		sm_log(SYNCMAP_LOG_INFO, "fallocate is not supported here; writing zeros only");
	else if (r < 0)
		return sm_fail(r, SYNCMAP_CAUSE_ERROR,
			       "preallocating %llu bytes failed: %s%s",
			       (unsigned long long)(end - off), strerror(-r), space_hint(r));
	/* Only DAX faults pay for unwritten extents; on the page cache,
	 * a successful fallocate is all it takes.  When statx cannot tell,
	 * or fallocate could not allocate, write. */
	if (r == 0 && statx_dax == 0)
		zero_from = end;
	if (zero_from >= end)
		return 0;
	/* The zeros' written state is what spares the faults a metadata
	 * commit, so make it durable now; an allocation alone needs no
	 * sync (a MAP_SYNC fault or msync commits its metadata). */
	r = sm_sys_zero_fill(fd, zero_from, end);
	if (r == 0)
		r = sm_sys_fdatasync(fd);
	if (r < 0)
		return sm_fail(r, SYNCMAP_CAUSE_ERROR,
			       "writing the preallocated blocks failed: %s%s", strerror(-r),
			       space_hint(r));
	return 0;
}

static int size_regular(struct syncmap *m, const struct sm_facts *f, uint64_t off,
			uint64_t *len, unsigned flags, struct sm_undo *undo)
{
	uint64_t size = f->fd.size, end;
	int r;

	if (off % (uint64_t)sm_page_size())
		return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR,
			       "offset %llu is not a multiple of the page size %ld",
			       (unsigned long long)off, sm_page_size());
	if (*len == 0) {
		if (size <= off)
			return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR,
				       "the file has %llu bytes, nothing to map at offset %llu; give a size",
				       (unsigned long long)size, (unsigned long long)off);
		*len = size - off;
		m->whole = true;
	}
	if (*len > SIZE_MAX / 2 || off > UINT64_MAX - *len)
		return sm_fail(-EOVERFLOW, SYNCMAP_CAUSE_ERROR, "length %llu is too large",
			       (unsigned long long)*len);
	end = off + *len;
	if (m->rdonly && end > size)
		return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR,
			       "read-only mapping of %llu bytes past the end of a %llu-byte file",
			       (unsigned long long)end, (unsigned long long)size);
	if ((flags & SYNCMAP_RESIZE) && end < size) {
		/* Shrinking destroys data: wait until the mapping exists, so
		 * a failed open leaves the file as it was. */
		undo->shrink = true;
		undo->shrink_to = end;
	} else if (end > size) {
		r = sm_sys_ftruncate(m->fd, end);
		if (r < 0)
			return sm_fail(r, SYNCMAP_CAUSE_ERROR, "setting the file size to %llu failed: %s",
				       (unsigned long long)end, strerror(-r));
		undo->grew = end > size;
		undo->old_size = size;
	}
	if (!(flags & SYNCMAP_SPARSE) && !m->rdonly)
		return preallocate(m->fd, f->fd.statx_dax, off, end, end > size ? size : end);
	return 0;
}

static void undo_open(const struct sm_undo *undo, int fd)
{
	if (undo->grew)
		sm_sys_ftruncate(fd, undo->old_size);
	if (undo->created_path)
		sm_sys_unlink(undo->created_path);
}

static void destroy(struct syncmap *m)
{
	if (m->ops && m->ops->close)
		m->ops->close(m);
	if (m->map_base)
		sm_sys_munmap(m->map_base, sm_map_span(m));
	if (m->fd >= 0)
		sm_sys_close(m->fd);
	free(m->deep_flush_path);
	free(m);
}

/* A MAP_SYNC mapping keeps its region's deep flush, so syncmap_deep_flush()
 * need not walk the tree again. */
static int keep_deep_flush(struct syncmap *m, const struct sm_facts *f)
{
	const struct sm_chain *c = &f->chain;

	m->deep_flush = m->sync ? c->deep_flush : -1;
	if (m->deep_flush != 1)
		return 0;
	if (asprintf(&m->deep_flush_path, "%s/deep_flush", c->region_dir) < 0) {
		m->deep_flush_path = NULL;
		return sm_fail(-ENOMEM, SYNCMAP_CAUSE_ERROR, "out of memory");
	}
	return 0;
}

/* Size the file or check the device, then map it. */
static int size_and_map(struct syncmap *m, const struct sm_facts *f, uint64_t off,
			uint64_t len, unsigned flags, struct sm_undo *undo)
{
	int r;

	if (f->target == SM_TARGET_DEVDAX)
		r = size_devdax(m, f, off, &len, flags);
	else if (S_ISREG(f->fd.mode))
		r = size_regular(m, f, off, &len, flags, undo);
	else if (S_ISCHR(f->fd.mode))
		r = size_devdax(m, f, off, &len, flags);
	else
		r = sm_fail(S_ISDIR(f->fd.mode) ? -EISDIR : -EINVAL, SYNCMAP_CAUSE_ERROR,
			    "only regular files and device DAX character devices can be mapped");
	if (r < 0)
		return r;
	m->st_dev = f->fd.dev;
	m->st_rdev = f->fd.rdev;
	m->st_ino = f->fd.ino;
	m->offset = off;
	m->map_len = (size_t)len;
	r = sm_map(m, flags, f);
	return r < 0 ? r : keep_deep_flush(m, f);
}

/* Takes ownership of fd: on failure it is closed. */
static int map_fd(int fd, uint64_t off, uint64_t len, unsigned flags,
		  struct sm_undo *undo, struct syncmap **out)
{
	struct sm_facts *f;
	struct syncmap *m;
	int r;

	m = calloc(1, sizeof(*m));
	f = malloc(sizeof(*f));
	if (!m || !f) {
		free(m);
		free(f);
		undo_open(undo, fd);
		sm_sys_close(fd);
		return sm_fail(-ENOMEM, SYNCMAP_CAUSE_ERROR, "out of memory");
	}
	m->fd = fd;
	m->rdonly = (flags & SYNCMAP_RDONLY) != 0;
	m->line = sm_cpu()->line;
	m->deep_flush = -1;
	/* The facts, once: the sizing, the decision and the deep flush
	 * below all read these. */
	r = sm_facts_gather(fd, f);
	if (r < 0)
		r = sm_fail(r, SYNCMAP_CAUSE_ERROR, "fstat of the opened file failed: %s",
			    strerror(-r));
	else
		r = size_and_map(m, f, off, len, flags, undo);
	/* A journal beside a regular file: attach it, or replay what an
	 * earlier journaled open left before anything writes the file. */
	if (r == 0 && S_ISREG(f->fd.mode))
		r = sm_journal_open(m, f->fd.path[0] ? f->fd.path : undo->given);
	free(f);
	if (r == 0 && undo->shrink) {
		r = sm_sys_ftruncate(fd, undo->shrink_to);
		if (r < 0)
			sm_fail(r, SYNCMAP_CAUSE_ERROR, "shrinking the file to %llu bytes failed: %s",
				(unsigned long long)undo->shrink_to, strerror(-r));
		else
			sm_journal_resized(m, undo->shrink_to);
	}
	if (r == 0)
		r = sm_strict_attach(m, flags);
	if (r == 0)
		r = sm_grow_setup(m, flags, undo->reserve);
	if (r < 0) {
		undo_open(undo, fd);
		destroy(m);
		return r;
	}
	*out = m;
	return 0;
}

static bool is_symlink(const char *path)
{
	struct stat st;

	return sm_sys_lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
}

/*
 * Open without O_CREAT first so that we know whether we created the file
 * and may remove it again if mapping fails.
 */
static int open_path(const char *path, unsigned flags, mode_t mode,
		     struct sm_undo *undo)
{
	/* O_NONBLOCK: a FIFO must not wait for a writer before map_fd() can
	 * refuse it; regular files and devices ignore the flag. */
	int base = ((flags & SYNCMAP_RDONLY) ? O_RDONLY : O_RDWR) | O_NONBLOCK;
	int fd;

	if (flags & SYNCMAP_NOFOLLOW)
		base |= O_NOFOLLOW;
	for (int tries = 0; tries < 8; tries++) {
		if (!(flags & SYNCMAP_EXCL)) {
			fd = sm_sys_open(path, base, 0);
			if (fd != -ENOENT || !(flags & SYNCMAP_CREATE))
				return fd;
		}
		fd = sm_sys_open(path, base | O_CREAT | O_EXCL, mode);
		if (fd >= 0) {
			undo->created_path = path;
			return fd;
		}
		if (fd != -EEXIST || (flags & SYNCMAP_EXCL))
			return fd;
		if (is_symlink(path))
			break;
	}
	/* A symbolic link to a missing file: O_EXCL never follows links, so
	 * create the target as open(2) with O_CREAT would.  Whether this call
	 * created it cannot be told, so a failure leaves it in place. */
	return sm_sys_open(path, base | O_CREAT, mode);
}

static int explain_open_error(int r, const char *path, unsigned flags)
{
	const char *hint = "";

	if (r == -EACCES && !(flags & SYNCMAP_RDONLY))
		hint = "; write access was requested: open with SYNCMAP_RDONLY to only read it";
	else if (r == -ENOENT && !strncmp(path, "/dev/dax", 8))
		hint = "; no such device DAX: list them with daxctl list, or make one with "
		       "ndctl create-namespace -m devdax";
	else if (r == -ENOENT && !(flags & SYNCMAP_CREATE))
		hint = "; pass SYNCMAP_CREATE to create it";
	else if (r == -ELOOP && (flags & SYNCMAP_NOFOLLOW))
		hint = "; it is a symbolic link and SYNCMAP_NOFOLLOW was given";
	return sm_fail(r, SYNCMAP_CAUSE_ERROR, "cannot open %s: %s%s", path,
		       strerror(-r), hint);
}

SM_EXPORT int syncmap_open(const char *path, unsigned flags, mode_t mode,
			   uint64_t size, struct syncmap **out)
{
	return syncmap_open_reserve(path, flags, mode, size, 0, out);
}

SM_EXPORT int syncmap_open_reserve(const char *path, unsigned flags, mode_t mode,
				   uint64_t size, uint64_t reserve, struct syncmap **out)
{
	struct sm_undo undo = { .reserve = reserve };
	int fd, r;

	sm_clear_last();
	if (!path || !*path || !out)
		return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR, "path and out must be given");
	r = check_flags(flags, false);
	if (r < 0)
		return r;
	if (mode & ~(mode_t)07777)
		return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR, "mode 0%o has bits beyond 07777",
			       (unsigned)mode);
	undo.given = path;
	fd = open_path(path, flags, mode ? mode : SM_DEFAULT_MODE, &undo);
	if (fd < 0)
		return explain_open_error(fd, path, flags);
	return map_fd(fd, 0, size, flags, &undo, out);
}

SM_EXPORT int syncmap_open_fd(int fd, uint64_t offset, uint64_t length,
			      unsigned flags, struct syncmap **out)
{
	return syncmap_open_fd_reserve(fd, offset, length, 0, flags, out);
}

SM_EXPORT int syncmap_open_fd_reserve(int fd, uint64_t offset, uint64_t length,
				      uint64_t reserve, unsigned flags, struct syncmap **out)
{
	struct sm_undo undo = { .reserve = reserve };
	int acc, own, r;

	sm_clear_last();
	if (fd < 0 || !out)
		return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR, "a descriptor and out must be given");
	r = check_flags(flags, true);
	if (r < 0)
		return r;
	acc = sm_sys_fcntl_int(fd, F_GETFL, 0);
	if (acc < 0)
		return sm_fail(acc, SYNCMAP_CAUSE_ERROR, "descriptor %d: %s", fd, strerror(-acc));
	if ((acc & O_APPEND) && !(flags & SYNCMAP_RDONLY))
		return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR,
			       "descriptor %d is open with O_APPEND, which a shared writable mapping "
			       "and its journal's replay do not honour; open it without O_APPEND", fd);
	acc &= O_ACCMODE;
	if (acc == O_WRONLY || (acc == O_RDONLY && !(flags & SYNCMAP_RDONLY)))
		return sm_fail(-EACCES, SYNCMAP_CAUSE_ERROR,
			       "descriptor %d is open %s; a writable mapping needs O_RDWR "
			       "(or pass SYNCMAP_RDONLY)", fd,
			       acc == O_WRONLY ? "write-only" : "read-only");
	own = sm_sys_dup(fd);
	if (own < 0)
		return sm_fail(own, SYNCMAP_CAUSE_ERROR, "dup of descriptor %d failed: %s",
			       fd, strerror(-own));
	return map_fd(own, offset, length, flags, &undo, out);
}

SM_EXPORT int syncmap_close(struct syncmap *m)
{
	int r0 = 0, r = 0, r2;

	if (!m)
		return 0;
	sm_clear_last();
	/* The path may have to make data durable before the mapping goes
	 * (and release state of its own); its failure is reported first. */
	if (m->ops->close)
		r0 = m->ops->close(m);
	if (m->map_base)
		r = sm_sys_munmap(m->map_base, sm_map_span(m));
	r2 = sm_sys_close(m->fd);
	free(m->deep_flush_path);
	free(m);
	if (r0 < 0)
		return r0;
	if (r < 0)
		return sm_fail(r, SYNCMAP_CAUSE_ERROR,
			       "munmap failed: %s; the handle is released, the range may stay mapped",
			       strerror(-r));
	if (r2 < 0)
		return sm_fail(r2, SYNCMAP_CAUSE_ERROR,
			       "close failed: %s; the handle is released; data persisted before "
			       "close is durable, anything not persisted may be lost", strerror(-r2));
	return 0;
}

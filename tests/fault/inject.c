/* SPDX-License-Identifier: MIT */
#include "inject.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "mman_flags.h"

struct fi_state fi = { .last_create_mode = -1 };
static _Thread_local int armed;

static const char *const names[FI_N_] = {
	[FI_OPENAT] = "openat", [FI_CLOSE] = "close", [FI_FCNTL] = "fcntl",
	[FI_FSTAT] = "fstat", [FI_FSTATFS] = "fstatfs", [FI_STAT] = "stat",
	[FI_STATX] = "statx", [FI_FTRUNCATE] = "ftruncate",
	[FI_FALLOCATE] = "fallocate", [FI_PWRITE] = "pwrite", [FI_MMAP] = "mmap",
	[FI_MUNMAP] = "munmap", [FI_MSYNC] = "msync", [FI_MADVISE] = "madvise",
	[FI_FDATASYNC] = "fdatasync", [FI_SYNC_FILE_RANGE] = "sync_file_range",
	[FI_READ] = "read", [FI_WRITE] = "write", [FI_UNLINK] = "unlink",
	[FI_IOCTL] = "ioctl", [FI_READLINK] = "readlink", [FI_REALPATH] = "realpath",
	[FI_OPENDIR] = "opendir", [FI_MEMFD] = "memfd_create", [FI_UNAME] = "uname",
	[FI_SIGACTION] = "sigaction",
	[FI_KILL] = "kill", [FI_GETPID] = "getpid", [FI_PREAD] = "pread",
	[FI_FSYNC] = "fsync", [FI_MPROTECT] = "mprotect", [FI_MREMAP] = "mremap",
};

/*
 * What each call really fails with (man pages, and what file systems
 * return at run time); the list is terminated by 0.  EINTR only where a
 * signal can interrupt the call; EOPNOTSUPP/EINVAL on mmap are how the
 * kernel refuses MAP_SYNC, and EINVAL on madvise is a kernel without
 * MADV_POPULATE_*.  munmap of a whole mapping cannot fail on Linux
 * (ENOMEM needs a split), but the library must cope if it does.
 */
static const int errnos[FI_N_][FI_MAX_ERRNOS] = {
	[FI_OPENAT] = { ENOMEM, EIO, EINTR, ENOSPC, EACCES, EAGAIN, EMFILE },
	[FI_CLOSE] = { EIO, EINTR, ENOSPC },
	[FI_FCNTL] = { EMFILE },
	[FI_FSTAT] = { ENOMEM, EIO, EACCES },
	[FI_FSTATFS] = { ENOMEM, EIO, ENOSYS },
	[FI_STAT] = { ENOMEM, EIO, EACCES },
	[FI_STATX] = { ENOMEM, EIO, ENOSYS },
	[FI_FTRUNCATE] = { EIO, EINTR, ENOSPC, EACCES },
	[FI_FALLOCATE] = { ENOSPC, EIO, EINTR, EOPNOTSUPP },
	[FI_PWRITE] = { ENOSPC, EIO, EINTR, EAGAIN, FI_SHORT },
	[FI_MMAP] = { ENOMEM, EAGAIN, EACCES, EOPNOTSUPP, EINVAL, ENODEV },
	[FI_MUNMAP] = { ENOMEM },
	[FI_MSYNC] = { EIO, ENOMEM, ENOSPC, EINTR },
	[FI_MADVISE] = { ENOMEM, EAGAIN, EINTR, EINVAL, EIO },
	[FI_FDATASYNC] = { EIO, ENOSPC, EINTR },
	[FI_FSYNC] = { EIO, ENOSPC, EINTR },
	[FI_PREAD] = { EIO, EINTR, FI_SHORT },
	[FI_MPROTECT] = { ENOMEM, EACCES },
	[FI_MREMAP] = { ENOMEM, EAGAIN, EFAULT, EINVAL },
	[FI_SYNC_FILE_RANGE] = { EIO, ENOMEM, ENOSPC },
	[FI_READ] = { EIO, EINTR, EAGAIN, FI_SHORT },
	[FI_WRITE] = { EIO, EINTR, ENOSPC, EACCES, FI_SHORT },
	[FI_UNLINK] = { EIO, EACCES },
	/* FS_IOC_FSGETXATTR where the file system has no such flags, FIEMAP
	 * on one that cannot map extents. */
	[FI_IOCTL] = { ENOTTY, EOPNOTSUPP, EIO },
	[FI_READLINK] = { ENOENT, EACCES, EIO },
	[FI_REALPATH] = { ENOENT, EACCES, ENOMEM, ELOOP },
	[FI_OPENDIR] = { ENOENT, EACCES, EMFILE, ENOMEM },
	[FI_MEMFD] = { EMFILE, ENOMEM, ENOSYS },
	[FI_UNAME] = { EFAULT },
	[FI_SIGACTION] = { EINVAL },
	/* Strict mode's crash point: traced, never failed (it cannot fail
	 * for the process itself, and the library then exits anyway). */
	[FI_KILL] = { 0 },
	[FI_GETPID] = { 0 },
};

const char *fi_name(enum fi_fn f)
{
	return f < FI_N_ ? names[f] : "?";
}

int fi_errnos(enum fi_fn f, int out[FI_MAX_ERRNOS])
{
	int n = 0;

	while (n < FI_MAX_ERRNOS && errnos[f][n])
		out[n] = errnos[f][n], n++;
	return n;
}

void fi_arm(unsigned fail_at, int err)
{
	fi.fail_at = fail_at;
	fi.fail_errno = err;
	fi.calls = 0;
	fi.fired = 0;
	armed = 1;
}

void fi_disarm(void)
{
	armed = 0;
}

/* 1 if this call is the one to fail; errno is then set (except short). */
static int hit(enum fi_fn f)
{
	if (!armed)
		return 0;
	if (fi.always[f]) {
		errno = fi.always[f];
		return 1;
	}
	if (fi.calls < FI_MAX_TRACE)
		fi.trace[fi.calls] = f;
	if (++fi.calls != fi.fail_at)
		return 0;
	fi.fired = 1;
	if (fi.fail_errno != FI_SHORT)
		errno = fi.fail_errno;
	return 1;
}

/* ---- The wrappers.  Each has the glibc name and its LFS alias. */

int __real_openat(int, const char *, int, ...);
int __real_openat64(int, const char *, int, ...);

static int open_common(int lfs, int dirfd, const char *path, int flags, mode_t mode)
{
	if (!(flags & O_CLOEXEC))
		fi.open_without_cloexec++;
	if (flags & O_CREAT)
		fi.last_create_mode = (int)mode;
	if (hit(FI_OPENAT))
		return -1;
	return lfs ? __real_openat64(dirfd, path, flags, mode) :
		     __real_openat(dirfd, path, flags, mode);
}

#define OPEN_MODE(flags, mode) do {					\
	va_list ap;							\
	va_start(ap, flags);						\
	mode = (flags & (O_CREAT | __O_TMPFILE)) ? va_arg(ap, mode_t) : 0; \
	va_end(ap);							\
} while (0)

int __wrap_openat(int dirfd, const char *path, int flags, ...);
int __wrap_openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode;

	OPEN_MODE(flags, mode);
	return open_common(0, dirfd, path, flags, mode);
}

int __wrap_openat64(int dirfd, const char *path, int flags, ...);
int __wrap_openat64(int dirfd, const char *path, int flags, ...)
{
	mode_t mode;

	OPEN_MODE(flags, mode);
	return open_common(1, dirfd, path, flags, mode);
}

int __real_close(int fd);
int __wrap_close(int fd);
int __wrap_close(int fd)
{
	if (hit(FI_CLOSE)) {
		/* Linux releases the descriptor whatever close reports. */
		int e = errno;

		__real_close(fd);
		errno = e;
		return -1;
	}
	return __real_close(fd);
}

int __real_fcntl(int, int, ...);
int __real_fcntl64(int, int, ...);

static int fcntl_common(int lfs, int fd, int cmd, va_list ap)
{
	long arg = 0;

	switch (cmd) {
	case F_GETFL: case F_GETFD:
		break;
	case F_DUPFD: case F_DUPFD_CLOEXEC: case F_SETFL: case F_SETFD:
		arg = va_arg(ap, int);
		break;
	default:
		arg = (long)va_arg(ap, void *);
		break;
	}
	if (cmd == F_DUPFD)
		fi.dup_without_cloexec++;
	if (hit(FI_FCNTL))
		return -1;
	return lfs ? __real_fcntl64(fd, cmd, arg) : __real_fcntl(fd, cmd, arg);
}

int __wrap_fcntl(int fd, int cmd, ...);
int __wrap_fcntl(int fd, int cmd, ...)
{
	va_list ap;
	int r;

	va_start(ap, cmd);
	r = fcntl_common(0, fd, cmd, ap);
	va_end(ap);
	return r;
}

int __wrap_fcntl64(int fd, int cmd, ...);
int __wrap_fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	int r;

	va_start(ap, cmd);
	r = fcntl_common(1, fd, cmd, ap);
	va_end(ap);
	return r;
}

/* A wrapper that fails with -1 or passes the call on. */
#define WRAP(ret, name, id, params, args)				\
	ret __real_##name params;					\
	ret __wrap_##name params;					\
	ret __wrap_##name params					\
	{								\
		if (hit(id))						\
			return -1;					\
		return __real_##name args;				\
	}

WRAP(int, fstat, FI_FSTAT, (int fd, struct stat *st), (fd, st))
WRAP(int, fstat64, FI_FSTAT, (int fd, struct stat *st), (fd, st))
WRAP(int, fstatfs, FI_FSTATFS, (int fd, struct statfs *st), (fd, st))
WRAP(int, fstatfs64, FI_FSTATFS, (int fd, struct statfs *st), (fd, st))
WRAP(int, stat, FI_STAT, (const char *p, struct stat *st), (p, st))
WRAP(int, stat64, FI_STAT, (const char *p, struct stat *st), (p, st))
WRAP(int, lstat, FI_STAT, (const char *p, struct stat *st), (p, st))
WRAP(int, lstat64, FI_STAT, (const char *p, struct stat *st), (p, st))
WRAP(int, statx, FI_STATX, (int d, const char *p, int fl, unsigned m, struct statx *st),
     (d, p, fl, m, st))
WRAP(int, ftruncate, FI_FTRUNCATE, (int fd, off_t len), (fd, len))
WRAP(int, ftruncate64, FI_FTRUNCATE, (int fd, off_t len), (fd, len))
WRAP(int, fallocate, FI_FALLOCATE, (int fd, int mode, off_t off, off_t len),
     (fd, mode, off, len))
WRAP(int, fallocate64, FI_FALLOCATE, (int fd, int mode, off_t off, off_t len),
     (fd, mode, off, len))
WRAP(int, msync, FI_MSYNC, (void *a, size_t n, int fl), (a, n, fl))
WRAP(int, madvise, FI_MADVISE, (void *a, size_t n, int adv), (a, n, adv))
WRAP(int, fdatasync, FI_FDATASYNC, (int fd), (fd))
WRAP(int, fsync, FI_FSYNC, (int fd), (fd))
WRAP(int, mprotect, FI_MPROTECT, (void *a, size_t n, int prot), (a, n, prot))
WRAP(int, sync_file_range, FI_SYNC_FILE_RANGE,
     (int fd, off_t off, off_t n, unsigned fl), (fd, off, n, fl))
WRAP(int, unlink, FI_UNLINK, (const char *p), (p))
WRAP(ssize_t, readlink, FI_READLINK, (const char *p, char *b, size_t n), (p, b, n))
WRAP(int, memfd_create, FI_MEMFD, (const char *n, unsigned fl), (n, fl))
WRAP(int, uname, FI_UNAME, (struct utsname *u), (u))
WRAP(int, sigaction, FI_SIGACTION,
     (int sig, const struct sigaction *sa, struct sigaction *old), (sig, sa, old))

int __real_ioctl(int fd, unsigned long req, ...);
int __wrap_ioctl(int fd, unsigned long req, ...);
int __wrap_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (hit(FI_IOCTL))
		return -1;
	return __real_ioctl(fd, req, arg);
}

/* Calls that fail by returning NULL. */
char *__real_realpath(const char *p, char *out);
char *__wrap_realpath(const char *p, char *out);
char *__wrap_realpath(const char *p, char *out)
{
	if (hit(FI_REALPATH))
		return NULL;
	return __real_realpath(p, out);
}

DIR *__real_opendir(const char *p);
DIR *__wrap_opendir(const char *p);
DIR *__wrap_opendir(const char *p)
{
	if (hit(FI_OPENDIR))
		return NULL;
	return __real_opendir(p);
}

WRAP(int, kill, FI_KILL, (pid_t pid, int sig), (pid, sig))

pid_t __real_getpid(void);
pid_t __wrap_getpid(void);
pid_t __wrap_getpid(void)
{
	(void)hit(FI_GETPID);
	return __real_getpid();
}

/* Writes and reads can also come up short. */
#define WRAP_IO(name, id, params, args, cnt, shortargs)		\
	ssize_t __real_##name params;					\
	ssize_t __wrap_##name params;					\
	ssize_t __wrap_##name params					\
	{								\
		if (hit(id)) {						\
			if (fi.fail_errno != FI_SHORT || cnt < 2)	\
				return fi.fail_errno == FI_SHORT ? 0 : -1; \
			return __real_##name shortargs;			\
		}							\
		return __real_##name args;				\
	}

WRAP_IO(pwrite, FI_PWRITE, (int fd, const void *b, size_t n, off_t off),
	(fd, b, n, off), n, (fd, b, n / 2, off))
WRAP_IO(pwrite64, FI_PWRITE, (int fd, const void *b, size_t n, off_t off),
	(fd, b, n, off), n, (fd, b, n / 2, off))
WRAP_IO(pread, FI_PREAD, (int fd, void *b, size_t n, off_t off), (fd, b, n, off), n,
	(fd, b, n / 2, off))
WRAP_IO(pread64, FI_PREAD, (int fd, void *b, size_t n, off_t off), (fd, b, n, off), n,
	(fd, b, n / 2, off))
WRAP_IO(read, FI_READ, (int fd, void *b, size_t n), (fd, b, n), n, (fd, b, n / 2))
WRAP_IO(write, FI_WRITE, (int fd, const void *b, size_t n), (fd, b, n), n, (fd, b, n / 2))

static void check_map_flags(int flags)
{
	if ((flags & MAP_SYNC) && (flags & 0x0f) != MAP_SHARED_VALIDATE)
		fi.map_sync_without_validate++;
}

void *__real_mmap(void *, size_t, int, int, int, off_t);
void *__wrap_mmap(void *a, size_t n, int prot, int flags, int fd, off_t off);
void *__wrap_mmap(void *a, size_t n, int prot, int flags, int fd, off_t off)
{
	check_map_flags(flags);
	if (hit(FI_MMAP))
		return MAP_FAILED;
	return __real_mmap(a, n, prot, flags, fd, off);
}

void *__real_mmap64(void *, size_t, int, int, int, off_t);
void *__wrap_mmap64(void *a, size_t n, int prot, int flags, int fd, off_t off);
void *__wrap_mmap64(void *a, size_t n, int prot, int flags, int fd, off_t off)
{
	check_map_flags(flags);
	if (hit(FI_MMAP))
		return MAP_FAILED;
	return __real_mmap64(a, n, prot, flags, fd, off);
}

void *__real_mremap(void *a, size_t n, size_t nn, int flags, ...);
void *__wrap_mremap(void *a, size_t n, size_t nn, int flags, ...);
void *__wrap_mremap(void *a, size_t n, size_t nn, int flags, ...)
{
	void *to = NULL;
	va_list ap;

	if (flags & MREMAP_FIXED) {
		va_start(ap, flags);
		to = va_arg(ap, void *);
		va_end(ap);
	}
	if (hit(FI_MREMAP))
		return MAP_FAILED;
	return __real_mremap(a, n, nn, flags, to);
}

int __real_munmap(void *a, size_t n);
int __wrap_munmap(void *a, size_t n);
int __wrap_munmap(void *a, size_t n)
{
	if (hit(FI_MUNMAP)) {
		/* Nothing was unmapped; remember it so the test can tell
		 * this from a leak and clean up. */
		if (fi.n_kept < 16)
			fi.kept[fi.n_kept++] = (struct fi_unmapped){ a, n };
		return -1;
	}
	return __real_munmap(a, n);
}

int fi_release_kept(void)
{
	int n = fi.n_kept;

	for (int i = 0; i < fi.n_kept; i++)
		__real_munmap(fi.kept[i].addr, fi.kept[i].len);
	fi.n_kept = 0;
	return n;
}

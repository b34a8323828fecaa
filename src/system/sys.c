/* SPDX-License-Identifier: MIT */
/*
 * The syscall layer: the one place where the library calls the kernel and
 * where a failure becomes a negative errno.  Tests intercept the libc
 * calls made here with -Wl,--wrap, so every kernel call the library makes
 * can be failed on purpose.  (libndctl and libdaxctl make their own.)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <pthread.h>
#include <stdio.h>

#include "common.h"
#include "sys.h"

static int neg_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}

int sm_sys_open(const char *path, int flags, mode_t mode)
{
	return sm_sys_openat(AT_FDCWD, path, flags, mode);
}

int sm_sys_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	int fd;

	do
		fd = openat(dirfd, path, flags | O_CLOEXEC, mode);
	while (fd < 0 && errno == EINTR);
	return fd < 0 ? neg_errno() : fd;
}

int sm_sys_close(int fd)
{
	/* Linux releases the descriptor even when close reports EINTR, so a
	 * retry could close someone else's new descriptor. */
	if (close(fd) < 0 && errno != EINTR)
		return neg_errno();
	return 0;
}

int sm_sys_unlink(const char *path)
{
	return unlink(path) < 0 ? neg_errno() : 0;
}

int sm_sys_stat(const char *path, struct stat *st)
{
	return stat(path, st) < 0 ? neg_errno() : 0;
}

int sm_sys_lstat(const char *path, struct stat *st)
{
	return lstat(path, st) < 0 ? neg_errno() : 0;
}

int sm_sys_dup(int fd)
{
	int r = fcntl(fd, F_DUPFD_CLOEXEC, 0);

	return r < 0 ? neg_errno() : r;
}

int sm_sys_fcntl_int(int fd, int cmd, int arg)
{
	int r = fcntl(fd, cmd, arg);

	return r < 0 ? neg_errno() : r;
}

int sm_sys_fstat(int fd, struct stat *st)
{
	return fstat(fd, st) < 0 ? neg_errno() : 0;
}

int sm_sys_fstatfs_type(int fd, long *type)
{
	struct statfs sfs;

	if (fstatfs(fd, &sfs) < 0)
		return neg_errno();
	*type = (long)sfs.f_type;
	return 0;
}

int sm_sys_ftruncate(int fd, uint64_t size)
{
	int r;

	if (size > (uint64_t)INT64_MAX)
		return -EFBIG;
	do
		r = ftruncate(fd, (off_t)size);
	while (r < 0 && errno == EINTR);
	return r < 0 ? neg_errno() : 0;
}

int sm_sys_fallocate(int fd, int mode, uint64_t off, uint64_t len)
{
	int r;

	if (off > (uint64_t)INT64_MAX || len > (uint64_t)INT64_MAX - off)
		return -EFBIG;
	do
		r = fallocate(fd, mode, (off_t)off, (off_t)len);
	while (r < 0 && errno == EINTR);
	return r < 0 ? neg_errno() : 0;
}

int sm_sys_pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return neg_errno();
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

#define SM_ZERO_CHUNK (1u << 20)

int sm_sys_zero_fill(int fd, uint64_t from, uint64_t to)
{
	static const uint8_t zeros[SM_ZERO_CHUNK];
	int r = 0;

	while (from < to && r == 0) {
		uint64_t n = to - from < SM_ZERO_CHUNK ? to - from : SM_ZERO_CHUNK;

		r = sm_sys_pwrite_all(fd, zeros, (size_t)n, from);
		from += n;
	}
	return r;
}

int sm_sys_mmap(void *addr, size_t len, int prot, int flags, int fd,
		uint64_t off, void **out)
{
	void *p;

	if (off > (uint64_t)INT64_MAX)
		return -EOVERFLOW;
	p = mmap(addr, len, prot, flags, fd, (off_t)off);
	if (p == MAP_FAILED)
		return neg_errno();
	*out = p;
	return 0;
}

int sm_sys_mremap(void *addr, size_t len, size_t new_len, int flags, void **out)
{
	void *p = mremap(addr, len, new_len, flags);

	if (p == MAP_FAILED)
		return neg_errno();
	*out = p;
	return 0;
}

int sm_sys_mremap_fixed(void *addr, size_t len, void *new_addr)
{
	void *p = mremap(addr, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, new_addr);

	return p == MAP_FAILED ? neg_errno() : 0;
}

int sm_sys_munmap(void *addr, size_t len)
{
	return munmap(addr, len) < 0 ? neg_errno() : 0;
}

int sm_sys_msync(void *addr, size_t len, int flags)
{
	int r;

	do
		r = msync(addr, len, flags);
	while (r < 0 && errno == EINTR);
	return r < 0 ? neg_errno() : 0;
}

int sm_sys_madvise(void *addr, size_t len, int advice)
{
	int r;

	do
		r = madvise(addr, len, advice);
	while (r < 0 && errno == EINTR);
	return r < 0 ? neg_errno() : 0;
}

int sm_sys_fdatasync(int fd)
{
	int r;

	do
		r = fdatasync(fd);
	while (r < 0 && errno == EINTR);
	return r < 0 ? neg_errno() : 0;
}

int sm_sys_sync_file_range(int fd, uint64_t off, uint64_t len, unsigned flags)
{
	int r;

	do
		r = sync_file_range(fd, (off_t)off, (off_t)len, flags);
	while (r < 0 && errno == EINTR);
	return r < 0 ? neg_errno() : 0;
}

int sm_sys_read_text(const char *path, char *buf, size_t size)
{
	size_t n = 0;
	ssize_t k;
	int fd, err = 0;

	if (size == 0 || size > INT32_MAX)
		return -EINVAL;
	fd = sm_sys_open(path, O_RDONLY, 0);
	if (fd < 0)
		return fd;
	/* Until end of file or a full buffer: /proc files may come in
	 * pieces. */
	while (n < size - 1) {
		k = read(fd, buf + n, size - 1 - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			err = neg_errno();
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	sm_sys_close(fd);
	if (err)
		return err;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return (int)n;
}

int sm_sys_write_text(const char *path, const char *text)
{
	size_t len = strlen(text);
	ssize_t n;
	int fd, err = 0;

	fd = sm_sys_open(path, O_WRONLY, 0);
	if (fd < 0)
		return fd;
	do
		n = write(fd, text, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		err = neg_errno();
	else if ((size_t)n != len)
		err = -EIO;
	sm_sys_close(fd);
	return err;
}

int sm_sys_statx(int fd, unsigned mask, struct sm_statx *out)
{
#if HAVE_STATX
	struct statx stx;

	memset(out, 0, sizeof(*out));
	if (statx(fd, "", AT_EMPTY_PATH, mask, &stx) < 0)
		return neg_errno();
	out->mask = stx.stx_mask;
	out->attributes = stx.stx_attributes;
	out->attributes_mask = stx.stx_attributes_mask;
	out->mnt_id = (mask & SM_STATX_MNT_ID) ? stx.stx_mnt_id : 0;
	if (stx.stx_mask & SM_STATX_BTIME) {
		out->btime_sec = stx.stx_btime.tv_sec;
		out->btime_nsec = stx.stx_btime.tv_nsec;
	}
	return 0;
#else
	(void)fd;
	(void)mask;
	memset(out, 0, sizeof(*out));
	return -ENOSYS;
#endif
}

int sm_sys_ioctl(int fd, unsigned long request, void *arg)
{
	int r;

	do
		r = ioctl(fd, request, arg);
	while (r < 0 && errno == EINTR);
	return r < 0 ? neg_errno() : r;
}

int sm_sys_readlink(const char *path, char *buf, size_t size)
{
	ssize_t n;

	if (size == 0)
		return -EINVAL;
	n = readlink(path, buf, size - 1);
	if (n < 0)
		return neg_errno();
	buf[n] = '\0';
	return (size_t)n == size - 1 ? -ENAMETOOLONG : (int)n;
}

int sm_sys_realpath(const char *path, char **out)
{
	/* realpath() itself makes the lstat and readlink calls. */
	*out = realpath(path, NULL);
	return *out ? 0 : neg_errno();
}

int sm_sys_list_dir(const char *path, int (*fn)(void *arg, const char *name), void *arg)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int r = 0;

	if (!d)
		return neg_errno();
	for (;;) {
		errno = 0;
		e = readdir(d);
		if (!e) {
			if (errno)
				r = neg_errno();
			break;
		}
		if (e->d_name[0] == '.')
			continue;
		r = fn(arg, e->d_name);
		if (r)
			break;
	}
	closedir(d);
	return r;
}

int sm_sys_memfd(const char *name)
{
	int fd = memfd_create(name, MFD_CLOEXEC);

	return fd < 0 ? neg_errno() : fd;
}

int sm_sys_uname_release(char *buf, size_t size)
{
	struct utsname u;

	if (uname(&u) < 0) {
		if (size)
			buf[0] = '\0';
		return neg_errno();
	}
	snprintf(buf, size, "%s", u.release);
	return 0;
}

/*
 * Signal dispositions.  These run inside the SIGBUS handler too (safe.c),
 * so they stay plain calls, async-signal-safe, with no retry and no state.
 */
int sm_sys_sigaction(int sig, const struct sigaction *sa, struct sigaction *old)
{
	return sigaction(sig, sa, old) < 0 ? neg_errno() : 0;
}

int sm_sys_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	return -pthread_sigmask(how, set, old);
}

int sm_sys_raise(int sig)
{
	return raise(sig) ? neg_errno() : 0;
}

long sm_page_size(void)
{
	static long page;
	long p = __atomic_load_n(&page, __ATOMIC_RELAXED);

	if (p == 0) {
		p = sysconf(_SC_PAGESIZE);
		if (p <= 0)
			p = 4096;
		__atomic_store_n(&page, p, __ATOMIC_RELAXED);
	}
	return p;
}

int sm_sys_riscv_hwprobe(struct sm_hwprobe_pair *pairs, size_t n)
{
#if defined(__riscv) && __riscv_xlen == 64
	/* __NR_riscv_hwprobe; glibc before 2.40 has no wrapper. */
	if (syscall(258, pairs, n, 0UL, NULL, 0U) < 0)
		return neg_errno();
	return 0;
#else
	(void)pairs;
	(void)n;
	return -ENOSYS;
#endif
}

/* ---- for strict mode */

int sm_sys_ofd_lock(int fd, short type, uint64_t off, uint64_t len)
{
	struct flock fl;

	if (off > (uint64_t)INT64_MAX || len > (uint64_t)INT64_MAX - off)
		return -EOVERFLOW;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = (off_t)off;
	fl.l_len = (off_t)len;
	return fcntl(fd, F_OFD_SETLK, &fl) < 0 ? neg_errno() : 0;
}

int sm_sys_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? neg_errno() : -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

long sm_sys_getpid(void)
{
	return (long)getpid();
}

/* The crash point strict mode was asked for: die as a power cut would,
 * every thread at once, nothing flushed, no handler run. */
void sm_sys_kill_self(void)
{
	kill(getpid(), SIGKILL);
	_exit(128 + SIGKILL);
}

/* ---- for the journal */

/* Bytes read, short only at the end of the file. */
ssize_t sm_sys_pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	char *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, p + done, len - done, (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return neg_errno();
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

int sm_sys_fsync(int fd)
{
	int r;

	do
		r = fsync(fd);
	while (r < 0 && errno == EINTR);
	return r < 0 ? neg_errno() : 0;
}

int sm_sys_mprotect(void *addr, size_t len, int prot)
{
	return mprotect(addr, len, prot) < 0 ? neg_errno() : 0;
}

/* CLOCK_MONOTONIC in nanoseconds (the vDSO, usually no kernel entry). */
uint64_t sm_sys_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

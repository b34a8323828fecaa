/* SPDX-License-Identifier: MIT */
/* The wrapped system calls, and the per-test setup that resets them. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <syncmap.h>

#include "mman_flags.h"
#include "mock.h"

#define MOCK_MAP_TYPE 0x0f
/* The flag bit map.c asks the kernel about (no kernel defines it). */
#define MOCK_UNKNOWN_BIT 0x00800000

struct mock_state mock;

/* The real calls.  The library is built with _FILE_OFFSET_BITS=64, so it
 * references the *64 names; both spellings are wrapped to be safe. */
void *__real_mmap(void *, size_t, int, int, int, off_t);
void *__real_mmap64(void *, size_t, int, int, int, off64_t);
int __real_munmap(void *, size_t);
int __real_msync(void *, size_t, int);
int __real_fdatasync(int);
int __real_sync_file_range(int, off64_t, off64_t, unsigned);
void *__real_calloc(size_t, size_t);
void __real_free(void *);
int __real_madvise(void *, size_t, int);
int __real_fallocate(int, int, off_t, off_t);
int __real_fallocate64(int, int, off64_t, off64_t);
ssize_t __real_pwrite(int, const void *, size_t, off_t);
ssize_t __real_pwrite64(int, const void *, size_t, off64_t);
int __real_statx(int, const char *, int, unsigned, struct statx *);
int __real_openat(int, const char *, int, ...);
int __real_openat64(int, const char *, int, ...);

void *__wrap_mmap(void *, size_t, int, int, int, off_t);
void *__wrap_mmap64(void *, size_t, int, int, int, off64_t);
int __wrap_munmap(void *, size_t);
int __wrap_msync(void *, size_t, int);
int __wrap_fdatasync(int);
int __wrap_sync_file_range(int, off64_t, off64_t, unsigned);
void *__wrap_calloc(size_t, size_t);
void __wrap_free(void *);
int __wrap_madvise(void *, size_t, int);
int __wrap_fallocate(int, int, off_t, off_t);
int __wrap_fallocate64(int, int, off64_t, off64_t);
ssize_t __wrap_pwrite(int, const void *, size_t, off_t);
ssize_t __wrap_pwrite64(int, const void *, size_t, off64_t);
int __wrap_statx(int, const char *, int, unsigned, struct statx *);
int __wrap_openat(int, const char *, int, ...);
int __wrap_openat64(int, const char *, int, ...);

void mock_reset(void)
{
	int live = mock.live_maps;

	int allocs = mock.live_allocs;

	memset(&mock, 0, sizeof(mock));
	mock.live_maps = live;
	mock.live_allocs = allocs;
	mock.pwrite_lowest = UINT64_MAX;
}

/*
 * Decide what the kernel says to an mmap.  Returns 0 to go ahead with
 * *flags (MAP_SHARED_VALIDATE|MAP_SYNC rewritten to MAP_SHARED, which is
 * what a DAX file would behave like for a test that only needs memory
 * backed by the file), or an errno to fail with.
 */
static int mmap_answer(int *flags, int fd)
{
	int type = *flags & MOCK_MAP_TYPE;

	if ((*flags & MAP_SYNC) && type != MAP_SHARED_VALIDATE)
		mock.sync_without_validate++;
	if (type == MAP_SHARED_VALIDATE) {
		mock.mmap_validate++;
		if (mock.question_errno && (*flags & MOCK_UNKNOWN_BIT))
			return mock.question_errno;
		if (mock.validate_errno)
			return mock.validate_errno;
		*flags = (*flags & ~(MOCK_MAP_TYPE | MAP_SYNC)) | MAP_SHARED;
		return 0;
	}
	if (type == MAP_SHARED && fd >= 0) {
		mock.mmap_shared++;
		if (mock.shared_errno)
			return mock.shared_errno;
	}
	return 0;
}

void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	int err = mmap_answer(&flags, fd);
	void *p;

	if (err) {
		errno = err;
		return MAP_FAILED;
	}
	p = __real_mmap(addr, len, prot, flags, fd, off);
	if (p != MAP_FAILED)
		mock.live_maps++;
	return p;
}

void *__wrap_mmap64(void *addr, size_t len, int prot, int flags, int fd, off64_t off)
{
	int err = mmap_answer(&flags, fd);
	void *p;

	if (err) {
		errno = err;
		return MAP_FAILED;
	}
	p = __real_mmap64(addr, len, prot, flags, fd, off);
	if (p != MAP_FAILED)
		mock.live_maps++;
	return p;
}

int __wrap_munmap(void *addr, size_t len)
{
	int r = __real_munmap(addr, len);

	if (r == 0)
		mock.live_maps--;
	return r;
}

int __wrap_msync(void *addr, size_t len, int flags)
{
	mock.msync_calls++;
	mock.msync_addr = (uintptr_t)addr;
	mock.msync_len = len;
	if (mock.msync_eintr > 0) {
		mock.msync_eintr--;
		errno = EINTR;
		return -1;
	}
	if (mock.msync_errno) {
		errno = mock.msync_errno;
		return -1;
	}
	return __real_msync(addr, len, flags);
}

int __wrap_fdatasync(int fd)
{
	mock.fdatasync_calls++;
	if (mock.fdatasync_errno) {
		errno = mock.fdatasync_errno;
		return -1;
	}
	return __real_fdatasync(fd);
}

int __wrap_sync_file_range(int fd, off64_t off, off64_t len, unsigned flags)
{
	if (mock.sfr_calls < MOCK_MAX_RANGES) {
		mock.sfr[mock.sfr_calls].off = (uint64_t)off;
		mock.sfr[mock.sfr_calls].len = (uint64_t)len;
	}
	mock.sfr_calls++;
	if (mock.sfr_errno) {
		errno = mock.sfr_errno;
		return -1;
	}
	return __real_sync_file_range(fd, off, len, flags);
}

/*
 * calloc'd blocks are remembered so that free() of one of them counts;
 * free() of memory from elsewhere (strdup, vasprintf inside libc) does
 * not.
 */
#define MOCK_MAX_ALLOCS 4096
static void *allocs[MOCK_MAX_ALLOCS];

void *__wrap_calloc(size_t n, size_t size)
{
	void *p;

	if (mock.calloc_fail) {
		errno = ENOMEM;
		return NULL;
	}
	p = __real_calloc(n, size);
	for (int i = 0; p && i < MOCK_MAX_ALLOCS; i++) {
		if (!allocs[i]) {
			allocs[i] = p;
			mock.live_allocs++;
			break;
		}
	}
	return p;
}

void __wrap_free(void *p)
{
	for (int i = 0; p && i < MOCK_MAX_ALLOCS; i++) {
		if (allocs[i] == p) {
			allocs[i] = NULL;
			mock.live_allocs--;
			break;
		}
	}
	__real_free(p);
}

int __wrap_madvise(void *addr, size_t len, int advice)
{
	mock.madvise_calls++;
	mock.madvise_advice = advice;
	if (mock.madvise_errno) {
		errno = mock.madvise_errno;
		return -1;
	}
	return __real_madvise(addr, len, advice);
}

static int fallocate_answer(off64_t off, off64_t len)
{
	mock.fallocate_calls++;
	mock.fallocate_last.off = (uint64_t)off;
	mock.fallocate_last.len = (uint64_t)len;
	if (mock.fallocate_errno) {
		errno = mock.fallocate_errno;
		return -1;
	}
	return 0;
}

int __wrap_fallocate(int fd, int mode, off_t off, off_t len)
{
	return fallocate_answer(off, len) ? -1 : __real_fallocate(fd, mode, off, len);
}

int __wrap_fallocate64(int fd, int mode, off64_t off, off64_t len)
{
	return fallocate_answer(off, len) ? -1 : __real_fallocate64(fd, mode, off, len);
}

static int pwrite_answer(size_t len, off64_t off)
{
	mock.pwrite_calls++;
	if (mock.pwrite_errno) {
		errno = mock.pwrite_errno;
		return -1;
	}
	mock.pwrite_bytes += len;
	if ((uint64_t)off < mock.pwrite_lowest)
		mock.pwrite_lowest = (uint64_t)off;
	return 0;
}

ssize_t __wrap_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	return pwrite_answer(len, off) ? -1 : __real_pwrite(fd, buf, len, off);
}

ssize_t __wrap_pwrite64(int fd, const void *buf, size_t len, off64_t off)
{
	return pwrite_answer(len, off) ? -1 : __real_pwrite64(fd, buf, len, off);
}

#ifndef STATX_ATTR_DAX
#define STATX_ATTR_DAX 0x00200000
#endif

int __wrap_statx(int dirfd, const char *path, int flags, unsigned mask, struct statx *stx)
{
	int r = __real_statx(dirfd, path, flags, mask, stx);

	if (r == 0 && mock.statx_dax) {
		stx->stx_attributes_mask |= STATX_ATTR_DAX;
		if (mock.statx_dax > 0)
			stx->stx_attributes |= STATX_ATTR_DAX;
		else
			stx->stx_attributes &= ~(uint64_t)STATX_ATTR_DAX;
	}
	return r;
}

/* A fake sysfs for device DAX geometry: only /sys/dev/char is moved. */
static const char *redirect(const char *path, char *buf, size_t size)
{
	static const char prefix[] = "/sys/dev/char/";

	if (!mock.sysfs_root[0] || !path || strncmp(path, prefix, sizeof(prefix) - 1))
		return path;
	snprintf(buf, size, "%s%s", mock.sysfs_root, path + 4);
	mock.sysfs_redirects++;
	return buf;
}

static mode_t mode_arg(int flags, va_list ap)
{
	return (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
}

int __wrap_openat(int dirfd, const char *path, int flags, ...)
{
	char buf[512];
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return __real_openat(dirfd, redirect(path, buf, sizeof(buf)), flags, mode);
}

int __wrap_openat64(int dirfd, const char *path, int flags, ...)
{
	char buf[512];
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	return __real_openat64(dirfd, redirect(path, buf, sizeof(buf)), flags, mode);
}

/* ---- cmocka fixture */

int ut_setup(void **state)
{
	(void)state;
	mock_reset();
	unsetenv("SYNCMAP_FORCE_GRANULARITY");
	unsetenv("SYNCMAP_LOG_LEVEL");
	/* Strict mode wraps every open; the tests that want it ask. */
	unsetenv("SYNCMAP_STRICT");
	unsetenv("SYNCMAP_STRICT_CRASH");
	unsetenv("SYNCMAP_STRICT_EVICT");
	unsetenv("SYNCMAP_STRICT_SEED");
	unsetenv("SYNCMAP_STRICT_REPORT");
	syncmap_set_log(NULL, NULL, SYNCMAP_LOG_WARNING);
	return 0;
}

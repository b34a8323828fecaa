/* SPDX-License-Identifier: MIT */
/*
 * A fault injector for the library's syscall layer.  Test programs are
 * linked against the static library with -Wl,--wrap=<call> for every libc
 * call sys.c makes, so those calls come here first.  While the calling
 * thread is armed, calls are counted, and the Nth one fails with a chosen
 * errno the way the kernel would fail it.
 */
#ifndef SYNCMAP_TEST_INJECT_H
#define SYNCMAP_TEST_INJECT_H

#include <stddef.h>

enum fi_fn {
	FI_OPENAT, FI_CLOSE, FI_FCNTL, FI_FSTAT, FI_FSTATFS, FI_STAT /* and lstat */, FI_STATX,
	FI_FTRUNCATE, FI_FALLOCATE, FI_PWRITE, FI_MMAP, FI_MUNMAP, FI_MSYNC,
	FI_MADVISE, FI_FDATASYNC, FI_SYNC_FILE_RANGE, FI_READ, FI_WRITE,
	FI_UNLINK, FI_IOCTL, FI_READLINK, FI_REALPATH, FI_OPENDIR, FI_MEMFD, FI_UNAME,
	FI_SIGACTION, FI_KILL, FI_GETPID, FI_PREAD, FI_FSYNC, FI_MPROTECT, FI_MREMAP, FI_N_
};

/* Not an errno: a write that transfers half of what was asked. */
#define FI_SHORT (-1)

#define FI_MAX_TRACE 4096
#define FI_MAX_ERRNOS 8

struct fi_unmapped {
	void *addr;
	size_t len;
};

struct fi_state {
	/* Set by the test. */
	unsigned fail_at;	/* 1-based call to fail; 0: none */
	int fail_errno;		/* an errno, or FI_SHORT */
	/* While armed, every call of this kind fails with this errno and is
	 * not counted: a property of the system (an old kernel, say), not
	 * a fault.  0: none. */
	int always[FI_N_];

	/* Filled in while armed. */
	unsigned calls;
	enum fi_fn trace[FI_MAX_TRACE];
	int fired;		/* the injected fault happened */
	/* munmap calls made to fail: the range is still mapped. */
	struct fi_unmapped kept[16];
	int n_kept;

	/* Security properties seen on every call, armed or not. */
	unsigned open_without_cloexec;
	unsigned dup_without_cloexec;
	unsigned map_sync_without_validate;
	int last_create_mode;	/* mode of the last O_CREAT open, or -1 */
};

extern struct fi_state fi;

const char *fi_name(enum fi_fn f);
/* The errnos a call really fails with; returns how many. */
int fi_errnos(enum fi_fn f, int out[FI_MAX_ERRNOS]);
/* Arm or disarm the calling thread; arming resets calls and trace. */
void fi_arm(unsigned fail_at, int err);
void fi_disarm(void);
/* Unmap ranges an injected munmap failure left mapped; returns how many. */
int fi_release_kept(void);

#endif

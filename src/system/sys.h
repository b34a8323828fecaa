/* SPDX-License-Identifier: MIT */
/* sys.c: the only code that calls the kernel; every call returns 0 (or
 * a count) or -errno. */
#ifndef SYNCMAP_SYS_H
#define SYNCMAP_SYS_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

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
/* Write zeros over [from, to) of fd, a MiB at a time. */
int sm_sys_zero_fill(int fd, uint64_t from, uint64_t to);
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

#endif

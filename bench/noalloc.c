/* SPDX-License-Identifier: MIT */
/*
 * Proof that persisting makes no heap allocation and, on the CPU paths,
 * no system call.
 *
 * Heap: this program defines malloc and friends itself; the dynamic linker
 * binds libsyncmap's (and libpmem's) calls to them, and they count calls
 * made while the calling thread is "counting".
 *
 * System calls: the CPU paths run on a thread under a seccomp filter that
 * traps every system call but rt_sigreturn; the SIGSYS handler counts the
 * call and makes it fail with ENOSYS.  A filter cannot be removed, so the
 * thread never exits: it reports and spins until main() ends the process.
 *
 * Both checks first prove that they catch a call.  Exit 0: clean; 1: an
 * allocation or a system call was seen; 77: seccomp is not available.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "syncmap.h"

#define EXPORT __attribute__((visibility("default")))
#define FILE_SIZE (4u << 20)
#define RECORDS 64u
#define STRIDE (3u * 4096u)

/* ---- Counting allocator. */

void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t n);
void *__libc_memalign(size_t align, size_t n);
void __libc_free(void *p);
void *memalign(size_t align, size_t n);

static __thread bool counting;
static atomic_ulong nalloc;

static void note_alloc(void)
{
	if (counting)
		atomic_fetch_add(&nalloc, 1);
}

EXPORT void *malloc(size_t n)
{
	note_alloc();
	return __libc_malloc(n);
}

EXPORT void *calloc(size_t n, size_t size)
{
	note_alloc();
	return __libc_calloc(n, size);
}

EXPORT void *realloc(void *p, size_t n)
{
	note_alloc();
	return __libc_realloc(p, n);
}

EXPORT void *memalign(size_t align, size_t n)
{
	note_alloc();
	return __libc_memalign(align, n);
}

EXPORT void *aligned_alloc(size_t align, size_t n)
{
	note_alloc();
	return __libc_memalign(align, n);
}

EXPORT int posix_memalign(void **p, size_t align, size_t n)
{
	note_alloc();
	*p = __libc_memalign(align, n);
	return *p ? 0 : ENOMEM;
}

EXPORT void free(void *p)
{
	__libc_free(p);
}

/* ---- Trapping system calls. */

static atomic_ulong nsyscall;
static atomic_int last_syscall = -1;

static void on_sigsys(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	(void)sig;
	if (counting) {
		atomic_fetch_add(&nsyscall, 1);
		atomic_store(&last_syscall, si->si_syscall);
	}
	uc->uc_mcontext.gregs[REG_RAX] = -ENOSYS;
}

static int trap_syscalls(void)
{
	struct sock_filter insns[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_rt_sigreturn, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
	};
	struct sock_fprog prog = { .len = sizeof(insns) / sizeof(insns[0]), .filter = insns };
	struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };

	if (sigaction(SIGSYS, &sa, NULL) || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog))
		return -errno;
	return 0;
}

/* ---- The calls under test. */

struct exercise {
	struct syncmap *m;
	struct syncmap_batch *b;
	uint8_t *src;
	unsigned calls;
};

static void check(struct exercise *x, int r, const char *what)
{
	x->calls++;
	if (r < 0)
		fprintf(stderr, "noalloc: %s failed: %s\n", what, strerror(-r));
}

static void exercise(struct exercise *x)
{
	static const size_t sizes[] = { 1, 64, 100, 4096, 65536 };
	uint8_t *base = syncmap_addr(x->m);

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(base + 8, (int)i, sizes[i]);
		check(x, syncmap_persist(x->m, base + 8, sizes[i]), "syncmap_persist");
		check(x, syncmap_flush(x->m, base + 8, sizes[i]), "syncmap_flush");
		check(x, syncmap_drain(x->m), "syncmap_drain");
		check(x, syncmap_memcpy(x->m, base + 8, x->src, sizes[i], 0), "syncmap_memcpy");
		check(x, syncmap_memset(x->m, base + 8, 7, sizes[i], SYNCMAP_COPY_NODRAIN),
		      "syncmap_memset");
	}
	for (unsigned round = 0; round < 3; round++) {
		for (unsigned k = 0; k < RECORDS; k++) {
			base[(1u << 20) + k * STRIDE] = (uint8_t)round;
			check(x, syncmap_batch_add(x->b, base + (1u << 20) + k * STRIDE, 64),
			      "syncmap_batch_add");
		}
		check(x, syncmap_batch_commit(x->b), "syncmap_batch_commit");
	}
}

static int open_map(const char *dir, const char *gran, struct exercise *x)
{
	char path[4096];
	int r;

	snprintf(path, sizeof(path), "%s/syncmap-noalloc-%s-%ld.dat", dir, gran, (long)getpid());
	setenv("SYNCMAP_FORCE_GRANULARITY", gran, 1);
	r = syncmap_open(path, SYNCMAP_CREATE | SYNCMAP_EXCL, 0600, FILE_SIZE, &x->m);
	unsetenv("SYNCMAP_FORCE_GRANULARITY");
	unlink(path);
	if (r == 0)
		r = syncmap_batch_new(x->m, RECORDS, &x->b);
	if (r < 0)
		fprintf(stderr, "noalloc: cannot map %s: %s (%s)\n", path, strerror(-r),
			syncmap_last_advice());
	else if (strcmp(syncmap_granularity_name(syncmap_granularity(x->m)), gran))
		r = -ENOTSUP;
	return r;
}

/* ---- Main thread: the page path (syscalls expected, allocations not). */

static unsigned long count_allocs(struct exercise *x)
{
	unsigned long before = atomic_load(&nalloc);

	exercise(x);		/* binds every symbol first */
	counting = true;
	exercise(x);
	counting = false;
	return atomic_load(&nalloc) - before;
}

/* ---- Filtered thread: the CPU paths. */

struct cpu_run {
	struct exercise *x;
	size_t n;
	int setup;
	unsigned long allocs, syscalls, self_sys, self_alloc;
	int last;
	bool self_test_ok;
	atomic_bool done;
};

static void *cpu_thread(void *arg)
{
	struct cpu_run *c = arg;

	void *volatile warm = malloc(16);	/* this thread's arena, mapped now */

	free(warm);
	for (size_t i = 0; i < c->n; i++)
		exercise(&c->x[i]);	/* binds every symbol first */
	c->setup = trap_syscalls();
	if (c->setup == 0) {
		counting = true;
		syscall(SYS_getppid);	/* must be caught */
		{
			void *volatile p = malloc(16);	/* must be counted */

			free(p);
		}
		counting = false;
		c->self_test_ok = atomic_load(&nsyscall) == 1 && atomic_load(&nalloc) == 1;
		c->self_sys = atomic_load(&nsyscall);
		c->self_alloc = atomic_load(&nalloc);
		atomic_store(&nsyscall, 0);
		atomic_store(&nalloc, 0);
		counting = true;
		for (size_t i = 0; i < c->n; i++)
			exercise(&c->x[i]);
		counting = false;
		c->allocs = atomic_load(&nalloc);
		c->syscalls = atomic_load(&nsyscall);
		c->last = atomic_load(&last_syscall);
	}
	atomic_store(&c->done, true);
	for (;;)
		__builtin_ia32_pause();
	return NULL;
}

static int run_cpu_paths(struct exercise *x, size_t n)
{
	static struct cpu_run c;
	pthread_t th;
	unsigned calls = 0;

	c.x = x;
	c.n = n;
	if (pthread_create(&th, NULL, cpu_thread, &c))
		return 1;
	while (!atomic_load(&c.done))
		usleep(1000);
	if (c.setup < 0) {
		printf("SKIP: seccomp is not available (%s)\n", strerror(-c.setup));
		return 77;
	}
	for (size_t i = 0; i < n; i++)
		calls += x[i].calls / 2;
	printf("self-test: %lu of 1 system call trapped, %lu of 1 malloc counted%s\n",
	       c.self_sys, c.self_alloc, c.self_test_ok ? "" : ": the checks do not work here");
	printf("cache_line and byte paths: %u calls, %lu heap allocations, %lu system calls%s\n",
	       calls, c.allocs, c.syscalls, c.syscalls ? " (see last_syscall)" : "");
	if (c.syscalls)
		printf("last system call number: %d\n", c.last);
	return c.self_test_ok && c.allocs == 0 && c.syscalls == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/var/tmp";
	const char *cpu_dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : dir;
	struct exercise cpu[2] = { 0 }, page = { 0 };
	unsigned long allocs;
	int r;

	page.src = cpu[0].src = cpu[1].src = aligned_alloc(4096, 65536);
	if (!page.src)
		return 1;
	memset(page.src, 0x3c, 65536);
	if (open_map(cpu_dir, "cache_line", &cpu[0]) || open_map(cpu_dir, "byte", &cpu[1]) ||
	    open_map(dir, "page", &page))
		return 1;
	allocs = count_allocs(&page);
	printf("page path: %u calls, %lu heap allocations (msync, sync_file_range and "
	       "fdatasync are its job)\n", page.calls / 2, allocs);
	r = run_cpu_paths(cpu, 2);
	if (r == 0 && allocs)
		r = 1;
	printf("%s\n", r == 0 ? "PASS" : r == 77 ? "SKIP" : "FAIL");
	fflush(stdout);
	_exit(r);
}

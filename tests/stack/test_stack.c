/* SPDX-License-Identifier: MIT */
/*
 * No public call may need more than 8 KiB of stack: databases call
 * libraries from threads and fibers with small stacks.
 *
 * Each public call runs alone on a thread whose stack is 32 KiB (set
 * SYNCMAP_STACK_TEST_KIB to measure with more) above a PROT_NONE guard
 * page.  The stack is filled with a pattern first; after the call, the
 * lowest word that no longer holds the pattern gives the call's high-water
 * mark, measured from the frame of the thread's start routine (so it
 * counts the library and everything it calls: libc, libndctl, a signal
 * frame the kernel pushes).  Every call runs in a forked child, so that a
 * call that runs into the guard page is reported as such and the others
 * are still measured.
 *
 * The program is linked against the static library with the unit suite's
 * syscall mocks (tests/unit/mock.c): by default they grant
 * MAP_SHARED_VALIDATE | MAP_SYNC, which puts the MAP_SYNC path on this
 * machine; mock.validate_errno = EOPNOTSUPP gives the kernel's real
 * refusal, and the diagnosis then reads this machine's /sys and /proc.
 * Every call's result is checked too, so that each figure belongs to the
 * path it is named after.  The log callback is set at the debug level, so
 * that every message is formatted (the most stack a call can take).
 *
 * Output: one line per call, then the worst; exit status 1 if any call
 * took more than 8 KiB, hit the guard page or did not do what it should.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <syncmap.h>

#include "mock.h"

#define LIMIT 8192u
#define DEFAULT_KIB 32u
#define PATTERN 0x57ac57ac57ac57acull
#define FILE_SIZE (256u * 1024)
#define PG 4096u

#ifndef AT_MINSIGSTKSZ
#define AT_MINSIGSTKSZ 51
#endif

/* Everything the calls work on, made by the parent on its own stack. */
static struct {
	const char *file, *fresh, *shm, *missing, *trunc;
	struct syncmap *sync, *page, *ro, *cut, *jrnl;
	char *jfile;
	struct syncmap_batch *bsync, *bpage, *bjrnl;
	struct syncmap_probe *probe;
	int fd;
	char text[16384];
	uint8_t src[65536], dst[65536];
} g;

static int logged;

static void quiet_log(void *arg, int level, const char *msg)
{
	(void)arg;
	(void)level;
	logged += msg[0] != '\0';
}

/* ---- the calls: each makes one public call and says if it did what its
 * name says. */

typedef bool (*call_fn)(void);

static bool open_sync_new(void)
{
	struct syncmap *m = NULL;
	bool ok = syncmap_open(g.fresh, SYNCMAP_CREATE, 0, FILE_SIZE, &m) == 0 &&
		  syncmap_is_sync(m);

	return ok;	/* the child exits: no close needed */
}

static bool open_sync_dax_zeroing(void)
{
	struct syncmap *m = NULL;

	/* statx says DAX: the grown part is written with zeros. */
	return syncmap_open(g.fresh, SYNCMAP_CREATE, 0, FILE_SIZE, &m) == 0 &&
	       syncmap_is_sync(m) && mock.pwrite_calls > 0;
}

static bool open_sync_prefault(void)
{
	struct syncmap *m = NULL;

	return syncmap_open(g.file, SYNCMAP_PREFAULT, 0, 0, &m) == 0 && syncmap_is_sync(m);
}

static bool open_refused(void)
{
	struct syncmap *m = NULL;

	return syncmap_open(g.file, 0, 0, 0, &m) == 0 && !syncmap_is_sync(m) &&
	       syncmap_cause(m) != SYNCMAP_CAUSE_NONE;
}

static bool open_refused_tmpfs(void)
{
	struct syncmap *m = NULL;

	return syncmap_open(g.shm, SYNCMAP_CREATE, 0, FILE_SIZE, &m) == 0 &&
	       syncmap_cause(m) == SYNCMAP_CAUSE_FS_NOT_DAX_CAPABLE;
}

static bool open_old_kernel(void)
{
	struct syncmap *m = NULL;

	return syncmap_open(g.file, 0, 0, 0, &m) == 0 &&
	       syncmap_cause(m) == SYNCMAP_CAUSE_KERNEL_TOO_OLD;
}

static bool open_require_refused(void)
{
	struct syncmap *m = NULL;

	return syncmap_open(g.file, SYNCMAP_REQUIRE_SYNC, 0, 0, &m) == -EOPNOTSUPP &&
	       syncmap_last_cause() != SYNCMAP_CAUSE_NONE;
}

static bool open_forced_cache_line(void)
{
	struct syncmap *m = NULL;

	return syncmap_open(g.file, 0, 0, 0, &m) == 0 &&
	       syncmap_cause(m) == SYNCMAP_CAUSE_FORCED_BY_ENV;
}

static bool open_forbid(void)
{
	struct syncmap *m = NULL;

	return syncmap_open(g.file, SYNCMAP_FORBID_SYNC, 0, 0, &m) == 0 &&
	       syncmap_cause(m) == SYNCMAP_CAUSE_FORBIDDEN;
}

static bool open_rdonly(void)
{
	struct syncmap *m = NULL;

	return syncmap_open(g.file, SYNCMAP_RDONLY, 0, 0, &m) == 0 &&
	       syncmap_cause(m) == SYNCMAP_CAUSE_READ_ONLY;
}

static bool open_missing(void)
{
	struct syncmap *m = NULL;

	return syncmap_open(g.missing, 0, 0, 0, &m) == -ENOENT;
}

static bool open_bad_flags(void)
{
	struct syncmap *m = NULL;

	return syncmap_open(g.file, 1u << 30, 0, 0, &m) == -EINVAL;
}

static bool open_char_device(void)
{
	struct syncmap *m = NULL;

	return syncmap_open("/dev/zero", 0, 0, 0, &m) == -ENODEV;
}

static bool open_fd_sync(void)
{
	struct syncmap *m = NULL;

	return syncmap_open_fd(g.fd, 0, 0, 0, &m) == 0 && syncmap_is_sync(m);
}

static bool open_fd_refused(void)
{
	struct syncmap *m = NULL;

	return syncmap_open_fd(g.fd, PG, 2 * PG, 0, &m) == 0 && !syncmap_is_sync(m);
}

static bool probe_file(void)
{
	struct syncmap_probe *p = NULL;

	return syncmap_probe(g.file, &p) == 0 && syncmap_probe_advice(p)[0];
}

static bool probe_new_path(void)
{
	struct syncmap_probe *p = NULL;

	return syncmap_probe(g.missing, &p) == 0 && access(g.missing, F_OK) < 0;
}

static bool probe_tmpfs(void)
{
	struct syncmap_probe *p = NULL;

	return syncmap_probe(g.shm, &p) == 0 &&
	       syncmap_probe_cause(p) == SYNCMAP_CAUSE_FS_NOT_DAX_CAPABLE;
}

static bool probe_directory(void)
{
	struct syncmap_probe *p = NULL;

	return syncmap_probe("/", &p) == -EISDIR;
}

static bool probe_no_directory(void)
{
	struct syncmap_probe *p = NULL;

	return syncmap_probe("/nonexistent-syncmap-dir/file", &p) == -ENOENT;
}

static bool probe_char_device(void)
{
	struct syncmap_probe *p = NULL;

	return syncmap_probe("/dev/zero", &p) == -ENODEV &&
	       syncmap_last_cause() == SYNCMAP_CAUSE_DEVICE_NOT_DAX;
}

static bool probe_mapping_sync(void)
{
	struct syncmap_probe *p = NULL;

	return syncmap_probe_mapping(g.sync, &p) == 0 && syncmap_probe_map_sync(p);
}

static bool probe_mapping_page(void)
{
	struct syncmap_probe *p = NULL;

	return syncmap_probe_mapping(g.page, &p) == 0 && !syncmap_probe_map_sync(p);
}

static bool probe_format_text(void)
{
	int n = syncmap_probe_format(g.probe, 0, g.text, sizeof(g.text));

	return n > 0 && (size_t)n < sizeof(g.text);
}

static bool probe_format_json(void)
{
	int n = syncmap_probe_format(g.probe, SYNCMAP_PROBE_JSON, g.text, sizeof(g.text));

	return n > 0 && g.text[0] == '{';
}

static bool probe_format_length(void)
{
	return syncmap_probe_format(g.probe, SYNCMAP_PROBE_JSON, NULL, 0) > 0;
}

static bool probe_fact(void)
{
	const char *k, *v;

	return syncmap_probe_fact(g.probe, 0, &k, &v) == 0;
}

static bool probe_free(void)
{
	syncmap_probe_free(g.probe);
	return true;
}

#define ON(m) (g.m)
#define RANGE_CALLS(tag, m) \
static bool persist_##tag(void) { return syncmap_persist(ON(m), syncmap_addr(ON(m)), 3 * PG + 5) == 0; } \
static bool flush_##tag(void) { return syncmap_flush(ON(m), syncmap_addr(ON(m)), 3 * PG) == 0; } \
static bool drain_##tag(void) { return syncmap_drain(ON(m)) == 0; } \
static bool deep_flush_##tag(void) { \
	/* Without an NVDIMM region the deep flush fails, with advice. */ \
	int r = syncmap_deep_flush(ON(m), syncmap_addr(ON(m)), PG); \
	return r == 0 || (r < 0 && syncmap_last_advice()[0]); } \
static bool persist_outside_##tag(void) { \
	return syncmap_persist(ON(m), (uint8_t *)syncmap_addr(ON(m)) + FILE_SIZE, 1) == -EINVAL; } \
static bool memcpy_4k_##tag(void) { \
	return syncmap_memcpy(ON(m), syncmap_addr(ON(m)), g.src, PG, 0) == 0; } \
static bool memcpy_64k_##tag(void) { \
	return syncmap_memcpy(ON(m), syncmap_addr(ON(m)), g.src, sizeof(g.src), 0) == 0; } \
static bool memset_##tag(void) { \
	return syncmap_memset(ON(m), syncmap_addr(ON(m)), 0x11, sizeof(g.src), 0) == 0; } \
static bool batch_new_##tag(void) { \
	struct syncmap_batch *b = NULL; return syncmap_batch_new(ON(m), 0, &b) == 0; } \
static bool batch_add_full_##tag(void) { \
	/* The batch holds 4: the 5th add makes room first. */ \
	return syncmap_batch_add(g.b##tag, (uint8_t *)syncmap_addr(ON(m)) + 40 * PG, 64) == 0; } \
static bool batch_commit_##tag(void) { return syncmap_batch_commit(g.b##tag) == 0; } \
static bool batch_free_##tag(void) { syncmap_batch_free(g.b##tag); return true; } \
static bool read_safe_##tag(void) { \
	return syncmap_read_safe(ON(m), g.dst, syncmap_addr(ON(m)), sizeof(g.dst)) == 0; } \
static bool write_safe_##tag(void) { \
	return syncmap_write_safe(ON(m), syncmap_addr(ON(m)), g.src, sizeof(g.src)) == 0; } \
static bool close_##tag(void) { return syncmap_close(ON(m)) == 0; }

RANGE_CALLS(sync, sync)
RANGE_CALLS(page, page)
RANGE_CALLS(jrnl, jrnl)

/* Creating a journal and replaying it are the deepest opens. */
static bool open_journal(void)
{
	struct syncmap *m = NULL;

	return syncmap_open(g.fresh, SYNCMAP_CREATE | SYNCMAP_JOURNAL, 0, FILE_SIZE, &m) == 0 &&
	       syncmap_path(m) == SYNCMAP_PATH_JOURNAL;
}

static bool journal_stats(void)
{
	struct syncmap_journal_stats st;

	return syncmap_journal_stats(g.jrnl, &st, sizeof(st)) == 0 && st.persists == 0;
}

static bool persist_rdonly(void)
{
	return syncmap_persist(g.ro, syncmap_addr(g.ro), 1) == -EBADF;
}

/* The file under g.cut was truncated to nothing: the access faults, and
 * the kernel pushes a signal frame onto this stack. */
static bool read_safe_sigbus(void)
{
	return syncmap_read_safe(g.cut, g.dst, syncmap_addr(g.cut), PG) == -EIO;
}

static bool write_safe_sigbus(void)
{
	return syncmap_write_safe(g.cut, syncmap_addr(g.cut), g.src, PG) == -EIO;
}

static bool set_log(void)
{
	syncmap_set_log(quiet_log, NULL, SYNCMAP_LOG_DEBUG);
	return true;
}

static bool small_calls(void)
{
	/* The accessors and names, all at once: none can take much. */
	return syncmap_version()[0] && syncmap_length(g.sync) == FILE_SIZE &&
	       syncmap_granularity_name(syncmap_granularity(g.sync))[0] &&
	       syncmap_insn_name(syncmap_insn(g.sync))[0] &&
	       syncmap_cause_name(syncmap_cause(g.page))[0] && syncmap_advice(g.page)[0] &&
	       syncmap_last_advice() != NULL && syncmap_last_cause() == SYNCMAP_CAUSE_NONE &&
	       syncmap_probe_granularity(g.probe) == SYNCMAP_GRAN_PAGE &&
	       syncmap_probe_insn(g.probe) == SYNCMAP_INSN_NONE;
}

/* ---- the measurement's own controls */

#define CALIBRATE 6144u
static size_t calibrate_kib;

/* Touch n bytes of stack from the top down, a word every 512 bytes, as a
 * real frame would (never jumping past the guard page). */
static __attribute__((noinline)) void burn(size_t n)
{
	volatile uint8_t buf[n];

	for (size_t i = n; i-- > 0;)
		if (i % 512 == 0 || i == n - 1)
			buf[i] = 1;
	__asm__ volatile("" : : "r"(buf) : "memory");
}

static bool calibrate_known(void)
{
	burn(CALIBRATE);
	return true;
}

static bool calibrate_overflow(void)
{
	burn((calibrate_kib + 4) * 1024);
	return true;
}

/* ---- what the child sets before the call (on its own main thread). */

enum prep { GRANT, REFUSE, OLD_KERNEL, DAX_STATX, FORCE_CACHE_LINE, JOURNAL };

/* A journal belongs to the process that opened it (not to a child of
 * fork()): each call on one opens it in its own child, with a batch of
 * four ranges in it. */
static void open_jrnl(void)
{
	mock.validate_errno = EOPNOTSUPP;
	if (syncmap_open(g.jfile, SYNCMAP_JOURNAL, 0, 0, &g.jrnl) < 0 ||
	    syncmap_batch_new(g.jrnl, 4, &g.bjrnl) < 0)
		exit(2);
	for (unsigned i = 0; i < 4; i++)
		syncmap_batch_add(g.bjrnl, (uint8_t *)syncmap_addr(g.jrnl) + i * 8 * PG, 64);
	mock.validate_errno = 0;
}

static void prepare(enum prep p)
{
	/* Each open of it creates and grows it. */
	unlink(g.fresh);
	switch (p) {
	case GRANT:
		break;
	case REFUSE:
		mock.validate_errno = EOPNOTSUPP;
		break;
	case OLD_KERNEL:
		mock.validate_errno = EINVAL;
		break;
	case DAX_STATX:
		mock.statx_dax = 1;
		break;
	case FORCE_CACHE_LINE:
		mock.validate_errno = EOPNOTSUPP;
		setenv("SYNCMAP_FORCE_GRANULARITY", "cache_line", 1);
		break;
	case JOURNAL:
		open_jrnl();
		break;
	}
}

struct call {
	const char *name;
	call_fn fn;
	enum prep prep;
};

#define C(fn, prep) { #fn, fn, prep }

static const struct call calls[] = {
	C(set_log, GRANT),
	C(open_sync_new, GRANT),
	C(open_sync_dax_zeroing, DAX_STATX),
	C(open_sync_prefault, GRANT),
	C(open_refused, REFUSE),
	C(open_refused_tmpfs, REFUSE),
	C(open_old_kernel, OLD_KERNEL),
	C(open_require_refused, REFUSE),
	C(open_forced_cache_line, FORCE_CACHE_LINE),
	C(open_forbid, GRANT),
	C(open_rdonly, GRANT),
	C(open_missing, GRANT),
	C(open_bad_flags, GRANT),
	C(open_char_device, GRANT),
	C(open_fd_sync, GRANT),
	C(open_fd_refused, REFUSE),
	C(probe_file, REFUSE),
	C(probe_new_path, REFUSE),
	C(probe_tmpfs, REFUSE),
	C(probe_directory, REFUSE),
	C(probe_no_directory, REFUSE),
	C(probe_char_device, REFUSE),
	C(probe_mapping_sync, GRANT),
	C(probe_mapping_page, GRANT),
	C(probe_format_text, GRANT),
	C(probe_format_json, GRANT),
	C(probe_format_length, GRANT),
	C(probe_fact, GRANT),
	C(probe_free, GRANT),
	C(persist_sync, GRANT), C(persist_page, GRANT),
	C(flush_sync, GRANT), C(flush_page, GRANT),
	C(drain_sync, GRANT), C(drain_page, GRANT),
	C(deep_flush_sync, GRANT), C(deep_flush_page, GRANT),
	C(persist_outside_sync, GRANT), C(persist_outside_page, GRANT),
	C(persist_rdonly, GRANT),
	C(memcpy_4k_sync, GRANT), C(memcpy_4k_page, GRANT),
	C(memcpy_64k_sync, GRANT), C(memcpy_64k_page, GRANT),
	C(memset_sync, GRANT), C(memset_page, GRANT),
	C(batch_new_sync, GRANT), C(batch_new_page, GRANT),
	C(batch_add_full_sync, GRANT), C(batch_add_full_page, GRANT),
	C(batch_commit_sync, GRANT), C(batch_commit_page, GRANT),
	C(batch_free_sync, GRANT), C(batch_free_page, GRANT),
	C(read_safe_sync, GRANT), C(read_safe_page, GRANT),
	C(write_safe_sync, GRANT), C(write_safe_page, GRANT),
	C(read_safe_sigbus, GRANT),
	C(write_safe_sigbus, GRANT),
	C(small_calls, GRANT),
	C(close_sync, GRANT), C(close_page, GRANT),
	C(open_journal, REFUSE), C(journal_stats, JOURNAL),
	C(persist_jrnl, JOURNAL), C(flush_jrnl, JOURNAL), C(drain_jrnl, JOURNAL),
	C(deep_flush_jrnl, JOURNAL), C(persist_outside_jrnl, JOURNAL),
	C(memcpy_4k_jrnl, JOURNAL), C(memcpy_64k_jrnl, JOURNAL), C(memset_jrnl, JOURNAL),
	C(batch_new_jrnl, JOURNAL), C(batch_add_full_jrnl, JOURNAL), C(batch_commit_jrnl, JOURNAL),
	C(batch_free_jrnl, JOURNAL), C(read_safe_jrnl, JOURNAL), C(write_safe_jrnl, JOURNAL),
	C(close_jrnl, JOURNAL),
};

/* ---- the measurement */

struct run {
	call_fn fn;
	uint8_t *lo;		/* lowest usable byte of the stack */
	size_t used;
	bool ok;
};

static void *thread_main(void *arg)
{
	struct run *r = arg;
	uint8_t *top = __builtin_frame_address(0);
	const uint64_t *w = (const uint64_t *)r->lo;

	r->ok = r->fn();
	while ((const uint8_t *)w < top && *w == PATTERN)
		w++;
	r->used = (size_t)(top - (const uint8_t *)w);
	return NULL;
}

/* In the child: run fn alone on a fresh stack of kib KiB; write "used ok". */
static int measure_child(const struct call *c, size_t kib, int out)
{
	size_t size = kib * 1024, guard = (size_t)sysconf(_SC_PAGESIZE);
	struct run r = { .fn = c->fn };
	pthread_attr_t attr;
	pthread_t t;
	uint8_t *base;
	char line[64];
	int n;

	prepare(c->prep);
	base = mmap(NULL, guard + size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (base == MAP_FAILED || mprotect(base, guard, PROT_NONE) < 0)
		return 2;
	r.lo = base + guard;
	for (uint64_t *w = (uint64_t *)r.lo; (uint8_t *)w < r.lo + size; w++)
		*w = PATTERN;
	if (pthread_attr_init(&attr) || pthread_attr_setstack(&attr, r.lo, size) ||
	    pthread_create(&t, &attr, thread_main, &r) || pthread_join(t, NULL))
		return 3;
	n = snprintf(line, sizeof(line), "%zu %d\n", r.used, r.ok);
	return write(out, line, (size_t)n) == n ? 0 : 4;
}

struct result {
	size_t used;
	bool ok, overflow;
	int status;
};

static struct result measure(const struct call *c, size_t kib)
{
	struct result res = { 0 };
	char line[64] = "";
	int p[2], status, ok = 0;
	ssize_t n;
	pid_t pid;

	if (pipe(p) < 0)
		exit(2);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		exit(2);
	if (pid == 0) {
		close(p[0]);
		_exit(measure_child(c, kib, p[1]));
	}
	close(p[1]);
	n = read(p[0], line, sizeof(line) - 1);
	close(p[0]);
	waitpid(pid, &status, 0);
	res.status = status;
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV) {
		res.overflow = true;
		return res;
	}
	if (n > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
	    sscanf(line, "%zu %d", &res.used, &ok) == 2)
		res.ok = ok == 1;
	return res;
}

/* ---- setup, on the main thread's own stack */

static void setup(void)
{
	struct stat st;
	char *shm;

	mock_reset();
	unsetenv("SYNCMAP_FORCE_GRANULARITY");
	for (size_t i = 0; i < sizeof(g.src); i++)
		g.src[i] = (uint8_t)i;
	g.file = strdup(tc_make_file(tc_path("file"), FILE_SIZE, 0));
	g.fresh = strdup(tc_path("fresh"));
	g.missing = strdup(tc_path("not-yet"));
	g.trunc = strdup(tc_make_file(tc_path("truncated"), FILE_SIZE, 0));
	if (asprintf(&shm, "/dev/shm/syncmap-stack-%d", (int)getpid()) < 0)
		exit(2);
	g.shm = shm;
	syncmap_set_log(quiet_log, NULL, SYNCMAP_LOG_DEBUG);
	g.fd = open(g.file, O_RDWR | O_CLOEXEC);
	if (g.fd < 0 || syncmap_open(g.file, 0, 0, 0, &g.sync) < 0 || !syncmap_is_sync(g.sync))
		exit(2);
	mock.validate_errno = EOPNOTSUPP;
	setenv("SYNCMAP_JOURNAL_SIZE", "64K", 1);
	if (syncmap_open(tc_make_file(tc_path("page"), FILE_SIZE, 0), 0, 0, 0, &g.page) < 0 ||
	    syncmap_open(g.trunc, 0, 0, 0, &g.cut) < 0 ||
	    syncmap_open(g.file, SYNCMAP_RDONLY, 0, 0, &g.ro) < 0 ||
	    syncmap_probe(g.file, &g.probe) < 0)
		exit(2);
	mock.validate_errno = 0;
	if (truncate(g.trunc, 0) < 0 || stat(g.trunc, &st) < 0 || st.st_size != 0)
		exit(2);
	/* Batches of 4 ranges, 4 already in them: the next add is the 5th. */
	g.jfile = strdup(tc_make_file(tc_path("jrnl"), FILE_SIZE, 0));
	if (syncmap_batch_new(g.sync, 4, &g.bsync) < 0 || syncmap_batch_new(g.page, 4, &g.bpage) < 0)
		exit(2);
	for (unsigned i = 0; i < 4; i++) {
		syncmap_batch_add(g.bsync, (uint8_t *)syncmap_addr(g.sync) + i * 8 * PG, 64);
		syncmap_batch_add(g.bpage, (uint8_t *)syncmap_addr(g.page) + i * 8 * PG, 64);
	}
}

/* The measurement must see a frame of known size, and a call that needs
 * more than the stack must be caught by the guard page. */
static size_t self_test(size_t kib)
{
	static const struct call known = { "calibrate_known", calibrate_known, GRANT };
	static const struct call over = { "calibrate_overflow", calibrate_overflow, GRANT };
	struct result a, b;
	size_t bad = 0;

	calibrate_kib = kib;
	a = measure(&known, kib);
	b = measure(&over, kib);
	if (!a.ok || a.used < CALIBRATE || a.used > CALIBRATE + 512) {
		printf("FAIL: self-test: a %u-byte frame measured as %zu bytes\n", CALIBRATE, a.used);
		bad++;
	} else {
		printf("self-test: a %u-byte frame measured as %zu bytes\n", CALIBRATE, a.used);
	}
	if (!b.overflow) {
		printf("FAIL: self-test: %zu KiB of stack on a %zu KiB stack did not hit the guard "
		       "page\n", kib + 4, kib);
		bad++;
	} else {
		printf("self-test: %zu KiB on a %zu KiB stack hit the guard page\n", kib + 4, kib);
	}
	return bad;
}

int main(void)
{
	const char *env = getenv("SYNCMAP_STACK_TEST_KIB");
	size_t kib = env && atoi(env) > 0 ? (size_t)atoi(env) : DEFAULT_KIB;
	size_t worst = 0, bad;
	const char *worst_name = "";

	setup();
	bad = self_test(kib);
	printf("stack high-water per public call: a thread with %zu KiB of stack and a guard "
	       "page; limit %u bytes (the kernel's minimum signal frame here: %lu bytes)\n",
	       kib, LIMIT, getauxval(AT_MINSIGSTKSZ));
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		struct result r = measure(&calls[i], kib);

		if (r.overflow) {
			printf("  %-28s  > %zu KiB: ran into the guard page  FAIL\n",
			       calls[i].name, kib);
			bad++;
			continue;
		}
		if (!r.ok) {
			printf("  %-28s  %6zu bytes  FAIL: the call did not do what its name says "
			       "(status 0x%x)\n", calls[i].name, r.used, r.status);
			bad++;
			continue;
		}
		printf("  %-28s  %6zu bytes%s\n", calls[i].name, r.used,
		       r.used > LIMIT ? "  FAIL: above the limit" : "");
		bad += r.used > LIMIT;
		if (r.used > worst) {
			worst = r.used;
			worst_name = calls[i].name;
		}
	}
	printf("worst: %s, %zu bytes (limit %u); %zu failure(s) among %zu calls and 2 "
	       "self-tests\n", worst_name, worst, LIMIT, bad, sizeof(calls) / sizeof(calls[0]));
	syncmap_close(g.cut);
	syncmap_close(g.ro);
	unlink(g.shm);
	tc_cleanup();
	return bad ? 1 : 0;
}

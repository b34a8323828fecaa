/* SPDX-License-Identifier: MIT */
/*
 * Strict mode's state of the whole process: its settings, the mappings in
 * strict mode, the count of persist points, eviction and the crash point.
 *
 * Settings come from the environment (ignored in set-user-ID programs):
 *   SYNCMAP_STRICT_CRASH=N   stop the process at persist point N;
 *   SYNCMAP_STRICT_EVICT=R   at a persist point, with probability R, write
 *                            each unpersisted line to the file with
 *                            probability 1/2; always at the crash point;
 *   SYNCMAP_STRICT_SEED=S    the seed of those choices (default 1);
 *   SYNCMAP_STRICT_REPORT=F  count points in F, shared by every process of
 *                            a run, and write the crash point's report
 *                            there instead of to standard error.
 * Eviction's choices are a function of the seed, the point's number, the
 * mapping's order of opening and the line's offset, so that one seed
 * replays one run.
 *
 * The crash point is the one place the library stops a process, because
 * the caller asked it to: SIGKILL, as a power cut would, after the report
 * (and its call stack) is written.
 */
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "log.h"
#include "safe.h"
#include "strict.h"
#include "strict_report.h"
#include "sys.h"

#define SM_STRICT_FRAMES 48

/* Recursive, made at first use: POSIX has no static initialiser for it. */
static pthread_mutex_t lock;
static pthread_once_t lock_once = PTHREAD_ONCE_INIT;
static struct sm_strict *mappings;
static unsigned next_id;
static uint64_t local_points;
static bool atfork_done;

static uint64_t crash_at;
static uint64_t evict_thr;	/* out of 2^32; 0: no eviction */
static uint64_t seed = 1;
static char evict_text[80];

static struct sm_report *report;
static int report_fd = -1;

static void lock_init(void)
{
	sm_mutex_init_recursive(&lock);
}

void sm_strict_lock(void)
{
	pthread_once(&lock_once, lock_init);
	pthread_mutex_lock(&lock);
}

void sm_strict_unlock(void)
{
	pthread_mutex_unlock(&lock);
}

/* ---- fork: a child's inherited mappings are refused (strict.c) */

static void before_fork(void)
{
	sm_strict_lock();
}

static void parent_after_fork(void)
{
	sm_strict_unlock();
}

static void child_after_fork(void)
{
	/* The child's only thread is not the owner the lock records. */
	sm_mutex_init_recursive(&lock);
	for (struct sm_strict *s = mappings; s; s = s->next)
		s->inherited = true;
	local_points = 0;
}

/* ---- settings */

static int parse_u64(const char *s, uint64_t *v)
{
	uint64_t x = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || x > (UINT64_MAX - 9) / 10)
			return -EINVAL;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	*v = x;
	return 0;
}

/* A probability in [0, 1] as a decimal, without the locale's help. */
static int parse_rate(const char *s, uint64_t *thr)
{
	uint64_t num = 0, den = 1;
	const char *p = s;

	if (*p == '1' || *p == '0')
		num = (uint64_t)(*p++ - '0');
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9' && den < 1000000000; p++) {
			num = num * 10 + (uint64_t)(*p - '0');
			den *= 10;
		}
	}
	if (p == s || *p || num > den)
		return -EINVAL;
	*thr = (num << 32) / den;
	return 0;
}

static int bad_setting(const char *name, const char *v, const char *want)
{
	return sm_fail(-EINVAL, SYNCMAP_CAUSE_STRICT_MODE,
		       "%s=%s is not %s; fix it or unset it", name, v, want);
}

static int read_settings(void)
{
	const char *c = sm_getenv("SYNCMAP_STRICT_CRASH");
	const char *e = sm_getenv("SYNCMAP_STRICT_EVICT");
	const char *s = sm_getenv("SYNCMAP_STRICT_SEED");
	uint64_t cv = 0, ev = 0, sv = 1;

	if (c && *c && parse_u64(c, &cv) < 0)
		return bad_setting("SYNCMAP_STRICT_CRASH", c, "a number of persist points");
	if (e && *e && parse_rate(e, &ev) < 0)
		return bad_setting("SYNCMAP_STRICT_EVICT", e, "a probability from 0 to 1 (0.05, say)");
	if (s && *s && parse_u64(s, &sv) < 0)
		return bad_setting("SYNCMAP_STRICT_SEED", s, "a non-negative integer");
	crash_at = cv;
	evict_thr = ev;
	seed = sv;
	evict_text[0] = '\0';
	if (ev)
		snprintf(evict_text, sizeof(evict_text), "SYNCMAP_STRICT_EVICT=%s, seed %llu", e,
			 (unsigned long long)sv);
	return 0;
}

static int report_error(const char *path, int r, const char *what)
{
	return sm_fail(r < 0 ? r : -EINVAL, SYNCMAP_CAUSE_STRICT_MODE,
		       "SYNCMAP_STRICT_REPORT=%s: %s%s%s", path, what, r < 0 ? ": " : "",
		       r < 0 ? strerror(-r) : "");
}

/* Map the report file's header, shared with every process of the run. */
static int open_report(void)
{
	const char *path = sm_getenv("SYNCMAP_STRICT_REPORT");
	uint64_t zero = 0;
	struct stat st;
	void *p;
	int fd, r;

	if (report || !path || !*path)
		return 0;
	fd = sm_sys_open(path, O_RDWR | O_CREAT, 0600);
	if (fd < 0)
		return report_error(path, fd, "cannot open it");
	r = sm_sys_fstat(fd, &st);
	if (r == 0 && !S_ISREG(st.st_mode))
		r = 1;
	if (r == 0 && st.st_size < SM_REPORT_HEADER)
		r = sm_sys_ftruncate(fd, SM_REPORT_HEADER);
	if (r == 0)
		r = sm_sys_mmap(NULL, SM_REPORT_HEADER, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0, &p);
	if (r != 0) {
		sm_sys_close(fd);
		return report_error(path, r, r > 0 ? "not a regular file" : "cannot map it");
	}
	report = p;
	__atomic_compare_exchange_n(&report->magic, &zero, SM_REPORT_MAGIC, false,
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&report->magic, __ATOMIC_SEQ_CST) != SM_REPORT_MAGIC) {
		sm_sys_munmap(p, SM_REPORT_HEADER);
		sm_sys_close(fd);
		report = NULL;
		return report_error(path, 0, "it holds something else than a strict-mode report; "
				    "give a new or empty file");
	}
	report_fd = fd;
	return 0;
}

/* After the crash point every process of the run is past the power cut:
 * none may change the file any more. */
static bool crashed_elsewhere(void)
{
	return report && __atomic_load_n(&report->crashed_at, __ATOMIC_SEQ_CST) != 0;
}

int sm_strict_setup(void)
{
	int r;

	if (!atfork_done) {
		if (pthread_atfork(before_fork, parent_after_fork, child_after_fork) != 0)
			return sm_fail(-ENOMEM, SYNCMAP_CAUSE_ERROR,
				       "strict mode: out of memory registering its fork handlers");
		atfork_done = true;
	}
	r = read_settings();
	if (r == 0)
		r = open_report();
	if (r == 0 && crashed_elsewhere())
		sm_sys_kill_self();
	if (r == 0 && report)
		__atomic_add_fetch(&report->mappings, 1, __ATOMIC_SEQ_CST);
	return r;
}

uint64_t sm_strict_crash_point(void)
{
	return crash_at;
}

const char *sm_strict_evict_text(void)
{
	return evict_text;
}

/* ---- the mappings */

void sm_strict_register(struct sm_strict *s)
{
	s->id = ++next_id;
	s->next = mappings;
	mappings = s;
}

void sm_strict_unregister(struct sm_strict *s)
{
	for (struct sm_strict **p = &mappings; *p; p = &(*p)->next) {
		if (*p == s) {
			*p = s->next;
			return;
		}
	}
}

static bool same_file(const struct sm_strict *a, const struct sm_strict *b)
{
	return a->below.st_dev == b->below.st_dev && a->below.st_ino == b->below.st_ino &&
	       a->below.st_rdev == b->below.st_rdev;
}

const struct sm_strict *sm_strict_overlap(const struct sm_strict *s)
{
	for (const struct sm_strict *o = mappings; o; o = o->next)
		if (!o->inherited && same_file(s, o) && s->file_off < o->file_off + o->len &&
		    o->file_off < s->file_off + s->len)
			return o;
	return NULL;
}

/* ---- eviction */

static uint64_t mix(uint64_t x)
{
	/* The finalizer of splitmix64. */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t choice(uint64_t point, uint64_t mapping, uint64_t line)
{
	return mix(mix(mix(seed ^ 0x9e3779b97f4a7c15ULL) ^ point) ^ mapping) ^ line;
}

/*
 * Lines that differ between the view and the file are unpersisted
 * stores; write about half of them to the file, as a CPU evicting them
 * would, until hit[] is full.  Runs inside a SIGBUS window: no lock, no
 * allocation, no call to the path below.
 */
static void evict_scan(void *arg)
{
	struct sm_evict *e = arg;
	struct sm_strict *s = e->s;
	size_t chunk = SM_EVICT_CHUNK_LINES * s->line;

	for (; e->pos < s->len && e->n < SM_EVICT_HITS; e->pos += chunk) {
		size_t cn = s->len - e->pos < chunk ? s->len - e->pos : chunk;
		uint64_t mask = 0;

		if (memcmp(s->view + e->pos, s->file + e->pos, cn) == 0)
			continue;
		for (size_t k = 0; k * s->line < cn; k++) {
			size_t o = e->pos + k * s->line;
			size_t n = cn - k * s->line < s->line ? cn - k * s->line : s->line;

			if (memcmp(s->view + o, s->file + o, n) == 0 ||
			    !(mix(choice(e->point, s->id, o)) & 1))
				continue;
			memcpy(s->file + o, s->view + o, n);
			mask |= 1ULL << k;
		}
		if (mask) {
			e->hit[e->n].off = e->pos;
			e->hit[e->n].mask = mask;
			e->n++;
		}
	}
}

static struct sm_strict *evictable(struct sm_strict *s)
{
	while (s && s->inherited)
		s = s->next;
	return s;
}

void sm_strict_evict_begin(struct sm_evict *e, uint64_t point)
{
	memset(e, 0, sizeof(*e));
	e->point = point;
	e->s = evictable(mappings);
}

bool sm_strict_evict_next(struct sm_evict *e)
{
	while (e->s) {
		struct sm_strict *s = e->s;
		uintptr_t v = (uintptr_t)s->view, f = (uintptr_t)s->file;

		if (!e->stop && e->pos < s->len) {
			e->n = 0;
			/* A SIGBUS (a truncated file) ends this mapping's eviction. */
			e->stop = sm_safe_run(evict_scan, e, v < f ? v : f,
					      (v > f ? v : f) + s->len) != 0;
			for (size_t i = 0; i < e->n; i++)
				e->lines += (uint64_t)__builtin_popcountll(e->hit[i].mask);
			if (e->n)
				return true;
			continue;
		}
		e->s = evictable(s->next);
		e->pos = 0;
		e->stop = false;
	}
	return false;
}

void sm_strict_evict_end(const struct sm_evict *e)
{
	if (report)
		__atomic_add_fetch(&report->evicted, e->lines, __ATOMIC_SEQ_CST);
}

static bool eviction_moment(uint64_t point)
{
	return evict_thr && (mix(choice(point, 0, 0)) >> 32) < evict_thr;
}

/* ---- the crash point */

static size_t add_text(char *buf, size_t at, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static size_t add_text(char *buf, size_t at, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (at >= size)
		return at;
	va_start(ap, fmt);
	n = vsnprintf(buf + at, size - at, fmt, ap);
	va_end(ap);
	if (n < 0)
		return at;
	return at + (size_t)n < size ? at + (size_t)n : size - 1;
}

/* The call stack, innermost first; the library's own frames marked. */
static size_t add_frames(char *buf, size_t at, size_t size)
{
	void *bt[SM_STRICT_FRAMES];
	Dl_info self, fr;
	bool have_self = dladdr((void *)sm_strict_crash, &self) && self.dli_fname &&
			 strstr(self.dli_fname, "libsyncmap");
	int n = backtrace(bt, SM_STRICT_FRAMES);

	for (int i = 0; i < n; i++) {
		const char *mod = "?", *kind = "app";
		uintptr_t base = 0;

		if (dladdr(bt[i], &fr) && fr.dli_fname) {
			mod = fr.dli_fname;
			base = (uintptr_t)fr.dli_fbase;
			if (have_self && fr.dli_fbase == self.dli_fbase)
				kind = "lib";
		}
		at = add_text(buf, at, size, "frame %s %s %#lx %#lx\n", kind, mod,
			      (unsigned long)(uintptr_t)bt[i], (unsigned long)base);
	}
	return at;
}

void sm_strict_crash(const struct sm_strict *s, uint64_t point, size_t off, size_t len,
		     unsigned k, unsigned n)
{
	static char text[SM_REPORT_TEXT_MAX];
	uint64_t none = 0;
	size_t at;

	at = add_text(text, 0, sizeof(text), "libsyncmap strict mode: crash point %llu, pid %ld\n",
		      (unsigned long long)point, sm_sys_getpid());
	at = add_text(text, at, sizeof(text),
		      "about to write %zu bytes at file offset %llu (step %u of %u of this call)\n",
		      len, (unsigned long long)(s->file_off + off), k, n);
	at = add_frames(text, at, sizeof(text));
	if (report && __atomic_compare_exchange_n(&report->crashed_at, &none, point, false,
						  __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
		if (sm_sys_pwrite_all(report_fd, text, at, SM_REPORT_HEADER) == 0)
			__atomic_store_n(&report->text_len, at, __ATOMIC_SEQ_CST);
	} else if (!report) {
		sm_sys_write_all(2, text, at);
	}
	sm_sys_kill_self();
}

static uint64_t next_point(void)
{
	if (report)
		return __atomic_add_fetch(&report->points, 1, __ATOMIC_SEQ_CST);
	return ++local_points;
}

void sm_strict_count(struct sm_strict_point *p)
{
	p->point = next_point();
	if (crashed_elsewhere())
		sm_sys_kill_self();
	/* A crash during a persist leaves any subset of its lines, and of
	 * every unpersisted one. */
	p->crash = crash_at && p->point == crash_at;
	p->evict = p->crash ? evict_thr != 0 : eviction_moment(p->point);
}

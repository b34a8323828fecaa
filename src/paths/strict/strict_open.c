/* SPDX-License-Identifier: MIT */
/*
 * Strict mode at open: after the path is chosen, keep it whole below a
 * private view, refuse what strict mode cannot model (a second view of
 * the same bytes in this process or another), and say on the mapping and
 * through the log that it is a test mode.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "log.h"
#include "paths.h"
#include "strict.h"
#include "sys.h"

bool sm_strict_env(void)
{
	const char *v = sm_getenv("SYNCMAP_STRICT");

	return v && *v && strcmp(v, "0") != 0;
}

/* The settings only mean something in strict mode: say so when they are
 * set without it, rather than ignore them silently. */
static void warn_stray_settings(void)
{
	static const char *const names[] = {
		"SYNCMAP_STRICT_CRASH", "SYNCMAP_STRICT_EVICT", "SYNCMAP_STRICT_SEED",
		"SYNCMAP_STRICT_REPORT",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *v = sm_getenv(names[i]);

		if (v && *v)
			sm_log(SYNCMAP_LOG_WARNING,
			       "%s is set but strict mode is off for this mapping; set SYNCMAP_STRICT=1 "
			       "(or open with SYNCMAP_STRICT) for it to take effect", names[i]);
	}
}

/*
 * The view.  On the plain paths the file's own private mapping serves: its
 * pages are shared with the file until the program writes them, and the
 * file only ever changes by copies of the view's lines, so an unwritten
 * page reads the same either way.  Anywhere else (device DAX refuses
 * MAP_PRIVATE; a path that presents a view of its own) the view is an
 * anonymous copy of what the path below presents.
 */
static int make_view(struct sm_strict *s)
{
	const struct syncmap *b = &s->below;
	bool plain = b->addr == b->map_base && !b->devdax &&
		     (b->ops == &sm_page_ops || b->ops == &sm_cache_line_ops ||
		      b->ops == &sm_byte_ops);
	void *p;
	int r;

	if (plain && sm_sys_mmap(NULL, s->len, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_NORESERVE, b->fd, s->file_off, &p) == 0) {
		s->view = p;
		return 0;
	}
	r = sm_sys_mmap(NULL, s->len, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0, &p);
	if (r < 0)
		return sm_fail(r, SYNCMAP_CAUSE_STRICT_MODE,
			       "strict mode cannot map a private view of %zu bytes: %s; map a smaller "
			       "range (syncmap_open_fd() takes an offset and a length)",
			       s->len, strerror(-r));
	s->view = p;
	s->anon = true;
	r = sm_strict_move(s, s->view, s->file, s->len, 0);
	if (r < 0) {
		sm_sys_munmap(s->view, s->len);
		s->view = NULL;
	}
	return r;
}

/* Another process in strict mode on the same bytes would keep a view of
 * its own that this one never sees: refuse it with an OFD lock, which
 * both processes' opens take. */
static int take_lock(struct sm_strict *s)
{
	int r = sm_sys_ofd_lock(s->below.fd, F_WRLCK, s->file_off, s->len);

	if (r == 0) {
		s->locked = true;
		return 0;
	}
	if (r == -EAGAIN || r == -EACCES)
		return sm_fail(-EBUSY, SYNCMAP_CAUSE_STRICT_MODE,
			       "strict mode: another process holds bytes %llu..%llu of this file in "
			       "strict mode; two processes cannot share one file in strict mode (each "
			       "would work on a view the other never sees)",
			       (unsigned long long)s->file_off,
			       (unsigned long long)(s->file_off + s->len));
	/* A file system without OFD locks: the second process goes unseen,
	 * which the documentation says; everything else still holds. */
	sm_log(SYNCMAP_LOG_NOTICE,
	       "strict mode: cannot lock the mapped range (%s); a second process using this file "
	       "in strict mode would not be refused", strerror(-r));
	return 0;
}

static int refuse_overlap(const struct sm_strict *s, const struct sm_strict *o)
{
	return sm_fail(-EBUSY, SYNCMAP_CAUSE_STRICT_MODE,
		       "strict mode: bytes %llu..%llu of this file are already mapped in strict mode "
		       "by this process (bytes %llu..%llu); two private views of the same bytes "
		       "cannot be kept coherent: close the other mapping first",
		       (unsigned long long)s->file_off, (unsigned long long)(s->file_off + s->len),
		       (unsigned long long)o->file_off, (unsigned long long)(o->file_off + o->len));
}

static void describe(struct syncmap *m, const struct sm_strict *s)
{
	const struct syncmap *b = &s->below;
	uint64_t crash = sm_strict_crash_point();
	const char *evict = sm_strict_evict_text();
	char extra[160] = "";

	if (crash)
		snprintf(extra, sizeof(extra), "; the process stops at persist point %llu",
			 (unsigned long long)crash);
	if (*evict)
		snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra),
			 "; unpersisted lines are written to the file at random (%s)", evict);
	m->cause = SYNCMAP_CAUSE_STRICT_MODE;
	snprintf(m->advice, sizeof(m->advice),
		 "strict mode (%s): the program works on a private view and only the cache lines it "
		 "persists reach the file%s; every persist takes a lock and copies: do not measure "
		 "or ship this. Below it: the %s path, cause %s%s%.500s",
		 s->by_flag ? "the SYNCMAP_STRICT open flag" : "SYNCMAP_STRICT in the environment",
		 extra, syncmap_granularity_name(b->gran), syncmap_cause_name(b->cause),
		 b->advice[0] ? ": " : "", b->advice);
	sm_log(SYNCMAP_LOG_WARNING, "%s", m->advice);
}

/*
 * The bytes of one line.  Lines are counted from the start of the view,
 * which is on a line of the CPU because the view starts at a file offset
 * that is a multiple of the page (an open refuses any other), and no CPU
 * has lines larger than a page.  A line read as larger (arm64's CTR_EL0
 * field is not bounded below that) need not start there: with 8 KiB
 * lines, a view at file offset 4096 would count lines that straddle the
 * CPU's, and a persist would copy bytes its real lines never cover.  Such
 * a line is taken as a page: a persist then copies part of the CPU's
 * line, never a byte outside it.
 */
static size_t view_line(const struct syncmap *m)
{
	size_t line = m->line ? m->line : 64, page = (size_t)sm_page_size();

	return line < page ? line : page;
}

static int attach(struct syncmap *m, struct sm_strict *s)
{
	const struct sm_strict *o;
	int r = sm_strict_setup();

	if (r < 0)
		return r;
	s->below = *m;
	s->file = m->addr;
	s->len = m->len;
	s->line = view_line(m);
	s->file_off = m->offset + (uint64_t)(m->addr - (uint8_t *)m->map_base);
	if ((o = sm_strict_overlap(s)) != NULL)
		return refuse_overlap(s, o);
	r = take_lock(s);
	if (r == 0)
		r = make_view(s);
	if (r < 0) {
		sm_strict_release_lock(s);
		return r;
	}
	sm_strict_register(s);
	m->addr = s->view;
	m->flush_fn = NULL;
	m->ops = s->below.ops->commit_copies ? &sm_strict_atomic_ops : &sm_strict_ops;
	m->path_data = s;
	describe(m, s);
	return 0;
}

int sm_strict_attach(struct syncmap *m, unsigned flags)
{
	struct sm_strict *s;
	int r;

	if (!(flags & SYNCMAP_STRICT) && !sm_strict_env()) {
		warn_stray_settings();
		return 0;
	}
	/* Nothing is persisted through a read-only mapping: nothing to model. */
	if (m->rdonly || m->len == 0)
		return 0;
	s = calloc(1, sizeof(*s));
	if (!s)
		return sm_fail(-ENOMEM, SYNCMAP_CAUSE_ERROR, "out of memory for strict mode");
	s->by_flag = (flags & SYNCMAP_STRICT) != 0;
	sm_strict_lock();
	r = attach(m, s);
	sm_strict_unlock();
	if (r < 0)
		free(s);
	return r;
}

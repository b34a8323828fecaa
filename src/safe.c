/* SPDX-License-Identifier: MIT */
/*
 * Safe access: copies in and out of a mapping during which a SIGBUS
 * (the file was truncated under the mapping, or a poisoned block was read)
 * becomes -EIO instead of killing the process.
 *
 * How: each thread keeps a stack of "windows" in thread-local storage; a
 * window is armed around the library's own loads and stores and records
 * the mapping's address range and a sigjmp_buf.  One SIGBUS handler is
 * installed for the process.  A fault that hits an armed window's range on
 * the faulting thread jumps back to the window's sigsetjmp; every other
 * SIGBUS is passed on to the handler that was installed before ours, or
 * gets the default action, exactly as if we were not there.
 *
 * The signal calls go through sys.c like every kernel call; its signal
 * wrappers are plain, async-signal-safe and stateless, so the handler can
 * use them.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"
#include "safe.h"

struct sm_window {
	sigjmp_buf env;
	uintptr_t lo, hi;		/* the mapping's whole range */
	struct sm_window *prev;		/* a window of an interrupted call */
};

/*
 * initial-exec: the handler may run on a thread that never called us;
 * the general-dynamic model could then allocate the block inside the
 * handler, which is not async-signal-safe.
 */
static _Thread_local struct sm_window *cur_window
	__attribute__((tls_model("initial-exec")));

/*
 * The disposition we displaced.  Two slots so that re-installing (see
 * sm_safe_install) never rewrites the slot a running handler reads.
 */
static struct sigaction prev_action[2];
static volatile sig_atomic_t prev_slot;
static volatile sig_atomic_t prev_reset;	/* it had SA_RESETHAND and ran */
static pthread_mutex_t install_lock = PTHREAD_MUTEX_INITIALIZER;

/* Run the displaced disposition as the kernel would have run it. */
static void chain(int sig, siginfo_t *info, void *uctx)
{
	const struct sigaction *p = &prev_action[prev_slot];
	sigset_t set, saved;

	if (prev_reset || p->sa_handler == SIG_DFL ||
	    (p->sa_handler == SIG_IGN && info->si_code > 0)) {
		/* A synchronous fault cannot be ignored: the kernel kills
		 * the process instead, and so do we.  Returning re-executes
		 * the faulting instruction under the default action; a
		 * signal sent by kill() is raised again. */
		struct sigaction dfl;

		memset(&dfl, 0, sizeof(dfl));
		dfl.sa_handler = SIG_DFL;
		sigemptyset(&dfl.sa_mask);
		sm_sys_sigaction(sig, &dfl, NULL);
		if (info->si_code <= 0)
			sm_sys_raise(sig);
		return;
	}
	if (p->sa_handler == SIG_IGN)
		return;
	set = p->sa_mask;
	if (!(p->sa_flags & SA_NODEFER))
		sigaddset(&set, sig);
	sm_sys_sigmask(SIG_BLOCK, &set, &saved);
	if (p->sa_flags & SA_RESETHAND)
		prev_reset = 1;
	if (p->sa_flags & SA_SIGINFO)
		p->sa_sigaction(sig, info, uctx);
	else
		p->sa_handler(sig);
	sm_sys_sigmask(SIG_SETMASK, &saved, NULL);
}

static void on_sigbus(int sig, siginfo_t *info, void *uctx)
{
	struct sm_window *w = cur_window;
	uintptr_t a = (uintptr_t)info->si_addr;
	int saved_errno = errno;

	/* Only a fault raised by the kernel at an address inside the window
	 * is ours; kill(SIGBUS) or a fault elsewhere belongs to the
	 * application. */
	if (w && info->si_code > 0 && a >= w->lo && a < w->hi) {
		cur_window = w->prev;
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		siglongjmp(w->env, 1);
	}
	/* The application's handler may leave by siglongjmp, abandoning
	 * any copy this thread was in (a fault on the caller's own buffer
	 * during a safe read).  Hide those windows while it runs, so that
	 * a later fault never jumps into a dead frame; put them back if it
	 * returns. */
	cur_window = NULL;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	chain(sig, info, uctx);
	cur_window = w;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	errno = saved_errno;
}

static bool is_ours(const struct sigaction *sa)
{
	return (sa->sa_flags & SA_SIGINFO) && sa->sa_sigaction == on_sigbus;
}

/*
 * Put our handler in front of whatever is installed now.  Called on every
 * safe access: if the application installed its own SIGBUS handler after
 * ours, we go in front of it again and pass its faults on to it.
 */
int sm_safe_install(void)
{
	struct sigaction now, ours;
	int slot, r;

	r = sm_sys_sigaction(SIGBUS, NULL, &now);
	if (r < 0)
		return r;
	if (is_ours(&now))
		return 0;
	pthread_mutex_lock(&install_lock);
	r = sm_sys_sigaction(SIGBUS, NULL, &now);
	if (r == 0 && !is_ours(&now)) {
		memset(&ours, 0, sizeof(ours));
		ours.sa_sigaction = on_sigbus;
		/* SA_NODEFER: a window's siglongjmp then leaves the signal
		 * mask as it was, so sigsetjmp need not save it (a syscall
		 * per call); chain() blocks what the displaced handler
		 * asked for.  The alternate stack is used if that handler
		 * used it. */
		ours.sa_flags = SA_SIGINFO | SA_NODEFER | SA_RESTART |
				(now.sa_flags & SA_ONSTACK);
		sigemptyset(&ours.sa_mask);
		slot = !prev_slot;
		prev_action[slot] = now;
		prev_reset = 0;
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		prev_slot = slot;
		r = sm_sys_sigaction(SIGBUS, &ours, NULL);
	}
	pthread_mutex_unlock(&install_lock);
	return r;
}

/* The work a window protects: everything in it may fault. */
struct sm_copy {
	struct syncmap *m;
	void *dst;
	const void *src;
	size_t n;
	bool flush;	/* write back the destination's cache lines too */
};

static void do_copy(const struct sm_copy *c)
{
	memmove(c->dst, c->src, c->n);
	/* CLWB/CLFLUSH on a page beyond the end of the file faults like a
	 * load, so the write-back belongs inside the window as well. */
	if (c->flush && c->m->flush_fn)
		c->m->flush_fn(c->dst, c->n);
}

/*
 * Nothing in here may take a lock or allocate: a fault jumps out of the
 * middle of it.  memmove and the flush loop do neither.
 */
static int guarded_copy(const struct sm_copy *c)
{
	struct sm_window w;

	w.lo = (uintptr_t)c->m->addr;
	w.hi = w.lo + sm_len(c->m);
	w.prev = cur_window;
	if (sigsetjmp(w.env, 0))
		return -EIO;	/* the handler already popped the window */
	cur_window = &w;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	do_copy(c);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	cur_window = w.prev;
	return 0;
}

static int fault_error(const struct syncmap *m, const void *p, size_t n)
{
	return sm_fail(-EIO, SYNCMAP_CAUSE_ERROR,
		       "SIGBUS while accessing %zu bytes at file offset %llu: the file was "
		       "truncated under the mapping or the medium reported an error there",
		       n, (unsigned long long)(m->offset + ((uintptr_t)p - (uintptr_t)m->addr)));
}

/* The caller's buffer must exist; the handler must be in front. */
static int prepare(const void *buf)
{
	int r;

	if (!buf)
		return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR, "buffer is NULL");
	r = sm_safe_install();
	if (r < 0)
		return sm_fail(r, SYNCMAP_CAUSE_ERROR,
			       "cannot install the SIGBUS handler: %s", strerror(-r));
	return 0;
}

SM_EXPORT int syncmap_read_safe(struct syncmap *m, void *dst, const void *src,
				size_t n)
{
	struct sm_copy c = { m, dst, src, n, false };
	int r;

	if (!m)
		return -EINVAL;
	if (n == 0)
		return 0;
	if (!sm_in_range(m, src, n))
		return sm_range_error(m, "source", src, n);
	r = prepare(dst);
	if (r < 0)
		return r;
	if (guarded_copy(&c) < 0)
		return fault_error(m, src, n);
	return 0;
}

SM_EXPORT int syncmap_write_safe(struct syncmap *m, void *dst, const void *src,
				 size_t n)
{
	struct sm_copy c = { m, dst, src, n, true };
	int r;

	if (!m)
		return -EINVAL;
	if (n == 0)
		return 0;
	if (!sm_in_range(m, dst, n))
		return sm_range_error(m, "destination", dst, n);
	if (m->rdonly)
		return sm_readonly_error();
	r = prepare(src);
	if (r < 0)
		return r;
	if (guarded_copy(&c) < 0)
		return fault_error(m, dst, n);
	if (m->flush_fn) {
		sm_fence();
		return 0;
	}
	/* The other paths' write-back reports a page it cannot write as an
	 * error; it does not fault. */
	return m->ops->persist(m, (uintptr_t)dst, (uintptr_t)dst + n);
}

/*
 * Run fn(arg) inside a window over [lo, hi): a SIGBUS it raises there
 * returns -EIO instead of killing the process.  fn must not lock or
 * allocate (a fault leaves it in the middle).  Strict mode's copies
 * between its view and the file go through here.
 */
int sm_safe_run(void (*fn)(void *), void *arg, uintptr_t lo, uintptr_t hi)
{
	struct sm_window w;
	int r = sm_safe_install();

	if (r < 0)
		return r;
	w.lo = lo;
	w.hi = hi;
	w.prev = cur_window;
	if (sigsetjmp(w.env, 0))
		return -EIO;
	cur_window = &w;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	fn(arg);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	cur_window = w.prev;
	return 0;
}

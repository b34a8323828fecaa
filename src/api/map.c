/* SPDX-License-Identifier: MIT */
/*
 * Mapping a file: try the mapping the decision's plan asks for, let the
 * decision (decide.c) turn the facts and the kernel's answers into a
 * path, then hold the mapping that path needs and install the path's
 * table.  The facts were gathered once, by the caller.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "cpu.h"
#include "decide.h"
#include "log.h"
#include "map.h"
#include "paths.h"
#include "sys.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/*
 * A flag bit no kernel defines for mmap.  With MAP_SHARED_VALIDATE a
 * kernel that validates flags (4.15+, the release that added MAP_SYNC)
 * must refuse it with EOPNOTSUPP; an older kernel does not know map type
 * 3 at all and says EINVAL.  Because the bit is always refused, the
 * question never creates a mapping.
 */
#define SM_MAP_INVALID_BIT 0x00800000

/**
 * sm_validate_known() - does the kernel know MAP_SHARED_VALIDATE?
 *
 * Asked of a memfd, not of an anonymous mapping: anonymous mappings never
 * accept map type 3, so they would say EINVAL on every kernel.  /dev/zero
 * serves where memfd_create is missing.
 *
 * Return: 1 yes, 0 no, a negative errno if it could not be asked.
 */
int sm_validate_known(void)
{
	long page = sm_page_size();
	void *addr = NULL;
	int fd, r;

	fd = sm_sys_memfd("syncmap-validate");
	if (fd < 0)
		fd = sm_sys_open("/dev/zero", O_RDONLY, 0);
	if (fd < 0)
		return fd;
	r = sm_sys_mmap(NULL, (size_t)page, PROT_READ,
			MAP_SHARED_VALIDATE | MAP_SYNC | SM_MAP_INVALID_BIT, fd, 0, &addr);
	if (r == 0) {
		/* Not a kernel we understand: it ignored an unknown bit. */
		sm_sys_munmap(addr, (size_t)page);
		r = 1;
	}
	sm_sys_close(fd);
	return sm_validate_errno_meaning(r);
}

/*
 * Huge-page faults need the address and the file offset to agree modulo
 * 2 MiB.  Find such an address by reserving a little more than needed; it
 * is only a hint, because another thread may take it before our mmap does.
 */
static void *huge_hint(size_t len, uint64_t offset)
{
	uintptr_t want = (uintptr_t)(offset % SM_HUGE_ALIGN), a;
	void *res;

	if (len < SM_HUGE_ALIGN)
		return NULL;
	if (sm_sys_mmap(NULL, len + SM_HUGE_ALIGN, PROT_NONE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0, &res))
		return NULL;
	/* The first address at or after res that is congruent to the
	 * offset; it is less than 2 MiB in, so len bytes still fit. */
	a = (uintptr_t)res + ((want - (uintptr_t)res) & (SM_HUGE_ALIGN - 1));
	sm_sys_munmap(res, len + SM_HUGE_ALIGN);
	return (void *)a;
}

static int map_as(struct syncmap *m, int flags, void *hint, void **out)
{
	int prot = m->rdonly ? PROT_READ : PROT_READ | PROT_WRITE;

	return sm_sys_mmap(hint, m->map_len, prot, flags, m->fd, m->offset, out);
}

/*
 * Ask the kernel what the plan says: MAP_SYNC, and after an EINVAL a
 * plain mapping of the same range and whether it knows
 * MAP_SHARED_VALIDATE at all.  Whatever mapping succeeded is kept in
 * *sync or *plain for the decision to pick from.
 */
static void try_maps(struct syncmap *m, const struct sm_policy *p, void *hint,
		     struct sm_trial *t, void **sync, void **plain)
{
	t->sync = t->plain = t->validate = SM_NOT_TRIED;
	t->len = m->map_len;
	if (!sm_plan_sync(p))
		return;
	t->sync = map_as(m, MAP_SHARED_VALIDATE | MAP_SYNC, hint, sync);
	if (t->sync != -EINVAL)
		return;
	t->plain = map_as(m, MAP_SHARED, hint, plain);
	if (t->plain == 0)
		t->validate = sm_validate_known();
}

static void install(struct syncmap *m, const struct sm_decision *d)
{
	m->sync = d->sync;
	m->gran = d->gran;
	m->insn = d->insn;
	m->cause = d->cause;
	snprintf(m->advice, sizeof(m->advice), "%s", d->advice);
	m->flush_fn = NULL;
	switch (d->path) {
	case SM_PATH_CACHE_LINE:
		m->flush_fn = sm_flush_fn_for(d->insn);
		m->ops = &sm_cache_line_ops;
		break;
	case SM_PATH_BYTE:
		m->ops = &sm_byte_ops;
		break;
	case SM_PATH_PAGE:
		/* The journal's table is installed once its sidecar is open. */
		m->ops = m->rdonly ? &sm_rdonly_ops : &sm_page_ops;
		break;
	}
	if (m->rdonly)
		m->path = SYNCMAP_PATH_READ_ONLY;
	else if (d->journal)
		m->path = SYNCMAP_PATH_JOURNAL;
	else if (d->path == SM_PATH_PAGE)
		m->path = SYNCMAP_PATH_PAGE;
	else
		m->path = d->sync ? SYNCMAP_PATH_MAP_SYNC : SYNCMAP_PATH_FORCED;
}

/*
 * SYNCMAP_NO_<INSN> slows persistence down or takes it away: announced on
 * every writable mapping, not once per process, so that a log callback
 * set after the first open still hears of it.
 */
static void announce_overrides(const struct syncmap *m)
{
	uint32_t off = sm_cpu_disabled();
	char names[256] = "";
	size_t n = 0;

	if (!off || m->rdonly)
		return;
	for (int i = 0; i < SM_INSN_COUNT; i++)
		if ((off & SM_INSN_BIT(i)) && n < sizeof(names))
			n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s",
					      n ? ", " : "", sm_insn_env((enum syncmap_insn)i));
	sm_log(SYNCMAP_LOG_NOTICE,
	       "write-back instruction overridden by the environment (%s): this mapping uses %s",
	       names, syncmap_insn_name(m->insn));
}

static void prefault(struct syncmap *m)
{
	long page = sm_page_size();
	int adv = m->rdonly ? MADV_POPULATE_READ : MADV_POPULATE_WRITE;
	volatile uint8_t *p = m->map_base;
	size_t off;

	if (sm_sys_madvise(m->map_base, m->map_len, adv) == 0)
		return;
	/* Kernels before 5.14: touch every page.  An atomic add of zero
	 * write-faults the page without changing what another process may
	 * be writing there. */
	for (off = 0; off < m->map_len; off += (size_t)page) {
		if (m->rdonly)
			(void)p[off];
		else
			__atomic_fetch_add(&p[off], 0, __ATOMIC_RELAXED);
	}
}

static void unmap(void *addr, size_t len)
{
	if (addr)
		sm_sys_munmap(addr, len);
}

/* Hold the mapping the decided path needs: the MAP_SYNC one, or a plain
 * one (kept from the EINVAL question, or made now). */
static int hold(struct syncmap *m, const struct sm_decision *d, void *hint,
		void *sync, void *plain)
{
	int r;

	if (d->sync) {
		unmap(plain, m->map_len);
		m->map_base = sync;
		return 0;
	}
	unmap(sync, m->map_len);
	if (plain) {
		m->map_base = plain;
		return 0;
	}
	r = map_as(m, MAP_SHARED, hint, &m->map_base);
	if (r < 0) {
		m->map_base = NULL;
		return sm_fail(r, SYNCMAP_CAUSE_ERROR,
			       "%smmap(MAP_SHARED) of %zu bytes at offset %llu failed: %s",
			       m->rdonly ? "read-only " : "", m->map_len,
			       (unsigned long long)m->offset, strerror(-r));
	}
	return 0;
}

/**
 * sm_map() - map m->fd at m->offset for m->map_len bytes
 * @m: the mapping being made
 * @flags: the caller's open flags
 * @f: the facts of the file, gathered once by the caller
 *
 * On success m->map_base, the path, its table and the cause are set.  On
 * failure nothing is mapped.
 */
int sm_map(struct syncmap *m, unsigned flags, const struct sm_facts *f)
{
	struct sm_policy p = { flags, m->rdonly ? SM_FORCE_NONE : sm_forced_from_env() };
	void *hint = huge_hint(m->map_len, m->offset), *sync = NULL, *plain = NULL;
	struct sm_decision d;
	struct sm_trial t;
	int r;

	try_maps(m, &p, hint, &t, &sync, &plain);
	sm_decide(f, &t, &p, &d);
	if (d.err < 0) {
		unmap(sync, m->map_len);
		unmap(plain, m->map_len);
		return sm_fail(d.err, d.cause, "%s", d.advice);
	}
	r = hold(m, &d, hint, t.sync == 0 ? sync : NULL, t.plain == 0 ? plain : NULL);
	if (r < 0)
		return r;
	install(m, &d);
	if (d.log_level)
		sm_log(d.log_level, "%s%s",
		       d.path == SM_PATH_PAGE && d.cause != SYNCMAP_CAUSE_FORCED_BY_ENV ?
		       (d.journal ? "no MAP_SYNC, journaling: " : "falling back to msync: ") : "",
		       d.advice);
	announce_overrides(m);
	m->addr = m->map_base;
	m->len = m->map_len;
	if (flags & SYNCMAP_PREFAULT)
		prefault(m);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * The mapping policy: try MAP_SHARED_VALIDATE|MAP_SYNC, classify a
 * refusal, fall back to a plain shared mapping persisted with msync, and
 * record which path was taken and why.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

enum sm_forced { FORCE_NONE, FORCE_PAGE, FORCE_CACHE_LINE, FORCE_BYTE };

static enum sm_forced forced_granularity(void)
{
	const char *v = sm_getenv("SYNCMAP_FORCE_GRANULARITY");

	if (!v || !*v)
		return FORCE_NONE;
	if (!strcmp(v, "page"))
		return FORCE_PAGE;
	if (!strcmp(v, "cache_line"))
		return FORCE_CACHE_LINE;
	if (!strcmp(v, "byte"))
		return FORCE_BYTE;
	sm_log(SYNCMAP_LOG_WARNING,
	       "SYNCMAP_FORCE_GRANULARITY=%s is not page, cache_line or byte; ignored", v);
	return FORCE_NONE;
}

static void set_cause(struct syncmap *m, enum syncmap_cause c, const char *advice)
{
	m->cause = c;
	snprintf(m->advice, sizeof(m->advice), "%s",
		 advice && *advice ? advice : sm_cause_default_advice(c));
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

static int try_map_sync(struct syncmap *m, int prot, void *hint)
{
	return sm_sys_mmap(hint, m->map_len, prot, MAP_SHARED_VALIDATE | MAP_SYNC,
			   m->fd, m->offset, &m->map_base);
}

static int map_plain(struct syncmap *m, int prot, void *hint)
{
	return sm_sys_mmap(hint, m->map_len, prot, MAP_SHARED, m->fd, m->offset,
			   &m->map_base);
}

static int plain_error(const struct syncmap *m, int r)
{
	return sm_fail(r, SYNCMAP_CAUSE_ERROR,
		       "mmap(MAP_SHARED) of %zu bytes at offset %llu failed: %s",
		       m->map_len, (unsigned long long)m->offset, strerror(-r));
}

/* MAP_SYNC took: cache-line write-back, or a fence alone under eADR. */
static void choose_cpu_path(struct syncmap *m, enum sm_forced forced)
{
	bool deep = false;
	int cpu_cache = sm_domain_is_cpu_cache(m->fd, &deep);

	m->deep_flush_ok = deep;
	m->insn = sm_cpu_select(sm_cpu(), sm_cpu_disabled());
	if ((cpu_cache == 1 && forced != FORCE_CACHE_LINE) || forced == FORCE_BYTE) {
		m->gran = SYNCMAP_GRAN_BYTE;
		m->insn = SYNCMAP_INSN_NONE;
		m->ops = &sm_byte_ops;
	} else {
		m->gran = SYNCMAP_GRAN_CACHE_LINE;
		m->ops = &sm_cache_line_ops;
	}
	m->flush_fn = sm_flush_fn_for(m->insn);
	if (forced == FORCE_BYTE && cpu_cache != 1) {
		set_cause(m, SYNCMAP_CAUSE_FORCED_BY_ENV,
			  "SYNCMAP_FORCE_GRANULARITY=byte: persisting only fences, which is not durable "
			  "unless the platform's persistence domain includes the CPU caches");
		sm_log(SYNCMAP_LOG_WARNING, "%s", m->advice);
	}
}

/* A refusal of MAP_SYNC: explain it, and map the plain way unless the
 * caller required MAP_SYNC. */
static int fall_back(struct syncmap *m, int err, unsigned flags, int prot,
		     void *hint)
{
	char advice[SM_ADVICE_MAX] = "";
	enum syncmap_cause c;
	int r;

	if (err == -EOPNOTSUPP)
		c = sm_diagnose_refusal(m->fd, advice, sizeof(advice));
	else
		c = SYNCMAP_CAUSE_KERNEL_TOO_OLD;
	if ((flags & SYNCMAP_REQUIRE_SYNC) && err == -EOPNOTSUPP)
		return sm_fail(-EOPNOTSUPP, c, "MAP_SYNC is required but refused: %s",
			       *advice ? advice : sm_cause_default_advice(c));
	r = map_plain(m, prot, hint);
	if (r == -EINVAL && err == -EINVAL)
		return sm_fail(-EINVAL, SYNCMAP_CAUSE_ERROR,
			       "the kernel rejected the mapping's arguments (length %zu, offset %llu)",
			       m->map_len, (unsigned long long)m->offset);
	if (r < 0)
		return plain_error(m, r);
	/* EINVAL for VALIDATE but not for a plain map: the kernel predates
	 * MAP_SHARED_VALIDATE. */
	if (c == SYNCMAP_CAUSE_KERNEL_TOO_OLD && (flags & SYNCMAP_REQUIRE_SYNC)) {
		sm_sys_munmap(m->map_base, m->map_len);
		m->map_base = NULL;
		return sm_fail(-EOPNOTSUPP, c, "MAP_SYNC is required but refused: %s",
			       sm_cause_default_advice(c));
	}
	set_cause(m, c, advice);
	sm_log(SYNCMAP_LOG_NOTICE, "falling back to msync: %s", m->advice);
	return 0;
}

static void page_path(struct syncmap *m)
{
	m->gran = SYNCMAP_GRAN_PAGE;
	m->insn = SYNCMAP_INSN_NONE;
	m->flush_fn = NULL;
	m->ops = m->rdonly ? &sm_rdonly_ops : &sm_page_ops;
}

/* The caller forced the cache-line or byte path on a mapping that MAP_SYNC
 * refused: useful for measuring CPU cost, not durable. */
static void forced_cpu_path(struct syncmap *m, enum sm_forced forced)
{
	enum syncmap_insn f = sm_cpu_select(sm_cpu(), sm_cpu_disabled());

	if (forced == FORCE_CACHE_LINE && f == SYNCMAP_INSN_NONE)
		return;
	m->gran = forced == FORCE_BYTE ? SYNCMAP_GRAN_BYTE : SYNCMAP_GRAN_CACHE_LINE;
	m->insn = forced == FORCE_BYTE ? SYNCMAP_INSN_NONE : f;
	m->flush_fn = sm_flush_fn_for(m->insn);
	m->ops = forced == FORCE_BYTE ? &sm_byte_ops : &sm_cache_line_ops;
	snprintf(m->advice, sizeof(m->advice),
		 "SYNCMAP_FORCE_GRANULARITY=%s on a mapping without MAP_SYNC: persisting is NOT "
		 "durable (the kernel refused MAP_SYNC: %s); use this only to measure CPU cost",
		 syncmap_granularity_name(m->gran), syncmap_cause_name(m->cause));
	m->cause = SYNCMAP_CAUSE_FORCED_BY_ENV;
	sm_log(SYNCMAP_LOG_WARNING, "%s", m->advice);
}

static int map_writable(struct syncmap *m, unsigned flags, void *hint)
{
	int prot = PROT_READ | PROT_WRITE;
	enum sm_forced forced = forced_granularity();
	int r;

	if (forced == FORCE_PAGE && (flags & SYNCMAP_REQUIRE_SYNC))
		return sm_fail(-EOPNOTSUPP, SYNCMAP_CAUSE_FORCED_BY_ENV,
			       "MAP_SYNC is required, but SYNCMAP_FORCE_GRANULARITY=page in the "
			       "environment forbids it; unset it or drop SYNCMAP_REQUIRE_SYNC");
	if ((flags & SYNCMAP_FORBID_SYNC) || forced == FORCE_PAGE) {
		r = map_plain(m, prot, hint);
		if (r < 0)
			return plain_error(m, r);
		page_path(m);
		set_cause(m, (flags & SYNCMAP_FORBID_SYNC) ? SYNCMAP_CAUSE_FORBIDDEN :
			     SYNCMAP_CAUSE_FORCED_BY_ENV, NULL);
		if (!(flags & SYNCMAP_FORBID_SYNC))
			sm_log(SYNCMAP_LOG_NOTICE, "%s", m->advice);
		return 0;
	}
	r = try_map_sync(m, prot, hint);
	if (r == 0) {
		m->sync = true;
		set_cause(m, SYNCMAP_CAUSE_NONE, NULL);
		choose_cpu_path(m, forced);
		if (m->flush_fn || m->gran == SYNCMAP_GRAN_BYTE)
			return 0;
		/* No write-back instruction: MAP_SYNC alone cannot persist. */
		sm_sys_munmap(m->map_base, m->map_len);
		m->map_base = NULL;
		m->sync = false;
		if (flags & SYNCMAP_REQUIRE_SYNC)
			return sm_fail(-EOPNOTSUPP, SYNCMAP_CAUSE_NO_FLUSH_INSN, "%s",
				       sm_cause_default_advice(SYNCMAP_CAUSE_NO_FLUSH_INSN));
		r = map_plain(m, prot, hint);
		if (r < 0)
			return plain_error(m, r);
		page_path(m);
		set_cause(m, SYNCMAP_CAUSE_NO_FLUSH_INSN, NULL);
		return 0;
	}
	if (r != -EOPNOTSUPP && r != -EINVAL)
		return sm_fail(r, SYNCMAP_CAUSE_ERROR, "mmap of %zu bytes failed: %s",
			       m->map_len, strerror(-r));
	r = fall_back(m, r, flags, prot, hint);
	if (r < 0)
		return r;
	page_path(m);
	if (forced == FORCE_CACHE_LINE || forced == FORCE_BYTE)
		forced_cpu_path(m, forced);
	return 0;
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

	if (!off)
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

/**
 * sm_map() - map m->fd at m->offset for m->map_len bytes
 *
 * On success m->map_base, the path and the cause are set.  On failure
 * nothing is mapped.
 */
int sm_map(struct syncmap *m, unsigned flags)
{
	void *hint = huge_hint(m->map_len, m->offset);
	int r;

	if (m->rdonly) {
		r = map_plain(m, PROT_READ, hint);
		if (r < 0)
			return sm_fail(r, SYNCMAP_CAUSE_ERROR, "read-only mmap failed: %s",
				       strerror(-r));
		page_path(m);
		set_cause(m, SYNCMAP_CAUSE_READ_ONLY, NULL);
	} else {
		r = map_writable(m, flags, hint);
		if (r < 0)
			return r;
		announce_overrides(m);
	}
	m->addr = m->map_base;
	m->len = m->map_len;
	if (flags & SYNCMAP_PREFAULT)
		prefault(m);
	return 0;
}

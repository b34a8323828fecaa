/* SPDX-License-Identifier: MIT */
/*
 * Address space held for a mapping to grow into: a PROT_NONE anonymous
 * reservation that the file is mapped over, from its start, with
 * MAP_FIXED.  The mechanism only; grow.c and strict_grow.c decide what
 * goes where.
 */
#include <errno.h>
#include <sys/mman.h>

#include "common.h"
#include "reserve.h"
#include "sys.h"

size_t sm_page_round(size_t len)
{
	size_t page = (size_t)sm_page_size();

	return (len + page - 1) / page * page;
}

/*
 * Reserve len bytes at an address congruent to offset modulo 2 MiB, so
 * that huge-page faults stay possible wherever the file is mapped in it:
 * ask for 2 MiB more and give back the head and the tail.
 */
int sm_reserve_new(size_t len, uint64_t offset, void **out)
{
	uintptr_t want = (uintptr_t)(offset % SM_HUGE_ALIGN), a, start;
	size_t total = len + SM_HUGE_ALIGN;
	void *res;
	int r;

	r = sm_sys_mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			-1, 0, &res);
	if (r < 0)
		return r;
	start = (uintptr_t)res;
	a = start + ((want - start) & (SM_HUGE_ALIGN - 1));
	if (a > start)
		sm_sys_munmap(res, a - start);
	if (start + total > a + len)
		sm_sys_munmap((void *)(a + len), start + total - (a + len));
	*out = (void *)a;
	return 0;
}

/* Put the reservation back over [addr, addr + len): after a failed map. */
void sm_reserve_hold(void *addr, size_t len)
{
	void *p;

	sm_sys_mmap(addr, len, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0, &p);
}

int sm_reserve_move(void **base, size_t len, size_t reserve, uint64_t offset)
{
	size_t mapped = sm_page_round(len);
	void *res;
	int r;

	r = sm_reserve_new(reserve, offset, &res);
	if (r < 0)
		return r;
	r = sm_sys_mremap_fixed(*base, mapped, res);
	if (r < 0) {
		sm_sys_munmap(res, reserve);
		return r;
	}
	*base = res;
	return 0;
}

int sm_reserve_map(void *addr, size_t len, int prot, int flags, int fd, uint64_t off)
{
	void *p;
	int r = sm_sys_mmap(addr, len, prot, flags | MAP_FIXED, fd, off, &p);

	/* A MAP_FIXED mmap that fails may already have removed what was
	 * there: hold the range again so no other mapping lands in it. */
	if (r < 0)
		sm_reserve_hold(addr, len);
	return r;
}

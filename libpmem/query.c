/* SPDX-License-Identifier: MIT */
/*
 * What a range is: pmem_is_pmem() answers 1 exactly where pmem_persist()
 * alone makes the range durable -- a mapping pmem_map_file() made on the
 * MAP_SYNC, page or journaled path, or a foreign range that is MAP_SYNC,
 * device DAX or a shared file mapping -- and re-reads the kernel's word on
 * foreign ranges, so a program that maps again gets a fresh answer.  The
 * deep forms and the platform questions live here too.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pm.h"

#define PAGE (1UL << PM_PAGE_SHIFT)

static bool range_durable(uintptr_t a, uintptr_t end)
{
	uintptr_t stop;
	bool learnt = false;

	if (end > PM_ADDR_LIMIT)
		return pm_foreign_durable(a, end) == 1;
	while (a < end) {
		uintptr_t e = pm_lookup_span(a, end, &stop);

		if (pm_is_map(e)) {
			if (!((struct pm_map *)e)->durable)
				return false;
			uintptr_t last = (((struct pm_map *)e)->end + PAGE - 1) & ~(PAGE - 1);

			stop = last < end ? last : end;
		} else if (!learnt) {
			/* Afresh: the program may have mapped something else here. */
			learnt = true;
			if (pm_foreign_learn(a, end) < 0)
				return false;
			continue;
		} else if (e != PM_SYNC && e != PM_MSYNC) {
			return false;
		}
		a = stop;
	}
	return true;
}

PM_EXPORT int pmem_is_pmem(const void *addr, size_t len)
{
	int force = pm_is_pmem_force();
	uintptr_t a = (uintptr_t)addr;

	/* An empty range is never persistent memory, forced or not. */
	if (len == 0 || len > UINTPTR_MAX - a)
		return 0;
	if (force >= 0)
		return force;
	return range_durable(a, a + len);
}

PM_EXPORT void pmem_deep_flush(const void *addr, size_t len)
{
	/* A flush that pmem_deep_drain() or pmem_drain() completes. */
	if (len)
		pm_flush_range((uintptr_t)addr, len);
}

PM_EXPORT int pmem_deep_persist(const void *addr, size_t len)
{
	int r = len ? pm_deep_walk((uintptr_t)addr, len) : 0;

	if (r < 0) {
		errno = -r;
		return -1;
	}
	return 0;
}

PM_EXPORT int pmem_deep_drain(const void *addr, size_t len)
{
	pmem_drain();
	return pmem_deep_persist(addr, len);
}

PM_EXPORT int pmem_has_hw_drain(void)
{
	return 0;
}

/*
 * 1 when every NVDIMM region says its persistence domain includes the
 * CPU caches (eADR), 0 otherwise, also when there are none.
 */
PM_EXPORT int pmem_has_auto_flush(void)
{
	DIR *d = opendir("/sys/bus/nd/devices");
	struct dirent *de;
	int regions = 0, cpu_cache = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL) {
		char path[512], buf[64] = "";
		FILE *f;

		if (strncmp(de->d_name, "region", 6) != 0)
			continue;
		snprintf(path, sizeof(path), "/sys/bus/nd/devices/%s/persistence_domain",
			 de->d_name);
		f = fopen(path, "re");
		regions++;
		if (f) {
			if (fgets(buf, sizeof(buf), f) && strncmp(buf, "cpu_cache", 9) == 0)
				cpu_cache++;
			fclose(f);
		}
	}
	closedir(d);
	return regions > 0 && regions == cpu_cache;
}

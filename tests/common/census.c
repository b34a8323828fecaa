/* SPDX-License-Identifier: MIT */
#include "census.h"

#include <dirent.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A count that cannot be taken must not pass for an equal one. */
static _Noreturn void unreadable(const char *path)
{
	perror(path);
	exit(1);
}

int tc_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		unreadable("/proc/self/fd");
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1;	/* the directory's own descriptor */
}

/*
 * Under AddressSanitizer the allocator maps and unmaps anonymous memory of
 * its own as blocks come and go, so only mappings of files are counted
 * there: every mapping the library keeps is one of a file, and the
 * anonymous reservation it makes for an address hint is released at once.
 */
int tc_count_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];
	unsigned long inode;
	int n = 0;

	if (!f)
		unreadable("/proc/self/maps");
	while (fgets(line, sizeof(line), f)) {
#ifdef __SANITIZE_ADDRESS__
		if (sscanf(line, "%*s %*s %*s %*s %lu", &inode) != 1 || inode == 0)
			continue;
#else
		(void)inode;
#endif
		n++;
	}
	fclose(f);
	return n;
}

size_t tc_heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

bool tc_have_nvdimm_bus(void)
{
	DIR *d = opendir("/sys/bus/nd/devices");
	struct dirent *e;
	bool found = false;

	if (!d)
		return false;
	while ((e = readdir(d)) != NULL)
		found |= strncmp(e->d_name, "ndbus", 5) == 0;
	closedir(d);
	return found;
}

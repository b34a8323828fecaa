/* SPDX-License-Identifier: MIT */
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256];

const char *ft_tmpdir(void)
{
	const char *base = getenv("TMPDIR");

	if (dir[0])
		return dir;
	snprintf(dir, sizeof(dir), "%s/syncmap-fault-XXXXXX",
		 base && *base ? base : "/var/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		abort();
	}
	return dir;
}

const char *ft_path(const char *name)
{
	static char buf[4][512];
	static int i;
	char *p = buf[i++ & 3];

	snprintf(p, 512, "%s/%s", ft_tmpdir(), name);
	return p;
}

void ft_rmdir(const char *d)
{
	DIR *dp = opendir(d);
	struct dirent *e;
	char p[1024];

	if (!dp)
		return;
	while ((e = readdir(dp))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", d, e->d_name);
		unlink(p);
	}
	closedir(dp);
	rmdir(d);
}

int ft_count_fds(void)
{
	DIR *dp = opendir("/proc/self/fd");
	int n = 0;

	if (!dp)
		abort();
	while (readdir(dp))
		n++;
	closedir(dp);
	return n - 3;	/* ".", ".." and the directory's own descriptor */
}

/*
 * Under AddressSanitizer the allocator maps and unmaps anonymous memory of
 * its own as blocks come and go, so only mappings of files are counted
 * there: every mapping the library keeps is one of a file, and the
 * anonymous reservation it makes for an address hint is released at once.
 */
int ft_count_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];
	unsigned long inode;
	int n = 0;

	if (!f)
		abort();
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

size_t ft_heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

void ft_write_pattern(const char *path, size_t n, unsigned seed)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	unsigned char buf[4096];
	size_t off = 0;

	if (fd < 0)
		abort();
	while (off < n) {
		size_t k = n - off < sizeof(buf) ? n - off : sizeof(buf);

		for (size_t i = 0; i < k; i++)
			buf[i] = (unsigned char)(seed + off + i);
		if (pwrite(fd, buf, k, (off_t)off) != (ssize_t)k)
			abort();
		off += k;
	}
	if (fsync(fd) < 0 || close(fd) < 0)
		abort();
}

int ft_check_pattern(const char *path, size_t off, size_t n, unsigned seed)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	unsigned char buf[4096];
	int ok = 1;

	if (fd < 0)
		return 0;
	while (n > 0 && ok) {
		size_t k = n < sizeof(buf) ? n : sizeof(buf);

		if (pread(fd, buf, k, (off_t)off) != (ssize_t)k)
			ok = 0;
		for (size_t i = 0; ok && i < k; i++)
			ok = buf[i] == (unsigned char)(seed + off + i);
		off += k;
		n -= k;
	}
	close(fd);
	return ok;
}

long long ft_file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 ? -1 : (long long)st.st_size;
}

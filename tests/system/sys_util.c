/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "sys_util.h"

static char disk[512], shm[512];

static const char *make_dir(char *buf, size_t size, const char *base)
{
	if (!buf[0]) {
		snprintf(buf, size, "%s/syncmap-system-XXXXXX", base);
		if (!mkdtemp(buf)) {
			buf[0] = '\0';
			return NULL;
		}
	}
	return buf;
}

const char *st_disk_dir(void)
{
	const char *base = getenv("SYNCMAP_TEST_DIR");

	return make_dir(disk, sizeof(disk), base && *base ? base : ".");
}

const char *st_shm_dir(void)
{
	return make_dir(shm, sizeof(shm), "/dev/shm");
}

long st_fs_type(const char *path)
{
	struct statfs s;

	return statfs(path, &s) == 0 ? (long)s.f_type : 0;
}

const char *st_path(const char *dir, const char *name)
{
	static char bufs[8][600];
	static unsigned next;
	char *b = bufs[next++ % 8];

	snprintf(b, sizeof(bufs[0]), "%s/%s", dir, name);
	return b;
}

unsigned char st_pattern(unsigned seed, size_t i)
{
	return (unsigned char)(seed * 31 + i * 13 + (i >> 12));
}

void st_make_file(const char *path, size_t size, unsigned seed)
{
	unsigned char buf[4096];
	size_t done = 0;
	int fd;

	unlink(path);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		perror(path);
		exit(1);
	}
	while (done < size) {
		size_t n = size - done < sizeof(buf) ? size - done : sizeof(buf);

		for (size_t i = 0; i < n; i++)
			buf[i] = st_pattern(seed, done + i);
		if (write(fd, buf, n) != (ssize_t)n) {
			perror("write");
			exit(1);
		}
		done += n;
	}
	close(fd);
}

void st_read_file(const char *path, uint64_t off, void *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;

	if (fd < 0 || lseek(fd, (off_t)off, SEEK_SET) != (off_t)off) {
		perror(path);
		exit(1);
	}
	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);

		if (r <= 0) {
			fprintf(stderr, "%s: short read at %zu\n", path, got);
			exit(1);
		}
		got += (size_t)r;
	}
	close(fd);
}

uint64_t st_file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (uint64_t)st.st_size : UINT64_MAX;
}

bool st_have_nvdimm_bus(void)
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

static void remove_dir(char *dir)
{
	DIR *d;
	struct dirent *e;

	if (!dir[0])
		return;
	d = opendir(dir);
	if (d) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
				const char *p = st_path(dir, e->d_name);

				if (unlink(p) < 0 && errno == EISDIR)
					rmdir(p);
			}
		}
		closedir(d);
	}
	rmdir(dir);
	dir[0] = '\0';
}

void st_cleanup(void)
{
	remove_dir(disk);
	remove_dir(shm);
}

int st_group_teardown(void **state)
{
	(void)state;
	st_cleanup();
	return 0;
}

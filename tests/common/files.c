/* SPDX-License-Identifier: MIT */
#include "files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#define TC_MAX_DIRS 4

static struct {
	char base[256];
	char path[512];
} made[TC_MAX_DIRS];

const char *tc_scratch(const char *base)
{
	int free_slot = -1;

	for (int i = 0; i < TC_MAX_DIRS; i++) {
		if (made[i].path[0] && !strcmp(made[i].base, base))
			return made[i].path;
		if (!made[i].path[0] && free_slot < 0)
			free_slot = i;
	}
	if (free_slot < 0 || strlen(base) >= sizeof(made[0].base))
		return NULL;
	snprintf(made[free_slot].path, sizeof(made[0].path), "%s/syncmap-%s-XXXXXX",
		 base, program_invocation_short_name);
	if (!mkdtemp(made[free_slot].path)) {
		made[free_slot].path[0] = '\0';
		return NULL;
	}
	snprintf(made[free_slot].base, sizeof(made[0].base), "%s", base);
	return made[free_slot].path;
}

static const char *env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return v && *v ? v : fallback;
}

const char *tc_dir(void)
{
	const char *base = env_or("TMPDIR", "/tmp");
	const char *d = tc_scratch(base);

	if (!d) {
		fprintf(stderr, "no scratch directory in %s: %s; set TMPDIR to a writable directory\n",
			base, strerror(errno));
		exit(1);
	}
	return d;
}

const char *tc_disk_dir(void)
{
	return tc_scratch(env_or("SYNCMAP_TEST_DIR", "."));
}

const char *tc_shm_dir(void)
{
	return tc_scratch("/dev/shm");
}

const char *tc_join(const char *dir, const char *name)
{
	static char bufs[8][600];
	static unsigned next;
	char *b = bufs[next++ % 8];

	snprintf(b, sizeof(bufs[0]), "%s/%s", dir, name);
	return b;
}

const char *tc_path(const char *name)
{
	return tc_join(tc_dir(), name);
}

const char *tc_journal_name(const char *path)
{
	static char bufs[4][700];
	static unsigned next;
	char *b = bufs[next++ % 4];

	snprintf(b, sizeof(bufs[0]), "%s.syncmap-journal", path);
	return b;
}

int tc_setup_disk_dir(void **state)
{
	*state = (void *)tc_disk_dir();
	return *state ? 0 : -1;
}

void tc_remove_dir(const char *dir)
{
	DIR *d;
	struct dirent *e;

	if (!dir || !dir[0])
		return;
	d = opendir(dir);
	if (d) {
		while ((e = readdir(d)) != NULL) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			const char *p = tc_join(dir, e->d_name);

			if (unlink(p) < 0 && errno == EISDIR)
				rmdir(p);
		}
		closedir(d);
	}
	rmdir(dir);
}

void tc_cleanup(void)
{
	for (int i = 0; i < TC_MAX_DIRS; i++) {
		tc_remove_dir(made[i].path);
		made[i].path[0] = '\0';
	}
}

unsigned char tc_pattern(unsigned seed, size_t i)
{
	return (unsigned char)(seed * 31 + i * 7 + (i >> 12) + 1);
}

const char *tc_make_file(const char *path, size_t size, unsigned seed)
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
			buf[i] = tc_pattern(seed, done + i);
		if (write(fd, buf, n) != (ssize_t)n) {
			perror(path);
			exit(1);
		}
		done += n;
	}
	close(fd);
	return path;
}

bool tc_check_file(const char *path, size_t off, size_t n, unsigned seed)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	unsigned char buf[4096];
	bool ok = true;

	if (fd < 0)
		return false;
	while (n > 0 && ok) {
		size_t k = n < sizeof(buf) ? n : sizeof(buf);

		if (pread(fd, buf, k, (off_t)off) != (ssize_t)k)
			ok = false;
		for (size_t i = 0; ok && i < k; i++)
			ok = buf[i] == tc_pattern(seed, off + i);
		off += k;
		n -= k;
	}
	close(fd);
	return ok;
}

void tc_read_file(const char *path, uint64_t off, void *buf, size_t n)
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

long long tc_file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 ? -1 : (long long)st.st_size;
}

bool tc_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

long tc_fs_type(const char *path)
{
	struct statfs s;

	return statfs(path, &s) == 0 ? (long)s.f_type : 0;
}

int tc_group_setup(void **state)
{
	(void)state;
	tc_dir();
	return 0;
}

int tc_group_teardown(void **state)
{
	(void)state;
	tc_cleanup();
	return 0;
}

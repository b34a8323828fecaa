/* SPDX-License-Identifier: MIT */
/*
 * Checks run inside the DAX guest; each prints "RESULT NAME PASS|FAIL ...".
 *
 *   dax-check map NAME PATH sync|page [CAUSE]
 *	Map PATH (created if missing) and check the path the library took
 *	against the kernel's own view: MAP_SYNC with "sf" in the mapping's
 *	VmFlags and byte granularity where SYNCMAP_DAX_DOMAIN is cpu_cache,
 *	cache_line elsewhere (with the instruction SYNCMAP_DAX_WANT_INSN
 *	names, if set); or the page fallback with cause CAUSE and no "sf".
 *   dax-check require-sync NAME PATH CAUSE
 *	SYNCMAP_REQUIRE_SYNC on a file that cannot have MAP_SYNC must fail
 *	and say CAUSE.
 *   dax-check devdax NAME DEVICE
 *	Windows of a device DAX device: misaligned offset or length is
 *	-EINVAL with an explanation; an aligned window maps with MAP_SYNC.
 *   dax-check setdax DIR
 *	Set FS_XFLAG_DAX on DIR, so files created in it inherit it.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <syncmap.h>

#ifndef STATX_ATTR_DAX
#define STATX_ATTR_DAX 0x00200000
#endif
#ifndef FS_XFLAG_DAX
#define FS_XFLAG_DAX 0x00008000
#endif

#define FILE_SIZE (2u << 20)

/* Failed expectations of the current check, joined into one detail. */
static char why[1024];

static void expect(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void expect(bool ok, const char *fmt, ...)
{
	size_t n = strlen(why);
	va_list ap;

	if (ok || n >= sizeof(why) - 2)
		return;
	if (n)
		why[n++] = ';', why[n++] = ' ', why[n] = 0;
	va_start(ap, fmt);
	vsnprintf(why + n, sizeof(why) - n, fmt, ap);
	va_end(ap);
}

static int report(const char *name, const char *facts)
{
	printf("RESULT %s %s %s%s%s\n", name, why[0] ? "FAIL" : "PASS", facts,
	       why[0] ? " -- " : "", why);
	fflush(stdout);
	return why[0] ? 1 : 0;
}

/* The VmFlags of the mapping that contains addr, from /proc/self/smaps. */
static bool vmflags(const void *addr, char *flags, size_t size)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	uintptr_t a = (uintptr_t)addr, lo, hi;
	bool inside = false, found = false;
	char line[512];

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') <
		    strchr(line, ' '))
			inside = a >= lo && a < hi;
		else if (inside && !strncmp(line, "VmFlags:", 8)) {
			snprintf(flags, size, "%.200s", line + 8);
			flags[strcspn(flags, "\n")] = 0;
			found = true;
		}
	}
	fclose(f);
	return found;
}

static bool has_flag(const char *flags, const char *flag)
{
	char buf[256], *tok, *save;

	snprintf(buf, sizeof(buf), "%s", flags);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		if (!strcmp(tok, flag))
			return true;
	return false;
}

/* -1 unknown (a device, or statx failed), else whether the kernel says
 * the file is DAX. */
static int statx_dax(const char *path)
{
	struct statx stx;

	if (statx(AT_FDCWD, path, 0, STATX_BASIC_STATS, &stx) ||
	    !S_ISREG(stx.stx_mode) || !(stx.stx_attributes_mask & STATX_ATTR_DAX))
		return -1;
	return !!(stx.stx_attributes & STATX_ATTR_DAX);
}

static const char *domain(void)
{
	const char *d = getenv("SYNCMAP_DAX_DOMAIN");

	return d ? d : "";
}

static void expect_sync(struct syncmap *m, const char *flags, int dax)
{
	enum syncmap_granularity g = syncmap_granularity(m);
	bool cpu = !strcmp(domain(), "cpu_cache");

	expect(syncmap_is_sync(m), "not on the MAP_SYNC path");
	/* eADR (cpu_cache): a fence is enough, anything coarser wastes the
	 * platform's guarantee; ADR: cache lines must be written back. */
	expect(g == (cpu ? SYNCMAP_GRAN_BYTE : SYNCMAP_GRAN_CACHE_LINE),
	       "granularity %s under persistence domain '%s'",
	       syncmap_granularity_name(g), domain());
	expect(g != SYNCMAP_GRAN_CACHE_LINE ||
	       syncmap_insn(m) != SYNCMAP_INSN_NONE,
	       "cache_line granularity without a flush instruction");
	/* A harness that knows the CPU names the instruction it must get. */
	expect(!getenv("SYNCMAP_DAX_WANT_INSN") || g != SYNCMAP_GRAN_CACHE_LINE ||
	       !strcmp(syncmap_insn_name(syncmap_insn(m)), getenv("SYNCMAP_DAX_WANT_INSN")),
	       "instruction %s, want %s", syncmap_insn_name(syncmap_insn(m)),
	       getenv("SYNCMAP_DAX_WANT_INSN"));
	expect(syncmap_cause(m) == SYNCMAP_CAUSE_NONE, "cause %s",
	       syncmap_cause_name(syncmap_cause(m)));
	expect(has_flag(flags, "sf"), "no sf in VmFlags [%s]", flags);
	expect(dax != 0, "statx does not say DAX");
}

static void expect_page(struct syncmap *m, const char *flags, int dax,
			const char *cause)
{
	const char *got = syncmap_cause_name(syncmap_cause(m));
	const char *advice = syncmap_advice(m);

	expect(!syncmap_is_sync(m), "on the MAP_SYNC path");
	expect(syncmap_granularity(m) == SYNCMAP_GRAN_PAGE, "granularity %s",
	       syncmap_granularity_name(syncmap_granularity(m)));
	expect(!cause || !strcmp(got, cause), "cause %s, want %s", got,
	       cause ? cause : "?");
	expect(advice && *advice, "no advice");
	expect(!has_flag(flags, "sf"), "sf in VmFlags [%s] of a fallback mapping",
	       flags);
	/* A DAX file falls back too when the CPU cannot write lines back. */
	expect(dax != 1 || (cause && !strcmp(cause, "cpu_cannot_flush")), "statx says DAX");
}

static int check_map(const char *name, const char *path, const char *mode,
		     const char *cause)
{
	bool want_sync = !strcmp(mode, "sync");
	struct stat st;
	bool dev = stat(path, &st) == 0 && S_ISCHR(st.st_mode);
	struct syncmap *m = NULL;
	char flags[256] = "", facts[768];
	int r;

	r = syncmap_open(path, dev ? 0 : SYNCMAP_CREATE, 0644, dev ? 0 : FILE_SIZE, &m);
	if (r) {
		expect(false, "syncmap_open: %s; cause %s: %s", strerror(-r),
		       syncmap_cause_name(syncmap_last_cause()), syncmap_last_advice());
		return report(name, path);
	}
	expect(vmflags(syncmap_addr(m), flags, sizeof(flags)), "mapping not in smaps");
	memset(syncmap_addr(m), 0x5a, 4096);
	r = syncmap_persist(m, syncmap_addr(m), 4096);
	expect(r == 0, "persist: %s", strerror(-r));
	if (want_sync)
		expect_sync(m, flags, dev ? 1 : statx_dax(path));
	else
		expect_page(m, flags, statx_dax(path), cause);
	snprintf(facts, sizeof(facts), "%s sync=%d granularity=%s flush=%s cause=%s vmflags=[%s]",
		 path, syncmap_is_sync(m),
		 syncmap_granularity_name(syncmap_granularity(m)),
		 syncmap_insn_name(syncmap_insn(m)),
		 syncmap_cause_name(syncmap_cause(m)), flags);
	r = syncmap_close(m);
	expect(r == 0, "close: %s", strerror(-r));
	return report(name, facts);
}

static int check_require_sync(const char *name, const char *path, const char *cause)
{
	struct syncmap *m = NULL;
	char facts[512];
	int r = syncmap_open(path, SYNCMAP_CREATE | SYNCMAP_REQUIRE_SYNC, 0644,
			     FILE_SIZE, &m);
	const char *got = syncmap_cause_name(syncmap_last_cause());

	expect(r < 0, "REQUIRE_SYNC succeeded (sync=%d)", m ? syncmap_is_sync(m) : -1);
	expect(r >= 0 || !strcmp(got, cause), "cause %s, want %s", got, cause);
	snprintf(facts, sizeof(facts), "%s rc=%d (%s) cause=%s advice=\"%s\"", path, r,
		 r < 0 ? strerror(-r) : "ok", got, r < 0 ? syncmap_last_advice() : "");
	syncmap_close(m);
	return report(name, facts);
}

/* One window of the device: want is 0 or the errno syncmap_open_fd must
 * fail with. */
static int devdax_window(const char *name, int fd, uint64_t off, uint64_t len,
			 int want)
{
	struct syncmap *m = NULL;
	char facts[512];
	int r;

	why[0] = 0;
	r = syncmap_open_fd(fd, off, len, 0, &m);
	if (want)
		expect(r == -want, "rc %d (%s), want -%s", r, strerror(-r),
		       strerrorname_np(want));
	else
		expect(r == 0, "rc %d (%s): %s", r, strerror(-r), syncmap_last_advice());
	if (r && want)
		expect(syncmap_last_advice() && *syncmap_last_advice(),
		       "refused without advice");
	if (!r) {
		char flags[256] = "";

		expect(vmflags(syncmap_addr(m), flags, sizeof(flags)), "not in smaps");
		expect_sync(m, flags, 1);
	}
	snprintf(facts, sizeof(facts), "offset=%llu length=%llu rc=%d advice=\"%s\"",
		 (unsigned long long)off, (unsigned long long)len, r,
		 r ? syncmap_last_advice() : "");
	syncmap_close(m);
	return report(name, facts);
}

static int check_devdax(const char *name, const char *dev)
{
	char n[128];
	int fd = open(dev, O_RDWR | O_CLOEXEC), fails = 0;
	void *p;

	if (fd < 0) {
		expect(false, "open: %s", strerror(errno));
		return report(name, dev);
	}
	snprintf(n, sizeof(n), "%s-aligned-window", name);
	fails += devdax_window(n, fd, 2u << 20, 2u << 20, 0);
	snprintf(n, sizeof(n), "%s-misaligned-offset", name);
	fails += devdax_window(n, fd, 4096, 2u << 20, EINVAL);
	snprintf(n, sizeof(n), "%s-misaligned-length", name);
	fails += devdax_window(n, fd, 0, 4096, EINVAL);
	/* The kernel's own rule the library has to live with. */
	why[0] = 0;
	snprintf(n, sizeof(n), "%s-private-refused-by-kernel", name);
	p = mmap(NULL, 2u << 20, PROT_READ, MAP_PRIVATE, fd, 0);
	expect(p == MAP_FAILED, "MAP_PRIVATE of a device DAX device was accepted");
	fails += report(n, p == MAP_FAILED ? strerror(errno) : "mapped");
	if (p != MAP_FAILED)
		munmap(p, 2u << 20);
	close(fd);
	return fails ? 1 : 0;
}

static int set_dax_flag(const char *dir)
{
	struct fsxattr fa;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || ioctl(fd, FS_IOC_FSGETXATTR, &fa)) {
		perror(dir);
		return 1;
	}
	fa.fsx_xflags |= FS_XFLAG_DAX;
	if (ioctl(fd, FS_IOC_FSSETXATTR, &fa)) {
		perror(dir);
		return 1;
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "setdax"))
		return set_dax_flag(argv[2]);
	if (argc >= 5 && !strcmp(argv[1], "map"))
		return check_map(argv[2], argv[3], argv[4], argc > 5 ? argv[5] : NULL);
	if (argc == 5 && !strcmp(argv[1], "require-sync"))
		return check_require_sync(argv[2], argv[3], argv[4]);
	if (argc == 4 && !strcmp(argv[1], "devdax"))
		return check_devdax(argv[2], argv[3]);
	fprintf(stderr, "usage: see the comment at the top of tests/dax/check.c\n");
	return 2;
}

/* SPDX-License-Identifier: MIT */
/*
 * The power-cut workload and its verifier.
 *
 *   dax-workload append  TARGET TAG RUN [READY]   through libsyncmap
 *   dax-workload control TARGET TAG RUN [READY]   plain mmap, no persist
 *   dax-workload verify  TARGET TAG RUN ACKED [append|control]
 *   dax-workload journal|journal-ckpt|page-control TARGET TAG RUN [READY]
 *   dax-workload verify  TARGET TAG RUN ACKED,... journal|journal-ckpt|page-control
 *
 * The last three are the journaled page path's (jworkload.c).
 *
 * TARGET is a directory (the log is files seg-000000, ... in it) or a
 * device DAX device.  "append" writes record after record and prints
 * "ACK TAG ID" once syncmap_persist() has returned for record ID; READY,
 * if given, is created after the first acknowledgement.  "control" does
 * the same through a MAP_SHARED mapping of a DAX file with no MAP_SYNC
 * and no msync, acknowledging a record as soon as it is stored: the cut
 * must be seen to lose some of those.  "verify" reads the log of run RUN
 * after a cut, ACKED being the number of records acknowledged before it,
 * and prints one RESULT line.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <syncmap.h>

#include "record.h"
#include "workload.h"

#ifndef STATX_ATTR_DAX
#define STATX_ATTR_DAX 0x00200000
#endif

/* Device DAX logs use at most this much of the device. */
#define DEVDAX_LOG_MAX (256u << 20)
/* A run stops appending (and idles) after this many segment files. */
#define MAX_SEGMENTS 48

void say(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	/* One write per line: lines from several workloads sharing the
	 * console must not interleave. */
	if (write(STDOUT_FILENO, line, (size_t)n) < 0)
		return;
}

static void seg_path(const struct log *l, unsigned seg, char *buf, size_t n)
{
	snprintf(buf, n, "%s/seg-%06u", l->target, seg);
}

static bool is_devdax(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISCHR(st.st_mode);
}

void ready(const char *path)
{
	int fd;

	if (!path)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0)
		close(fd);
}

/* Idle until the cut; a workload that ran out of room must not exit and
 * look like a crash. */
static int idle(const struct log *l, const char *why)
{
	say("WORKLOAD %s idle: %s", l->tag, why);
	for (;;)
		pause();
	return 0;
}

static int open_segment(const struct log *l, unsigned seg, struct syncmap **m)
{
	char path[4096];
	int r;

	if (l->devdax)
		return syncmap_open(l->target, 0, 0, 0, m);
	seg_path(l, seg, path, sizeof(path));
	r = syncmap_open(path, SYNCMAP_CREATE | SYNCMAP_EXCL, 0644, SEG_SIZE, m);
	if (r == 0 && seg == 0)
		say("WORKLOAD %s run=%" PRIu64 " sync=%d granularity=%s flush=%s cause=%s",
		    l->tag, l->run, syncmap_is_sync(*m),
		    syncmap_granularity_name(syncmap_granularity(*m)),
		    syncmap_insn_name(syncmap_insn(*m)),
		    syncmap_cause_name(syncmap_cause(*m)));
	return r;
}

static int do_append(const struct log *l, const char *ready_path)
{
	struct syncmap *m = NULL;
	unsigned seg = 0;
	size_t off = 0, cap = 0;
	uint64_t id;
	int r;

	for (id = 0;; id++) {
		size_t stride = rec_stride(l->run, id);
		uint8_t *p;

		if (!m || off + stride > cap) {
			if (m && l->devdax)
				return idle(l, "device log full");
			if (m) {
				syncmap_close(m);
				m = NULL;
				if (++seg == MAX_SEGMENTS)
					return idle(l, "segment limit reached");
			}
			r = open_segment(l, seg, &m);
			if (r) {
				say("WORKLOAD %s open failed: %s (%s)", l->tag,
				    strerror(-r), syncmap_last_advice());
				return 1;
			}
			if (l->devdax && seg == 0)
				say("WORKLOAD %s run=%" PRIu64 " sync=%d granularity=%s",
				    l->tag, l->run, syncmap_is_sync(m),
				    syncmap_granularity_name(syncmap_granularity(m)));
			off = 0;
			cap = syncmap_length(m);
			if (l->devdax && cap > DEVDAX_LOG_MAX)
				cap = DEVDAX_LOG_MAX;
		}
		p = (uint8_t *)syncmap_addr(m) + off;
		rec_fill(p, l->run, id);
		r = syncmap_persist(m, p, stride);
		if (r) {
			say("WORKLOAD %s persist of %" PRIu64 " failed: %s", l->tag,
			    id, strerror(-r));
			return 1;
		}
		say("ACK %s %" PRIu64, l->tag, id);
		if (id == 0)
			ready(ready_path);
		off += stride;
	}
}

static bool file_is_dax(int fd)
{
	struct statx stx;

	return statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx) == 0 &&
	       (stx.stx_attributes & STATX_ATTR_DAX);
}

/* The control: what an application gets with a plain shared mapping of a
 * DAX file and no msync.  Stores reach the media, but nothing makes the
 * file's blocks and size durable. */
static uint8_t *control_segment(const struct log *l, unsigned seg)
{
	char path[4096];
	void *p;
	int fd;

	seg_path(l, seg, path, sizeof(path));
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || ftruncate(fd, SEG_SIZE)) {
		say("WORKLOAD %s %s: %s", l->tag, path, strerror(errno));
		return NULL;
	}
	if (!file_is_dax(fd)) {
		say("WORKLOAD %s %s is not a DAX file: the control would prove nothing",
		    l->tag, path);
		return NULL;
	}
	p = mmap(NULL, SEG_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		say("WORKLOAD %s mmap: %s", l->tag, strerror(errno));
		return NULL;
	}
	if (seg == 0)
		say("WORKLOAD %s run=%" PRIu64 " plain MAP_SHARED on a DAX file, no msync",
		    l->tag, l->run);
	return p;
}

static int do_control(const struct log *l, const char *ready_path)
{
	uint8_t *base = NULL;
	unsigned seg = 0;
	size_t off = 0;

	for (uint64_t id = 0;; id++) {
		size_t stride = rec_stride(l->run, id);

		if (!base || off + stride > SEG_SIZE) {
			if (base && ++seg == MAX_SEGMENTS)
				return idle(l, "segment limit reached");
			base = control_segment(l, seg);
			if (!base)
				return 1;
			off = 0;
		}
		rec_fill(base + off, l->run, id);
		say("ACK %s %" PRIu64, l->tag, id);
		if (id == 0)
			ready(ready_path);
		off += stride;
	}
}

/* Read segment seg into buf (zero-filled past what exists). */
static bool load_segment(const struct log *l, unsigned seg, uint8_t *buf)
{
	char path[4096];
	ssize_t n;
	int fd;

	seg_path(l, seg, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	memset(buf, 0, SEG_SIZE);
	n = pread(fd, buf, SEG_SIZE, 0);
	close(fd);
	return n >= 0;
}

struct tally {
	uint64_t recovered;	/* records 0 .. recovered-1 are whole */
	bool torn;		/* the next one was there, torn, and rejected */
	unsigned segments;
};

static int scan_devdax(const struct log *l, struct tally *t)
{
	int fd = open(l->target, O_RDONLY | O_CLOEXEC);
	size_t off = 0;
	uint8_t *p;

	if (fd < 0)
		return -errno;
	p = mmap(NULL, DEVDAX_LOG_MAX, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -errno;
	t->segments = 1;
	for (;;) {
		size_t stride = rec_stride(l->run, t->recovered);
		enum rec_state s;

		if (off + stride > DEVDAX_LOG_MAX)
			break;
		s = rec_check(p + off, DEVDAX_LOG_MAX - off, l->run, t->recovered);
		if (s != REC_OK) {
			t->torn = s == REC_TORN;
			break;
		}
		off += stride;
		t->recovered++;
	}
	munmap(p, DEVDAX_LOG_MAX);
	return 0;
}

static int scan_files(const struct log *l, struct tally *t)
{
	uint8_t *buf = malloc(SEG_SIZE);
	unsigned seg = 0;
	size_t off = 0;

	if (!buf)
		return -ENOMEM;
	if (!load_segment(l, 0, buf))
		goto out;
	t->segments = 1;
	for (;;) {
		size_t stride = rec_stride(l->run, t->recovered);
		enum rec_state s;

		if (off + stride > SEG_SIZE) {
			if (!load_segment(l, ++seg, buf))
				break;
			t->segments++;
			off = 0;
		}
		s = rec_check(buf + off, SEG_SIZE - off, l->run, t->recovered);
		if (s != REC_OK) {
			t->torn = s == REC_TORN;
			break;
		}
		off += stride;
		t->recovered++;
	}
out:
	free(buf);
	return 0;
}

static int do_verify(const struct log *l, uint64_t acked, bool control)
{
	struct tally t = { 0 };
	int r = l->devdax ? scan_devdax(l, &t) : scan_files(l, &t);
	bool pass;

	if (r) {
		say("RESULT powercut-%s-run%" PRIu64 " FAIL cannot read %s: %s",
		    l->tag, l->run, l->target, strerror(-r));
		return 1;
	}
	/* Nothing acknowledged means the cut tested nothing. */
	if (control)
		pass = acked > 0 && t.recovered < acked;
	else
		pass = acked > 0 && t.recovered >= acked;
	say("RESULT powercut-%s-run%" PRIu64 " %s acked=%" PRIu64 " recovered=%" PRIu64
	    " lost=%" PRIu64 " torn_rejected=%d segments=%u%s",
	    l->tag, l->run, pass ? "PASS" : "FAIL", acked, t.recovered,
	    acked > t.recovered ? acked - t.recovered : 0, t.torn, t.segments,
	    control ? (pass ? " (the control lost acknowledged data, as it must)"
			    : " (the control kept everything: this cut proves nothing)")
		    : "");
	return pass ? 0 : 1;
}

uint64_t number(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end) {
		fprintf(stderr, "dax-workload: '%s' is not a number\n", s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	struct log l;

	if (argc < 5) {
		fprintf(stderr, "usage: dax-workload append|control TARGET TAG RUN [READY]\n"
				"       dax-workload verify TARGET TAG RUN ACKED [append|control]\n"
				"       dax-workload journal|journal-ckpt|page-control TARGET TAG RUN [READY]\n"
				"       dax-workload verify TARGET TAG RUN ACKED,... "
				"journal|journal-ckpt|page-control\n"
				"       dax-workload journal-grow TARGET TAG RUN [READY]\n"
				"       dax-workload verify TARGET TAG RUN ACKED journal-grow\n"
				"       dax-workload grow-sync|grow-journal|grow-control TARGET TAG RUN [READY]\n"
				"       dax-workload verify TARGET TAG RUN ACKED grow-sync|grow-journal|grow-control\n");
		return 2;
	}
	l.target = argv[2];
	l.tag = argv[3];
	l.run = number(argv[4]);
	l.devdax = is_devdax(l.target);
	if (!strcmp(argv[1], "append"))
		return do_append(&l, argc > 5 ? argv[5] : NULL);
	if (!strcmp(argv[1], "control"))
		return do_control(&l, argc > 5 ? argv[5] : NULL);
	if (jw_how(argv[1]))
		return jw_write(&l, argv[1], argc > 5 ? argv[5] : NULL);
	if (gw_how(argv[1]))
		return gw_write(&l, argc > 5 ? argv[5] : NULL);
	if (gr_how(argv[1]))
		return gr_write(&l, argv[1], argc > 5 ? argv[5] : NULL);
	if (!strcmp(argv[1], "verify") && argc > 6 && gr_how(argv[6]))
		return gr_verify(&l, number(argv[5]), argv[6]);
	if (!strcmp(argv[1], "verify") && argc > 6 && gw_how(argv[6]))
		return gw_verify(&l, number(argv[5]));
	if (!strcmp(argv[1], "verify") && argc > 6 && jw_how(argv[6]))
		return jw_verify(&l, argv[5], argv[6]);
	if (!strcmp(argv[1], "verify") && argc > 5)
		return do_verify(&l, number(argv[5]),
				 argc > 6 && !strcmp(argv[6], "control"));
	fprintf(stderr, "dax-workload: unknown mode %s\n", argv[1]);
	return 2;
}

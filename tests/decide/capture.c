/* SPDX-License-Identifier: MIT */
/*
 * Capture what the library reads about one file, for the host's fixture
 * tests: run in the DAX guest by capture.sh, once per configuration.
 *
 *   decide-capture PATH OUTDIR
 *
 * PATH is a file, a device DAX node, or a path not created yet (its
 * directory is examined, as syncmap_probe() does).  OUTDIR receives
 *   answers   the kernel's answers about the file and to the mappings
 *             tried (what the host cannot ask), one "key value" a line
 *   trace     every /sys and /proc path the gatherer read, resolved or
 *             listed ("r PATH", "l PATH", "d PATH"); mirror.py copies
 *             those into OUTDIR/tree
 *   expected  what the live gatherer found and what the decision, a real
 *             syncmap_open() and syncmap_probe() got
 * and it prints RESULT lines: the decision, the open and the probe must
 * agree, here, on a real kernel.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "internal.h"
#include "facts_text.h"
#include "syncmap.h"

static FILE *trace_out;

static void trace(char kind, const char *path)
{
	fprintf(trace_out, "%c %s\n", kind, path);
}

static FILE *out_file(const char *dir, const char *name)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(2);
	}
	return f;
}

static int trial_map(int fd, size_t len, int flags)
{
	void *a = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, fd, 0);

	if (a == MAP_FAILED)
		return -errno;
	munmap(a, len);
	return 0;
}

/* The kernel's answers, asked as the library asks them. */
static void ask(int fd, size_t len, struct sm_trial *t)
{
	t->len = len;
	t->plain = SM_NOT_TRIED;
	t->sync = trial_map(fd, len, MAP_SHARED_VALIDATE | MAP_SYNC);
	if (t->sync == -EINVAL)
		t->plain = trial_map(fd, len, MAP_SHARED);
	t->validate = sm_validate_known();
}

static void write_answers(FILE *o, const struct sm_facts *f, const struct sm_trial *t)
{
	const struct sm_fd_facts *d = &f->fd;

	fprintf(o, "mode 0%o\n", (unsigned)d->mode);
	fprintf(o, "dev %u:%u\n", major(d->dev), minor(d->dev));
	fprintf(o, "rdev %u:%u\n", major(d->rdev), minor(d->rdev));
	fprintf(o, "size %llu\n", (unsigned long long)d->size);
	fprintf(o, "magic %d 0x%lx\n", d->have_magic, (unsigned long)d->magic);
	fprintf(o, "statx_dax %d\n", d->statx_dax);
	fprintf(o, "mount_id %d\n", d->mount_id);
	fprintf(o, "xflag_dax %d\n", d->xflag_dax);
	fprintf(o, "path %s\n", d->path);
	fprintf(o, "trial %d %d %d %zu\n", t->sync, t->plain, t->validate, t->len);
	fprintf(o, "cpu %s %u 0x%x", f->cpu.arch, f->cpu.line, f->cpu.have);
	for (int i = 0; i < SM_PREFER_MAX; i++)
		fprintf(o, " %d", (int)f->cpu.prefer[i]);
	fprintf(o, "\ncpu_disabled 0x%x\n", f->cpu_disabled);
}

/* A real open of the file (a new one in the directory), and its report. */
static int real_open(const char *path, const struct sm_facts *f, struct syncmap **m,
		     char *made, size_t size)
{
	uint64_t len = f->target == SM_TARGET_DEVDAX ? (uint64_t)f->devdax_align : 0;

	made[0] = '\0';
	if (f->target == SM_TARGET_NEW_FILE) {
		snprintf(made, size, "%s", path);
		return syncmap_open(path, SYNCMAP_CREATE | SYNCMAP_EXCL, 0600, 65536, m);
	}
	return syncmap_open(path, 0, 0, len, m);
}

static const char *gran(enum syncmap_granularity g)
{
	return syncmap_granularity_name(g);
}

int main(int argc, char **argv)
{
	struct sm_facts *f = calloc(1, sizeof(*f));
	struct sm_policy pol = { 0, SM_FORCE_NONE };
	struct syncmap_probe *p = NULL;
	struct syncmap *m = NULL;
	struct sm_decision d;
	struct sm_trial t;
	char made[PATH_MAX], dir[PATH_MAX], *slash;
	const char *path, *name;
	struct stat st;
	FILE *o;
	int fd, r, pr;

	if (argc != 3 || !f) {
		fprintf(stderr, "usage: %s PATH OUTDIR\n", argv[0]);
		return 2;
	}
	path = argv[1];
	name = strrchr(argv[2], '/') ? strrchr(argv[2], '/') + 1 : argv[2];
	if (stat(path, &st) == 0) {
		fd = open(path, O_RDWR | O_CLOEXEC);
	} else {
		snprintf(dir, sizeof(dir), "%s", path);
		slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (fd < 0 || sm_facts_of_fd(fd, &f->fd) < 0) {
		printf("RESULT capture-%s FAIL cannot open %s: %s\n", name, path, strerror(errno));
		return 0;
	}
	trace_out = out_file(argv[2], "trace");
	sm_tree_set_trace(trace);
	sm_facts_walk(f);
	sm_tree_set_trace(NULL);
	fclose(trace_out);
	if (f->target == SM_TARGET_NEW_FILE) {
		int tmp = openat(fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

		ask(tmp, (size_t)sysconf(_SC_PAGESIZE), &t);
		close(tmp);
	} else {
		ask(fd, f->target == SM_TARGET_DEVDAX ? (size_t)f->devdax_align :
			(size_t)sysconf(_SC_PAGESIZE), &t);
	}
	close(fd);
	sm_decide(f, &t, &pol, &d);
	o = out_file(argv[2], "answers");
	write_answers(o, f, &t);
	fclose(o);

	r = real_open(path, f, &m, made, sizeof(made));
	pr = syncmap_probe(path, &p);
	o = out_file(argv[2], "expected");
	sm_write_facts(o, f);
	fprintf(o, "decision %d %d %s %s %s\n", d.err, d.sync, gran(d.gran),
		syncmap_insn_name(d.insn), syncmap_cause_name(d.cause));
	if (r == 0)
		fprintf(o, "open %d %d %s %s %s\n", r, syncmap_is_sync(m), gran(syncmap_granularity(m)),
			syncmap_insn_name(syncmap_insn(m)), syncmap_cause_name(syncmap_cause(m)));
	else
		fprintf(o, "open %d 0 - - %s\n", r, syncmap_cause_name(syncmap_last_cause()));
	fclose(o);

	if (d.err == 0 && r == 0 && d.sync == syncmap_is_sync(m) && d.gran == syncmap_granularity(m) &&
	    d.insn == syncmap_insn(m) && d.cause == syncmap_cause(m))
		printf("RESULT capture-%s PASS open and decision agree: %s %s %s\n", name,
		       gran(d.gran), syncmap_insn_name(d.insn), syncmap_cause_name(d.cause));
	else
		printf("RESULT capture-%s FAIL open %d (%s %s) and decision %d (%s %s) disagree\n",
		       name, r, r ? "-" : gran(syncmap_granularity(m)),
		       syncmap_cause_name(r ? syncmap_last_cause() : syncmap_cause(m)), d.err,
		       gran(d.gran), syncmap_cause_name(d.cause));
	if (pr == 0 && syncmap_probe_granularity(p) == d.gran &&
	    syncmap_probe_cause(p) == d.cause && syncmap_probe_insn(p) == d.insn)
		printf("RESULT capture-%s-probe PASS the probe predicts the open\n", name);
	else
		printf("RESULT capture-%s-probe FAIL probe %d: %s %s\n", name, pr,
		       pr ? "-" : gran(syncmap_probe_granularity(p)),
		       pr ? "-" : syncmap_cause_name(syncmap_probe_cause(p)));
	syncmap_probe_free(p);
	syncmap_close(m);
	if (made[0])
		unlink(made);
	free(f);
	return 0;
}

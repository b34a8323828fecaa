/* SPDX-License-Identifier: MIT */
/*
 * syncmap-crashtest - stop a program at every persist point in strict
 * mode and check what it left in its files.
 *
 *   syncmap-crashtest [OPTIONS] --run CMD --check CMD
 *
 * Each try starts from the files the setup command made, runs CMD with
 * SYNCMAP_STRICT=1 and SYNCMAP_STRICT_CRASH=N (the library stops the
 * process at its Nth persist point, as a power cut would), then runs the
 * check command, which must exit 0.  Points 1, 2, 3 ... are tried until a
 * run ends before its crash point, or a seeded sample of them.  The first
 * failing point is reported with the call stack of its persist.
 *
 * Exit status: 0 every point passed, 1 a point failed, 2 the test could
 * not be run (usage, a setup that fails, a program that never opens a
 * mapping in strict mode).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "strict_report.h"

#define MAX_JOBS 64
#define MAX_FRAMES 64
#define SHOW_FRAMES 4

extern char **environ;

struct opts {
	const char *run, *check, *setup, *dir, *evict;
	uint64_t from, to, sample, seed;
	unsigned jobs, timeout;
	bool keep_going, verbose;
};

enum phase { IDLE, RUNNING, CHECKING };
enum kind { CRASHED, COMPLETE, BROKEN };

struct result {
	uint64_t point;		/* 0: the counting run, no crash asked */
	enum kind kind;
	uint64_t points;	/* persist points the run passed */
	int run_status, check_status;
	bool timed_out, failed;
	char why[256];		/* for BROKEN and failed runs */
};

struct slot {
	char dir[4096], report[4096], run_out[4096], run_err[4096], check_out[4096];
	enum phase phase;
	pid_t pid;
	double deadline;
	struct result res;
};

static struct opts o = { .from = 1, .to = UINT64_MAX, .seed = 1, .timeout = 120 };
static char root[4096], start_dir[4096];
static char **run_env, **check_env;
static struct slot slots[MAX_JOBS];

/* What the sweep learned. */
static uint64_t total;		/* points of a whole run, once known */
static bool have_total, have_complete, complete_ok;
static struct result first_fail;
static bool have_fail;
static uint64_t tried, passed, broken, evicted, last_tried;
static struct result broken_res;

/* ---- small helpers */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void cleanup(void);

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "syncmap-crashtest: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cleanup();
	exit(2);
}

/* Strings made on the way, freed at the end. */
static char **made;
static size_t nmade, capmade;

static void *keep(void *p)
{
	if (!p)
		die("out of memory");
	if (nmade == capmade) {
		char **m = realloc(made, (capmade ? 2 * capmade : 16) * sizeof(*made));

		if (!m)
			die("out of memory");
		made = m;
		capmade = capmade ? 2 * capmade : 16;
	}
	made[nmade++] = p;
	return p;
}

static void free_made(void)
{
	for (size_t i = 0; i < nmade; i++)
		free(made[i]);
	free(made);
	made = NULL;
	nmade = capmade = 0;
}

static char *xstrdup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *xstrdup_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		die("out of memory");
	va_end(ap);
	return keep(s);
}

static void pathf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void pathf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size)
		die("path too long under %s", root);
}

/* ---- files: the start state, copied for every try */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	if (ftw->level > 0 && remove(path) < 0)
		fprintf(stderr, "syncmap-crashtest: cannot remove %s: %s\n", path, strerror(errno));
	return 0;
}

/* Empty a directory, keep it. */
static void empty_dir(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[1 << 16];
	int in = open(from, O_RDONLY | O_CLOEXEC), out;
	ssize_t n;

	if (in < 0)
		die("cannot read %s: %s", from, strerror(errno));
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode & 07777);
	if (out < 0)
		die("cannot create %s: %s", to, strerror(errno));
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			die("cannot write %s: %s", to, strerror(errno));
	if (n < 0)
		die("cannot read %s: %s", from, strerror(errno));
	close(in);
	close(out);
}

static const char *copy_dest;

static int copy_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	char to[4096], link[4096];
	ssize_t n;

	if (ftw->level == 0)
		return 0;
	pathf(to, sizeof(to), "%s/%s", copy_dest, path + strlen(start_dir) + 1);
	if (flag == FTW_D) {
		if (mkdir(to, st->st_mode & 07777) < 0 && errno != EEXIST)
			die("cannot create %s: %s", to, strerror(errno));
	} else if (flag == FTW_SL) {
		n = readlink(path, link, sizeof(link) - 1);
		if (n < 0)
			die("cannot read link %s: %s", path, strerror(errno));
		link[n] = '\0';
		if (symlink(link, to) < 0)
			die("cannot create %s: %s", to, strerror(errno));
	} else if (S_ISREG(st->st_mode)) {
		copy_file(path, to, st->st_mode);
	}
	return 0;
}

/* Make dir hold exactly what the setup left. */
static void reset_dir(const char *dir)
{
	empty_dir(dir);
	copy_dest = dir;
	nftw(start_dir, copy_entry, 16, FTW_PHYS);
}

static void rm_tree(const char *dir)
{
	empty_dir(dir);
	rmdir(dir);
}

static uint64_t *sample_list;

static void cleanup(void)
{
	for (unsigned i = 0; i < MAX_JOBS; i++)
		if (slots[i].pid > 0)
			kill(-slots[i].pid, SIGKILL);
	if (root[0])
		rm_tree(root);
	root[0] = '\0';
	free_made();
	free(sample_list);
	sample_list = NULL;
}

/* ---- environments */

static bool ours(const char *e)
{
	return !strncmp(e, "SYNCMAP_STRICT", 14) || !strncmp(e, "SYNCMAP_CRASHTEST_", 18);
}

/* environ without our variables, with room for extra more. */
static char **base_env(size_t extra, size_t *n)
{
	size_t count = 0, k = 0;
	char **env;

	while (environ[count])
		count++;
	env = keep(calloc(count + extra + 1, sizeof(*env)));
	for (size_t i = 0; i < count; i++)
		if (!ours(environ[i]))
			env[k++] = environ[i];
	*n = k;
	return env;
}

/* Slots at the end of run_env and check_env, rewritten for every try. */
#define RUN_FIXED 4
static size_t run_base, check_base;

static void build_envs(void)
{
	run_env = base_env(RUN_FIXED + 8, &run_base);
	check_env = base_env(6, &check_base);
	run_env[run_base++] = "SYNCMAP_STRICT=1";
	if (o.evict) {
		run_env[run_base++] = xstrdup_printf("SYNCMAP_STRICT_EVICT=%s", o.evict);
		run_env[run_base++] = xstrdup_printf("SYNCMAP_STRICT_SEED=%" PRIu64, o.seed);
	}
}

/* The per-try part of each environment; the strings live in the slot's
 * child only, so static buffers are fine. */
static char **env_for_run(const struct slot *s)
{
	static char crash[64], report[4200], point[64];
	size_t k = run_base;

	if (s->res.point) {
		snprintf(crash, sizeof(crash), "SYNCMAP_STRICT_CRASH=%" PRIu64, s->res.point);
		run_env[k++] = crash;
	}
	snprintf(report, sizeof(report), "SYNCMAP_STRICT_REPORT=%s", s->report);
	run_env[k++] = report;
	snprintf(point, sizeof(point), "SYNCMAP_CRASHTEST_POINT=%" PRIu64, s->res.point);
	run_env[k++] = point;
	run_env[k] = NULL;
	return run_env;
}

static char **env_for_check(const struct slot *s)
{
	static char point[64], done[64], out[4200];
	size_t k = check_base;
	uint64_t persisted = s->res.kind == CRASHED ? s->res.point - 1 : s->res.points;

	snprintf(point, sizeof(point), "SYNCMAP_CRASHTEST_POINT=%" PRIu64,
		 s->res.kind == CRASHED ? s->res.point : 0);
	snprintf(done, sizeof(done), "SYNCMAP_CRASHTEST_PERSISTED=%" PRIu64, persisted);
	snprintf(out, sizeof(out), "SYNCMAP_CRASHTEST_STDOUT=%s", s->run_out);
	check_env[k++] = point;
	check_env[k++] = done;
	check_env[k++] = out;
	check_env[k] = NULL;
	return check_env;
}

/* ---- processes */

/*
 * A command of plain words (no quoting, redirection, variables or
 * globbing) is run without a shell: one exec less per try, which is most
 * of what a try costs.  Returns the number of words, 0 for "use sh".
 */
#define MAX_WORDS 64

static int plain_words(const char *cmd, char *buf, size_t size, char **argv)
{
	int n = 0;
	char *p;

	if (strlen(cmd) >= size || strspn(cmd, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					  "0123456789_/.,:+@%- ") != strlen(cmd))
		return 0;
	strcpy(buf, cmd);
	for (p = strtok(buf, " "); p && n < MAX_WORDS; p = strtok(NULL, " "))
		argv[n++] = p;
	argv[n] = NULL;
	return p ? 0 : n;
}

static void exec_command(const char *cmd, char **env)
{
	static char buf[8192];
	char *argv[MAX_WORDS + 1];

	if (plain_words(cmd, buf, sizeof(buf), argv) > 0) {
		environ = env;
		execvp(argv[0], argv);
		_exit(127);
	}
	execve("/bin/sh", (char *[]){ "sh", "-c", (char *)cmd, NULL }, env);
	_exit(127);
}

/* Run cmd in dir, its output to out (and its errors to err, or to out). */
static pid_t spawn(const char *cmd, const char *dir, const char *out, const char *err,
		   char **env)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int efd = err ? open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600) : fd;
		int in = open("/dev/null", O_RDONLY);
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setpgid(0, 0);
		if (fd < 0 || efd < 0 || in < 0 || chdir(dir) < 0)
			_exit(126);
		dup2(in, 0);
		dup2(fd, 1);
		dup2(efd, 2);
		exec_command(cmd, env);
	}
	setpgid(pid, pid);
	return pid;
}

/* Run cmd to its end (the setup); its status. */
static int run_blocking(const char *cmd, const char *dir, const char *out)
{
	pid_t pid;
	int st;

	check_env[check_base] = NULL;
	pid = spawn(cmd, dir, out, NULL, check_env);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die("waitpid: %s", strerror(errno));
	return st;
}

static void show_file(const char *path, const char *indent, unsigned max_lines)
{
	char line[1024];
	unsigned n = 0, all = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		all++;
	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		if (all > max_lines && n++ < all - max_lines)
			continue;
		printf("%s%s", indent, line);
		if (!strchr(line, '\n'))
			putchar('\n');
	}
	fclose(f);
}

static const char *status_text(int st, char *buf, size_t size)
{
	if (WIFEXITED(st))
		snprintf(buf, size, "exit status %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, size, "killed by signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
	else
		snprintf(buf, size, "status %#x", st);
	return buf;
}

/* ---- one try: run, read the report, check */

static void start(struct slot *s, uint64_t point)
{
	int fd;

	memset(&s->res, 0, sizeof(s->res));
	s->res.point = point;
	reset_dir(s->dir);
	fd = open(s->report, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		die("cannot create %s: %s", s->report, strerror(errno));
	close(fd);
	s->pid = spawn(o.run, s->dir, s->run_out, s->run_err, env_for_run(s));
	s->phase = RUNNING;
	s->deadline = now() + o.timeout;
}

static bool read_header(const struct slot *s, struct sm_report *h)
{
	int fd = open(s->report, O_RDONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = pread(fd, h, sizeof(*h), 0) == (ssize_t)sizeof(*h) && h->magic == SM_REPORT_MAGIC;
	close(fd);
	return ok;
}

/* What the run did: crashed at its point, completed, or neither. */
static void classify(struct slot *s, int st)
{
	struct result *r = &s->res;
	struct sm_report h;
	char buf[96];

	r->run_status = st;
	if (r->timed_out) {
		r->kind = COMPLETE;
		r->failed = true;
		snprintf(r->why, sizeof(r->why), "the run did not end within %u s", o.timeout);
		return;
	}
	if (!read_header(s, &h)) {
		r->kind = BROKEN;
		snprintf(r->why, sizeof(r->why),
			 "the run opened no mapping in strict mode (%s): does the command start "
			 "the program, and is it linked with libsyncmap?", status_text(st, buf, sizeof(buf)));
		return;
	}
	r->points = h.points;
	evicted += h.evicted;
	if (r->point && h.crashed_at == r->point) {
		r->kind = CRASHED;
	} else if (h.crashed_at == 0 && (r->point == 0 || h.points < r->point)) {
		r->kind = COMPLETE;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			r->failed = true;
			snprintf(r->why, sizeof(r->why), "the run itself failed (%s) without a crash",
				 status_text(st, buf, sizeof(buf)));
		}
	} else {
		r->kind = BROKEN;
		snprintf(r->why, sizeof(r->why),
			 "the run passed %" PRIu64 " points but did not stop at point %" PRIu64
			 " (%s): does the command clear the environment?", h.points, r->point,
			 status_text(st, buf, sizeof(buf)));
	}
}

static void verbose_line(const struct slot *s)
{
	const struct result *r = &s->res;

	if (!o.verbose)
		return;
	if (r->kind == COMPLETE)
		printf("complete run (%" PRIu64 " points): %s\n", r->points, r->failed ? "FAIL" : "ok");
	else
		printf("crash point %" PRIu64 ": %s\n", r->point, r->failed ? "FAIL" : "ok");
	fflush(stdout);
}

static void record(struct slot *s)
{
	struct result *r = &s->res;

	s->phase = IDLE;
	s->pid = 0;
	if (r->kind == BROKEN) {
		if (!broken++) {
			broken_res = *r;
			rename(s->run_err, xstrdup_printf("%s/broken.run", root));
		}
		return;
	}
	if (r->kind == COMPLETE) {
		if (have_complete)
			return;	/* a second try past the end says the same */
		have_complete = true;
		complete_ok = !r->failed;
		total = r->points;
		have_total = true;
	}
	tried++;
	passed += !r->failed;
	if (r->kind == CRASHED && r->point > last_tried)
		last_tried = r->point;
	verbose_line(s);
	if (r->failed) {
		/* The complete run comes after every crash point. */
		uint64_t key = r->kind == COMPLETE ? UINT64_MAX : r->point;
		uint64_t cur = first_fail.kind == COMPLETE ? UINT64_MAX : first_fail.point;

		if (!have_fail || key < cur) {
			first_fail = *r;
			/* Keep the evidence of the first failure. */
			rename(s->report, xstrdup_printf("%s/fail.report", root));
			rename(s->run_err, xstrdup_printf("%s/fail.run", root));
			rename(s->check_out, xstrdup_printf("%s/fail.check", root));
		}
		have_fail = true;
	}
}

/* Set while the run before the first failure is repeated for its site. */
static bool probing;

static void finished(struct slot *s, int st)
{
	if (probing) {
		rename(s->report, xstrdup_printf("%s/prev.report", root));
		s->phase = IDLE;
		s->pid = 0;
		return;
	}
	if (s->phase == RUNNING) {
		classify(s, st);
		if (s->res.kind == BROKEN || s->res.failed ||
		    (s->res.kind == COMPLETE && have_complete)) {
			record(s);
			return;
		}
		s->pid = spawn(o.check, s->dir, s->check_out, NULL, env_for_check(s));
		s->phase = CHECKING;
		s->deadline = now() + o.timeout;
		return;
	}
	s->res.check_status = st;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		s->res.failed = true;
	record(s);
}

static void timed_out(struct slot *s)
{
	kill(-s->pid, SIGKILL);
	s->res.timed_out = true;
}

/* ---- the schedule */

static size_t sample_n, sample_next;
static uint64_t sweep_next;
static uint64_t stop_after = UINT64_MAX;	/* no point above this is started */

static bool next_point(uint64_t *p)
{
	uint64_t limit = stop_after;

	if (have_total && total + 1 < limit)
		limit = total + 1;
	if (sample_list) {
		if (sample_next >= sample_n || sample_list[sample_next] > limit)
			return false;
		*p = sample_list[sample_next++];
		return true;
	}
	if (sweep_next > limit || sweep_next > o.to || sweep_next == 0)
		return false;
	*p = sweep_next++;
	return true;
}

static unsigned busy(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < o.jobs; i++)
		n += slots[i].phase != IDLE;
	return n;
}

static struct slot *by_pid(pid_t pid)
{
	for (unsigned i = 0; i < o.jobs; i++)
		if (slots[i].phase != IDLE && slots[i].pid == pid)
			return &slots[i];
	return NULL;
}

/* Wait for a child to end, or the nearest deadline. */
static void wait_some(void)
{
	double next = 0, t;
	struct timespec ts;
	sigset_t set;
	int st;
	pid_t pid;

	for (unsigned i = 0; i < o.jobs; i++)
		if (slots[i].phase != IDLE && (next == 0 || slots[i].deadline < next))
			next = slots[i].deadline;
	t = next - now();
	if (t < 0.001)
		t = 0.001;
	ts.tv_sec = (time_t)t;
	ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	st = sigtimedwait(&set, NULL, &ts);
	if (st == SIGINT || st == SIGTERM || st == SIGHUP) {
		/* Stopped from outside: leave no tries and no files behind. */
		fprintf(stderr, "syncmap-crashtest: %s, stopping\n", strsignal(st));
		cleanup();
		exit(2);
	}
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		struct slot *s = by_pid(pid);

		if (s)
			finished(s, st);
	}
	for (unsigned i = 0; i < o.jobs; i++)
		if (slots[i].phase != IDLE && !slots[i].res.timed_out && now() > slots[i].deadline)
			timed_out(&slots[i]);
}

/* Points above a failure need not finish, unless every one is wanted. */
static void prune(void)
{
	if (!have_fail || o.keep_going)
		return;
	stop_after = first_fail.kind == COMPLETE ? UINT64_MAX : first_fail.point;
	for (unsigned i = 0; i < o.jobs; i++) {
		struct slot *s = &slots[i];

		if (s->phase != IDLE && s->res.point > stop_after) {
			kill(-s->pid, SIGKILL);
			waitpid(s->pid, NULL, 0);
			s->phase = IDLE;
			s->pid = 0;
		}
	}
}

static void run_schedule(void)
{
	uint64_t p;

	for (;;) {
		prune();
		if (broken)
			break;
		for (unsigned i = 0; i < o.jobs; i++)
			if (slots[i].phase == IDLE && next_point(&p))
				start(&slots[i], p);
		if (busy() == 0)
			break;
		wait_some();
	}
	/* Let the tries in flight end before the directory goes. */
	while (busy())
		wait_some();
}

/* The seeded sample: k distinct points of 1..n, ascending. */
static uint64_t rng_state;

static uint64_t rng(void)
{
	uint64_t x = (rng_state += 0x9e3779b97f4a7c15ULL);

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static void make_sample(uint64_t n, uint64_t k)
{
	uint64_t chosen = 0;

	sample_list = calloc(k ? k : 1, sizeof(*sample_list));
	if (!sample_list)
		die("out of memory");
	rng_state = o.seed;
	/* Selection sampling: each point is taken with the probability that
	 * leaves exactly k, in order. */
	for (uint64_t i = 1; i <= n && chosen < k; i++)
		if (rng() % (n - i + 1) < k - chosen)
			sample_list[chosen++] = i;
	sample_n = chosen;
}

/* ---- the report of a failure: where its persist was called */

static int elf_type(const char *path)
{
	Elf64_Ehdr eh;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, &eh, sizeof(eh));

	if (fd >= 0)
		close(fd);
	return n == (ssize_t)sizeof(eh) ? eh.e_type : -1;
}

/* addr2line's answer for one address: "func at file:line" lines. */
static bool symbolize(const char *mod, uintptr_t addr, char *out, size_t size)
{
	char arg[32];
	int pfd[2];
	ssize_t n, got = 0;
	pid_t pid;

	snprintf(arg, sizeof(arg), "%#lx", (unsigned long)addr);
	if (pipe(pfd) < 0)
		return false;
	pid = fork();
	if (pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		execlp("addr2line", "addr2line", "-f", "-i", "-C", "-p", "-e", mod, arg, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	while (pid > 0 && (n = read(pfd[0], out + got, size - 1 - (size_t)got)) > 0)
		got += n;
	close(pfd[0]);
	out[got > 0 ? got : 0] = '\0';
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return got > 0 && strncmp(out, "??", 2) != 0;
}

struct frame {
	bool lib;
	char mod[1024];
	uintptr_t addr, base;
	char where[2048];
};

static size_t read_frames(const char *report, struct frame *f, size_t max, char *head,
			  size_t head_size)
{
	char line[2048], kind[8];
	size_t n = 0;
	FILE *in = fopen(report, "r");

	head[0] = '\0';
	if (!in)
		return 0;
	fseek(in, SM_REPORT_HEADER, SEEK_SET);
	while (fgets(line, sizeof(line), in) && n < max) {
		unsigned long a, b;

		if (sscanf(line, "frame %7s %1023s %lx %lx", kind, f[n].mod, &a, &b) == 4) {
			f[n].lib = !strcmp(kind, "lib");
			f[n].addr = a;
			f[n].base = b;
			n++;
		} else if (!strncmp(line, "about to write", 14) && !head[0]) {
			snprintf(head, head_size, "%.400s", line);
		}
	}
	fclose(in);
	return n;
}

static bool is_runtime(const char *mod)
{
	return strstr(mod, "/libc.so") || strstr(mod, "/ld-linux") || strstr(mod, "/libpthread");
}

/* The frames that belong to the program: past the library's own. */
static size_t program_frames(struct frame *f, size_t n, size_t *first)
{
	size_t i = 0, k;
	bool any_lib = false;

	for (k = 0; k < n; k++)
		any_lib |= f[k].lib;
	for (k = 0; k < n; k++) {
		int t = elf_type(f[k].mod);
		uintptr_t a = (t == ET_DYN ? f[k].addr - f[k].base : f[k].addr) - 1;

		if (!symbolize(f[k].mod, a, f[k].where, sizeof(f[k].where)))
			snprintf(f[k].where, sizeof(f[k].where), "%s+%#lx\n", f[k].mod,
				 (unsigned long)(f[k].addr - f[k].base));
	}
	if (any_lib) {
		/* Before the library's frames there may be a sanitizer's
		 * interceptor of backtrace(); skip both. */
		while (i < n && !f[i].lib)
			i++;
		while (i < n && f[i].lib)
			i++;
	} else {
		/* Linked statically: past the outermost syncmap_ call. */
		for (k = 0; k < n; k++)
			if (!strncmp(f[k].where, "syncmap_", 8))
				i = k + 1;
	}
	*first = i;
	for (k = i; k < n && !is_runtime(f[k].mod); k++)
		;
	return k - i;
}

static void show_site(const char *report, const char *what, bool head_too)
{
	static struct frame f[MAX_FRAMES];
	char head[512], *nl;
	size_t n = read_frames(report, f, MAX_FRAMES, head, sizeof(head)), first, shown;

	if ((nl = strchr(head, '\n')))
		*nl = '\0';
	if (head[0] && head_too)
		printf("  the process stopped %s\n", head);
	if (n == 0)
		return;
	shown = program_frames(f, n, &first);
	printf("  %s\n", what);
	for (size_t k = first; k < first + shown && k < first + SHOW_FRAMES; k++) {
		char *line = strtok(f[k].where, "\n");

		for (; line; line = strtok(NULL, "\n"))
			printf("    %s\n", line);
	}
}

static char *shell_quote(const char *s)
{
	size_t n = 3;
	char *q, *p;

	for (const char *c = s; *c; c++)
		n += *c == '\'' ? 4 : 1;
	q = p = keep(malloc(n));
	*p++ = '\'';
	for (const char *c = s; *c; c++) {
		if (*c == '\'') {
			memcpy(p, "'\\''", 4);
			p += 4;
		} else {
			*p++ = *c;
		}
	}
	*p++ = '\'';
	*p = '\0';
	return q;
}

static void report_failure(void)
{
	const struct result *r = &first_fail;
	char buf[96], path[4200];

	if (r->kind == COMPLETE)
		printf("syncmap-crashtest: the complete run (%" PRIu64 " persist points, no crash) "
		       "fails the check\n", r->points);
	else
		printf("syncmap-crashtest: crash point %" PRIu64 "%s fails the check\n", r->point,
		       have_total ? xstrdup_printf(" of %" PRIu64, total) : "");
	if (r->why[0])
		printf("  %s\n", r->why);
	else if (r->timed_out)
		printf("  the check did not end within %u s\n", o.timeout);
	else
		printf("  the check ended with %s\n", status_text(r->check_status, buf, sizeof(buf)));
	pathf(path, sizeof(path), "%s/fail.report", root);
	if (r->kind == CRASHED)
		show_site(path, "the persist it stopped in was called from:", true);
	pathf(path, sizeof(path), "%s/prev.report", root);
	if (r->kind == CRASHED && r->point > 1 && access(path, R_OK) == 0)
		show_site(path, xstrdup_printf("the last persist that reached the file (point %" PRIu64
					       ") was called from:", r->point - 1), false);
	pathf(path, sizeof(path), "%s/fail.check", root);
	printf("  the check said:\n");
	show_file(path, "    ", 12);
	if (r->why[0]) {
		pathf(path, sizeof(path), "%s/fail.run", root);
		printf("  the run said:\n");
		show_file(path, "    ", 12);
	}
	printf("  to reproduce, from a copy of the files the setup makes:\n");
	printf("    SYNCMAP_STRICT=1 SYNCMAP_STRICT_CRASH=%" PRIu64 "%s sh -c %s; sh -c %s\n",
	       r->point, o.evict ? xstrdup_printf(" SYNCMAP_STRICT_EVICT=%s SYNCMAP_STRICT_SEED=%"
						  PRIu64, o.evict, o.seed) : "",
	       shell_quote(o.run), shell_quote(o.check));
}

/* ---- options */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: syncmap-crashtest [OPTIONS] --run CMD --check CMD\n"
		"Run CMD in strict mode, stopped at persist point 1, 2, 3 ... as a power cut\n"
		"would stop it, and after each stop run the check, which must exit 0.\n"
		"  -r, --run CMD       the program under test (run by /bin/sh -c)\n"
		"  -c, --check CMD     the recovery check, run without strict mode\n"
		"  -s, --setup CMD     make the starting files, once; every try starts from a copy\n"
		"  -p, --points A-B    try points A to B (A-: from A to the end; default 1-)\n"
		"  -n, --sample K      try K points chosen at random (seeded) among all of them\n"
		"  -S, --seed S        seed of the sample and of eviction (default 1)\n"
		"  -e, --evict RATE    also write unpersisted lines at random (SYNCMAP_STRICT_EVICT)\n"
		"  -j, --jobs N        tries run at once (default: the CPUs online)\n"
		"  -k, --keep-going    try every point, not only up to the first failure\n"
		"  -t, --timeout SEC   a run or check taking longer fails (default 120)\n"
		"  -d, --dir DIR       where the working files go (default /dev/shm, else $TMPDIR)\n"
		"  -v, --verbose       a line per point\n"
		"Commands run in a fresh directory holding a copy of what the setup made.\n"
		"Exit status: 0 all passed, 1 a point failed, 2 the test could not run.\n");
}

static uint64_t number(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-')
		die("%s: not a number: %s", what, s);
	return (uint64_t)v;
}

static void parse_points(const char *s)
{
	const char *dash = strchr(s, '-');
	char a[32];

	if (!dash) {
		o.from = o.to = number(s, "--points");
	} else {
		snprintf(a, sizeof(a), "%.*s", (int)(dash - s), s);
		o.from = number(a, "--points");
		o.to = dash[1] ? number(dash + 1, "--points") : UINT64_MAX;
	}
	if (o.from == 0 || o.to < o.from)
		die("--points %s: give A-B with 1 <= A <= B", s);
}

static void parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "run", 1, NULL, 'r' }, { "check", 1, NULL, 'c' }, { "setup", 1, NULL, 's' },
		{ "points", 1, NULL, 'p' }, { "sample", 1, NULL, 'n' }, { "seed", 1, NULL, 'S' },
		{ "evict", 1, NULL, 'e' }, { "jobs", 1, NULL, 'j' }, { "keep-going", 0, NULL, 'k' },
		{ "timeout", 1, NULL, 't' }, { "dir", 1, NULL, 'd' }, { "verbose", 0, NULL, 'v' },
		{ "help", 0, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "r:c:s:p:n:S:e:j:kt:d:vh", lo, NULL)) != -1) {
		switch (c) {
		case 'r': o.run = optarg; break;
		case 'c': o.check = optarg; break;
		case 's': o.setup = optarg; break;
		case 'p': parse_points(optarg); break;
		case 'n': o.sample = number(optarg, "--sample"); break;
		case 'S': o.seed = number(optarg, "--seed"); break;
		case 'e': o.evict = optarg; break;
		case 'j': o.jobs = (unsigned)number(optarg, "--jobs"); break;
		case 'k': o.keep_going = true; break;
		case 't': o.timeout = (unsigned)number(optarg, "--timeout"); break;
		case 'd': o.dir = optarg; break;
		case 'v': o.verbose = true; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (!o.run || !o.check || optind != argc) {
		usage(stderr);
		exit(2);
	}
	if (o.sample && (o.from != 1 || o.to != UINT64_MAX))
		die("--sample and --points do not go together");
	if (o.jobs == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		o.jobs = n > 0 ? (unsigned)n : 1;
	}
	if (o.jobs > MAX_JOBS)
		o.jobs = MAX_JOBS;
	if (o.timeout == 0)
		die("--timeout must be at least 1");
}

static const char *default_dir(void)
{
	const char *t = getenv("TMPDIR");

	if (access("/dev/shm", W_OK | X_OK) == 0)
		return "/dev/shm";
	return t && *t ? t : "/tmp";
}

static void make_dirs(void)
{
	pathf(root, sizeof(root), "%s/syncmap-crashtest.XXXXXX", o.dir ? o.dir : default_dir());
	if (!mkdtemp(root)) {
		int e = errno;

		root[0] = '\0';
		die("cannot create a directory under %s: %s", o.dir ? o.dir : default_dir(),
		    strerror(e));
	}
	pathf(start_dir, sizeof(start_dir), "%s/start", root);
	if (mkdir(start_dir, 0700) < 0)
		die("cannot create %s: %s", start_dir, strerror(errno));
	for (unsigned i = 0; i < o.jobs; i++) {
		struct slot *s = &slots[i];

		pathf(s->dir, sizeof(s->dir), "%s/try%u", root, i);
		pathf(s->report, sizeof(s->report), "%s/try%u.report", root, i);
		pathf(s->run_out, sizeof(s->run_out), "%s/try%u.out", root, i);
		pathf(s->run_err, sizeof(s->run_err), "%s/try%u.err", root, i);
		pathf(s->check_out, sizeof(s->check_out), "%s/try%u.check", root, i);
		if (mkdir(s->dir, 0700) < 0)
			die("cannot create %s: %s", s->dir, strerror(errno));
	}
}

static void do_setup(void)
{
	char out[4200], buf[96];
	int st;

	if (!o.setup)
		return;
	pathf(out, sizeof(out), "%s/setup.out", root);
	st = run_blocking(o.setup, start_dir, out);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		printf("syncmap-crashtest: the setup failed (%s):\n", status_text(st, buf, sizeof(buf)));
		show_file(out, "    ", 20);
		cleanup();
		exit(2);
	}
}

static void summary(double secs)
{
	char range[96];

	if (sample_list)
		snprintf(range, sizeof(range), "%zu sampled (seed %" PRIu64 ") of %" PRIu64,
			 sample_n, o.seed, total);
	else
		snprintf(range, sizeof(range), "%" PRIu64 "-%" PRIu64, o.from, last_tried);
	printf("syncmap-crashtest: %s: %" PRIu64 " tries (crash points %s%s)%s%s, %" PRIu64
	       " passed, %.1f s, %u jobs\n",
	       have_fail ? "FAIL" : "PASS", tried, range,
	       have_complete ? " and the complete run" : "",
	       have_total ? xstrdup_printf(", %" PRIu64 " points in all", total) : "",
	       o.evict ? xstrdup_printf(", eviction %s (%" PRIu64 " lines written)", o.evict,
				    evicted) : "", passed, secs, o.jobs);
}

int main(int argc, char **argv)
{
	sigset_t set;
	double t0 = now();

	parse_args(argc, argv);
	/* Children are waited for with sigtimedwait, and so are the signals
	 * that stop the tool, so that it can clean up first. */
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	make_dirs();
	build_envs();
	do_setup();
	sweep_next = o.from;
	if (o.sample) {
		/* Count the points first: a run without a crash point. */
		start(&slots[0], 0);
		while (busy())
			wait_some();
		if (!broken && have_total)
			make_sample(total, o.sample);
	}
	if (!broken && !(o.sample && have_fail))
		run_schedule();
	if (broken) {
		char path[4200];

		printf("syncmap-crashtest: cannot test: %s\n", broken_res.why);
		pathf(path, sizeof(path), "%s/broken.run", root);
		show_file(path, "    ", 12);
		cleanup();
		return 2;
	}
	if (have_fail && first_fail.kind == CRASHED && first_fail.point > 1) {
		/* Between that persist and this one is where the bug shows. */
		probing = true;
		start(&slots[0], first_fail.point - 1);
		while (busy())
			wait_some();
	}
	if (have_fail)
		report_failure();
	summary(now() - t0);
	cleanup();
	return have_fail ? 1 : 0;
}

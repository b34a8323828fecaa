/* SPDX-License-Identifier: MIT */
/*
 * syncmap-bench: libsyncmap against the raw instructions, libpmem,
 * libpmem2 and msync, all in one process on the same memory.
 *
 *   syncmap-bench [--json] [--quick] [--dir DIR] [--cpu-dir DIR]
 *   syncmap-bench --fault DIR [--json] [--rounds N]
 *   syncmap-bench --journal [--json] [--quick] [--dir DIR]
 *   syncmap-bench --extend [--json] [--quick] [--dir DIR]
 *   syncmap-bench --libpmem LIBDIR [--json] [--quick] [--cpu-dir DIR]
 *   syncmap-bench --grow [--json] [--quick] [--dir DIR]
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: syncmap-bench [--json] [--quick] [--dir DIR] [--cpu-dir DIR]\n"
		"       syncmap-bench --fault DIR [--json] [--quick] [--rounds N]\n"
		"       syncmap-bench --journal [--json] [--quick] [--dir DIR]\n"
		"       syncmap-bench --extend [--json] [--quick] [--dir DIR]\n"
		"       syncmap-bench --libpmem LIBDIR [--json] [--quick] [--cpu-dir DIR]\n"
		"       syncmap-bench --grow [--json] [--quick] [--dir DIR]\n"
		"\n"
		"  --json       one JSON object per line instead of a table\n"
		"  --quick      fewer and shorter repetitions (a smoke test)\n"
		"  --dir DIR    where the page-path file goes (default /var/tmp)\n"
		"  --cpu-dir DIR  where the cache-line-path file goes (default /dev/shm);\n"
		"               without MAP_SYNC there the path is forced and NOT durable\n"
		"  --fault DIR  only case 6: 512 first-touch write faults on files in DIR\n"
		"               (a DAX file system to mean anything)\n"
		"  --rounds N   fault runs per configuration (default 3, the median is shown)\n"
		"  --journal    only the journaled page path (SYNCMAP_JOURNAL) against msync,\n"
		"               the page batch, libpmem2 at PAGE and raw O_DSYNC writes, on\n"
		"               64 MiB files in DIR (--dir: a real disk)\n"
		"  --extend     only journaled opens that extend a file in DIR by 1 MiB: the\n"
		"               open, persist and close, and what an fdatasync of the new\n"
		"               size would add\n"
		"  --libpmem LIBDIR  libsyncmap's libpmem.so.1 in LIBDIR against the system's\n"
		"               libpmem: persist, flush+drain, memcpy with 1, 16, 1024 mappings\n"
		"  --grow       only syncmap_grow() by 1 MiB, 64 MiB and 1 GiB against the\n"
		"               fallocate + mmap(MAP_FIXED) it needs, and 64 B appends into a\n"
		"               mapping that grows against one sized in advance, in DIR\n"
		"  --fixed N    no timing: run each single-threaded entry once, N iterations,\n"
		"               with a callgrind dump per entry (see bench/callgrind.sh)\n");
}

static void on_log(void *arg, int level, const char *msg)
{
	(void)arg;
	(void)level;
	fprintf(stderr, "libsyncmap: %s\n", msg);
}

static const char *default_cpu_dir(void)
{
	return access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/var/tmp";
}

/*
 * CPU-path samples are short and many: on a shared machine a sample of
 * milliseconds nearly always includes a preemption and measures the other
 * tenants, while one of a quarter millisecond mostly runs undisturbed and
 * the median picks those.
 */
static void set_effort(struct bench_opts *o)
{
	o->reps_cpu = o->quick ? 21 : 63;
	o->sample_ns_cpu = 250000;
	o->reps_page = o->quick ? 3 : 9;
	o->sample_ns_page = o->quick ? 2000000 : 20000000;
	/* The journal cases wait on a disk whose latency varies from one
	 * moment to the next on a shared host: more and longer samples. */
	o->reps_journal = o->quick ? 3 : 15;
	o->sample_ns_journal = o->quick ? 2000000 : 40000000;
	if (!o->fault_rounds)
		o->fault_rounds = o->quick ? 1 : 3;
}

static int parse(int argc, char **argv, struct bench_opts *o)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "quick", no_argument, NULL, 'q' },
		{ "dir", required_argument, NULL, 'd' },
		{ "cpu-dir", required_argument, NULL, 'c' },
		{ "fault", required_argument, NULL, 'f' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "fixed", required_argument, NULL, 'x' },
		{ "journal", no_argument, NULL, 'J' },
		{ "extend", no_argument, NULL, 'E' },
		{ "libpmem", required_argument, NULL, 'L' },
		{ "grow", no_argument, NULL, 'G' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	*o = (struct bench_opts){ .dir = "/var/tmp", .cpu_dir = default_cpu_dir() };
	while ((c = getopt_long(argc, argv, "jqd:c:f:r:x:JEGL:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': o->json = true; break;
		case 'q': o->quick = true; break;
		case 'd': o->dir = optarg; break;
		case 'c': o->cpu_dir = optarg; break;
		case 'f': o->fault_dir = optarg; break;
		case 'r': o->fault_rounds = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'x': o->fixed = strtoull(optarg, NULL, 10); break;
		case 'J': o->journal = true; break;
		case 'E': o->extend = true; break;
		case 'L': o->libpmem_dir = optarg; break;
		case 'G': o->grow = true; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -EINVAL;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return -EINVAL;
	}
	set_effort(o);
	return 0;
}

int main(int argc, char **argv)
{
	struct bench_opts o;
	struct bench_files f;
	int r;

	if (parse(argc, argv, &o) < 0)
		return 2;
	syncmap_set_log(on_log, NULL, SYNCMAP_LOG_ERR);
	if (o.fault_dir)
		return bench_fault(&o) < 0 ? 1 : 0;
	if (o.journal)
		return bench_journal(&o) < 0 ? 1 : 0;
	if (o.extend)
		return bench_extend(&o) < 0 ? 1 : 0;
	if (o.libpmem_dir)
		bench_libpmem_reexec(argv);
	if (o.libpmem_dir)
		return bench_libpmem(&o, o.libpmem_dir) < 0 ? 1 : 0;
	if (o.grow)
		return bench_grow(&o) < 0 ? 1 : 0;
	bench_set_fixed(o.fixed);
	r = bench_files_open(&f, &o);
	if (r < 0)
		return 1;
	report_header(&o, &f);
	r = bench_cases_run(&f, &o);
	if (r == 0 && !o.fixed)
		report_targets(o.json);
	bench_files_close(&f);
	return r < 0 ? 1 : 0;
}

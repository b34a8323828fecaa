/* SPDX-License-Identifier: MIT */
/*
 * syncmap-probe - tell what durable mapping a path can get, and why.
 *
 *   syncmap-probe [--json] PATH...
 *
 * One report per path: a readable summary, or with --json one JSON object
 * per line.  The exit status is 0 when every path could be examined, 1
 * when one could not (it does not exist and neither does its directory,
 * it is a directory, it cannot be opened), 2 on a usage error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <syncmap.h>

static void usage(FILE *f)
{
	fprintf(f,
		"usage: syncmap-probe [--json] PATH...\n"
		"Report whether each PATH can be mapped with MAP_SYNC, at which\n"
		"granularity it persists, and what to change when it cannot.\n"
		"A PATH that does not exist yet is examined through its directory.\n");
}

static int print_report(const struct syncmap_probe *p, unsigned flags)
{
	int n = syncmap_probe_format(p, flags, NULL, 0);
	char *buf;

	if (n < 0)
		return n;
	buf = malloc((size_t)n + 1);
	if (!buf)
		return -ENOMEM;
	n = syncmap_probe_format(p, flags, buf, (size_t)n + 1);
	if (n >= 0)
		printf("%s%s", buf, (flags & SYNCMAP_PROBE_JSON) ? "\n" : "");
	free(buf);
	return n < 0 ? n : 0;
}

static int probe_one(const char *path, unsigned flags)
{
	struct syncmap_probe *p;
	int r = syncmap_probe(path, &p);

	if (r < 0) {
		const char *why = syncmap_last_advice();

		fprintf(stderr, "syncmap-probe: %s: %s\n", path,
			why && *why ? why : strerror(-r));
		return r;
	}
	r = print_report(p, flags);
	if (r < 0)
		fprintf(stderr, "syncmap-probe: %s: cannot format the report: %s\n",
			path, strerror(-r));
	syncmap_probe_free(p);
	return r;
}

/* Strict mode wraps every open of this environment in a test mode the
 * report does not describe: say so, where it cannot be missed. */
static void strict_note(void)
{
	const char *v = getenv("SYNCMAP_STRICT");

	if (v && *v && strcmp(v, "0"))
		fprintf(stderr, "syncmap-probe: SYNCMAP_STRICT=%s is set: every writable open in this "
			"environment is in strict mode, a test mode (cause strict_mode) over the "
			"path reported below; unset it to measure or to run for real\n", v);
}

int main(int argc, char **argv)
{
	unsigned flags = 0;
	int i, first = 1, status = 0;

	for (; first < argc && argv[first][0] == '-' && argv[first][1]; first++) {
		if (!strcmp(argv[first], "--json")) {
			flags |= SYNCMAP_PROBE_JSON;
		} else if (!strcmp(argv[first], "--help") || !strcmp(argv[first], "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[first], "--")) {
			first++;
			break;
		} else {
			fprintf(stderr, "syncmap-probe: unknown option %s\n", argv[first]);
			usage(stderr);
			return 2;
		}
	}
	if (first >= argc) {
		usage(stderr);
		return 2;
	}
	strict_note();
	for (i = first; i < argc; i++) {
		if (!(flags & SYNCMAP_PROBE_JSON) && i > first)
			putchar('\n');
		if (probe_one(argv[i], flags) < 0)
			status = 1;
	}
	return status;
}

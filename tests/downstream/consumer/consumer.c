/* SPDX-License-Identifier: MIT */
/*
 * A program outside the project that uses the installed library: it must
 * compile against the installed header, link with what pkg-config (or
 * Meson) says, and run.
 *
 * consumer FILE VERSION: persist a record in FILE, check that the library
 * it runs with is VERSION, print what it got.
 */
#include <stdio.h>
#include <string.h>

#include <syncmap.h>

int main(int argc, char **argv)
{
	static const char rec[] = "downstream";
	struct syncmap *m;
	int r;

	if (argc != 3) {
		fprintf(stderr, "usage: consumer FILE VERSION\n");
		return 2;
	}
	if (strcmp(syncmap_version(), argv[2]) != 0) {
		fprintf(stderr, "consumer: running with libsyncmap %s, expected %s\n",
			syncmap_version(), argv[2]);
		return 1;
	}
	r = syncmap_open(argv[1], SYNCMAP_CREATE, 0, 4096, &m);
	if (r < 0) {
		fprintf(stderr, "consumer: %s: %s (%s)\n", argv[1], strerror(-r),
			syncmap_last_advice());
		return 1;
	}
	r = syncmap_memcpy(m, syncmap_addr(m), rec, sizeof(rec), 0);
	printf("libsyncmap %s: %s granularity, cause %s, persist %s\n", syncmap_version(),
	       syncmap_granularity_name(syncmap_granularity(m)),
	       syncmap_cause_name(syncmap_cause(m)), r == 0 ? "ok" : strerror(-r));
	if (syncmap_close(m) < 0)
		r = -1;
	return r < 0;
}

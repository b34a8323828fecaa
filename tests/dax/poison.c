/* SPDX-License-Identifier: MIT */
/*
 * dax-poison FILE BADPAGE: FILE is on a DAX file system and page BADPAGE of
 * it lies on sectors the pmem disk lists as bad, so a fault there raises
 * SIGBUS.  Through the library's safe access that must become -EIO, the
 * other pages must read back intact, and the application's own SIGBUS
 * handler must still see a fault the application makes itself.
 *
 * Prints RESULT lines for the DAX harness; exits 0 unless it cannot run.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <syncmap.h>

#define PAGE 4096

static sigjmp_buf app_env;
static volatile sig_atomic_t app_faults;

static void app_handler(int sig)
{
	(void)sig;
	app_faults++;
	siglongjmp(app_env, 1);
}

static void result(const char *name, int ok, const char *detail)
{
	printf("RESULT %s %s %s\n", name, ok ? "PASS" : "FAIL", detail);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = app_handler };
	unsigned char buf[PAGE], want[PAGE];
	struct syncmap *m;
	unsigned char *p;
	char detail[512];
	long bad;
	int r;

	if (argc != 3)
		return 2;
	bad = strtol(argv[2], NULL, 10);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	r = syncmap_open(argv[1], SYNCMAP_REQUIRE_SYNC, 0, 0, &m);
	if (r < 0) {
		snprintf(detail, sizeof(detail), "open: %s: %s", strerror(-r), syncmap_last_advice());
		result("poison-open", 0, detail);
		return 0;
	}
	p = syncmap_addr(m);

	/* A good page reads back what was written before the poison. */
	memset(want, 0x5a, sizeof(want));
	r = syncmap_read_safe(m, buf, p, PAGE);
	snprintf(detail, sizeof(detail), "read_safe of page 0: %d", r);
	result("poison-good-page", r == 0 && !memcmp(buf, want, PAGE), detail);

	/* The poisoned page: -EIO, and the advice names the offset. */
	r = syncmap_read_safe(m, buf, p + bad * PAGE, PAGE);
	snprintf(detail, sizeof(detail), "read_safe of page %ld: %d (%s)", bad, r,
		 syncmap_last_advice());
	result("poison-read-eio", r == -EIO, detail);
	r = syncmap_write_safe(m, p + bad * PAGE, want, PAGE);
	snprintf(detail, sizeof(detail), "write_safe to page %ld: %d", bad, r);
	result("poison-write-eio", r == -EIO, detail);

	/* The application's own access still reaches its own handler. */
	if (sigsetjmp(app_env, 1) == 0)
		(void)*(volatile unsigned char *)(p + bad * PAGE + 64);
	snprintf(detail, sizeof(detail), "application handler saw %d fault(s)", (int)app_faults);
	result("poison-app-handler", app_faults == 1, detail);

	/* And the library is still usable on the good pages. */
	r = syncmap_write_safe(m, p, want, PAGE);
	snprintf(detail, sizeof(detail), "write_safe to page 0 after the faults: %d", r);
	result("poison-after", r == 0, detail);
	syncmap_close(m);
	return 0;
}

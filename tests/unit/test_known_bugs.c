/* SPDX-License-Identifier: MIT */
/*
 * Behaviour the library gets wrong today.  This program is built but is
 * not in the unit suite (see meson.build); each test moves to the file of
 * its concern once the library is fixed.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"
#include "mock.h"

/*
 * SYNCMAP_RDONLY on a FIFO blocks forever: open(O_RDONLY) of a FIFO waits
 * for a writer, before the library can see that it is not a file it can
 * map.  (Writable opens use O_RDWR, which does not wait, and get -EINVAL.)
 * Opening with O_NONBLOCK avoids the wait.  The open runs in a child so a
 * hang is a failure, not a hung suite.
 */
static void test_fifo_rdonly_does_not_block(void **state)
{
	const char *path = ut_path("fifo");
	int status = 0;
	pid_t pid;

	(void)state;
	unlink(path);
	assert_int_equal(mkfifo(path, 0600), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct syncmap *m = NULL;

		alarm(3);
		_exit(syncmap_open(path, SYNCMAP_RDONLY, 0, 0, &m) == -EINVAL ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	unlink(path);
	if (WIFSIGNALED(status))
		fail_msg("syncmap_open(FIFO, SYNCMAP_RDONLY) still blocked after 3 s");
	assert_int_equal(WEXITSTATUS(status), 0);
}

static int teardown(void **state)
{
	(void)state;
	ut_cleanup();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_fifo_rdonly_does_not_block, ut_setup),
	};

	return cmocka_run_group_tests(tests, ut_group_setup, teardown);
}

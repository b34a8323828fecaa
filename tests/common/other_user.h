/* SPDX-License-Identifier: MIT */
/*
 * Tests that run part of themselves as another user (root passes every
 * permission check, so a refusal can only be seen by someone else).  The
 * other user must be able to reach what it is given: a build tree inside a
 * 0700 directory (root's home, a mktemp -d) is out of its reach, so such
 * tests work in a scratch directory made here, whose every ancestor the
 * other user can search.
 */
#ifndef SYNCMAP_TEST_OTHER_USER_H
#define SYNCMAP_TEST_OTHER_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The other user: nobody/nogroup on Debian. */
#define OU_UID 65534
#define OU_GID 65534

/* What a scratch directory must also offer. */
#define OU_NEED_SUID (1u << 0)	/* set-user-ID bits are honoured there */

/*
 * Give up root for good (in a forked child): supplementary groups, then
 * the group, then the user.  0, or -errno of the call that failed.
 */
int ou_become_other(void);

/*
 * Make a fresh directory with the given mode under the first of $TMPDIR,
 * /var/tmp and /tmp where a child that became the other user can search
 * it (checked by doing so, not by reading modes), and that offers what
 * @need asks.  The path goes to buf.  Returns 0, or -1 with a sentence in
 * why that says what was tried and what was missing.  tc_remove_dir()
 * (files.h) removes it.
 */
int ou_scratch_dir(mode_t mode, unsigned need, char *buf, size_t size,
		   char *why, size_t whysize);

/* true if a child that became the other user can search dir. */
bool ou_can_reach(const char *dir);

#endif

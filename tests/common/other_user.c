/* SPDX-License-Identifier: MIT */
#include "other_user.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

int ou_become_other(void)
{
	if (setgroups(0, NULL) < 0 || setgid(OU_GID) < 0 || setuid(OU_UID) < 0)
		return -errno;
	/* Really gone: root could take it back otherwise. */
	if (setuid(0) == 0)
		return -EPERM;
	return 0;
}

bool ou_can_reach(const char *dir)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return false;
	if (pid == 0) {
		if (geteuid() == 0 && ou_become_other() < 0)
			_exit(2);
		_exit(access(dir, X_OK) == 0 ? 0 : 1);
	}
	if (waitpid(pid, &status, 0) != pid)
		return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void append(char *why, size_t size, const char *fmt, const char *arg)
{
	size_t n = strlen(why);

	if (n < size)
		snprintf(why + n, size - n, fmt, arg);
}

int ou_scratch_dir(mode_t mode, unsigned need, char *buf, size_t size,
		   char *why, size_t whysize)
{
	const char *tmpdir = getenv("TMPDIR");
	const char *bases[] = { tmpdir && *tmpdir ? tmpdir : NULL, "/var/tmp", "/tmp" };

	snprintf(why, whysize, "no scratch directory for the other user (uid %d):", OU_UID);
	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		struct statvfs vfs;

		if (!bases[i])
			continue;
		snprintf(buf, size, "%s/syncmap-other-XXXXXX", bases[i]);
		if (!mkdtemp(buf)) {
			append(why, whysize, " %s is not writable;", bases[i]);
			continue;
		}
		if (chmod(buf, mode) < 0) {
			append(why, whysize, " chmod in %s failed;", bases[i]);
		} else if (!ou_can_reach(buf)) {
			append(why, whysize, " %s is out of its reach;", bases[i]);
		} else if ((need & OU_NEED_SUID) &&
			   (statvfs(buf, &vfs) < 0 || (vfs.f_flag & ST_NOSUID))) {
			append(why, whysize, " %s is on a nosuid mount;", bases[i]);
		} else {
			why[0] = '\0';
			return 0;
		}
		rmdir(buf);
	}
	append(why, whysize, "%s", (need & OU_NEED_SUID) ?
	       " set TMPDIR to a directory every user can search, on a mount without nosuid" :
	       " set TMPDIR to a directory every user can search");
	buf[0] = '\0';
	return -1;
}

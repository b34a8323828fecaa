/* SPDX-License-Identifier: MIT */
#include "log_capture.h"

#include <stdio.h>
#include <string.h>

#include <syncmap.h>

#define TC_LOG_MAX 64

static struct {
	int n;
	int level[TC_LOG_MAX];
	char msg[TC_LOG_MAX][512];
} logbuf;

static void capture(void *arg, int level, const char *msg)
{
	int i = logbuf.n < TC_LOG_MAX ? logbuf.n : TC_LOG_MAX - 1;

	(void)arg;
	logbuf.level[i] = level;
	snprintf(logbuf.msg[i], sizeof(logbuf.msg[i]), "%s", msg);
	logbuf.n++;
}

void tc_log_capture(int max_level)
{
	memset(&logbuf, 0, sizeof(logbuf));
	syncmap_set_log(capture, NULL, max_level);
}

int tc_log_count(void)
{
	return logbuf.n;
}

int tc_log_count_level(int level)
{
	int n = 0;

	for (int i = 0; i < logbuf.n && i < TC_LOG_MAX; i++)
		n += logbuf.level[i] == level;
	return n;
}

const char *tc_log_last(void)
{
	if (logbuf.n == 0)
		return "";
	return logbuf.msg[logbuf.n < TC_LOG_MAX ? logbuf.n - 1 : TC_LOG_MAX - 1];
}

int tc_log_contains(const char *needle)
{
	for (int i = 0; i < logbuf.n && i < TC_LOG_MAX; i++)
		if (strstr(logbuf.msg[i], needle))
			return 1;
	return 0;
}

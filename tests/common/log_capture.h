/* SPDX-License-Identifier: MIT */
/* The messages the library logs, captured through syncmap_set_log(). */
#ifndef SYNCMAP_TEST_LOG_CAPTURE_H
#define SYNCMAP_TEST_LOG_CAPTURE_H

/* Start capturing messages up to max_level, forgetting earlier ones. */
void tc_log_capture(int max_level);
int tc_log_count(void);
int tc_log_count_level(int level);
/* The last message, or "". */
const char *tc_log_last(void);
/* 1 if some captured message contains needle. */
int tc_log_contains(const char *needle);

#endif

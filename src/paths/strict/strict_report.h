/* SPDX-License-Identifier: MIT */
/*
 * The report file of strict mode (SYNCMAP_STRICT_REPORT): written by the
 * library, read by syncmap-crashtest.  The first page is a header that
 * every process of one run maps shared, so that persist points are counted
 * across all of them; the crash point's report is text after it.
 */
#ifndef SYNCMAP_STRICT_REPORT_H
#define SYNCMAP_STRICT_REPORT_H

#include <stdint.h>

#define SM_REPORT_MAGIC 0x3154525453534d53ULL	/* "SMSSTRT1" */
#define SM_REPORT_HEADER 4096u			/* where the text starts */
#define SM_REPORT_TEXT_MAX 16384u

struct sm_report {
	uint64_t magic;
	uint64_t points;	/* persist points passed, by every process */
	uint64_t crashed_at;	/* the crash point that stopped a process; 0: none */
	uint64_t evicted;	/* lines eviction wrote to files */
	uint64_t mappings;	/* strict mappings opened */
	uint64_t text_len;	/* bytes of text at SM_REPORT_HEADER */
};

/*
 * The text, one item a line:
 *   libsyncmap strict mode: crash point N, pid P
 *   about to write LEN bytes at file offset OFF (step K of M of this call)
 *   frame lib|app MODULE ADDRESS BASE      (innermost first, hex)
 * "lib" frames are in libsyncmap's own shared object; a program that links
 * the library statically has none.
 */

#endif

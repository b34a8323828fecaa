/* SPDX-License-Identifier: MIT */
/*
 * The journal as the rest of the library sees it: its on-disk format
 * (journal_format.c, pure; little-endian on every CPU) and the calls that
 * open, resize and count a journaled mapping (journal.c, ops.c).  The
 * path's own parts are in journal_int.h.
 */
#ifndef SYNCMAP_JOURNAL_H
#define SYNCMAP_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "crc32c.h"
#include "log.h"
#include "mapping.h"
#include "paths.h"
#include "ranges.h"
#include "sys.h"

#define SM_J_SUFFIX ".syncmap-journal"
#define SM_J_SLOT 512		/* two header slots, at 0 and 512 */
#define SM_J_RECORDS 4096	/* records start here */
#define SM_J_REC_HDR 64
#define SM_J_MIN (64ULL << 10)
#define SM_J_MAX (1ULL << 40)
#define SM_J_DEFAULT (8ULL << 20)
#define SM_J_VERSION 1
/* The largest file offset a record may reach (off_t's range). */
#define SM_J_FILE_MAX ((uint64_t)INT64_MAX)

/* One header slot, as it is on disk (the rest of the 512 bytes are 0). */
struct sm_j_header {
	uint32_t magic;
	uint32_t version;
	uint64_t generation;
	/* The data file's identity: its inode number and birth time (statx
	 * stx_btime, seconds << 30 | nanoseconds; 0 where the file system has
	 * none).  Not st_dev: device numbers follow probe order and change
	 * from boot to boot, and a replay after a power cut is the one time
	 * the check must pass. */
	uint64_t birth, ino;
	uint64_t size;		/* bytes of the journal file */
	uint64_t pid;		/* the process that holds it open */
	uint32_t crc;		/* CRC32C of the slot with this field 0 */
	uint32_t pad;
};

/* A record's 64-byte header; its lines follow. */
struct sm_j_record {
	uint32_t magic;
	uint32_t length;	/* bytes of data after the header */
	uint64_t generation;
	uint64_t sequence;	/* 1, 2, 3... within a generation */
	uint64_t offset;	/* file offset of the data */
	uint32_t crc;		/* CRC32C of header (crc 0) and data */
	uint32_t pad;
	/* The data file's size when the record was written: a replay after
	 * a power cut that lost a size change the file system had not yet
	 * made durable extends the file to it first.  0 in journals written
	 * before this field existed (its bytes were padding, always 0). */
	uint64_t file_size;
	/* Records still to come of the atomic unit this one belongs to (a
	 * batch of copies, syncmap_batch_add_copy()): 0 for a record alone
	 * and for a unit's last.  A replay applies a unit only when all of
	 * its records are valid.  0 in journals written before this field
	 * existed (its bytes were padding). */
	uint32_t unit_left;
	uint32_t pad2[3];
};

_Static_assert(sizeof(struct sm_j_record) == SM_J_REC_HDR, "record header is 64 bytes");
_Static_assert(sizeof(struct sm_j_header) <= SM_J_SLOT, "header fits a slot");

/* ---- crc32c.c */
uint32_t sm_crc32c(uint32_t crc, const void *buf, size_t len);

/* ---- journal_format.c: pure */
void sm_j_header_encode(const struct sm_j_header *h, uint8_t slot[SM_J_SLOT]);
/* true if the slot holds a valid header. */
bool sm_j_header_decode(const uint8_t slot[SM_J_SLOT], struct sm_j_header *h);
/* true if every byte of both slots is zero: a journal never initialized. */
bool sm_j_slots_blank(const uint8_t *slots);
/* The slot (0 or 1) of the newest valid header, or -1 if neither is valid. */
int sm_j_choose(const uint8_t *slots, struct sm_j_header *h);
/* Encode a record header for data at dst + SM_J_REC_HDR, written while
 * the data file had file_size bytes. */
void sm_j_record_encode(uint8_t *dst, uint64_t gen, uint64_t seq, uint64_t off,
			uint32_t len, uint64_t file_size);
/* The same for a record of an atomic unit with unit_left records after it. */
void sm_j_record_encode_unit(uint8_t *dst, uint64_t gen, uint64_t seq, uint64_t off,
			     uint32_t len, uint64_t file_size, uint32_t unit_left);
/* The record header at buf, in the CPU's byte order (nothing checked). */
void sm_j_record_decode(const uint8_t *buf, struct sm_j_record *r);
/*
 * The record at buf[0..avail): its data length if it is a valid record of
 * generation gen with sequence seq whose data ends at or before limit,
 * else -1 (a torn or stale tail).  The limit is a bound on what a file
 * can be (SM_J_FILE_MAX), not the data file's current size: a record past
 * the current end is valid, and its replay extends the file.
 */
long long sm_j_record_check(const uint8_t *buf, size_t avail, uint64_t gen,
			    uint64_t seq, uint64_t limit, struct sm_j_record *rec);
/* The end a valid record needs the data file to reach: its data's end, or
 * the size the file had when it was written, whichever is larger. */
uint64_t sm_j_record_need(const struct sm_j_record *r);
/* Call fn for each valid record of generation gen in a journal image
 * (records area only, starting at its offset SM_J_RECORDS), up to the
 * first invalid one and without the records of an atomic unit that it
 * cuts short; returns the count, or fn's first negative result. */
long long sm_j_walk(const uint8_t *img, size_t len, uint64_t gen, uint64_t limit,
		    int (*fn)(void *arg, const struct sm_j_record *r, const uint8_t *data),
		    void *arg);
/* SYNCMAP_JOURNAL_SIZE: 64K..1T with K/M/G/T, a multiple of 4096. */
int sm_j_parse_size(const char *s, uint64_t *out);

/* ---- journal.c */
/* After the mapping is made: attach the journal (m->path JOURNAL), or
 * replay / apply a journal left by an earlier journaled open. */
int sm_journal_open(struct syncmap *m, const char *path);
/* The data file now has size bytes (an open shrank it): the records
 * written from now on carry it.  Nothing when m is not journaled. */
void sm_journal_resized(struct syncmap *m, uint64_t size);
/* The counters; -EINVAL when m is not on the journal path. */
int sm_journal_stats(const struct syncmap *m, struct syncmap_journal_stats *out);
/* Facts for probe: -ENOENT none, else records waiting (>= 0). */
long long sm_journal_waiting(const char *data_path, char *jpath, size_t size);

#endif

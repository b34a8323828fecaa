/* SPDX-License-Identifier: MIT */
/*
 * The power-cut workload's on-media format, shared by the writer and the
 * verifier.  A log is a sequence of segments (files seg-000000, ... in a
 * directory, or one device DAX device); records are appended at 64-byte
 * aligned offsets and never span segments.  Everything about record @id of
 * run @run (its length and payload) is derived from (run, id), so the
 * verifier can tell a whole record from a torn one without trusting
 * anything read from the media except what it checks.
 */
#ifndef DAX_RECORD_H
#define DAX_RECORD_H

#include <stddef.h>
#include <stdint.h>

#define REC_MAGIC 0x31524d53u	/* "SMR1" */
#define REC_ALIGN 64u
#define REC_MAX_PAYLOAD (16u << 10)
#define SEG_SIZE (1u << 20)

struct rec_hdr {
	uint32_t magic;
	uint32_t len;		/* payload bytes */
	uint64_t id;		/* 0, 1, 2, ... within a run */
	uint64_t run;		/* which boot wrote it */
	uint32_t payload_crc;
	uint32_t hdr_crc;	/* over the 28 bytes before it */
};

uint32_t rec_crc32c(uint32_t crc, const void *buf, size_t len);
/* Payload length of record (run, id): 1 .. REC_MAX_PAYLOAD bytes. */
uint32_t rec_len(uint64_t run, uint64_t id);
/* Bytes the record occupies in the log, header and padding included. */
size_t rec_stride(uint64_t run, uint64_t id);
/* Write record (run, id) at dst: header first, then the payload. */
void rec_fill(void *dst, uint64_t run, uint64_t id);

enum rec_state {
	REC_OK,		/* whole and the one expected */
	REC_EMPTY,	/* nothing but zeros or another run's bytes */
	REC_TORN,	/* a valid header of ours with a payload that is not */
};
/* Classify the bytes at src as record (run, id); avail bytes readable. */
enum rec_state rec_check(const void *src, size_t avail, uint64_t run,
			 uint64_t id);

#endif

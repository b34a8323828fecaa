/* SPDX-License-Identifier: MIT */
/*
 * The journal's format, without a system call: encoding and checking of
 * the two header slots and of records, the walk replay makes over a
 * journal's records, and the parsing of SYNCMAP_JOURNAL_SIZE.  Everything
 * read from disk is checked against its CRC32C and its bounds before a
 * field is believed, so a corrupt journal stops the walk, never a process.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "journal.h"

#define SM_J_HMAGIC 0x484a4d53u	/* "SMJH" */
#define SM_J_RMAGIC 0x524a4d53u	/* "SMJR" */

/*
 * On disk every field is little-endian, so that a journal written on one
 * architecture replays on any other (a disk moved from an x86 server to
 * an s390x one, a file system image).  Each function converts between
 * the CPU's order and the disk's, in either direction: a byte swap is
 * its own inverse, and on a little-endian CPU these are nothing.
 */
static void header_le(struct sm_j_header *c)
{
	c->magic = htole32(c->magic);
	c->version = htole32(c->version);
	c->generation = htole64(c->generation);
	c->birth = htole64(c->birth);
	c->ino = htole64(c->ino);
	c->size = htole64(c->size);
	c->pid = htole64(c->pid);
	c->crc = htole32(c->crc);
	c->pad = htole32(c->pad);
}

static void record_le(struct sm_j_record *r)
{
	r->magic = htole32(r->magic);
	r->length = htole32(r->length);
	r->generation = htole64(r->generation);
	r->sequence = htole64(r->sequence);
	r->offset = htole64(r->offset);
	r->crc = htole32(r->crc);
	r->file_size = htole64(r->file_size);
	r->unit_left = htole32(r->unit_left);
}

void sm_j_header_encode(const struct sm_j_header *h, uint8_t slot[SM_J_SLOT])
{
	struct sm_j_header c = *h;
	uint32_t crc;

	c.magic = SM_J_HMAGIC;
	c.version = SM_J_VERSION;
	c.crc = 0;
	c.pad = 0;
	header_le(&c);
	memset(slot, 0, SM_J_SLOT);
	memcpy(slot, &c, sizeof(c));
	crc = htole32(sm_crc32c(0, slot, SM_J_SLOT));
	memcpy(slot + offsetof(struct sm_j_header, crc), &crc, sizeof(crc));
}

bool sm_j_header_decode(const uint8_t slot[SM_J_SLOT], struct sm_j_header *h)
{
	uint8_t copy[SM_J_SLOT];
	struct sm_j_header c;

	memcpy(&c, slot, sizeof(c));
	header_le(&c);
	if (c.magic != SM_J_HMAGIC || c.version != SM_J_VERSION)
		return false;
	memcpy(copy, slot, SM_J_SLOT);
	memset(copy + offsetof(struct sm_j_header, crc), 0, sizeof(c.crc));
	if (sm_crc32c(0, copy, SM_J_SLOT) != c.crc)
		return false;
	if (c.size < SM_J_MIN || c.size > SM_J_MAX || c.generation == 0)
		return false;
	*h = c;
	return true;
}

bool sm_j_slots_blank(const uint8_t *slots)
{
	for (size_t i = 0; i < 2 * SM_J_SLOT; i++)
		if (slots[i])
			return false;
	return true;
}

int sm_j_choose(const uint8_t *slots, struct sm_j_header *h)
{
	struct sm_j_header a, b;
	bool va = sm_j_header_decode(slots, &a);
	bool vb = sm_j_header_decode(slots + SM_J_SLOT, &b);

	if (va && (!vb || a.generation >= b.generation)) {
		*h = a;
		return 0;
	}
	if (vb) {
		*h = b;
		return 1;
	}
	return -1;
}

void sm_j_record_encode(uint8_t *dst, uint64_t gen, uint64_t seq, uint64_t off,
			uint32_t len, uint64_t file_size)
{
	sm_j_record_encode_unit(dst, gen, seq, off, len, file_size, 0);
}

void sm_j_record_encode_unit(uint8_t *dst, uint64_t gen, uint64_t seq, uint64_t off,
			     uint32_t len, uint64_t file_size, uint32_t unit_left)
{
	struct sm_j_record r = {
		.magic = SM_J_RMAGIC, .length = len, .generation = gen,
		.sequence = seq, .offset = off, .file_size = file_size,
		.unit_left = unit_left,
	};

	record_le(&r);
	memcpy(dst, &r, sizeof(r));
	r.crc = htole32(sm_crc32c(0, dst, SM_J_REC_HDR + (size_t)len));
	memcpy(dst + offsetof(struct sm_j_record, crc), &r.crc, sizeof(r.crc));
}

void sm_j_record_decode(const uint8_t *buf, struct sm_j_record *r)
{
	memcpy(r, buf, sizeof(*r));
	record_le(r);
}

long long sm_j_record_check(const uint8_t *buf, size_t avail, uint64_t gen,
			    uint64_t seq, uint64_t limit, struct sm_j_record *rec)
{
	struct sm_j_record r;
	uint8_t hdr[SM_J_REC_HDR];

	if (avail < SM_J_REC_HDR)
		return -1;
	sm_j_record_decode(buf, &r);
	if (r.magic != SM_J_RMAGIC || r.generation != gen || r.sequence != seq)
		return -1;
	if (r.length == 0 || r.length > avail - SM_J_REC_HDR || r.length % 64)
		return -1;
	if (r.offset > limit || r.length > limit - r.offset || r.file_size > limit)
		return -1;
	memcpy(hdr, buf, sizeof(hdr));
	memset(hdr + offsetof(struct sm_j_record, crc), 0, sizeof(r.crc));
	if (sm_crc32c(sm_crc32c(0, hdr, sizeof(hdr)), buf + SM_J_REC_HDR, r.length) != r.crc)
		return -1;
	*rec = r;
	return r.length;
}

uint64_t sm_j_record_need(const struct sm_j_record *r)
{
	uint64_t end = r->offset + r->length;

	return r->file_size > end ? r->file_size : end;
}

long long sm_j_walk(const uint8_t *img, size_t len, uint64_t gen, uint64_t limit,
		    int (*fn)(void *arg, const struct sm_j_record *r, const uint8_t *data),
		    void *arg)
{
	struct sm_j_record r;
	size_t at = 0, unit_at = 0;	/* unit_at: the first record not yet handed to fn */
	long long n = 0, whole = 0, dl;
	uint32_t left = 0;		/* records the current unit still needs */

	while ((dl = sm_j_record_check(img + at, len - at, gen, (uint64_t)n + 1,
				       limit, &r)) > 0) {
		if (left && r.unit_left != left - 1)
			break;		/* not the unit's next record: it is cut short */
		left = r.unit_left;
		n++;
		at += SM_J_REC_HDR + (size_t)dl;
		if (left)
			continue;
		/* A unit is whole (a record alone is a unit of one). */
		while (fn && unit_at < at) {
			struct sm_j_record u;
			int e;

			sm_j_record_decode(img + unit_at, &u);
			e = fn(arg, &u, img + unit_at + SM_J_REC_HDR);
			if (e < 0)
				return e;
			unit_at += SM_J_REC_HDR + (size_t)u.length;
		}
		whole = n;
		unit_at = at;
	}
	return whole;
}

int sm_j_parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;
	unsigned shift = 0;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	switch (*end) {
	case 'K': case 'k': shift = 10; end++; break;
	case 'M': case 'm': shift = 20; end++; break;
	case 'G': case 'g': shift = 30; end++; break;
	case 'T': case 't': shift = 40; end++; break;
	default: break;
	}
	if (*end || v > (SM_J_MAX >> shift))
		return -EINVAL;
	v <<= shift;
	if (v < SM_J_MIN || v > SM_J_MAX || v % SM_J_RECORDS)
		return -EINVAL;
	*out = v;
	return 0;
}

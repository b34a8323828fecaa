/* SPDX-License-Identifier: MIT */
/*
 * kv - a small persistent key-value store a database could embed: an
 * open-addressing hash table that lives in a mapped file.
 *
 * What it shows:
 *   - crash-consistent insert, update and delete built from nothing but
 *     the order of persists: no log, no msync on the MAP_SYNC path, no
 *     copy-on-write of the table;
 *   - recovery on open, which finishes or undoes whatever a crash
 *     interrupted;
 *   - which persistence path the file got, and why (printed to stderr).
 *
 * Build it alone:
 *   cc -o kv kv.c $(pkg-config --cflags --libs libsyncmap)
 * Run:
 *   ./kv FILE put KEY VALUE    insert or update
 *   ./kv FILE get KEY          print the value (exit 1 if absent)
 *   ./kv FILE del KEY          delete (exit 1 if absent)
 *   ./kv FILE stats            slots in use, tombstones, what recovery did
 *   ./kv FILE fill N           a deterministic mix of N puts and deletes,
 *                              printing "ack I" once operation I is durable
 *   ./kv FILE verify ACKED     check the table holds exactly the result of
 *                              the first K operations of "fill", for some
 *                              K >= ACKED (later ones may have become
 *                              durable, whole, before they were reported)
 *
 * The file: a 128-byte superblock, then KV_SLOTS slots of 128 bytes (two
 * cache lines).  Each slot begins with one 8-byte state word, which a crash
 * cannot tear: EMPTY, VALID or TOMBSTONE, plus a version.
 *
 * The rules that make every operation atomic:
 *   insert: write key and value into a free slot (EMPTY or TOMBSTONE) and
 *           persist them; then set its state to VALID and persist that.
 *           Before the second persist the slot is still free.
 *   update: insert the new value into another free slot with the next
 *           version and persist it as VALID; then mark the old slot
 *           TOMBSTONE.  A crash in between leaves two VALID copies;
 *           recovery keeps the higher version.
 *   delete: mark the slot TOMBSTONE; one word, one persist.
 * A lookup walks the probe sequence until an EMPTY slot (tombstones keep
 * chains intact) and takes the highest version it meets.  Tombstones are
 * reused by later inserts; a real store would also compact them.
 *
 * For tests: EXAMPLE_CRASH_AFTER=N makes the program exit abruptly right
 * after its Nth persist, in the middle of whatever it was doing;
 * EXAMPLE_JOURNAL=1 opens the table with SYNCMAP_JOURNAL.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <syncmap.h>

#define KV_MAGIC 0x3130564b4d53ULL	/* "SMKV01" */
#define KV_SLOTS 4096u
#define KV_KEY_MAX 32u
#define KV_VAL_MAX 80u
#define FILL_KEYS 6u		/* keys the "fill" workload cycles through */

enum { S_EMPTY = 0, S_VALID = 1, S_TOMB = 2 };

#define STATE(kind, ver) (((uint64_t)(ver) << 2) | (kind))
#define KIND(state) ((unsigned)((state) & 3))
#define VER(state) ((state) >> 2)

struct kv_super {
	uint64_t magic;		/* written last when the file is created */
	uint64_t nslots;
	uint8_t pad[112];
};

struct kv_slot {
	uint64_t state;		/* the commit word */
	uint32_t crc;		/* of version, lengths, key and value */
	uint8_t klen, vlen;
	uint8_t pad[2];
	char key[KV_KEY_MAX];
	char val[KV_VAL_MAX];
};

struct kv {
	struct syncmap *m;
	struct kv_super *sb;
	struct kv_slot *slots;
	uint64_t nslots;
	unsigned dups_resolved, corrupt;	/* what recovery found */
};

_Static_assert(sizeof(struct kv_slot) == 128, "a slot is two cache lines");
_Static_assert(sizeof(struct kv_super) == 128, "slots stay 128-byte aligned");

/* ---- persisting, with the test hook */

static long crash_after = -1;

static int persist(struct kv *t, const void *p, size_t n)
{
	int r = syncmap_persist(t->m, p, n);

	if (crash_after > 0 && --crash_after == 0)
		_exit(3);	/* no cleanup, no close: as if the power went */
	return r;
}

/* ---- slots */

static uint64_t hash(const char *k, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;	/* FNV-1a */

	while (n--)
		h = (h ^ (uint8_t)*k++) * 0x100000001b3ULL;
	return h;
}

static uint32_t slot_crc(const struct kv_slot *s, uint64_t ver)
{
	uint64_t h = hash((const char *)&ver, sizeof(ver));

	h ^= hash((const char *)&s->klen, 2) * 31;
	h ^= hash(s->key, s->klen) * 131;
	h ^= hash(s->val, s->vlen) * 1031;
	return (uint32_t)(h ^ (h >> 32));
}

static bool key_is(const struct kv_slot *s, const char *k, size_t n)
{
	return s->klen == n && memcmp(s->key, k, n) == 0;
}

/* The VALID slot with the highest version for key @k, or NULL. */
static struct kv_slot *lookup(struct kv *t, const char *k, size_t n)
{
	uint64_t i = hash(k, n) % t->nslots;
	struct kv_slot *best = NULL;

	for (uint64_t step = 0; step < t->nslots; step++, i = (i + 1) % t->nslots) {
		struct kv_slot *s = &t->slots[i];

		if (KIND(s->state) == S_EMPTY)
			break;
		if (KIND(s->state) == S_VALID && key_is(s, k, n) &&
		    (!best || VER(s->state) > VER(best->state)))
			best = s;
	}
	return best;
}

/* The first slot on @k's probe sequence that an insert may take. */
static struct kv_slot *free_slot(struct kv *t, const char *k, size_t n)
{
	uint64_t i = hash(k, n) % t->nslots;

	for (uint64_t step = 0; step < t->nslots; step++, i = (i + 1) % t->nslots)
		if (KIND(t->slots[i].state) != S_VALID)
			return &t->slots[i];
	return NULL;
}

/* ---- operations */

static int kv_put(struct kv *t, const char *k, const char *v)
{
	size_t kn = strlen(k), vn = strlen(v);
	struct kv_slot *old, *s;
	uint64_t ver;
	int r;

	if (kn == 0 || kn > KV_KEY_MAX || vn > KV_VAL_MAX)
		return -EINVAL;
	old = lookup(t, k, kn);
	if (old && old->vlen == vn && memcmp(old->val, v, vn) == 0)
		return 0;
	s = free_slot(t, k, kn);
	if (!s)
		return -ENOSPC;
	ver = old ? VER(old->state) + 1 : 1;
	/* 1. The body, while the slot is still free. */
	s->klen = (uint8_t)kn;
	s->vlen = (uint8_t)vn;
	memcpy(s->key, k, kn);
	memcpy(s->val, v, vn);
	s->crc = slot_crc(s, ver);
	r = persist(t, s, sizeof(*s));
	/* 2. The commit word: from here on the new value is the value. */
	if (r == 0) {
		s->state = STATE(S_VALID, ver);
		r = persist(t, &s->state, sizeof(s->state));
	}
	/* 3. Retire the old copy; recovery would do it if we crashed. */
	if (r == 0 && old) {
		old->state = STATE(S_TOMB, VER(old->state));
		r = persist(t, &old->state, sizeof(old->state));
	}
	return r;
}

static int kv_del(struct kv *t, const char *k)
{
	struct kv_slot *s = lookup(t, k, strlen(k));

	if (!s)
		return -ENOENT;
	s->state = STATE(S_TOMB, VER(s->state));
	return persist(t, &s->state, sizeof(s->state));
}

/* ---- opening and recovery */

/* Two VALID copies of one key mean an update was cut short after its
 * commit word: the higher version won, retire the other one. */
static int resolve_duplicate(struct kv *t, struct kv_slot *s)
{
	struct kv_slot *best = lookup(t, s->key, s->klen);

	if (best == s || !best)
		return 0;
	s->state = STATE(S_TOMB, VER(s->state));
	t->dups_resolved++;
	return persist(t, &s->state, sizeof(s->state));
}

static int recover(struct kv *t)
{
	int r = 0;

	for (uint64_t i = 0; i < t->nslots && r == 0; i++) {
		struct kv_slot *s = &t->slots[i];

		if (KIND(s->state) != S_VALID)
			continue;
		/* The body was durable before the state word; a mismatch
		 * means the medium lost it, not that we were interrupted. */
		if (s->klen == 0 || s->klen > KV_KEY_MAX || s->vlen > KV_VAL_MAX ||
		    s->crc != slot_crc(s, VER(s->state))) {
			t->corrupt++;
			continue;
		}
		r = resolve_duplicate(t, s);
	}
	return r;
}

static int format(struct kv *t)
{
	int r;

	t->sb->nslots = KV_SLOTS;
	r = persist(t, t->sb, sizeof(*t->sb));
	if (r == 0) {
		t->sb->magic = KV_MAGIC;
		r = persist(t, &t->sb->magic, sizeof(t->sb->magic));
	}
	return r;
}

/*
 * For tests: EXAMPLE_JOURNAL=1 opens the file with SYNCMAP_JOURNAL, so
 * that on the page path each persist goes to a sidecar journal instead of
 * an msync.  -ENOTSUP if this libsyncmap has no journal.
 */
static int open_flags(unsigned *flags)
{
	const char *j = getenv("EXAMPLE_JOURNAL");

	*flags = SYNCMAP_CREATE;
	if (!j || strcmp(j, "1"))
		return 0;
#ifdef SYNCMAP_JOURNAL
	*flags |= SYNCMAP_JOURNAL;
	return 0;
#else
	fprintf(stderr, "%s: EXAMPLE_JOURNAL=1, but this libsyncmap has no SYNCMAP_JOURNAL\n",
		"kv");
	return -ENOTSUP;
#endif
}

static void print_path(const char *file, const struct syncmap *m)
{
	enum syncmap_cause c = syncmap_cause(m);

	fprintf(stderr, "kv: %s: %s granularity (flush %s, MAP_SYNC %s), cause %s\n",
		file, syncmap_granularity_name(syncmap_granularity(m)),
		syncmap_insn_name(syncmap_insn(m)),
		syncmap_is_sync(m) ? "yes" : "no", syncmap_cause_name(c));
	if (c != SYNCMAP_CAUSE_NONE)
		fprintf(stderr, "kv: advice: %s\n", syncmap_advice(m));
}

static int kv_open(struct kv *t, const char *file)
{
	uint64_t size = sizeof(struct kv_super) + (uint64_t)KV_SLOTS * sizeof(struct kv_slot);
	unsigned flags;
	int r = open_flags(&flags);

	if (r == 0)
		r = syncmap_open(file, flags, 0644, size, &t->m);
	if (r < 0) {
		fprintf(stderr, "kv: %s: %s\n  cause: %s\n  advice: %s\n", file, strerror(-r),
			syncmap_cause_name(syncmap_last_cause()), syncmap_last_advice());
		return r;
	}
	print_path(file, t->m);
	t->sb = syncmap_addr(t->m);
	t->slots = (struct kv_slot *)(t->sb + 1);
	if (t->sb->magic != KV_MAGIC) {
		/* No magic: a new file, or one whose formatting a crash cut
		 * short (nslots written, magic not yet). */
		if (t->sb->magic || (t->sb->nslots && t->sb->nslots != KV_SLOTS)) {
			fprintf(stderr, "kv: %s is not a kv file\n", file);
			return -EINVAL;
		}
		r = format(t);
	}
	if (r == 0 && t->sb->nslots != KV_SLOTS) {
		fprintf(stderr, "kv: %s has %" PRIu64 " slots, this program expects %u\n",
			file, t->sb->nslots, KV_SLOTS);
		return -EINVAL;
	}
	t->nslots = KV_SLOTS;
	return r ? r : recover(t);
}

/* ---- the power-cut workload and its check */

/* Operation @i of "fill": a delete every fourth step, else a put; the
 * keys cycle, so updates (from operation 7 on), deletes and re-inserts
 * after deletes all happen within the first few dozen operations. */
static void fill_op(uint64_t i, char *key, size_t ks, char *val, size_t vs, bool *del)
{
	snprintf(key, ks, "k%" PRIu64, i % FILL_KEYS);
	snprintf(val, vs, "v%" PRIu64 "-%0*u", i, (int)(i % 40), 0);
	*del = i % 4 == 0;
}

static int cmd_fill(struct kv *t, uint64_t n)
{
	char key[KV_KEY_MAX + 1], val[KV_VAL_MAX + 1];
	bool del;
	int r = 0;

	for (uint64_t i = 1; i <= n && r == 0; i++) {
		fill_op(i, key, sizeof(key), val, sizeof(val), &del);
		r = del ? kv_del(t, key) : kv_put(t, key, val);
		if (r == -ENOENT)
			r = 0;
		if (r == 0) {
			printf("ack %" PRIu64 "\n", i);
			fflush(stdout);
		}
	}
	return r;
}

/* The value the first @n operations leave for key number @kn, or NULL. */
static const char *model_value(uint64_t n, unsigned kn, char *buf, size_t size)
{
	char key[KV_KEY_MAX + 1];
	bool del, found = false;

	for (uint64_t i = 1; i <= n; i++) {
		if (i % FILL_KEYS != kn)
			continue;
		fill_op(i, key, sizeof(key), buf, size, &del);
		found = !del;
	}
	return found ? buf : NULL;
}

/* Does the table hold exactly what the first @n operations leave? */
static unsigned mismatches(struct kv *t, uint64_t n, bool print)
{
	unsigned bad = 0;

	for (unsigned kn = 0; kn < FILL_KEYS; kn++) {
		char key[16], want[KV_VAL_MAX + 1];
		const char *w = model_value(n, kn, want, sizeof(want));
		struct kv_slot *s;

		snprintf(key, sizeof(key), "k%u", kn);
		s = lookup(t, key, strlen(key));
		if ((!w && !s) || (w && s && s->vlen == strlen(w) && !memcmp(s->val, w, s->vlen)))
			continue;
		bad++;
		if (print)
			printf("  %s: table has %.*s, expected %s\n", key, s ? (int)s->vlen : 6,
			       s ? s->val : "(none)", w ? w : "(none)");
	}
	return bad;
}

/* The highest operation number any value in the table was written by. */
static uint64_t newest_op(const struct kv *t)
{
	uint64_t newest = 0;

	for (uint64_t i = 0; i < t->nslots; i++) {
		const struct kv_slot *s = &t->slots[i];
		char buf[24];

		if (KIND(s->state) != S_VALID || s->vlen < 2 || s->val[0] != 'v')
			continue;
		snprintf(buf, sizeof(buf), "%.*s", s->vlen < 23 ? (int)s->vlen : 23, s->val + 1);
		if (strtoull(buf, NULL, 10) > newest)
			newest = strtoull(buf, NULL, 10);
	}
	return newest;
}

/*
 * After a crash the table must hold exactly what the first K operations of
 * "fill" leave, for some K >= ACKED: every acknowledged operation is there,
 * and later ones either completely or not at all, in order.  Operations
 * can be durable before their acknowledgement is seen (it may still have
 * been on its way to a console), so K is not always ACKED or ACKED + 1.
 * Only a put writes an operation number into the table, and at most one
 * delete follows a put, so K is ACKED, ACKED + 1, or the newest number in
 * the table plus 0 or 1.
 */
static int cmd_verify(struct kv *t, uint64_t acked)
{
	uint64_t newest = newest_op(t), cand[4] = { acked, acked + 1, newest, newest + 1 };
	uint64_t matched = 0;
	bool ok = false;

	for (unsigned i = 0; i < 4 && !ok; i++)
		if (cand[i] >= acked && mismatches(t, cand[i], false) == 0) {
			ok = true;
			matched = cand[i];
		}
	printf("verify: %u corrupt slots, %u duplicates resolved, ", t->corrupt, t->dups_resolved);
	if (ok)
		printf("state after %" PRIu64 " operations (%" PRIu64 " acknowledged)", matched, acked);
	else
		printf("no state after %" PRIu64 " or more operations", acked);
	if (!ok || t->corrupt) {
		printf(": FAIL\n");
		mismatches(t, newest > acked ? newest : acked, true);
		return 1;
	}
	printf(": ok\n");
	return 0;
}

/* ---- command line */

static void cmd_stats(const struct kv *t)
{
	uint64_t n[3] = { 0, 0, 0 };

	for (uint64_t i = 0; i < t->nslots; i++)
		n[KIND(t->slots[i].state) % 3]++;
	printf("slots %" PRIu64 ": %" PRIu64 " valid, %" PRIu64 " tombstones, %" PRIu64
	       " empty; recovery resolved %u duplicates, found %u corrupt\n",
	       t->nslots, n[S_VALID], n[S_TOMB], n[S_EMPTY], t->dups_resolved, t->corrupt);
}

static int run(struct kv *t, int argc, char **argv)
{
	const char *cmd = argv[2];
	struct kv_slot *s;

	if (!strcmp(cmd, "put") && argc == 5)
		return kv_put(t, argv[3], argv[4]);
	if (!strcmp(cmd, "del") && argc == 4)
		return kv_del(t, argv[3]);
	if (!strcmp(cmd, "get") && argc == 4) {
		s = lookup(t, argv[3], strlen(argv[3]));
		if (!s)
			return -ENOENT;
		printf("%.*s\n", (int)s->vlen, s->val);
		return 0;
	}
	if (!strcmp(cmd, "stats") && argc == 3) {
		cmd_stats(t);
		return 0;
	}
	if (!strcmp(cmd, "fill") && argc == 4)
		return cmd_fill(t, strtoull(argv[3], NULL, 10));
	if (!strcmp(cmd, "verify") && argc == 4)
		return cmd_verify(t, strtoull(argv[3], NULL, 10)) ? -EIO : 0;
	return -EINVAL;
}

int main(int argc, char **argv)
{
	struct kv t = { 0 };
	const char *e = getenv("EXAMPLE_CRASH_AFTER");
	int r;

	if (argc < 3) {
		fprintf(stderr, "usage: %s FILE put KEY VALUE|get KEY|del KEY|stats|fill N|verify ACKED\n",
			argv[0]);
		return 2;
	}
	if (e)
		crash_after = strtol(e, NULL, 10);
	if (kv_open(&t, argv[1]) < 0) {
		syncmap_close(t.m);
		return 1;
	}
	r = run(&t, argc, argv);
	if (r == -EINVAL)
		fprintf(stderr, "kv: bad command or arguments (keys up to %u bytes, values up to %u)\n",
			KV_KEY_MAX, KV_VAL_MAX);
	else if (r == -ENOENT)
		fprintf(stderr, "kv: %s: no such key\n", argv[3]);
	else if (r < 0 && r != -EIO)
		fprintf(stderr, "kv: %s: %s\n  %s\n", argv[2], strerror(-r), syncmap_last_advice());
	if (t.m && syncmap_close(t.m) < 0 && r == 0)
		r = -EIO;
	return r < 0;
}

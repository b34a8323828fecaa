/* SPDX-License-Identifier: MIT */
/*
 * log - an append-only write-ahead log in a mapped file.
 *
 * What it shows:
 *   - how to commit a record so that a crash never exposes half of it:
 *     the payload is written and persisted first, then the header that
 *     makes it valid (id, length, checksum); until the header is durable
 *     the record does not exist;
 *   - recovery: on open the log is scanned from the start to the last
 *     record whose header is complete and whose checksum matches;
 *   - batching: with syncmap_batch_*() many records cost two commits
 *     (all payloads, then all headers) instead of two persists each;
 *   - which persistence path the file got, and why (printed to stderr).
 *
 * Build it alone:
 *   cc -o log log.c $(pkg-config --cflags --libs libsyncmap)
 * Run:
 *   ./log FILE append TEXT...      one record per TEXT, "ack ID" once durable
 *   ./log FILE fill N [BATCH]      N generated records, BATCH per commit
 *   ./log FILE dump                recover, then print every record
 *   ./log FILE stats               recover, then print a summary
 *   ./log FILE verify [ACKED]      recover and check every record; with
 *                                  ACKED, also that ids 1..ACKED are there
 *   ./log -s MIB FILE ...          size of a new log (default 4 MiB)
 *
 * A full log grows in place, 1 MiB at a time, up to 1 GiB: the open holds
 * that much address space (syncmap_open_reserve()), syncmap_grow() extends
 * the file and the mapping, and every pointer into the log stays valid.
 *
 * The file: a 64-byte superblock, then records, each starting on a
 * 64-byte boundary with a 24-byte header followed by the payload.
 *
 * Records carry the superblock's epoch, which every writable open bumps.
 * A batch makes its headers durable in no particular order, so a crash
 * can leave a complete header *behind* the first missing one.  Recovery
 * ends the log at the gap; without the epoch, that stray record could
 * reappear once the gap is filled by a later writer.  Epochs never go
 * down along a valid log, and a stray record's epoch is older than the
 * writer that filled the gap.
 *
 * For tests: EXAMPLE_CRASH_AFTER=N makes the program exit abruptly right
 * after its Nth persist, in the middle of whatever it was committing;
 * EXAMPLE_JOURNAL=1 opens the log with SYNCMAP_JOURNAL.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <syncmap.h>

#define LOG_MAGIC 0x31304c4157534dULL	/* "SMWAL01" */
#define LOG_ALIGN 64u
#define LOG_DEFAULT_MIB 4u
#define LOG_GROW (1ull << 20)
#define LOG_RESERVE (1ull << 30)
#define GEN_PREFIX "gen:"

struct log_super {
	uint64_t magic;		/* written last when the log is created */
	uint64_t capacity;	/* bytes of the file the log may use */
	uint64_t epoch;		/* bumped by every writable open */
	uint8_t pad[40];
};

struct rec_hdr {
	uint64_t id;		/* 1, 2, 3, ... with no gap */
	uint64_t epoch;		/* the writer's epoch */
	uint32_t len;		/* payload bytes after the header */
	uint32_t crc;		/* CRC-32C of id, epoch, len and payload */
};

struct wal {
	struct syncmap *m;
	uint8_t *base;
	struct log_super *sb;
	uint64_t end;		/* offset where the next record goes */
	uint64_t next_id;
	uint64_t last_epoch;	/* epoch of the last valid record */
};

/* ---- persisting, with the test hook */

static long crash_after = -1;

static int check_crash(int r)
{
	if (crash_after > 0 && --crash_after == 0)
		_exit(3);	/* no cleanup, no close: as if the power went */
	return r;
}

static int persist(struct wal *w, const void *p, size_t n)
{
	return check_crash(syncmap_persist(w->m, p, n));
}

static int commit(struct syncmap_batch *b)
{
	return check_crash(syncmap_batch_commit(b));
}

/* ---- CRC-32C (Castagnoli), bitwise-table */

static uint32_t crc_table[256];

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82f63b78u & (0u - (c & 1)));
		crc_table[i] = c;
	}
}

static uint32_t crc32c(uint32_t crc, const void *data, size_t n)
{
	const uint8_t *p = data;

	crc = ~crc;
	while (n--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static uint32_t rec_crc(const struct rec_hdr *h, const void *payload)
{
	uint32_t c = crc32c(0, &h->id, sizeof(h->id));

	c = crc32c(c, &h->epoch, sizeof(h->epoch));
	c = crc32c(c, &h->len, sizeof(h->len));
	return crc32c(c, payload, h->len);
}

static uint64_t rec_size(uint32_t len)
{
	return (sizeof(struct rec_hdr) + len + LOG_ALIGN - 1) & ~(uint64_t)(LOG_ALIGN - 1);
}

/* ---- opening and recovery */

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
		"log");
	return -ENOTSUP;
#endif
}

static void print_path(const char *file, const struct syncmap *m)
{
	enum syncmap_cause c = syncmap_cause(m);

	fprintf(stderr, "log: %s: %s granularity (flush %s, MAP_SYNC %s); cause %s%s%s\n",
		file, syncmap_granularity_name(syncmap_granularity(m)),
		syncmap_insn_name(syncmap_insn(m)),
		syncmap_is_sync(m) ? "yes" : "no", syncmap_cause_name(c),
		c == SYNCMAP_CAUSE_NONE ? "" : ": ", syncmap_advice(m));
}

/* A fresh file is zeros: fill in the superblock, persist it, and only
 * then write the magic that says it is a log. */
static int format(struct wal *w)
{
	int r;

	w->sb->capacity = syncmap_length(w->m);
	w->sb->epoch = 0;
	r = persist(w, w->sb, sizeof(*w->sb));
	if (r < 0)
		return r;
	w->sb->magic = LOG_MAGIC;
	return persist(w, &w->sb->magic, sizeof(w->sb->magic));
}

/* Is there a valid record with the next id at w->end? */
static const struct rec_hdr *valid_at(const struct wal *w)
{
	const struct rec_hdr *h = (const void *)(w->base + w->end);
	uint64_t cap = w->sb->capacity;

	if (w->end + sizeof(*h) > cap || h->len > cap - w->end - sizeof(*h))
		return NULL;
	if (h->id != w->next_id || h->epoch < w->last_epoch || h->epoch > w->sb->epoch)
		return NULL;
	return h->crc == rec_crc(h, h + 1) ? h : NULL;
}

static void recover(struct wal *w)
{
	const struct rec_hdr *h;

	w->end = sizeof(struct log_super);
	w->next_id = 1;
	w->last_epoch = 0;
	while ((h = valid_at(w)) != NULL) {
		w->last_epoch = h->epoch;
		w->next_id++;
		w->end += rec_size(h->len);
	}
}

/*
 * Before writing, clear what a torn append may have left where the next
 * header goes, then start a new epoch.  Each step is persisted before the
 * next, so a crash in between leaves a log that recovers the same way.
 */
static int start_writing(struct wal *w)
{
	static const struct rec_hdr zero;
	int r = 0;

	if (w->end + sizeof(zero) <= w->sb->capacity &&
	    memcmp(w->base + w->end, &zero, sizeof(zero)) != 0) {
		memset(w->base + w->end, 0, sizeof(zero));
		r = persist(w, w->base + w->end, sizeof(zero));
	}
	if (r == 0) {
		w->sb->epoch++;
		r = persist(w, &w->sb->epoch, sizeof(w->sb->epoch));
	}
	return r;
}

static int wal_open(struct wal *w, const char *file, uint64_t size, bool writing)
{
	struct stat st;
	unsigned flags;
	int r = open_flags(&flags);

	/* An existing log keeps its size: map all of it. */
	if (stat(file, &st) == 0 && st.st_size > 0)
		size = 0;
	if (r == 0)
		r = syncmap_open_reserve(file, flags, 0644, size, LOG_RESERVE, &w->m);
	if (r < 0) {
		fprintf(stderr, "log: %s: %s\n  cause: %s\n  advice: %s\n", file,
			strerror(-r), syncmap_cause_name(syncmap_last_cause()),
			syncmap_last_advice());
		return r;
	}
	print_path(file, w->m);
	w->base = syncmap_addr(w->m);
	w->sb = (struct log_super *)(void *)w->base;
	/* No magic: a new file, or one whose formatting a crash cut short
	 * (capacity written, magic not yet). */
	if (w->sb->magic != LOG_MAGIC) {
		if (w->sb->magic || w->sb->epoch ||
		    (w->sb->capacity && w->sb->capacity != syncmap_length(w->m))) {
			fprintf(stderr, "log: %s is not a log\n", file);
			return -EINVAL;
		}
		r = format(w);
	}
	if (r == 0 && w->sb->capacity > syncmap_length(w->m)) {
		fprintf(stderr, "log: %s is shorter than its superblock says\n", file);
		return -EINVAL;
	}
	if (r == 0)
		recover(w);
	if (r == 0 && writing)
		r = start_writing(w);
	return r;
}

/* ---- appending */

/*
 * The log is full: grow the file and the mapping in place.  The new size
 * is durable once something in the new range is stored and persisted
 * (see syncmap_grow(3)); only then does the superblock say the log is
 * larger, so a crash never leaves a capacity the file does not have.  A
 * crash before that leaves a file longer than its capacity, which is
 * harmless: the next grow starts from the file's end.
 */
static int grow_log(struct wal *w, uint64_t need)
{
	uint64_t len = syncmap_length(w->m), from = len > w->sb->capacity ? len : w->sb->capacity;
	uint64_t to = from + (need > LOG_GROW ? need : LOG_GROW);
	int r = syncmap_grow(w->m, to, 0);

	if (r < 0) {
		fprintf(stderr, "log: cannot grow to %" PRIu64 " bytes: %s\n", to,
			syncmap_last_advice());
		return r;
	}
	w->base[to - 1] = 0;
	r = persist(w, w->base + to - 1, 1);
	if (r == 0) {
		w->sb->capacity = to;
		r = persist(w, &w->sb->capacity, sizeof(w->sb->capacity));
	}
	return r;
}

/* Where the next record goes, or NULL when the log is full and cannot grow. */
static struct rec_hdr *reserve(struct wal *w, uint32_t len)
{
	if (rec_size(len) > w->sb->capacity - w->end &&
	    grow_log(w, rec_size(len)) < 0)
		return NULL;
	return (struct rec_hdr *)(void *)(w->base + w->end);
}

static void fill_header(struct wal *w, struct rec_hdr *h, uint32_t len)
{
	h->id = w->next_id++;
	h->epoch = w->sb->epoch;
	h->len = len;
	h->crc = rec_crc(h, h + 1);
	w->end += rec_size(len);
}

/* One record, committed on its own: payload durable, then header. */
static int append(struct wal *w, const void *data, uint32_t len)
{
	struct rec_hdr *h = reserve(w, len);
	int r;

	if (!h)
		return -ENOSPC;
	/* syncmap_memcpy() copies and persists in one call (non-temporal
	 * stores for large payloads on the MAP_SYNC path). */
	r = check_crash(syncmap_memcpy(w->m, h + 1, data, len, 0));
	if (r < 0)
		return r;
	fill_header(w, h, len);
	r = persist(w, h, sizeof(*h));
	if (r == 0)
		printf("ack %" PRIu64 "\n", h->id);
	return r;
}

/* The generated payload of record @id: text that says which record it is,
 * of a length that varies with the id. */
static uint32_t gen_payload(uint64_t id, char *buf, size_t size)
{
	uint32_t len = 16 + (uint32_t)((id * 7919u) % 200u);
	int n = snprintf(buf, size, GEN_PREFIX "%" PRIu64 ":", id);

	for (uint32_t i = (uint32_t)n; i < len && i < size; i++)
		buf[i] = (char)('a' + (id + i) % 26);
	return len;
}

/* Up to @n generated records, committed together: all payloads durable
 * (one commit), then all headers (a second commit). */
static int append_batch(struct wal *w, struct syncmap_batch *b, uint64_t n)
{
	struct rec_hdr *hs[256];
	uint32_t lens[256];
	uint64_t k, first = w->next_id, end = w->end;
	int r = 0;

	for (k = 0; k < n && k < 256 && r == 0; k++) {
		char buf[256];
		uint32_t len = gen_payload(first + k, buf, sizeof(buf));

		if (!(hs[k] = reserve(w, len)))
			break;
		memcpy(hs[k] + 1, buf, len);
		lens[k] = len;
		w->end += rec_size(len);
		r = syncmap_batch_add(b, hs[k] + 1, len);
	}
	if (k == 0)
		return -ENOSPC;
	if (r == 0)
		r = commit(b);
	w->end = end;
	for (uint64_t i = 0; i < k && r == 0; i++) {
		fill_header(w, hs[i], lens[i]);
		r = syncmap_batch_add(b, hs[i], sizeof(*hs[i]));
	}
	if (r == 0)
		r = commit(b);
	if (r == 0)
		printf("ack %" PRIu64 "\n", first + k - 1);
	return r;
}

static int cmd_fill(struct wal *w, uint64_t n, uint64_t batch)
{
	struct syncmap_batch *b = NULL;
	uint64_t done = 0;
	int r = 0;

	if (batch > 1)
		r = syncmap_batch_new(w->m, 2 * 256, &b);
	while (r == 0 && done < n) {
		uint64_t before = w->next_id;

		if (batch > 1) {
			uint64_t want = n - done < batch ? n - done : batch;

			r = append_batch(w, b, want);
		} else {
			char buf[256];

			r = append(w, buf, gen_payload(w->next_id, buf, sizeof(buf)));
		}
		done += w->next_id - before;
		fflush(stdout);
	}
	syncmap_batch_free(b);
	if (r == -ENOSPC) {
		fprintf(stderr, "log: full after %" PRIu64 " records\n", w->next_id - 1);
		return 0;
	}
	return r;
}

/* ---- reading */

static void for_each(const struct wal *w, void (*fn)(const struct rec_hdr *, void *),
		     void *arg)
{
	uint64_t off = sizeof(struct log_super);

	while (off < w->end) {
		const struct rec_hdr *h = (const void *)(w->base + off);

		fn(h, arg);
		off += rec_size(h->len);
	}
}

static void dump_one(const struct rec_hdr *h, void *arg)
{
	(void)arg;
	printf("%" PRIu64 " %u %.*s\n", h->id, h->len, (int)h->len, (const char *)(h + 1));
}

struct verify_state {
	uint64_t count, bad;
};

static void verify_one(const struct rec_hdr *h, void *arg)
{
	struct verify_state *v = arg;
	char want[256];
	uint32_t len;

	v->count++;
	if (h->len < sizeof(GEN_PREFIX) - 1 || memcmp(h + 1, GEN_PREFIX, sizeof(GEN_PREFIX) - 1))
		return;		/* appended text: the checksum is all we know */
	len = gen_payload(h->id, want, sizeof(want));
	if (len != h->len || memcmp(want, h + 1, len) != 0) {
		printf("record %" PRIu64 " has the wrong content\n", h->id);
		v->bad++;
	}
}

static int cmd_verify(const struct wal *w, const char *acked_arg)
{
	struct verify_state v = { 0, 0 };
	uint64_t acked = acked_arg ? strtoull(acked_arg, NULL, 10) : 0;

	for_each(w, verify_one, &v);
	printf("verify: %" PRIu64 " records (ids 1..%" PRIu64 "), %" PRIu64 " bad",
	       v.count, v.count, v.bad);
	if (acked_arg)
		printf(", %" PRIu64 " acknowledged", acked);
	if (v.bad || v.count < acked) {
		printf(": FAIL%s\n", v.count < acked ? " (acknowledged records are missing)" : "");
		return 1;
	}
	printf(": ok\n");
	return 0;
}

/* ---- command line */

static int usage(const char *argv0)
{
	fprintf(stderr, "usage: %s [-s MIB] FILE append TEXT...|fill N [BATCH]|dump|stats|verify [ACKED]\n",
		argv0);
	return 2;
}

int main(int argc, char **argv)
{
	struct wal w = { 0 };
	uint64_t mib = LOG_DEFAULT_MIB;
	const char *file, *cmd, *e = getenv("EXAMPLE_CRASH_AFTER");
	bool writing;
	int r, a = 1;

	if (e)
		crash_after = strtol(e, NULL, 10);
	if (argc > 2 && !strcmp(argv[1], "-s")) {
		mib = strtoull(argv[2], NULL, 10);
		a = 3;
	}
	if (argc < a + 2 || mib == 0)
		return usage(argv[0]);
	file = argv[a];
	cmd = argv[a + 1];
	writing = !strcmp(cmd, "append") || !strcmp(cmd, "fill");
	crc_init();
	r = wal_open(&w, file, mib << 20, writing);
	if (r == 0 && !strcmp(cmd, "append")) {
		for (int i = a + 2; i < argc && r == 0; i++)
			r = append(&w, argv[i], (uint32_t)strlen(argv[i]));
	} else if (r == 0 && !strcmp(cmd, "fill") && argc > a + 2) {
		r = cmd_fill(&w, strtoull(argv[a + 2], NULL, 10),
			     argc > a + 3 ? strtoull(argv[a + 3], NULL, 10) : 1);
	} else if (r == 0 && !strcmp(cmd, "dump")) {
		for_each(&w, dump_one, NULL);
	} else if (r == 0 && !strcmp(cmd, "stats")) {
		printf("records %" PRIu64 ", bytes used %" PRIu64 " of %" PRIu64 ", epoch %" PRIu64 "\n",
		       w.next_id - 1, w.end, w.sb->capacity, w.sb->epoch);
	} else if (r == 0 && !strcmp(cmd, "verify")) {
		r = cmd_verify(&w, argc > a + 2 ? argv[a + 2] : NULL) ? -EIO : 0;
	} else if (r == 0) {
		syncmap_close(w.m);
		return usage(argv[0]);
	}
	if (r < 0 && r != -EIO)
		fprintf(stderr, "log: %s: %s\n  %s\n", cmd, strerror(-r), syncmap_last_advice());
	if (w.m && syncmap_close(w.m) < 0 && r == 0)
		r = -EIO;
	return r < 0;
}

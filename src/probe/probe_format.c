/* SPDX-License-Identifier: MIT */
/*
 * The report as text for a person or as one JSON object for a program,
 * written snprintf-style: as much as fits, and the length the whole
 * report needs.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "probe.h"

#define KEY_WIDTH 20

/* Append what fits, count everything, keep the buffer NUL-terminated. */
static void buf_put(struct sm_buf *b, const char *s, size_t n)
{
	if (b->len < b->size) {
		size_t room = b->size - b->len - 1;
		size_t k = n < room ? n : room;

		memcpy(b->buf + b->len, s, k);
		b->buf[b->len + k] = '\0';
	}
	b->len += n;
}

void sm_buf_puts(struct sm_buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

void sm_buf_printf(struct sm_buf *b, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		buf_put(b, small, (size_t)n);
		return;
	}
	/* Too long for the scratch buffer: format in place, or count. */
	va_start(ap, fmt);
	if (b->len < b->size)
		vsnprintf(b->buf + b->len, b->size - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Length of the valid UTF-8 sequence at s, or 0 if it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;
	unsigned min;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) { n = 2; cp = s[0] & 0x1f; min = 0x80; }
	else if ((s[0] & 0xf0) == 0xe0) { n = 3; cp = s[0] & 0x0f; min = 0x800; }
	else if ((s[0] & 0xf8) == 0xf0) { n = 4; cp = s[0] & 0x07; min = 0x10000; }
	else return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/**
 * sm_buf_json_string() - a C string as a JSON string literal
 *
 * Quotes, backslashes and control characters are escaped; bytes that are
 * not valid UTF-8 (a path may hold any bytes) become U+FFFD so the
 * output is always valid JSON.
 */
void sm_buf_json_string(struct sm_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	buf_put(b, "\"", 1);
	while (*p) {
		size_t n = utf8_len(p);

		if (*p == '"' || *p == '\\') {
			char esc[2] = { '\\', (char)*p };

			buf_put(b, esc, 2);
		} else if (*p == '\n') {
			buf_put(b, "\\n", 2);
		} else if (*p == '\t') {
			buf_put(b, "\\t", 2);
		} else if (*p < 0x20 || *p == 0x7f) {
			sm_buf_printf(b, "\\u%04x", *p);
		} else if (n == 0) {
			buf_put(b, "\\ufffd", 6);
			p++;
			continue;
		} else {
			buf_put(b, (const char *)p, n);
			p += n;
			continue;
		}
		p++;
	}
	buf_put(b, "\"", 1);
}

static void json_value(struct sm_buf *b, const struct sm_fact *f)
{
	switch (f->kind) {
	case SM_FACT_BOOL:
	case SM_FACT_NUMBER:
		sm_buf_puts(b, f->value);
		return;
	case SM_FACT_NULL:
		sm_buf_puts(b, "null");
		return;
	case SM_FACT_STRING:
		break;
	}
	sm_buf_json_string(b, f->value);
}

static void format_json(const struct syncmap_probe *p, struct sm_buf *b)
{
	size_t i;

	sm_buf_puts(b, "{");
	for (i = 0; i < p->nfacts; i++) {
		if (i)
			sm_buf_puts(b, ",");
		sm_buf_json_string(b, p->facts[i].key);
		sm_buf_puts(b, ":");
		json_value(b, &p->facts[i]);
	}
	sm_buf_puts(b, "}");
}

static const char *text_value(const struct sm_fact *f)
{
	if (f->kind == SM_FACT_BOOL)
		return strcmp(f->value, "true") ? "no" : "yes";
	return f->value;
}

/* The one-line answer at the top of the text report. */
static void text_headline(const struct syncmap_probe *p, struct sm_buf *b)
{
	switch (p->gran) {
	case SYNCMAP_GRAN_BYTE:
		sm_buf_puts(b, "  result: MAP_SYNC, byte granularity: the persistence domain "
			    "includes the CPU caches, a store fence makes data durable\n");
		return;
	case SYNCMAP_GRAN_CACHE_LINE:
		sm_buf_printf(b, "  result: MAP_SYNC, cache-line granularity: persisting "
			      "writes lines back with %s and a fence, no system call\n",
			      syncmap_insn_name(p->insn));
		return;
	case SYNCMAP_GRAN_PAGE:
		break;
	}
	sm_buf_printf(b, "  result: %s, page granularity: persisting takes msync "
		      "(a system call per range, whole pages)\n",
		      p->map_sync ? "MAP_SYNC" : "no MAP_SYNC");
}

static void format_text(const struct syncmap_probe *p, struct sm_buf *b)
{
	const struct sm_fact *path = sm_probe_find(p, "path");
	const struct sm_fact *bus = sm_probe_find(p, "nvdimm_bus");
	const struct sm_fact *memory = sm_probe_find(p, "memory");
	size_t i;

	sm_buf_printf(b, "%s\n", path ? path->value : "(no path)");
	text_headline(p, b);
	if (p->cause != SYNCMAP_CAUSE_NONE)
		sm_buf_printf(b, "  why:    %s: %s\n", syncmap_cause_name(p->cause),
			      p->advice);
	if (bus && !strcmp(bus->value, "false"))
		sm_buf_puts(b, "  note:   no NVDIMM bus: this machine has no persistent "
			    "memory (real or emulated), so no file on it can be mapped "
			    "with MAP_SYNC; libsyncmap persists with msync here\n");
	if (memory)
		sm_buf_printf(b, "  memory: %s\n", memory->value);
	sm_buf_puts(b, "  facts:\n");
	for (i = 0; i < p->nfacts; i++) {
		const struct sm_fact *f = &p->facts[i];

		if (!strcmp(f->key, "path") || !strcmp(f->key, "advice") ||
		    !strcmp(f->key, "memory"))
			continue;
		sm_buf_printf(b, "    %-*s %s\n", KEY_WIDTH, f->key, text_value(f));
	}
}

SM_EXPORT int syncmap_probe_format(const struct syncmap_probe *p, unsigned flags,
				   char *buf, size_t size)
{
	struct sm_buf b = { buf, size, 0 };

	if (!p || (flags & ~SM_PROBE_VALID) || (!buf && size))
		return -EINVAL;
	if (size)
		buf[0] = '\0';
	if (flags & SYNCMAP_PROBE_JSON)
		format_json(p, &b);
	else
		format_text(p, &b);
	if (b.len > INT_MAX)
		return -EOVERFLOW;
	return (int)b.len;
}

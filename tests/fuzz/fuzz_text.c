/* SPDX-License-Identifier: MIT */
/*
 * The probe's text parsers on arbitrary bytes: mountinfo lines and
 * tables, mount options, sysfs device paths, namespace modes, persistence
 * domains, badblocks lists, and the JSON string writer.  The first byte
 * picks the parser; the rest is its text.  Each result is checked against
 * what the parser promises, not only for crashes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c) do { if (!(c)) { fprintf(stderr, "violated: %s\n", #c); abort(); } } while (0)

static void terminated(const char *s, size_t size)
{
	REQUIRE(memchr(s, '\0', size) != NULL);
}

static void check_mount(const struct sm_mount *m)
{
	terminated(m->fstype, sizeof(m->fstype));
	terminated(m->source, sizeof(m->source));
	terminated(m->point, sizeof(m->point));
	REQUIRE(m->dax >= SM_DAX_OPT_NONE && m->dax <= SM_DAX_OPT_INODE);
}

static void mountinfo(const char *text, const uint8_t *raw, size_t n)
{
	struct sm_mount m;
	int id = n >= 4 ? (int)(raw[0] | raw[1] << 8 | raw[2] << 16 | (uint32_t)raw[3] << 24) : -1;

	if (sm_mountinfo_parse_line(text, &m) == 0)
		check_mount(&m);
	if (sm_mountinfo_find(text, id, n > 4 ? raw[4] : 0, n > 5 ? raw[5] : 0, &m) == 0)
		check_mount(&m);
	REQUIRE(sm_dax_opt_parse(text) <= SM_DAX_OPT_INODE);
	(void)sm_fstype_dax_capable(text);
}

static void chain(const char *text)
{
	struct sm_chain c;
	int r;

	sm_chain_init(&c);
	r = sm_chain_parse_path(text, &c);
	REQUIRE(r <= 0);
	terminated(c.device, sizeof(c.device));
	terminated(c.bus, sizeof(c.bus));
	terminated(c.region, sizeof(c.region));
	terminated(c.claim, sizeof(c.claim));
	terminated(c.ns, sizeof(c.ns));
	terminated(c.region_dir, sizeof(c.region_dir));
	REQUIRE(sm_ns_mode_parse(text) <= SM_NS_SECTOR);
	REQUIRE(sm_domain_parse(text) <= SM_DOMAIN_CPU_CACHE);
}

static void badblocks(const char *text, const uint8_t *raw, size_t n)
{
	uint64_t first = 0, last = 0;
	long long total, inside;

	if (n >= 16) {
		memcpy(&first, raw, 8);
		memcpy(&last, raw + 8, 8);
	}
	if (sm_badblocks_count(text, first, last, &total, &inside) == 0) {
		REQUIRE(total >= 0 && inside >= 0);
		REQUIRE(inside <= total);
	}
}

/* The writer must produce one valid JSON string: quoted, no raw control
 * characters, every backslash starting a known escape. */
static void json(const char *text)
{
	char out[512];
	struct sm_buf b = { out, sizeof(out), 0 };
	size_t i;

	sm_buf_json_string(&b, text);
	if (b.len >= sizeof(out))
		return;	/* truncated: counted, not written */
	REQUIRE(b.len >= 2 && out[0] == '"' && out[b.len - 1] == '"');
	for (i = 1; i + 1 < b.len; i++) {
		unsigned char ch = (unsigned char)out[i];

		REQUIRE(ch >= 0x20 && ch != 0x7f);
		REQUIRE(ch != '"');
		if (ch == '\\') {
			REQUIRE(i + 2 < b.len);
			REQUIRE(strchr("\"\\/bfnrtu", out[i + 1]) != NULL);
			i++;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size < 1 || size > 8192)
		return 0;
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	switch (data[0] % 4) {
	case 0: mountinfo(text, data + 1, size - 1); break;
	case 1: chain(text); break;
	case 2: badblocks(text, data + 1, size - 1); break;
	case 3: json(text); break;
	}
	free(text);
	return 0;
}

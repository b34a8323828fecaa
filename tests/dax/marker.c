/* SPDX-License-Identifier: MIT */
/* Size markers (marker.h): their layout and their check. */
#include <string.h>

#include "marker.h"

struct marker {
	uint64_t magic, run, round, size, check;
	uint64_t pad[3];
};

_Static_assert(sizeof(struct marker) == MARKER_LINE, "a marker is one line");

/* FNV-1a over the four fields. */
static uint64_t check_of(const struct marker *g)
{
	uint64_t h = 0xcbf29ce484222325ull;
	const uint64_t v[4] = { g->magic, g->run, g->round, g->size };

	for (int i = 0; i < 4; i++) {
		h ^= v[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

uint8_t *marker_put(uint8_t *base, uint64_t size, uint64_t magic, uint64_t run,
		    uint64_t round)
{
	struct marker g = { magic, run, round, size, 0, { 0 } };
	uint8_t *p = base + size - MARKER_LINE;

	g.check = check_of(&g);
	memcpy(p, &g, sizeof(g));
	return p;
}

bool marker_whole(const uint8_t *base, size_t len, uint64_t size, uint64_t magic,
		  uint64_t run, uint64_t round)
{
	struct marker g;

	if (size > len || size < MARKER_LINE)
		return false;
	memcpy(&g, base + size - MARKER_LINE, sizeof(g));
	return g.magic == magic && g.run == run && g.round == round && g.size == size &&
	       g.check == check_of(&g);
}

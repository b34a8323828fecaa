/* SPDX-License-Identifier: MIT */
/*
 * Strict mode and growth: the private view the program sees is held in a
 * reservation of its own, beside the one of the path below, and a grow
 * extends both.  The new part of the view starts as the file is (the
 * file's pages, copy-on-write, or an anonymous copy of them), so, as in
 * the rest of the view, only the lines the program persists reach the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>

#include "log.h"
#include "paths.h"
#include "reserve.h"
#include "strict.h"
#include "sys.h"

int sm_strict_reserve(struct syncmap *m, size_t reserve)
{
	struct sm_strict *s = m->path_data;
	struct syncmap *b = &s->below;
	size_t skip = (size_t)(b->addr - (uint8_t *)b->map_base);
	void *view = s->view;
	int r;

	r = sm_reserve_move(&b->map_base, b->map_len, reserve, b->offset);
	if (r < 0)
		return r;
	b->addr = (uint8_t *)b->map_base + skip;
	b->reserve = m->reserve = reserve;
	s->file = b->addr;
	m->map_base = b->map_base;
	r = sm_reserve_move(&view, s->len, reserve - skip, s->file_off);
	if (r < 0)
		return r;
	s->view = view;
	s->view_reserve = reserve - skip;
	m->addr = s->view;
	return 0;
}

static int lock_more(struct sm_strict *s, size_t new_len)
{
	int r;

	if (!s->locked)
		return 0;
	r = sm_sys_ofd_lock(s->below.fd, F_WRLCK, s->file_off + s->len, new_len - s->len);
	if (r == -EAGAIN || r == -EACCES)
		return sm_fail(-EBUSY, SYNCMAP_CAUSE_STRICT_MODE,
			       "strict mode: another process holds bytes %llu..%llu of this file in "
			       "strict mode, which this grow would reach; two processes cannot share "
			       "one file in strict mode",
			       (unsigned long long)(s->file_off + s->len),
			       (unsigned long long)(s->file_off + new_len));
	/* Taken at open, so it can be taken now; a failure other than a
	 * conflict leaves the new range unlocked, as open does. */
	return 0;
}

static int map_view_tail(struct sm_strict *s, size_t new_len)
{
	size_t from = sm_page_round(s->len), to = sm_page_round(new_len);
	int prot = PROT_READ | PROT_WRITE, r = 0;

	if (to > from && !s->anon)
		r = sm_reserve_map(s->view + from, to - from, prot, MAP_PRIVATE | MAP_NORESERVE,
				   s->below.fd, s->file_off + from);
	else if (to > from)
		r = sm_reserve_map(s->view + from, to - from, prot,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r < 0)
		return sm_fail(r, SYNCMAP_CAUSE_STRICT_MODE,
			       "strict mode cannot map %zu more bytes of its private view: %s",
			       to - from, strerror(-r));
	if (!s->anon)
		return 0;
	r = sm_strict_move(s, s->view + s->len, s->file + s->len, new_len - s->len, s->len);
	if (r < 0 && to > from)
		sm_reserve_hold(s->view + from, to - from);
	return r;
}

int sm_strict_grow_view(struct syncmap *m, size_t new_len)
{
	struct sm_strict *s = m->path_data;
	int r;

	sm_strict_lock();
	r = sm_strict_usable(s);
	if (r == 0 && sm_page_round(new_len) > sm_page_round(s->len) &&
	    new_len > s->view_reserve)
		r = sm_fail(-ENOMEM, SYNCMAP_CAUSE_ERROR,
			    "strict mode's view holds %zu bytes, not %zu", s->view_reserve, new_len);
	if (r == 0)
		r = lock_more(s, new_len);
	if (r == 0) {
		r = map_view_tail(s, new_len);
		if (r < 0 && s->locked)
			sm_sys_ofd_lock(s->below.fd, F_UNLCK, s->file_off + s->len,
					new_len - s->len);
	}
	if (r == 0)
		s->len = new_len;
	sm_strict_unlock();
	return r;
}

const struct syncmap *sm_strict_below(const struct syncmap *m)
{
	if (m && sm_strict_is(m))
		return &((const struct sm_strict *)m->path_data)->below;
	return m;
}

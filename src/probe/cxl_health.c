/* SPDX-License-Identifier: MIT */
/*
 * The health of the CXL memory device behind a file, through libcxl: the
 * device's Get Health Info mailbox command (CXL 2.0 8.2.9.8.3.1) gives its
 * dirty-shutdown count (shutdowns in which the device could not make its
 * persistent contents safe) and the share of its life used.  For CXL
 * memory the count takes the place of an NVDIMM's unsafe-shutdown count:
 * an application stores it at each clean close and compares it at the
 * next open; a larger count means data written since may be lost even
 * though every persist returned.
 *
 * Where the command is not answered, the view says exactly how: the
 * errno of the submission (ENOTTY when the kernel does not pass the
 * command to the device, as under QEMU 7.2, whose command effects log
 * does not list it) or the device's mailbox status.  Report only.
 *
 * Built without libcxl (HAVE_CXL 0) the entry point says so with -ENOTSUP.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "probe.h"

static void health_init(struct sm_cxl_health *h, const struct sm_chain *c)
{
	memset(h, 0, sizeof(*h));
	h->dirty_shutdown = h->life_used = -1;
	if (c->cxl.ntargets)
		snprintf(h->memdev, sizeof(h->memdev), "%s", c->cxl.t[0].memdev);
}

#if HAVE_CXL
#include <cxl/libcxl.h>

/* The library must not print: libcxl's messages go to our log. */
static void cxl_quiet(struct cxl_ctx *ctx, int priority, const char *file, int line,
		      const char *fn, const char *format, va_list args)
{
	char msg[256];

	(void)ctx; (void)priority; (void)file; (void)line; (void)fn;
	vsnprintf(msg, sizeof(msg), format, args);
	sm_log(SYNCMAP_LOG_DEBUG, "libcxl: %s", msg);
}

/* The names CXL 2.0 table 150 gives the mailbox return codes. */
static const char *mbox_name(int status)
{
	static const char *const names[] = {
		"success", "background command started", "invalid input", "unsupported",
		"internal error", "retry required", "busy", "media disabled",
		"FW transfer in progress", "FW transfer out of order", "FW authentication failed",
		"invalid slot", "activation failed, FW rolled back",
		"activation failed, cold reset required", "invalid handle",
		"invalid physical address", "inject poison limit reached",
		"permanent media failure", "aborted", "invalid security state",
		"incorrect passphrase", "unsupported mailbox", "invalid payload length",
	};

	return status >= 0 && (size_t)status < sizeof(names) / sizeof(names[0]) ?
	       names[status] : "unknown status";
}

static int ask(struct cxl_memdev *memdev, struct sm_cxl_health *h)
{
	struct cxl_cmd *cmd = cxl_cmd_new_get_health_info(memdev);
	int r;

	if (!cmd)
		return -ENOMEM;
	r = cxl_cmd_submit(cmd);
	h->mbox_status = cxl_cmd_get_mbox_status(cmd);
	if (r >= 0 && h->mbox_status != 0)
		r = -EIO;
	if (h->mbox_status > 0)
		snprintf(h->mbox_text, sizeof(h->mbox_text), "%s", mbox_name(h->mbox_status));
	if (r >= 0) {
		int d = cxl_cmd_health_info_get_dirty_shutdowns(cmd);
		int l = cxl_cmd_health_info_get_life_used(cmd);

		h->dirty_shutdown = d >= 0 ? d : -1;
		h->life_used = l >= 0 ? l : -1;
		r = 0;
	}
	cxl_cmd_unref(cmd);
	return r;
}

int sm_cxl_health(const struct sm_chain *c, struct sm_cxl_health *h)
{
	struct cxl_memdev *memdev;
	struct cxl_ctx *ctx;
	int r;

	health_init(h, c);
	if (!h->memdev[0])
		return h->err = -ENODEV;
	r = cxl_new(&ctx);
	if (r < 0)
		return h->err = r;
	cxl_set_log_fn(ctx, cxl_quiet);
	r = -ENODEV;
	cxl_memdev_foreach(ctx, memdev)
		if (!strcmp(cxl_memdev_get_devname(memdev), h->memdev)) {
			r = ask(memdev, h);
			break;
		}
	cxl_unref(ctx);
	return h->err = r;
}

#else /* !HAVE_CXL */

int sm_cxl_health(const struct sm_chain *c, struct sm_cxl_health *h)
{
	health_init(h, c);
	return h->err = -ENOTSUP;
}

#endif

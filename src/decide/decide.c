/* SPDX-License-Identifier: MIT */
/*
 * The decision: from the facts about a file, the kernel's answers to the
 * mappings tried, and what the caller and the environment ask for, to the
 * path a mapping takes, its granularity, its write-back instruction, and
 * the cause and sentence that say why it is not a faster one.  Pure: no
 * system call, no log, no allocation.  open and syncmap_probe() both come
 * here, so a probe predicts what an open gets.
 *
 * A refusal is explained by the first thing a fix would have to change: a
 * file system type that cannot do DAX at all, then a device that is not
 * DAX-capable persistent memory, then the mount's and the inode's DAX
 * options.  Each sentence names the file system, the device, the mount
 * point and the command.  Device DAX on volatile memory (dax_hmem, a CXL
 * ram region) is granted MAP_SYNC by the kernel, yet nothing makes it
 * durable: it takes the page path with its own cause.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cause.h"
#include "decide.h"
#include "log.h"

/* The names a sentence uses, with fallbacks for unknown parts. */
struct sm_names {
	const char *fstype, *source, *point;
	const char *file_pre, *file;	/* "a new file in " + "/mnt/x" */
	/* What persisting does: msync, or under SYNCMAP_JOURNAL no word of
	 * it (the journal's sentence follows). */
	const char *msync, *msync_pages;
	char device[SM_NAME_MAX + 8];
};

static void names_of(const struct sm_facts *f, bool journal, struct sm_names *n)
{
	bool m = f->have_mount;
	const struct sm_chain *c = &f->chain;

	n->fstype = f->have_type ? f->fstype : "the file system";
	n->source = m ? f->mount.source : "its device";
	n->point = m ? f->mount.point : "its mount point";
	n->file_pre = "";
	n->msync = journal ? SM_SAYS_JOURNAL : "persisting uses msync";
	n->msync_pages = journal ? SM_SAYS_JOURNAL : "persisting uses msync page by page";
	n->file = f->fd.path[0] ? f->fd.path :
		  (f->target == SM_TARGET_NEW_FILE ? "the directory" : "the file");
	if (f->target == SM_TARGET_NEW_FILE && f->fd.path[0])
		n->file_pre = "a new file in ";
	if (c->resolved && c->device[0] && !c->devdax)
		snprintf(n->device, sizeof(n->device), "/dev/%s", c->device);
	else
		snprintf(n->device, sizeof(n->device), "%.*s", (int)sizeof(n->device) - 1,
			 n->source);
}

static enum syncmap_cause say(char *advice, size_t size, enum syncmap_cause c,
			      const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static enum syncmap_cause say(char *advice, size_t size, enum syncmap_cause c,
			      const char *fmt, ...)
{
	va_list ap;

	if (size) {
		va_start(ap, fmt);
		vsnprintf(advice, size, fmt, ap);
		va_end(ap);
	}
	return c;
}

static enum syncmap_cause classify_fstype(const struct sm_facts *f,
					  const struct sm_names *n,
					  char *advice, size_t size)
{
	return say(advice, size, SYNCMAP_CAUSE_FS_NOT_DAX_CAPABLE,
		   "%s%s is on %s (%s mounted at %s), which cannot do DAX, so MAP_SYNC is "
		   "refused and %s; %s",
		   n->file_pre, n->file, n->fstype, n->source, n->point, n->msync,
		   f->chain.nvdimm_bus ?
		   "put the file on ext4 or xfs on a pmem device mounted with -o dax" :
		   "this machine also has no NVDIMM bus (no persistent memory), so no "
		   "file system here can do better");
}

/* The device under an ext4/xfs mount is not usable persistent memory. */
static enum syncmap_cause classify_device(const struct sm_chain *c,
					  const struct sm_names *n,
					  char *advice, size_t size)
{
	if (!c->on_nd && !c->nvdimm_bus)
		return say(advice, size, SYNCMAP_CAUSE_NO_NVDIMM_BUS,
			   "%s on %s (mounted at %s) is not persistent memory, and this machine "
			   "has no NVDIMM bus at all (/sys/bus/nd lists no ndbus): no file here "
			   "can use MAP_SYNC, so %s; cache-line "
			   "persistence needs NVDIMMs (or a guest with -machine nvdimm=on) and "
			   "ext4 or xfs mounted -o dax on them", n->fstype, n->device, n->point,
			   n->msync_pages);
	if (!c->on_nd)
		return say(advice, size, SYNCMAP_CAUSE_DEVICE_NOT_DAX,
			   "%s on %s (mounted at %s) is not on persistent memory; put the file on "
			   "a file system made on a pmem device (ls /dev/pmem*) and mounted with "
			   "-o dax", n->fstype, n->device, n->point);
	if (c->virtio)
		return say(advice, size, SYNCMAP_CAUSE_NOT_SYNCHRONOUS,
			   "%s (%s, %s) is virtio-pmem, which is not synchronous: the host "
			   "must write its page cache back, so the kernel refuses MAP_SYNC and "
			   "%s; give the guest an emulated NVDIMM (-device "
			   "nvdimm) for MAP_SYNC", n->device, c->ns[0] ? c->ns : "namespace",
			   c->region, n->msync);
	if (c->mode == SM_NS_RAW)
		return say(advice, size, SYNCMAP_CAUSE_NAMESPACE_RAW,
			   "%s (behind %s, mounted at %s) is in raw mode, which cannot do DAX: "
			   "ndctl create-namespace -f -e %s -m fsdax (this erases it), then "
			   "make the file system again and mount it with -o dax",
			   c->ns, n->device, n->point, c->ns);
	if (c->mode == SM_NS_SECTOR)
		return say(advice, size, SYNCMAP_CAUSE_DEVICE_NOT_DAX,
			   "%s (behind %s, mounted at %s) is in sector mode (BTT), which cannot "
			   "do DAX: ndctl create-namespace -f -e %s -m fsdax (this erases it), "
			   "then make the file system again and mount it with -o dax",
			   c->ns, n->device, n->point, c->ns);
	return SYNCMAP_CAUSE_NONE;
}

static enum syncmap_cause classify_inode(const struct sm_facts *f,
					 const struct sm_names *n,
					 char *advice, size_t size)
{
	if (f->fd.xflag_dax == 1)
		return say(advice, size, SYNCMAP_CAUSE_INODE_DAX_FLAG_UNSET,
			   "%s%s (%s on %s, mounted at %s with dax=inode) has the DAX flag, but "
			   "it is not in effect yet: it applies when the inode is loaded again, "
			   "so close the file in every process (or echo 2 > "
			   "/proc/sys/vm/drop_caches) and open it again",
			   n->file_pre, n->file, n->fstype, n->device, n->point);
	if (f->target == SM_TARGET_NEW_FILE)
		return say(advice, size, SYNCMAP_CAUSE_INODE_DAX_FLAG_UNSET,
			   "%s on %s is mounted at %s with dax=inode and the directory %s lacks "
			   "the DAX flag, so files created there are not DAX: xfs_io -c "
			   "'chattr +x' %s", n->fstype, n->device, n->point, n->file, n->file);
	return say(advice, size, SYNCMAP_CAUSE_INODE_DAX_FLAG_UNSET,
		   "%s on %s is mounted at %s with dax=inode and %s lacks the DAX flag: "
		   "xfs_io -c 'chattr +x' %s, then reopen it once no process has it open "
		   "(or set the flag on its directory before creating files there)",
		   n->fstype, n->device, n->point, n->file, n->file);
}

static enum syncmap_cause classify_mount(const struct sm_facts *f,
					 const struct sm_names *n,
					 char *advice, size_t size)
{
	enum sm_dax_opt d = f->mount.dax;

	if (d == SM_DAX_OPT_NEVER || (d == SM_DAX_OPT_NONE && f->fd.xflag_dax != 1))
		return say(advice, size, SYNCMAP_CAUSE_FS_NOT_DAX_MOUNTED,
			   "%s on %s is mounted at %s %s: umount %s && mount -o dax %s %s "
			   "(the dax option cannot be changed by a remount)%s",
			   n->fstype, n->device, n->point,
			   d == SM_DAX_OPT_NEVER ? "with dax=never" : "without dax",
			   n->point, n->device, n->point,
			   d == SM_DAX_OPT_NONE ? "; or, since the default is dax=inode, set "
			   "the per-file flag: xfs_io -c 'chattr +x' on the file or its "
			   "directory" : "");
	if (d == SM_DAX_OPT_INODE || d == SM_DAX_OPT_NONE)
		return classify_inode(f, n, advice, size);
	return say(advice, size, SYNCMAP_CAUSE_NOT_DAX,
		   "%s on %s is mounted at %s with dax, yet the kernel refused MAP_SYNC "
		   "for %s%s; dmesg tells why (the block size must equal the page size: "
		   "mkfs.ext4 -b 4096 or mkfs.xfs -m reflink=0; data=journal disables DAX)",
		   n->fstype, n->device, n->point, n->file_pre, n->file);
}

/*
 * Device DAX on memory that keeps nothing across a power cut.  The kernel
 * grants MAP_SYNC on any device DAX, so only the facts can say that no
 * flush makes these stores durable.
 */
static enum syncmap_cause classify_volatile(const struct sm_chain *c, char *advice,
					    size_t size)
{
	const struct sm_cxl *x = &c->cxl;

	if (c->volatile_mem == SM_VOLATILE_HMEM)
		return say(advice, size, SYNCMAP_CAUSE_VOLATILE_MEMORY,
			   "/dev/%s is device DAX on volatile memory (dax_hmem, %s: memory the "
			   "firmware set aside as soft-reserved or specific-purpose), with no NVDIMM "
			   "region behind it: nothing written there survives a power cut or a reboot, "
			   "whatever is flushed, so persisting it is not durable; keep durable data on "
			   "persistent memory (ndctl list -R lists the NVDIMM regions)",
			   c->device, c->hmem);
	return say(advice, size, SYNCMAP_CAUSE_VOLATILE_MEMORY,
		   "/dev/%s is device DAX on CXL %s in ram mode (memory device %s), with no NVDIMM "
		   "region behind it: volatile memory, so nothing written there survives a power "
		   "cut or a reboot, whatever is flushed, and persisting it is not durable; for "
		   "durable data use a device with persistent capacity in a pmem region (cxl "
		   "create-region -t pmem, then ndctl create-namespace on it)", c->device,
		   x->region[0] ? x->region : "a region",
		   x->ntargets && x->t[0].memdev[0] ? x->t[0].memdev : "unknown");
}

/* sm_classify(), for a mapping the journal takes when journal is set. */
static enum syncmap_cause classify(const struct sm_facts *f, bool journal,
				   char *advice, size_t size)
{
	const struct sm_chain *c = &f->chain;
	struct sm_names n;
	enum syncmap_cause cause;

	names_of(f, journal, &n);
	if (c->devdax && c->volatile_mem)
		return classify_volatile(c, advice, size);
	if (c->devdax)
		return c->virtio ? classify_device(c, &n, advice, size) :
		       say(advice, size, SYNCMAP_CAUSE_NOT_DAX,
			   "device DAX /dev/%s refused MAP_SYNC; check that it is enabled "
			   "(daxctl list) and in devdax mode, not system-ram", c->device);
	/* Without even the file system type, any explanation is a guess. */
	if (!f->have_type)
		return say(advice, size, SYNCMAP_CAUSE_NOT_DAX, "%s",
			   sm_cause_default_advice(SYNCMAP_CAUSE_NOT_DAX));
	if (!sm_fstype_dax_capable(f->fstype))
		return classify_fstype(f, &n, advice, size);
	if (c->resolved) {
		cause = classify_device(c, &n, advice, size);
		if (cause != SYNCMAP_CAUSE_NONE)
			return cause;
	} else if (!c->nvdimm_bus) {
		return classify_device(c, &n, advice, size);
	}
	if (f->have_mount)
		return classify_mount(f, &n, advice, size);
	return say(advice, size, SYNCMAP_CAUSE_NOT_DAX, "%s",
		   sm_cause_default_advice(SYNCMAP_CAUSE_NOT_DAX));
}

/**
 * sm_classify() - why MAP_SYNC is refused, from the facts
 * @f: the facts of the file, device or directory
 * @advice: receives one sentence a person can act on
 * @size: bytes at @advice
 *
 * Return: the cause; SYNCMAP_CAUSE_NOT_DAX when no fact explains it.
 */
enum syncmap_cause sm_classify(const struct sm_facts *f, char *advice, size_t size)
{
	return classify(f, false, advice, size);
}

int sm_validate_errno_meaning(int err)
{
	if (err == -EOPNOTSUPP)
		return 1;
	if (err == -EINVAL)
		return 0;
	return err < 0 ? err : -EPROTO;
}

enum sm_forced sm_forced_from_env(void)
{
	const char *v = sm_getenv("SYNCMAP_FORCE_GRANULARITY");

	if (!v || !*v)
		return SM_FORCE_NONE;
	if (!strcmp(v, "page"))
		return SM_FORCE_PAGE;
	if (!strcmp(v, "cache_line"))
		return SM_FORCE_CACHE_LINE;
	if (!strcmp(v, "byte"))
		return SM_FORCE_BYTE;
	sm_log(SYNCMAP_LOG_WARNING,
	       "SYNCMAP_FORCE_GRANULARITY=%s is not page, cache_line or byte; ignored", v);
	return SM_FORCE_NONE;
}

bool sm_plan_sync(const struct sm_policy *p)
{
	return !(p->flags & (SYNCMAP_RDONLY | SYNCMAP_FORBID_SYNC)) &&
	       p->forced != SM_FORCE_PAGE;
}

/* Will SYNCMAP_JOURNAL take the page path's place, if the page path it is?
 * Not for a read-only mapping, nor for one that requires MAP_SYNC (it
 * fails instead). */
static bool journaled(const struct sm_policy *p)
{
	return (p->flags & SYNCMAP_JOURNAL) &&
	       !(p->flags & (SYNCMAP_RDONLY | SYNCMAP_REQUIRE_SYNC));
}

static const char *forced_name(enum sm_forced f)
{
	return f == SM_FORCE_BYTE ? "byte" : f == SM_FORCE_CACHE_LINE ? "cache_line" : "page";
}

/* The outcome, with the cause's own sentence unless one is given. */
static void set(struct sm_decision *d, enum sm_path path, enum syncmap_cause cause,
		const char *advice)
{
	d->path = path;
	d->gran = path == SM_PATH_BYTE ? SYNCMAP_GRAN_BYTE :
		  path == SM_PATH_CACHE_LINE ? SYNCMAP_GRAN_CACHE_LINE : SYNCMAP_GRAN_PAGE;
	if (path != SM_PATH_CACHE_LINE)
		d->insn = SYNCMAP_INSN_NONE;
	d->cause = cause;
	if (advice != d->advice)
		snprintf(d->advice, sizeof(d->advice), "%s",
			 advice && *advice ? advice : sm_cause_default_advice(cause));
}

/* The open fails; with REQUIRE_SYNC, because of why MAP_SYNC is missing. */
static void fail(struct sm_decision *d, int err, enum syncmap_cause cause)
{
	d->err = err;
	d->cause = cause;
	d->log_level = 0;
}

static void require_failed(struct sm_decision *d, enum syncmap_cause cause)
{
	static const char lead[] = "MAP_SYNC is required but refused: ";
	char why[SM_ADVICE_MAX - sizeof(lead) + 1];

	snprintf(why, sizeof(why), "%.*s", (int)(sizeof(why) - 1),
		 d->advice[0] ? d->advice : sm_cause_default_advice(cause));
	snprintf(d->advice, sizeof(d->advice), "%s%.*s", lead, (int)(sizeof(why) - 1), why);
	fail(d, -EOPNOTSUPP, cause);
}

/* No instruction to write a line back: the sentence names the
 * architecture, what it lacks, and what the environment took away. */
static void no_insn(const struct sm_facts *f, const struct sm_policy *p,
		    struct sm_decision *d)
{
	char why[SM_ADVICE_MAX - 64];

	sm_cpu_advice_for(&f->cpu, f->cpu_disabled, journaled(p), why, sizeof(why));
	snprintf(d->advice, sizeof(d->advice),
		 "MAP_SYNC was granted, but %.*s", (int)sizeof(why) - 1, why);
	set(d, SM_PATH_PAGE, SYNCMAP_CAUSE_NO_FLUSH_INSN, d->advice);
}

/* MAP_SYNC took: cache lines, or bytes where the caches are persistent. */
static void granted(const struct sm_facts *f, const struct sm_policy *p,
		    struct sm_decision *d)
{
	bool eadr = f->chain.domain == SM_DOMAIN_CPU_CACHE;

	d->sync = true;
	/* An architecture with no write-back at all has no fence anyone has
	 * shown to be a persistence barrier either: not even eADR helps. */
	if (f->cpu.prefer[0] == SYNCMAP_INSN_NONE && p->forced != SM_FORCE_BYTE) {
		d->sync = false;
		no_insn(f, p, d);
		d->log_level = SYNCMAP_LOG_NOTICE;
		return;
	}
	if ((eadr && p->forced != SM_FORCE_CACHE_LINE) || p->forced == SM_FORCE_BYTE) {
		set(d, SM_PATH_BYTE, SYNCMAP_CAUSE_NONE, "");
		d->advice[0] = '\0';
		if (!eadr) {
			set(d, SM_PATH_BYTE, SYNCMAP_CAUSE_FORCED_BY_ENV,
			    "SYNCMAP_FORCE_GRANULARITY=byte: persisting only fences, which is not "
			    "durable unless the platform's persistence domain includes the CPU "
			    "caches");
			d->log_level = SYNCMAP_LOG_WARNING;
		}
		return;
	}
	d->insn = sm_cpu_select(&f->cpu, f->cpu_disabled);
	if (d->insn == SYNCMAP_INSN_NONE) {
		d->sync = false;
		no_insn(f, p, d);
		d->log_level = SYNCMAP_LOG_NOTICE;
		return;
	}
	set(d, SM_PATH_CACHE_LINE, SYNCMAP_CAUSE_NONE, "");
	d->advice[0] = '\0';
}

/* EINVAL for MAP_SHARED_VALIDATE|MAP_SYNC: an old kernel, or bad
 * arguments, told apart by the plain mapping and by the kernel's answer
 * to an unknown flag with MAP_SHARED_VALIDATE. */
static void einval(const struct sm_trial *t, const struct sm_policy *p,
		   struct sm_decision *d)
{
	if (t->plain < 0) {
		snprintf(d->advice, sizeof(d->advice),
			 "the kernel rejected the mapping's arguments (length %zu): %s",
			 t->len, strerror(-t->plain));
		fail(d, t->plain, SYNCMAP_CAUSE_ERROR);
		return;
	}
	if (t->validate == 1) {
		snprintf(d->advice, sizeof(d->advice),
			 "the kernel knows MAP_SHARED_VALIDATE but refused MAP_SYNC for this "
			 "file with EINVAL (not EOPNOTSUPP), so %s; dmesg may tell why",
			 journaled(p) ? SM_SAYS_JOURNAL : "persisting uses msync");
		set(d, SM_PATH_PAGE, SYNCMAP_CAUSE_NOT_DAX, d->advice);
		return;
	}
	set(d, SM_PATH_PAGE, SYNCMAP_CAUSE_KERNEL_TOO_OLD, NULL);
}

/* A refused file with SYNCMAP_FORCE_GRANULARITY=cache_line or byte: the
 * CPU path, for measuring CPU cost; not durable, and the cause says so. */
static void forced_over_refusal(const struct sm_facts *f, const struct sm_policy *p,
				struct sm_decision *d)
{
	enum syncmap_insn insn = sm_cpu_select(&f->cpu, f->cpu_disabled);
	enum syncmap_cause refused = d->cause;

	if (p->forced == SM_FORCE_CACHE_LINE && insn == SYNCMAP_INSN_NONE)
		return;
	d->path = p->forced == SM_FORCE_BYTE ? SM_PATH_BYTE : SM_PATH_CACHE_LINE;
	d->gran = p->forced == SM_FORCE_BYTE ? SYNCMAP_GRAN_BYTE : SYNCMAP_GRAN_CACHE_LINE;
	d->insn = p->forced == SM_FORCE_BYTE ? SYNCMAP_INSN_NONE : insn;
	d->cause = SYNCMAP_CAUSE_FORCED_BY_ENV;
	snprintf(d->advice, sizeof(d->advice),
		 "SYNCMAP_FORCE_GRANULARITY=%s on a mapping without MAP_SYNC: persisting is NOT "
		 "durable (the kernel refused MAP_SYNC: %s); use this only to measure CPU cost",
		 forced_name(p->forced), syncmap_cause_name(refused));
	d->log_level = SYNCMAP_LOG_WARNING;
}

/*
 * SYNCMAP_JOURNAL changes what a page-path mapping does, nothing else:
 * MAP_SYNC, where granted, is faster.  Its lines go to the sidecar, so
 * the granularity is the cache line; the cause still says why MAP_SYNC
 * is missing, and the advice where the journal is.
 */
static void journal_over_page(const struct sm_facts *f, const struct sm_policy *p,
			      struct sm_decision *d)
{
	size_t n;

	/* A journal replays onto the memory after a crash: on volatile
	 * memory there is nothing left to replay onto. */
	if (d->err || d->path != SM_PATH_PAGE || d->sync || !(p->flags & SYNCMAP_JOURNAL) ||
	    (p->flags & SYNCMAP_RDONLY) || d->cause == SYNCMAP_CAUSE_VOLATILE_MEMORY)
		return;
	d->journal = true;
	d->gran = SYNCMAP_GRAN_CACHE_LINE;
	n = strlen(d->advice);
	snprintf(d->advice + n, sizeof(d->advice) - n,
		 "%spersisting appends the cache lines to the journal %s%s beside the file, "
		 "and the kernel writes the pages back later", n ? "; " : "",
		 f->fd.path[0] ? f->fd.path : "<file>", SM_J_SUFFIX_TEXT);
}

/* SYNCMAP_FORBID_SYNC: the cause's own sentence, but for what the journal
 * does when it takes the page path's place. */
static void forbidden(const struct sm_policy *p, struct sm_decision *d)
{
	snprintf(d->advice, sizeof(d->advice), "the caller asked for SYNCMAP_FORBID_SYNC, so %s",
		 journaled(p) ? SM_SAYS_JOURNAL : "persisting uses msync");
	set(d, SM_PATH_PAGE, SYNCMAP_CAUSE_FORBIDDEN, d->advice);
}

/* The path without the journal: the caller's flags first, then the
 * environment, then the kernel's answer to MAP_SYNC. */
static void decide_path(const struct sm_facts *f, const struct sm_trial *t,
			const struct sm_policy *p, struct sm_decision *d)
{
	bool require = p->flags & SYNCMAP_REQUIRE_SYNC;

	if (p->flags & SYNCMAP_RDONLY) {
		set(d, SM_PATH_PAGE, SYNCMAP_CAUSE_READ_ONLY, NULL);
		return;
	}
	if (p->forced == SM_FORCE_PAGE && require) {
		snprintf(d->advice, sizeof(d->advice),
			 "MAP_SYNC is required, but SYNCMAP_FORCE_GRANULARITY=page in the "
			 "environment forbids it; unset it or drop SYNCMAP_REQUIRE_SYNC");
		fail(d, -EOPNOTSUPP, SYNCMAP_CAUSE_FORCED_BY_ENV);
		return;
	}
	if (p->flags & SYNCMAP_FORBID_SYNC) {
		forbidden(p, d);
		return;
	}
	if (p->forced == SM_FORCE_PAGE || t->sync == SM_NOT_TRIED) {
		set(d, SM_PATH_PAGE, SYNCMAP_CAUSE_FORCED_BY_ENV, NULL);
		d->log_level = SYNCMAP_LOG_NOTICE;
		return;
	}
	if (t->sync == 0 && f->chain.volatile_mem) {
		set(d, SM_PATH_PAGE, classify_volatile(&f->chain, d->advice, sizeof(d->advice)),
		    d->advice);
		if (require)
			require_failed(d, d->cause);
		else
			d->log_level = SYNCMAP_LOG_WARNING;
		return;
	}
	if (t->sync == 0) {
		granted(f, p, d);
		if (require && !d->sync)
			require_failed(d, d->cause);
		return;
	}
	if (t->sync == -EOPNOTSUPP) {
		set(d, SM_PATH_PAGE, classify(f, journaled(p), d->advice, sizeof(d->advice)),
		    d->advice);
	} else if (t->sync == -EINVAL) {
		einval(t, p, d);
		if (d->err)
			return;
	} else {
		snprintf(d->advice, sizeof(d->advice), "mmap of %zu bytes failed: %s",
			 t->len, strerror(-t->sync));
		fail(d, t->sync, SYNCMAP_CAUSE_ERROR);
		return;
	}
	if (require) {
		require_failed(d, d->cause);
		return;
	}
	d->log_level = SYNCMAP_LOG_NOTICE;
	if (p->forced == SM_FORCE_CACHE_LINE || p->forced == SM_FORCE_BYTE)
		forced_over_refusal(f, p, d);
}

/**
 * sm_decide() - the path a mapping takes, and why
 * @f: the facts of the file
 * @t: the kernel's answers to the mappings tried (sync is SM_NOT_TRIED
 *	when sm_plan_sync() said not to try MAP_SYNC)
 * @p: the caller's flags and the environment's forced granularity
 * @d: the outcome; d->err < 0 means the open fails with it
 */
void sm_decide(const struct sm_facts *f, const struct sm_trial *t,
	       const struct sm_policy *p, struct sm_decision *d)
{
	memset(d, 0, sizeof(*d));
	decide_path(f, t, p, d);
	journal_over_page(f, p, d);
}

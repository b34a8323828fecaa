/* SPDX-License-Identifier: MIT */
/* Stable names for the report's enums, the environment variable that
 * disables each instruction, and a default sentence per cause. */
#include <pthread.h>
#include <stdio.h>

#include "internal.h"

static const char *const cause_names[SM_CAUSE_COUNT] = {
	[SYNCMAP_CAUSE_NONE] = "none",
	[SYNCMAP_CAUSE_KERNEL_TOO_OLD] = "kernel_too_old",
	[SYNCMAP_CAUSE_NOT_DAX] = "not_dax",
	[SYNCMAP_CAUSE_FS_NOT_DAX_MOUNTED] = "fs_not_dax_mounted",
	[SYNCMAP_CAUSE_INODE_DAX_FLAG_UNSET] = "inode_dax_flag_unset",
	[SYNCMAP_CAUSE_FS_NOT_DAX_CAPABLE] = "fs_not_dax_capable",
	[SYNCMAP_CAUSE_DEVICE_NOT_DAX] = "device_not_dax",
	[SYNCMAP_CAUSE_NAMESPACE_RAW] = "namespace_raw_mode",
	[SYNCMAP_CAUSE_NOT_SYNCHRONOUS] = "device_not_synchronous",
	[SYNCMAP_CAUSE_FORBIDDEN] = "map_sync_forbidden",
	[SYNCMAP_CAUSE_FORCED_BY_ENV] = "forced_by_environment",
	[SYNCMAP_CAUSE_READ_ONLY] = "read_only",
	[SYNCMAP_CAUSE_NO_FLUSH_INSN] = "cpu_cannot_flush",
	[SYNCMAP_CAUSE_NO_NVDIMM_BUS] = "no_nvdimm_bus",
	[SYNCMAP_CAUSE_ERROR] = "error",
	[SYNCMAP_CAUSE_STRICT_MODE] = "strict_mode",
	[SYNCMAP_CAUSE_JOURNAL_BUSY] = "journal_busy",
};

static const char *const cause_advice[SM_CAUSE_COUNT] = {
	[SYNCMAP_CAUSE_NONE] = "",
	[SYNCMAP_CAUSE_KERNEL_TOO_OLD] =
		"the kernel rejected MAP_SHARED_VALIDATE, so it predates MAP_SYNC (Linux 4.15); "
		"persisting falls back to msync; upgrade the kernel for cache-line persistence",
	[SYNCMAP_CAUSE_NOT_DAX] =
		"the file system refused MAP_SYNC because this file is not DAX; "
		"persisting falls back to msync; put the file on a DAX-mounted file system on persistent memory",
	[SYNCMAP_CAUSE_FS_NOT_DAX_MOUNTED] =
		"the file system is not mounted with -o dax; remount it with -o dax to get cache-line persistence",
	[SYNCMAP_CAUSE_INODE_DAX_FLAG_UNSET] =
		"the file system is mounted dax=inode and this file lacks the DAX flag; "
		"set it on the parent directory (xfs_io -c 'chattr +x' DIR) before creating the file",
	[SYNCMAP_CAUSE_FS_NOT_DAX_CAPABLE] =
		"this file system type cannot do DAX; put the file on ext4 or xfs mounted -o dax on persistent memory",
	[SYNCMAP_CAUSE_DEVICE_NOT_DAX] =
		"the device under the file system is not persistent memory that supports DAX",
	[SYNCMAP_CAUSE_NAMESPACE_RAW] =
		"the namespace is in raw mode, which cannot do DAX; convert it with "
		"ndctl create-namespace -f -e NAMESPACE -m fsdax",
	[SYNCMAP_CAUSE_NOT_SYNCHRONOUS] =
		"the device is not synchronous (virtio-pmem): the host must flush, so MAP_SYNC cannot be offered",
	[SYNCMAP_CAUSE_FORBIDDEN] =
		"the caller asked for SYNCMAP_FORBID_SYNC, so persisting uses msync",
	[SYNCMAP_CAUSE_FORCED_BY_ENV] =
		"SYNCMAP_FORCE_GRANULARITY in the environment chose this path; unset it for the platform's own answer",
	[SYNCMAP_CAUSE_READ_ONLY] =
		"the mapping is read-only; open it without SYNCMAP_RDONLY to persist through it",
	/* SYNCMAP_CAUSE_NO_FLUSH_INSN: made by sm_cpu_advice(), which names
	 * the architecture and what it lacks. */
	[SYNCMAP_CAUSE_NO_NVDIMM_BUS] =
		"this machine has no NVDIMM bus (no persistent memory), so no file here can use MAP_SYNC; files persist with msync",
	[SYNCMAP_CAUSE_ERROR] = "a system call failed",
	[SYNCMAP_CAUSE_STRICT_MODE] =
		"strict mode is on (SYNCMAP_STRICT): the program works on a private view and only the "
		"cache lines it persists reach the file; a test mode, slow by design: do not measure or "
		"ship it",
	[SYNCMAP_CAUSE_JOURNAL_BUSY] =
		"another open (in this process or another) holds the file's journal; close it first: "
		"a journaled file has one writer",
};

static const char *const path_names[] = {
	[SYNCMAP_PATH_MAP_SYNC] = "map_sync",
	[SYNCMAP_PATH_PAGE] = "page",
	[SYNCMAP_PATH_JOURNAL] = "journal",
	[SYNCMAP_PATH_READ_ONLY] = "read_only",
	[SYNCMAP_PATH_FORCED] = "forced",
};

SM_EXPORT const char *syncmap_path_name(enum syncmap_path p)
{
	if ((unsigned)p >= sizeof(path_names) / sizeof(path_names[0]))
		return "unknown";
	return path_names[p];
}

SM_EXPORT const char *syncmap_cause_name(enum syncmap_cause c)
{
	if ((unsigned)c >= SM_CAUSE_COUNT)
		return "unknown";
	return cause_names[c];
}

/* cpu_cannot_flush depends on the CPU: its sentence is made once. */
static pthread_once_t cpu_advice_once = PTHREAD_ONCE_INIT;
static char cpu_advice_text[512];

static void cpu_advice_init(void)
{
	sm_cpu_advice(sm_cpu(), sm_cpu_disabled(), cpu_advice_text,
		      sizeof(cpu_advice_text));
}

const char *sm_cause_default_advice(enum syncmap_cause c)
{
	if ((unsigned)c >= SM_CAUSE_COUNT)
		return "";
	if (c == SYNCMAP_CAUSE_NO_FLUSH_INSN) {
		pthread_once(&cpu_advice_once, cpu_advice_init);
		return cpu_advice_text;
	}
	return cause_advice[c];
}

SM_EXPORT const char *syncmap_granularity_name(enum syncmap_granularity g)
{
	switch (g) {
	case SYNCMAP_GRAN_BYTE: return "byte";
	case SYNCMAP_GRAN_CACHE_LINE: return "cache_line";
	case SYNCMAP_GRAN_PAGE: return "page";
	}
	return "unknown";
}

static const struct {
	const char *name, *env;
} insns[SM_INSN_COUNT] = {
	[SYNCMAP_INSN_NONE] = { "none", NULL },
	[SYNCMAP_INSN_CLFLUSH] = { "clflush", "SYNCMAP_NO_CLFLUSH" },
	[SYNCMAP_INSN_CLFLUSHOPT] = { "clflushopt", "SYNCMAP_NO_CLFLUSHOPT" },
	[SYNCMAP_INSN_CLWB] = { "clwb", "SYNCMAP_NO_CLWB" },
	[SYNCMAP_INSN_DC_CVAP] = { "dc_cvap", "SYNCMAP_NO_DC_CVAP" },
	[SYNCMAP_INSN_DC_CVAC] = { "dc_cvac", "SYNCMAP_NO_DC_CVAC" },
	[SYNCMAP_INSN_DCBSTPS] = { "dcbstps", "SYNCMAP_NO_DCBSTPS" },
	[SYNCMAP_INSN_DCBF] = { "dcbf", "SYNCMAP_NO_DCBF" },
	[SYNCMAP_INSN_CBO_CLEAN] = { "cbo_clean", "SYNCMAP_NO_CBO_CLEAN" },
};

SM_EXPORT const char *syncmap_insn_name(enum syncmap_insn insn)
{
	if ((unsigned)insn >= SM_INSN_COUNT || !insns[insn].name)
		return "unknown";
	return insns[insn].name;
}

const char *sm_insn_env(enum syncmap_insn insn)
{
	return (unsigned)insn < SM_INSN_COUNT ? insns[insn].env : NULL;
}

/* "SYNCMAP_NO_A and SYNCMAP_NO_B" for the instructions of c that are
 * disabled; returns the bytes written. */
static size_t disabled_names(const struct sm_cpu *c, uint32_t disabled,
			     char *buf, size_t size)
{
	size_t n = 0;
	int k = 0;

	for (int i = 0; i < SM_PREFER_MAX && c->prefer[i] != SYNCMAP_INSN_NONE; i++) {
		if (!(c->have & disabled & SM_INSN_BIT(c->prefer[i])) || n >= size)
			continue;
		n += (size_t)snprintf(buf + n, size - n, "%s%s", k++ ? " and " : "",
				      sm_insn_env(c->prefer[i]));
	}
	return n < size ? n : size;
}

void sm_cpu_advice(const struct sm_cpu *c, uint32_t disabled, char *buf,
		   size_t size)
{
	char names[256] = "";

	if (c->have & ~disabled) {
		/* Not this CPU's case; the cause's sentence all the same. */
		snprintf(buf, size, "on %s, no cache write-back instruction libsyncmap can "
			 "use was found, so persisting uses msync", c->arch);
		return;
	}
	if (c->have) {
		disabled_names(c, disabled, names, sizeof(names));
		snprintf(buf, size,
			 "on %s, %s in the environment disable every cache write-back "
			 "instruction this CPU has, so persisting uses msync; unset them "
			 "for cache-line persistence", c->arch, names);
		return;
	}
	snprintf(buf, size,
		 "on %s, %s, so a MAP_SYNC mapping cannot be persisted by cache line "
		 "and persisting uses msync (durable, one page at a time)",
		 c->arch, c->lacks ? c->lacks :
		 "libsyncmap knows no cache write-back instruction for this architecture");
}

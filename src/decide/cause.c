/* SPDX-License-Identifier: MIT */
/* Stable names for the report's enums (the instructions' are cpu.c's),
 * and a default sentence per cause. */
#include <pthread.h>
#include <stdio.h>

#include "cause.h"
#include "cpu.h"

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
	[SYNCMAP_CAUSE_VOLATILE_MEMORY] = "volatile_memory",
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
	[SYNCMAP_CAUSE_VOLATILE_MEMORY] =
		"this device DAX is volatile memory (dax_hmem or a CXL ram region, no NVDIMM region "
		"behind it): nothing written to it survives a power cut or a reboot, whatever is "
		"flushed; keep durable data on persistent memory (an fsdax or devdax namespace)",
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

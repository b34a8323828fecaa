/* SPDX-License-Identifier: MIT */
/*
 * Compile-time check: the replacement's declarations (api.h) and
 * constants (pm.h) agree with the system's libpmem.h.  A prototype that
 * differs is a "conflicting types" error; a constant that differs fails a
 * static assertion.  Running it only reports that it compiled.
 */
#include <stdio.h>

#include <libpmem.h>

#include "pm.h"

_Static_assert(PMEM_FILE_CREATE == PM_FILE_CREATE, "PMEM_FILE_CREATE");
_Static_assert(PMEM_FILE_EXCL == PM_FILE_EXCL, "PMEM_FILE_EXCL");
_Static_assert(PMEM_FILE_SPARSE == PM_FILE_SPARSE, "PMEM_FILE_SPARSE");
_Static_assert(PMEM_FILE_TMPFILE == PM_FILE_TMPFILE, "PMEM_FILE_TMPFILE");
_Static_assert(PMEM_F_MEM_NODRAIN == PM_F_NODRAIN, "PMEM_F_MEM_NODRAIN");
_Static_assert(PMEM_F_MEM_NONTEMPORAL == PM_F_NONTEMPORAL, "PMEM_F_MEM_NONTEMPORAL");
_Static_assert(PMEM_F_MEM_TEMPORAL == PM_F_TEMPORAL, "PMEM_F_MEM_TEMPORAL");
_Static_assert(PMEM_F_MEM_WC == PM_F_WC, "PMEM_F_MEM_WC");
_Static_assert(PMEM_F_MEM_WB == PM_F_WB, "PMEM_F_MEM_WB");
_Static_assert(PMEM_F_MEM_NOFLUSH == PM_F_NOFLUSH, "PMEM_F_MEM_NOFLUSH");
_Static_assert(PMEM_F_MEM_VALID_FLAGS == PM_F_ALL, "PMEM_F_MEM_VALID_FLAGS");
_Static_assert(PMEM_MAJOR_VERSION == PM_MAJOR, "PMEM_MAJOR_VERSION");
_Static_assert(PMEM_MINOR_VERSION == PM_MINOR, "PMEM_MINOR_VERSION");

int main(void)
{
	printf("api.h and pm.h agree with libpmem.h\n");
	return 0;
}

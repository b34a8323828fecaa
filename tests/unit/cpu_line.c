/* SPDX-License-Identifier: MIT */
/* The line the strict-mode tests count in (cpu_line.h). */
#include "internal.h"
#include "cpu_line.h"

size_t ut_strict_line(void)
{
	return sm_cpu()->line;
}

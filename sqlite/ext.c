/* SPDX-License-Identifier: MIT */
/*
 * The loadable extension's entry point: sqlite3_load_extension() and the
 * sqlite3 shell's .load find it by the module's file name
 * (syncmap_sqlite.so -> sqlite3_syncmapsqlite_init).
 */
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

#include "syncmap_sqlite.h"

__attribute__((visibility("default")))
int sqlite3_syncmapsqlite_init(sqlite3 *db, char **err, const sqlite3_api_routines *api);

int sqlite3_syncmapsqlite_init(sqlite3 *db, char **err, const sqlite3_api_routines *api)
{
	int rc;

	(void)db;
	SQLITE_EXTENSION_INIT2(api);
	rc = syncmap_sqlite_register(0);
	if (rc != SQLITE_OK) {
		*err = sqlite3_mprintf("the syncmap VFS could not be registered: SQLite has "
				       "no \"unix\" VFS of version 3 to wrap");
		return rc;
	}
	/* The VFS outlives the connection that loaded it: stay loaded. */
	return SQLITE_OK_LOAD_PERMANENTLY;
}

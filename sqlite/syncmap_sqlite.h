/* SPDX-License-Identifier: MIT */
/*
 * The "syncmap" SQLite VFS: SQLite's unix VFS, with main databases and WAL
 * files read, written and made durable through libsyncmap mappings.
 * README.md in this folder says which files are mapped and what xSync does.
 */
#ifndef SYNCMAP_SQLITE_H
#define SYNCMAP_SQLITE_H

#ifdef __cplusplus
extern "C" {
#endif

/* The name the VFS is registered under. */
#define SYNCMAP_SQLITE_VFS_NAME "syncmap"

/**
 * syncmap_sqlite_register() - register the "syncmap" VFS with SQLite
 * @make_default: non-zero makes it the default VFS of new connections
 *
 * Calling it again is harmless (it may change the default).  Programs that
 * load the extension with sqlite3_load_extension() need not call it: the
 * extension's entry point registers the VFS, not as the default.
 *
 * Return: SQLITE_OK, SQLITE_ERROR when SQLite has no "unix" VFS to wrap,
 * or what sqlite3_vfs_register() returned.
 */
int syncmap_sqlite_register(int make_default);

#ifdef __cplusplus
}
#endif

#endif /* SYNCMAP_SQLITE_H */

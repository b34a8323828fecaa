#!/bin/sh
# Debian's unmodified sqlite3 shell loads the extension with .load and runs
# a script against file:...?vfs=syncmap; the rows come back, the shell's
# .vfsname names the syncmap VFS and the path the database took (unix's
# I/O by default, the page path with syncmap_nosync=page, MAP_SYNC on a
# DAX file system), integrity_check says ok, and the database opens
# through unix with the same rows.
# Arguments: the sqlite3 program, the extension module.
set -eu
shell=$1
ext=$2
base=${SYNCMAP_TEST_DIR:-${TMPDIR:-.}}
dir=$(mktemp -d "$base/sqlite-shell-XXXXXX")
trap 'rm -rf "$dir"' EXIT

fail() { echo "test_shell: $*" >&2; exit 1; }

# The first session creates the database (empty at open: unix I/O until
# its first transaction is done); the second finds it non-empty and maps it.
out=$("$shell" -batch -bail :memory: <<SQL
.load $ext
.open file:$dir/shell.db?vfs=syncmap
PRAGMA journal_mode=WAL;
CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000)
INSERT INTO t(v) SELECT printf('row %d', x) FROM c;
.open file:$dir/shell.db?vfs=syncmap
.vfsname
BEGIN;
UPDATE t SET v = v || ' updated' WHERE id % 10 = 0;
COMMIT;
SELECT count(*), sum(id), max(v) FROM t;
SELECT v FROM t WHERE id = 500;
PRAGMA integrity_check;
.open file:$dir/shell.db?vfs=syncmap&syncmap_nosync=page
.vfsname
SELECT count(*) FROM t;
SQL
) || fail "the shell failed: $out"
expected="syncmap(unix)/unix
1000|500500|row 999
row 500 updated
ok
syncmap(page)/unix
1000"
# On a DAX file system both take the MAP_SYNC path, whatever the choice.
got=$(printf '%s\n' "$out" | sed '1s/^wal$//; /^$/d' |
      sed '1s/^syncmap(map_sync)/syncmap(unix)/; 5s/^syncmap(map_sync)/syncmap(page)/')
[ "$got" = "$expected" ] || fail "unexpected output:
$out
expected:
$expected"

# The same database through the unix VFS.
out=$("$shell" -batch -bail "file:$dir/shell.db?vfs=unix" \
	"SELECT count(*), sum(id), max(v) FROM t; PRAGMA integrity_check;") ||
	fail "unix could not read the database: $out"
[ "$out" = "1000|500500|row 999
ok" ] || fail "unix read: $out"
echo "the sqlite3 shell loaded the extension and used the syncmap VFS"

#!/bin/sh
# The release as a distribution gets it: `meson dist` makes the tarball,
# dpkg-buildpackage builds the Debian packages from that tarball (its
# build runs the unit, system and doc suites, so the tarball is shown to
# build and pass), lintian checks them, and the .debs, unpacked into a
# scratch root, serve a consumer built with pkg-config, shared and static.
#
# deb.sh SOURCE_DIR BUILD_DIR      (BUILD_DIR: a configured x86 build)
set -eu
src=$(cd "$1" && pwd) build=$(cd "$2" && pwd)
work=$build/ports-deb
fail=0
step() { echo "---- $*"; }
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }
for t in dpkg-buildpackage dh lintian fakeroot; do
	command -v "$t" >/dev/null || { bad "$t not found: sh scripts/deps.sh installs it"; exit 1; }
done
rm -rf "$work"
mkdir -p "$work"

step "meson dist"
# Only committed files go in; the tree may have other changes while it
# is worked on (they are not in the tarball, and not tested here).
if ! meson dist -C "$build" --no-tests --formats xztar --allow-dirty >"$work/dist.log" 2>&1; then
	cat "$work/dist.log"; bad "meson dist"; exit 1
fi
tarball=$(ls "$build"/meson-dist/libsyncmap-*.tar.xz)
version=$(basename "$tarball" .tar.xz | sed 's/^libsyncmap-//')
ok "$(basename "$tarball") ($(du -k "$tarball" | cut -f1) KiB)"
cp "$tarball" "$work/libsyncmap_$version.orig.tar.xz"
tar -C "$work" -xf "$tarball"
tree=$work/libsyncmap-$version
[ ! -e "$tree/debian" ] || bad "the release tarball carries debian/"
# The packaging of the commit the tarball was made from.
git -C "$src" archive HEAD debian | tar -C "$tree" -x
[ -f "$tree/debian/control" ] || { bad "no debian/ committed"; exit 1; }

step "dpkg-buildpackage -us -uc (builds the tarball, runs its unit, system and doc suites)"
if (cd "$tree" && DEB_BUILD_OPTIONS="parallel=2 ${DEB_BUILD_OPTIONS:-}" \
	dpkg-buildpackage -us -uc) >"$work/build.log" 2>&1; then
	ok "built: $(cd "$work" && ls ./*.deb ./*.dsc | tr '\n' ' ')"
else
	tail -n 60 "$work/build.log"; bad "dpkg-buildpackage"; exit 1
fi
grep -E "^ *(Ok|Fail|Skipped|Timeout):" "$work/build.log" | tr -s ' ' | tr '\n' ' '; echo
grep -q "^Ok: *[1-9]" "$work/build.log" && ! grep -Eq "^(Fail|Timeout): *[1-9]" "$work/build.log" &&
	ok "the tarball's build passed its tests" || bad "the tarball's tests did not pass"

step "lintian"
changes=$(ls "$work"/libsyncmap_*.changes)
lintian --info --display-info "$changes" >"$work/lintian.log" 2>&1 || true
cat "$work/lintian.log"
if grep -Eq "^[EW]: " "$work/lintian.log"; then
	bad "lintian reports errors or warnings"
else
	ok "lintian: no error and no warning ($(grep -c '^[IPX]: ' "$work/lintian.log" || true) informational tags above)"
fi

step "the .debs in a scratch root, used through pkg-config"
root=$work/root
for d in "$work"/*.deb; do
	case "$d" in *dbgsym*) continue ;; esac
	dpkg-deb -x "$d" "$root"
done
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
libdir=$root/usr/lib/$multiarch
for f in usr/include/syncmap.h "usr/lib/$multiarch/libsyncmap.so.0" \
	 "usr/lib/$multiarch/libsyncmap.a" "usr/lib/$multiarch/pkgconfig/libsyncmap.pc" \
	 usr/share/man/man3/syncmap_open.3.gz usr/share/man/man7/libsyncmap.7.gz \
	 usr/bin/syncmap-probe usr/share/man/man1/syncmap-probe.1.gz \
	 usr/share/doc/libsyncmap-dev/examples/counter.c \
	 "usr/lib/$multiarch/sqlite3/syncmap_sqlite.so" usr/share/man/man7/syncmap-sqlite.7.gz \
	 usr/include/syncmap_sqlite.h "usr/lib/$multiarch/libsyncmap_sqlite.a" \
	 "usr/lib/$multiarch/pkgconfig/syncmap_sqlite.pc"; do
	[ -e "$root/$f" ] && ok "/$f" || bad "/$f is not in the packages"
done
export PKG_CONFIG_PATH="$libdir/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$root"
# The root's /usr/include and /usr/lib are "system" paths to pkgconf;
# here they must be passed on.
export PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1 PKG_CONFIG_ALLOW_SYSTEM_LIBS=1
got=$(pkg-config --modversion libsyncmap)
[ "$got" = "$version" ] && ok "pkg-config --modversion: $got" || bad "pkg-config --modversion: $got"
consumer=$src/tests/downstream/consumer/consumer.c
# shellcheck disable=SC2046
if cc -std=c11 -Wall -Werror -o "$work/shared" "$consumer" $(pkg-config --cflags --libs libsyncmap); then
	LD_LIBRARY_PATH="$libdir" ldd "$work/shared" | grep -q "libsyncmap.so.0 => $libdir/" &&
		ok "shared consumer loads the packaged library" || bad "shared consumer: $(LD_LIBRARY_PATH="$libdir" ldd "$work/shared" | grep syncmap)"
	LD_LIBRARY_PATH="$libdir" "$work/shared" "$work/f-shared" "$version" && ok "shared consumer runs" ||
		bad "shared consumer does not run"
else
	bad "shared consumer does not build"
fi
static_libs=$(pkg-config --static --libs libsyncmap | sed 's/-lsyncmap\b/-l:libsyncmap.a/')
# shellcheck disable=SC2046,SC2086
if cc -std=c11 -Wall -Werror -o "$work/static" "$consumer" $(pkg-config --static --cflags libsyncmap) $static_libs; then
	! readelf -d "$work/static" | grep -q 'NEEDED.*libsyncmap' && "$work/static" "$work/f-static" "$version" &&
		ok "static consumer ($static_libs) runs without libsyncmap.so" || bad "static consumer"
else
	bad "static consumer does not build"
fi
LD_LIBRARY_PATH="$libdir" "$root/usr/bin/syncmap-probe" --json "$work/f-shared" >"$work/probe.json" &&
	grep -q '"cpu_arch":' "$work/probe.json" && ok "packaged syncmap-probe runs" || bad "packaged syncmap-probe"

# The packaged SQLite extension loads into Debian's sqlite3 shell and
# serves a database through the "syncmap" VFS.
if command -v sqlite3 >/dev/null; then
	rm -f "$work/v.db"
	got=$(LD_LIBRARY_PATH="$libdir" sqlite3 :memory: \
		".load $libdir/sqlite3/syncmap_sqlite" ".open file:$work/v.db?vfs=syncmap" \
		"CREATE TABLE t(x); INSERT INTO t VALUES (42);" ".vfsname" 2>&1)
	case "$got" in
	syncmap\(*) [ "$(sqlite3 "$work/v.db" 'SELECT x FROM t')" = 42 ] &&
		ok "packaged SQLite extension: $got" || bad "packaged SQLite extension: the row did not read back" ;;
	*) bad "packaged SQLite extension: $got" ;;
	esac
else
	bad "sqlite3 not found: sh scripts/deps.sh installs it"
fi

[ $fail = 0 ] && echo "deb: PASS" || echo "deb: FAIL"
exit $fail

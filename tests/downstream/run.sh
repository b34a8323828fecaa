#!/bin/sh
# Install the project into a temporary root and use it the way other
# projects do: a C program built with `pkg-config --cflags --libs`
# (shared), with `pkg-config --static` (the archive, whose private
# dependencies only the .pc file knows), and a Meson project that says
# dependency('libsyncmap'), from the installed .pc and as a subproject.
#
# run.sh BUILD_DIR SOURCE_DIR CC docs|no-docs
set -eu
build=$1 src=$2 cc=$3 docs=${4:-docs}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/syncmap-downstream.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
fail=0
step() { echo "---- $*"; }
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }

step "meson install --destdir"
meson install -C "$build" --destdir "$root" --no-rebuild --quiet >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log"; bad "meson install"; exit 1; }
pc=$(find "$root" -name libsyncmap.pc | head -n 1)
[ -n "$pc" ] || { bad "no libsyncmap.pc installed"; exit 1; }
ok "installed $(echo "$pc" | sed "s|^$root||")"
version=$(sed -n "s/^ *version *: *'\([^']*\)'.*/\1/p" "$src/meson.build" | head -n 1)

# Point pkg-config at the temporary root: its own .pc through the path,
# every -I and -L through the sysroot; the system's .pc files (libpmem,
# libndctl, ...) stay where they are.
export PKG_CONFIG_PATH="$(dirname "$pc")${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export PKG_CONFIG_SYSROOT_DIR="$root"
# pkgconf puts the sysroot in front of path variables, pkg-config does not.
in_root() { case "$1" in "$root"/*) echo "$1" ;; *) echo "$root$1" ;; esac; }
libdir=$(in_root "$(pkg-config --variable=libdir libsyncmap)")
includedir=$(in_root "$(pkg-config --variable=includedir libsyncmap)")
got=$(pkg-config --modversion libsyncmap)
[ "$got" = "$version" ] && ok "pkg-config --modversion is $got" ||
	bad "pkg-config --modversion says $got, meson.build says $version"
for f in "$includedir/syncmap.h" \
	 "$libdir/libsyncmap.a" "$libdir/libsyncmap.so"; do
	[ -e "$f" ] && ok "installed ${f#$root}" || bad "missing ${f#$root}"
done
if [ "$docs" = docs ]; then
	man=$(find "$root" -path '*/man3/syncmap_open.3' | head -n 1)
	[ -n "$man" ] && ok "man pages installed (${man#$root})" || bad "syncmap_open.3 not installed"
fi

step "shared: cc \$(pkg-config --cflags --libs libsyncmap)"
# shellcheck disable=SC2046
if $cc -std=c11 -Wall -Werror -o "$tmp/shared" "$src/tests/downstream/consumer/consumer.c" \
	$(pkg-config --cflags --libs libsyncmap) 2>"$tmp/err"; then
	ok "built"
	if LD_LIBRARY_PATH="$libdir" ldd "$tmp/shared" | grep -q "libsyncmap.so.* => $libdir/"; then
		ok "resolves libsyncmap from the installed root"
	else
		bad "does not load the installed libsyncmap: $(LD_LIBRARY_PATH="$libdir" ldd "$tmp/shared" | grep syncmap)"
	fi
	LD_LIBRARY_PATH="$libdir" "$tmp/shared" "$tmp/f-shared" "$version" && ok "runs" || bad "does not run"
else
	cat "$tmp/err"; bad "shared build"
fi

step "static: cc \$(pkg-config --static --cflags --libs libsyncmap), archive forced"
# Link libsyncmap.a itself (-l:libsyncmap.a); the rest of the line, which
# only --static gives, must bring what the archive needs.
static_libs=$(pkg-config --static --libs libsyncmap | sed 's/-lsyncmap\b/-l:libsyncmap.a/')
# shellcheck disable=SC2086
if $cc -std=c11 -Wall -Werror -o "$tmp/static" "$src/tests/downstream/consumer/consumer.c" \
	$(pkg-config --static --cflags libsyncmap) $static_libs 2>"$tmp/err"; then
	ok "built with: $static_libs"
	if readelf -d "$tmp/static" | grep -q 'NEEDED.*libsyncmap'; then
		bad "the static build still needs libsyncmap.so"
	else
		ok "no libsyncmap.so needed"
	fi
	"$tmp/static" "$tmp/f-static" "$version" && ok "runs without LD_LIBRARY_PATH" || bad "does not run"
else
	cat "$tmp/err"; bad "static build"
fi
# The control: the same archive without --static must miss symbols, or
# this step proved nothing about the .pc file's private section.
plain_libs=$(pkg-config --libs libsyncmap | sed 's/-lsyncmap\b/-l:libsyncmap.a/')
# shellcheck disable=SC2086
if $cc -o "$tmp/static-bad" "$src/tests/downstream/consumer/consumer.c" \
	$(pkg-config --cflags libsyncmap) $plain_libs >/dev/null 2>&1; then
	bad "the archive linked without the private dependencies: the static check proves nothing"
else
	ok "without --static the archive does not link (the private dependencies are needed)"
fi

step "the examples, built alone as their top comments say"
# Installed with the documentation; without it, from the source tree.
exdir=$(find "$root" -type d -path '*/doc/libsyncmap/examples' | head -n 1)
[ "$docs" = docs ] || exdir=$src/examples
for ex in counter log kv; do
	f=$exdir/$ex.c
	if [ ! -f "$f" ]; then
		bad "$ex.c is not installed"; continue
	fi
	grep -q "cc -o $ex $ex.c \$(pkg-config --cflags --libs libsyncmap)" "$f" ||
		bad "$ex.c does not say how to build it alone"
	# shellcheck disable=SC2046
	if (cd "$tmp" && $cc -o "$ex" "$f" $(pkg-config --cflags --libs libsyncmap)) 2>"$tmp/err"; then
		ok "$ex builds alone"
	else
		cat "$tmp/err"; bad "$ex does not build alone"
	fi
done
if [ -x "$tmp/counter" ]; then
	LD_LIBRARY_PATH="$libdir" "$tmp/counter" "$tmp/f-counter" 3 >"$tmp/out" &&
		grep -q 'counter: *0 -> 3 ' "$tmp/out" && ok "counter runs: $(grep granularity: "$tmp/out")" ||
		{ cat "$tmp/out"; bad "counter does not run"; }
fi

meson_consumer() {	# meson_consumer NAME SETUP-ARGS...
	name=$1; shift
	proj=$tmp/$name
	cp -r "$src/tests/downstream/consumer" "$proj"
	if meson setup "$proj/build" "$proj" "$@" >"$tmp/$name.log" 2>&1 &&
	   ninja -C "$proj/build" >>"$tmp/$name.log" 2>&1; then
		ok "$name: configured and built"
	else
		tail -n 30 "$tmp/$name.log"; bad "$name: build"; return
	fi
	LD_LIBRARY_PATH="$libdir" "$proj/build/consumer" "$tmp/f-$name" "$version" &&
		ok "$name: runs" || bad "$name: does not run"
}

step "meson: dependency('libsyncmap') from the installed .pc"
meson_consumer meson-pc --wrap-mode=nofallback
grep -q "Run-time dependency libsyncmap found: YES" "$tmp/meson-pc.log" &&
	ok "meson-pc: found through pkg-config" || bad "meson-pc: not found through pkg-config"
meson_consumer meson-pc-static --wrap-mode=nofallback -Dstatic=true
[ -x "$tmp/meson-pc-static/build/consumer" ] &&
	! readelf -d "$tmp/meson-pc-static/build/consumer" | grep -q 'NEEDED.*libsyncmap' &&
	ok "meson-pc-static: linked the archive" || bad "meson-pc-static: still needs libsyncmap.so"

step "meson: dependency('libsyncmap') as a subproject"
(
	unset PKG_CONFIG_SYSROOT_DIR
	mkdir -p "$tmp/meson-sub-src"
	cp -r "$src/tests/downstream/consumer/." "$tmp/meson-sub-src/"
	mkdir -p "$tmp/meson-sub-src/subprojects"
	ln -s "$(cd "$src" && pwd)" "$tmp/meson-sub-src/subprojects/libsyncmap"
	if meson setup "$tmp/meson-sub-src/build" "$tmp/meson-sub-src" \
		-Dforce_fallback_for=libsyncmap -Dlibsyncmap:tests=false \
		-Dlibsyncmap:examples=false -Dlibsyncmap:docs=false -Dlibsyncmap:bench=disabled \
		-Dlibsyncmap:dax_tests=disabled >"$tmp/meson-sub.log" 2>&1 &&
	   ninja -C "$tmp/meson-sub-src/build" >>"$tmp/meson-sub.log" 2>&1; then
		echo "ok   meson-sub: configured and built"
	else
		tail -n 30 "$tmp/meson-sub.log"; echo "FAIL meson-sub: build"; exit 1
	fi
	grep -q "Executing subproject libsyncmap" "$tmp/meson-sub.log" ||
		{ echo "FAIL meson-sub: the subproject was not used"; exit 1; }
	echo "ok   meson-sub: used subprojects/libsyncmap"
	# The in-tree library, found by the build's rpath.
	"$tmp/meson-sub-src/build/consumer" "$tmp/f-sub" "$version" ||
		{ echo "FAIL meson-sub: does not run"; exit 1; }
	echo "ok   meson-sub: runs"
) || fail=1

exit $fail

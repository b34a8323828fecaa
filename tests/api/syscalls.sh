#!/bin/sh
# Every kernel call of the library is made in src/system/sys.c, the one place the
# fault injector (tests/fault) intercepts.  Read the archive's objects: no
# object but sys.c's may reference a libc function that enters the kernel.
# The control: the same check on sys.c's object must find such calls, so a
# list or an nm that sees nothing cannot pass.
#
# usage: syscalls.sh LIBSYNCMAP.a
set -eu
lib=$1
calls='open open64 openat openat64 creat close read write pread pread64
pwrite pwrite64 readv writev preadv preadv64 pwritev pwritev64 preadv2
pwritev2 lseek lseek64 mmap mmap64 munmap mremap msync madvise mprotect mlock
munlock ioctl fcntl fcntl64 dup dup2 dup3 fstat fstat64 stat stat64 lstat
lstat64 fstatat fstatat64 newfstatat statx fstatfs fstatfs64 statfs statfs64
readlink readlinkat realpath opendir fdopendir readdir readdir64 closedir
scandir getdents64 memfd_create uname sigaction sigprocmask pthread_sigmask
raise kill tgkill fallocate fallocate64 posix_fallocate posix_fallocate64
ftruncate ftruncate64 truncate fsync fdatasync sync_file_range syncfs sync
unlink unlinkat rename renameat renameat2 mkdir mkdirat rmdir link linkat
symlink flock lockf fchmod fchown chmod chown access faccessat getdents
fopen fopen64 fdopen fread fwrite fclose popen system execv execve fork
syscall sysconf getrandom mkstemp mkostemp tmpfile pipe pipe2 socket'
# One line, one space around each name, for a "case" match: no temporary
# file, hence no EXIT trap (dash leaks the trap's text, which fails the
# Valgrind run of the unit suite).
# shellcheck disable=SC2086
padded=" $(echo $calls) "

# "member.o: symbol" for every undefined symbol that is a kernel call.
undefined_calls() {
	nm -A -u "$lib" | sed 's/^[^:]*:\([^:]*\):.* \([^ @]*\)\(@.*\)\{0,1\}$/\1 \2/' |
		while read -r obj sym; do
			case "$padded" in *" $sym "*) echo "$obj: $sym" ;; esac
		done
}

found=$(undefined_calls)
# Meson names the object of src/system/sys.c "system_sys.c.o".
outside=$(echo "$found" | grep -v '^\([a-z]*_\)*sys\.c\.o:' | grep . || true)
inside=$(echo "$found" | grep -c '^\([a-z]*_\)*sys\.c\.o:' || true)
if [ -n "$outside" ]; then
	echo "kernel calls outside src/system/sys.c:"
	echo "$outside"
	exit 1
fi
if [ "$inside" -lt 20 ]; then
	echo "control failed: only $inside kernel calls found in sys.c's object"
	exit 1
fi
echo "no kernel call outside src/system/sys.c ($inside in sys.c's object)"

#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check that the man pages, the public header and the exports agree.

Fails when:
  - the version script, the header and the built library (nm -D) do not
    export the same functions;
  - an exported function has no section 3 page (a page of its own or a
    ".so" link to a page whose NAME lists it);
  - a page's NAME lists a function that is not exported;
  - a declaration in a SYNOPSIS differs from the header's (whitespace
    normalized), or a page's SYNOPSIS lacks a function its NAME lists;
  - a page lacks one of the required sections, or SEE ALSO names a page
    that does not exist;
  - a public constant (SYNCMAP_* macro or enumerator) is mentioned in no
    page, so a new flag or cause cannot land undocumented;
  - with --src, an errno that a source file with exports returns is named
    in none of the ERRORS sections of the pages for that file's functions.

Usage: check_man.py --header H --map MAP --man DIR [--lib SO] [--meson
                    doc/meson.build] [--src src/]
       check_man.py --self-test --header H --map MAP --man DIR [--src src/]
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

REQUIRED_3 = ["NAME", "SYNOPSIS", "DESCRIPTION", "RETURN VALUE", "ERRORS",
              "EXAMPLE", "SEE ALSO"]
REQUIRED_7 = ["NAME", "DESCRIPTION", "SEE ALSO"]
# Macros that are not part of the documented interface.
UNDOCUMENTED_OK = re.compile(r"^SYNCMAP_(H|VERSION_(MAJOR|MINOR|MICRO))$")


def tokens(text):
    """Whitespace-normalized form of C text: its tokens joined by one space."""
    return " ".join(re.findall(r"[A-Za-z_0-9]+|\S", text))


def strip_c_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


def header_decls(path):
    """Map of function name -> normalized declaration, plus typedefs."""
    with open(path, encoding="utf-8") as f:
        text = strip_c_comments(f.read())
    text = "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("#"))
    text = re.sub(r"\benum\s+\w+\s*\{[^}]*\}\s*;", " ", text)
    text = text.replace('extern "C" {', " ").replace("}", " ")
    funcs, typedefs = {}, {}
    for stmt in text.split(";"):
        stmt = stmt.strip()
        if not stmt:
            continue
        if stmt.startswith("typedef"):
            m = re.search(r"\(\s*\*\s*(\w+)\s*\)", stmt) or re.search(r"(\w+)\s*$", stmt)
            typedefs[m.group(1)] = tokens(stmt + ";")
            continue
        m = re.search(r"\b(syncmap_\w+)\s*\(", stmt)
        if m:
            funcs[m.group(1)] = tokens(stmt + ";")
    return funcs, typedefs


def header_constants(path):
    with open(path, encoding="utf-8") as f:
        text = strip_c_comments(f.read())
    names = set(re.findall(r"#define\s+(SYNCMAP_\w+)", text))
    for body in re.findall(r"\benum\s+\w+\s*\{([^}]*)\}", text):
        names.update(re.findall(r"\b(SYNCMAP_\w+)\b", body))
    return {n for n in names if not UNDOCUMENTED_OK.match(n)}


def map_symbols(path):
    with open(path, encoding="utf-8") as f:
        text = re.sub(r"#[^\n]*", "", f.read())
    syms = set()
    for block in re.findall(r"global\s*:(.*?)(?:local\s*:|\})", text, flags=re.S):
        syms.update(s.strip() for s in block.split(";") if s.strip())
    return syms


def nm_symbols(lib):
    out = subprocess.run(["nm", "-D", "--defined-only", lib], check=True,
                         capture_output=True, text=True).stdout
    syms = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "TtWiI":
            syms.add(parts[2].split("@")[0])
    return syms


def troff_args(rest):
    """Split a macro's arguments the way troff does (double quotes group)."""
    args, cur, quoted, had = [], "", False, False
    i = 0
    while i < len(rest):
        c = rest[i]
        if c == '"':
            if quoted and i + 1 < len(rest) and rest[i + 1] == '"':
                cur += '"'
                i += 1
            else:
                quoted = not quoted
                had = True
        elif c in " \t" and not quoted:
            if cur or had:
                args.append(cur)
            cur, had = "", False
        else:
            cur += c
        i += 1
    if cur or had:
        args.append(cur)
    return args


def unescape(text):
    text = re.sub(r"\\f(\[[^]]*\]|\(..|.)", "", text)
    text = text.replace("\\-", "-").replace("\\(em", "--").replace("\\e", "\\")
    text = text.replace("\\&", "").replace("\\ ", " ").replace("\\|", "")
    return text


def troff_to_text(lines):
    """Plain text of troff lines: font macros joined, requests dropped."""
    out = []
    for line in lines:
        if line.startswith('.\\"') or line.startswith("'\\\""):
            continue
        m = re.match(r"\.(B|I|SM|SB|BI|IB|BR|RB|IR|RI)\b\s*(.*)$", line)
        if m:
            args = troff_args(m.group(2))
            sep = " " if m.group(1) in ("B", "I", "SM", "SB") else ""
            out.append(unescape(sep.join(args)))
        elif line.startswith("."):
            continue
        else:
            out.append(unescape(line))
    return "\n".join(out)


def read_page(path):
    with open(path, encoding="utf-8") as f:
        return f.read().splitlines()


def sections(lines):
    secs, cur = {}, None
    for line in lines:
        m = re.match(r"\.SH\s+(.*)$", line)
        if m:
            cur = " ".join(troff_args(m.group(1)))
            secs[cur] = []
        elif cur is not None:
            secs[cur].append(line)
    return secs


class Checker:
    def __init__(self, header, mapfile, man, lib=None):
        self.errors = []
        self.header, self.mapfile, self.man, self.lib = header, mapfile, man, lib

    def err(self, msg):
        self.errors.append(msg)

    def exports(self):
        funcs, typedefs = header_decls(self.header)
        mapped = map_symbols(self.mapfile)
        for s in sorted(mapped - set(funcs)):
            self.err(f"{s}: in {os.path.basename(self.mapfile)} but not declared in the header")
        for s in sorted(set(funcs) - mapped):
            self.err(f"{s}: declared in the header but not exported by the version script")
        if self.lib:
            dyn = {s for s in nm_symbols(self.lib) if s.startswith("syncmap_")}
            for s in sorted(mapped - dyn):
                self.err(f"{s}: in the version script but not exported by {self.lib}")
            for s in sorted(dyn - mapped):
                self.err(f"{s}: exported by {self.lib} but not in the version script")
        return mapped, funcs, typedefs

    def pages(self):
        """name -> (resolved full page file, lines) for every section 3/7 file."""
        res = {}
        for fn in sorted(os.listdir(self.man)):
            m = re.match(r"(.+)\.([1-8])$", fn)
            if not m:
                continue
            lines = read_page(os.path.join(self.man, fn))
            target = fn
            if lines and lines[0].startswith(".so "):
                target = os.path.basename(lines[0].split()[1])
                if not os.path.exists(os.path.join(self.man, target)):
                    self.err(f"{fn}: .so points to {lines[0].split()[1]}, which does not exist")
                    continue
                lines = read_page(os.path.join(self.man, target))
            res[fn] = (target, lines)
        return res

    def name_list(self, fn, lines):
        secs = sections(lines)
        if "NAME" not in secs:
            self.err(f"{fn}: no NAME section")
            return []
        text = troff_to_text(secs["NAME"])
        if " - " not in text:
            self.err(f"{fn}: NAME has no ' \\- ' separator")
            return []
        return [n.strip() for n in text.split(" - ", 1)[0].split(",") if n.strip()]

    def check_full_page(self, fn, lines, mapped, funcs, typedefs, all_pages):
        sec = fn.rsplit(".", 1)[1]
        secs = sections(lines)
        th = [l for l in lines if l.startswith(".TH ")]
        if not th:
            self.err(f"{fn}: no .TH line")
        else:
            args = troff_args(th[0][4:])
            want = fn.rsplit(".", 1)[0]
            if len(args) < 2 or args[0].lower() != want.lower() or args[1] != sec:
                self.err(f"{fn}: .TH says {args[:2]}, expected [{want}, {sec}]")
        for s in (REQUIRED_3 if sec == "3" else REQUIRED_7):
            if s not in secs:
                self.err(f"{fn}: missing section {s}")
            elif not troff_to_text(secs[s]).strip():
                self.err(f"{fn}: section {s} is empty")
        names = self.name_list(fn, lines)
        if sec == "3":
            for n in names:
                if n not in mapped:
                    self.err(f"{fn}: NAME lists {n}, which is not exported")
            self.check_synopsis(fn, secs, names, funcs, typedefs)
        for ref, rsec in re.findall(r"\b([a-z][\w.-]*)\s*\((\d)\)",
                                    troff_to_text(secs.get("SEE ALSO", []))):
            # Section 1 pages belong to the tools and may come later.
            if rsec in ("3", "7") and (ref.startswith("syncmap") or ref.startswith("libsyncmap")) \
                    and f"{ref}.{rsec}" not in all_pages:
                self.err(f"{fn}: SEE ALSO names {ref}({rsec}), which has no page")
        return names

    def check_synopsis(self, fn, secs, names, funcs, typedefs):
        if "SYNOPSIS" not in secs:
            return
        # Declarations live in the no-fill block; prose after it (how to
        # link) is not C.
        block, inside = [], False
        for line in secs["SYNOPSIS"]:
            if line.startswith(".nf"):
                inside = True
            elif line.startswith(".fi"):
                inside = False
            elif inside:
                block.append(line)
        text = troff_to_text(block)
        text = "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("#"))
        seen = set()
        for stmt in text.split(";"):
            stmt = stmt.strip()
            if not stmt:
                continue
            norm = tokens(stmt + ";")
            if stmt.startswith("typedef"):
                m = re.search(r"\(\s*\*\s*(\w+)\s*\)", stmt)
                name = m.group(1) if m else None
                if name not in typedefs:
                    self.err(f"{fn}: SYNOPSIS has a typedef the header lacks: {norm}")
                elif typedefs[name] != norm:
                    self.err(f"{fn}: SYNOPSIS typedef {name} differs from the header:\n"
                             f"    page:   {norm}\n    header: {typedefs[name]}")
                continue
            m = re.search(r"\b(syncmap_\w+)\s*\(", stmt)
            if not m:
                self.err(f"{fn}: SYNOPSIS has text that is not a declaration: {norm}")
                continue
            name = m.group(1)
            seen.add(name)
            if name not in funcs:
                self.err(f"{fn}: SYNOPSIS declares {name}, which the header does not")
            elif funcs[name] != norm:
                self.err(f"{fn}: SYNOPSIS of {name} differs from the header:\n"
                         f"    page:   {norm}\n    header: {funcs[name]}")
            if name not in names:
                self.err(f"{fn}: SYNOPSIS declares {name} but NAME does not list it")
        for n in names:
            if n not in seen:
                self.err(f"{fn}: NAME lists {n} but SYNOPSIS does not declare it")
        if "#include <syncmap.h>" not in troff_to_text(secs["SYNOPSIS"]):
            self.err(f"{fn}: SYNOPSIS does not show #include <syncmap.h>")

    def run(self):
        mapped, funcs, typedefs = self.exports()
        pages = self.pages()
        documented = {}
        full_done = set()
        all_text = []
        for fn, (target, lines) in pages.items():
            if target not in full_done:
                full_done.add(target)
                names = self.check_full_page(target, lines, mapped, funcs, typedefs, pages)
                documented[target] = names
                all_text.append(troff_to_text(lines))
            if fn != target and fn.endswith(".3"):
                alias = fn[:-2]
                if alias not in documented.get(target, []):
                    self.err(f"{fn}: links to {target}, whose NAME does not list {alias}")
        for s in sorted(mapped):
            page = f"{s}.3"
            if page not in pages:
                self.err(f"{s}: exported but has no man page {page}")
            elif s not in documented.get(pages[page][0], []):
                self.err(f"{s}: {page} does not list it in NAME")
        text = "\n".join(all_text)
        for c in sorted(header_constants(self.header)):
            if not re.search(r"\b" + re.escape(c) + r"\b", text):
                self.err(f"{c}: a public constant no man page mentions")
        return self.errors


# Errnos a source file returns only from internal helpers, never from its
# exported functions; everything else a file returns must be documented.
INTERNAL_ERRNOS = {"probe.c": {"EPROTO"}}
# Files without exports whose errors surface through another file's.
ERRNO_OWNER = {"map.c": "open.c", "strict.c": "persist.c", "strict_open.c": "open.c",
               "strict_run.c": "open.c", "ranges.c": "persist.c",
               "probe_gather.c": "probe.c", "probe_facts.c": "probe.c",
               # The journaled path: its opening fails syncmap_open(), its
               # operations a persist.
               "journal.c": "open.c", "sidecar.c": "open.c", "replay.c": "open.c",
               "group.c": "persist.c", "ops.c": "persist.c",
               # Its atomic units fail syncmap_batch_commit().
               "units.c": "batch.c"}
RETURNED_ERRNO = re.compile(r"(?:return -|sm_fail\(-|\? -|: -)(E[A-Z0-9]+)\b")


def errno_check(src_dir, man_dir, pages):
    """Every errno an exporting file can return is named in the ERRORS of
    one of the pages documenting that file's functions."""
    errors = []
    defined, returned = {}, {}
    # src/ is grouped in folders by layer; file names are unique across them.
    files = {fn: os.path.join(root, fn) for root, _, names in os.walk(src_dir)
             for fn in names if fn.endswith(".c")}
    for fn in sorted(files):
        with open(files[fn], encoding="utf-8") as f:
            text = strip_c_comments(f.read())
        for name in re.findall(r"SM_EXPORT\b[^(;]*?\b(syncmap_\w+)\s*\(", text):
            defined.setdefault(fn, set()).add(name)
        owner = ERRNO_OWNER.get(fn, fn)
        returned.setdefault(owner, set()).update(
            set(RETURNED_ERRNO.findall(text)) - INTERNAL_ERRNOS.get(fn, set()))
    for fn, names in sorted(defined.items()):
        text = ""
        for name in names:
            page = pages.get(f"{name}.3")
            if page:
                text += troff_to_text(sections(page[1]).get("ERRORS", [])) + "\n"
        for e in sorted(returned.get(fn, set())):
            if not re.search(r"\b" + e + r"\b", text):
                errors.append(f"{e}: returned in src/{fn} but no ERRORS section of "
                              f"{', '.join(sorted(n + '(3)' for n in names))} names it")
    return errors


def self_test(args):
    """The checker must catch each kind of drift; prove it on copies."""
    def broken(mutate):
        tmp = tempfile.mkdtemp()
        try:
            man = os.path.join(tmp, "man")
            shutil.copytree(args.man, man)
            hdr = os.path.join(tmp, "syncmap.h")
            shutil.copy(args.header, hdr)
            mp = os.path.join(tmp, "libsyncmap.map")
            shutil.copy(args.map, mp)
            mutate(man, hdr, mp)
            checker = Checker(hdr, mp, man)
            errs = checker.run()
            if args.src:
                errs += errno_check(args.src, man, checker.pages())
            return errs
        finally:
            shutil.rmtree(tmp)

    def edit(path, old, new):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        if old not in text:
            raise SystemExit(f"self-test: '{old}' not found in {path}")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text.replace(old, new, 1))

    # Each case: how to break the tree, and what the report must then say.
    cases = {
        "missing page": (lambda man, h, m: os.remove(os.path.join(man, "syncmap_close.3")),
                         "syncmap_close: exported but has no man page"),
        "missing alias": (lambda man, h, m: os.remove(os.path.join(man, "syncmap_drain.3")),
                          "syncmap_drain: exported but has no man page"),
        "unexported name": (lambda man, h, m: edit(
            os.path.join(man, "syncmap_close.3"), "syncmap_close \\-",
            "syncmap_close, syncmap_reopen \\-"),
            "NAME lists syncmap_reopen, which is not exported"),
        "synopsis drift": (lambda man, h, m: edit(
            h, "int syncmap_persist(struct syncmap *m, const void *addr, size_t len);",
            "int syncmap_persist(struct syncmap *m, void *addr, size_t len);"),
            "SYNOPSIS of syncmap_persist differs from the header"),
        "synopsis lacks a name": (lambda man, h, m: edit(
            os.path.join(man, "syncmap_flush.3"), '.BI "int syncmap_drain(struct syncmap *" m );\n', ""),
            "NAME lists syncmap_drain but SYNOPSIS does not declare it"),
        "new export": (lambda man, h, m: (
            edit(m, "\tsyncmap_version;", "\tsyncmap_version;\n\tsyncmap_frob;"),
            edit(h, "const char *syncmap_version(void);",
                 "const char *syncmap_version(void);\nint syncmap_frob(void);")),
            "syncmap_frob: exported but has no man page"),
        "map without header": (lambda man, h, m: edit(
            m, "\tsyncmap_version;", "\tsyncmap_version;\n\tsyncmap_frob;"),
            "syncmap_frob: in libsyncmap.map but not declared in the header"),
        "undocumented flag": (lambda man, h, m: edit(
            h, "#define SYNCMAP_RESIZE",
            "#define SYNCMAP_FROB (1U << 9)\n#define SYNCMAP_RESIZE"),
            "SYNCMAP_FROB: a public constant no man page mentions"),
        "undocumented errno": (lambda man, h, m: edit(
            os.path.join(man, "syncmap_open.3"), ".B EOVERFLOW\n", ".B EOVERFLOWING\n"),
            "EOVERFLOW: returned in src/open.c"),
        "missing section": (lambda man, h, m: edit(
            os.path.join(man, "syncmap_close.3"), ".SH ERRORS", ".SH ERRATA"),
            "syncmap_close.3: missing section ERRORS"),
    }
    if not args.src:
        del cases["undocumented errno"]
    clean = Checker(args.header, args.map, args.man).run()
    if clean:
        print("self-test needs a clean tree first:\n  " + "\n  ".join(clean))
        return 1
    failed = 0
    for name, (mutate, expect) in cases.items():
        errs = broken(mutate)
        hit = [e for e in errs if expect in e]
        print(f"{'ok  ' if hit else 'MISS'} {name}: {hit[0] if hit else errs or 'not detected'}")
        failed += not hit
    return 1 if failed else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--header", required=True)
    ap.add_argument("--map", required=True)
    ap.add_argument("--man", required=True)
    ap.add_argument("--lib")
    ap.add_argument("--meson", help="doc/meson.build: every page must be installed")
    ap.add_argument("--src", help="src/: every errno it returns must be documented")
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args()
    if args.self_test:
        return self_test(args)
    errors = Checker(args.header, args.map, args.man, args.lib).run()
    if args.src:
        checker = Checker(args.header, args.map, args.man)
        errors += errno_check(args.src, args.man, checker.pages())
    if args.meson:
        with open(args.meson, encoding="utf-8") as f:
            listed = set(re.findall(r"'man/([^']+)'", f.read()))
        for fn in sorted(os.listdir(args.man)):
            if re.search(r"\.[1-8]$", fn) and fn not in listed:
                errors.append(f"{fn}: not installed by {args.meson}")
    for e in errors:
        print(e)
    if not errors:
        print("man pages, header, version script" + (" and library" if args.lib else "") +
              " agree")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

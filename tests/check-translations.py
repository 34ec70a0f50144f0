#!/usr/bin/env python3
# Fails when a translation in po/ is incomplete: a msgid that xgettext
# extracts from the files of po/POTFILES.in is missing from a LANG.po of
# po/LINGUAS,
# untranslated or fuzzy, or msgfmt --check finds a fault (format strings
# that do not match, a bad header).
#
# The template is made exactly as `meson compile autosshd-pot` makes it:
# meson's own run_potgen() with the arguments of the preset po/meson.build
# uses ('glib'), read from meson itself, so the keywords (_, N_, C_, NC_,
# ngettext, ...) are never kept twice.  Everything is written to a
# temporary directory, never into the source tree.  Run it with meson's
# Python (`meson runpython`), where mesonbuild is importable.
#
# Usage: meson runpython check-translations.py SOURCE_ROOT PACKAGE
import os
import re
import shutil
import subprocess
import sys
import tempfile

from mesonbuild.modules.i18n import PRESET_ARGS
from mesonbuild.scripts.gettext import read_linguas, run_potgen

PRESET = "glib"     # as po/meson.build: i18n.gettext(..., preset: 'glib')


def make_pot(source_root, package, tmp):
    """The template, from a copy of POTFILES.in in tmp (run_potgen writes
    its output next to the list)."""
    shutil.copy(os.path.join(source_root, "po", "POTFILES.in"), tmp)
    status = run_potgen(tmp, "xgettext", package, os.path.join(source_root, "po"),  # po/its
                        PRESET_ARGS[PRESET], source_root)
    pot = os.path.join(tmp, package + ".pot")
    if status != 0 or not os.path.isfile(pot):
        sys.exit("xgettext failed (exit %d)" % status)
    return pot


def tool(*argv):
    """Runs a gettext tool; its output, or None (and the reason printed)
    when it fails."""
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        print("%s failed (exit %d):\n%s" % (" ".join(argv), p.returncode, p.stderr))
        return None
    return p.stdout


def msgids(po_text):
    """The msgids of the entries in a PO text, as one line each."""
    entries = []
    for block in re.split(r"\n\s*\n", po_text):
        m = re.search(r'^(?:msgctxt "(.*)"\n)?msgid ((?:".*"\n?)+)', block, re.M)
        if m is None:
            continue
        text = "".join(re.findall(r'"(.*)"', m.group(2)))
        if text:
            entries.append(("%s | %s" % (m.group(1), text)) if m.group(1) else text)
    return entries


def check_language(source_root, pot, lang, tmp):
    """The problems of po/LANG.po against the template."""
    po = os.path.join(source_root, "po", lang + ".po")
    merged = os.path.join(tmp, lang + ".merged.po")
    problems = []
    if not os.path.isfile(po):
        return ["po/%s.po does not exist" % lang]
    if tool("msgfmt", "--check", "--output-file", os.path.join(tmp, lang + ".mo"), po) is None:
        problems.append("msgfmt --check fails on po/%s.po" % lang)
    # the template's entries with po/LANG.po's translations (and the
    # template's c-format flags, so that --check compares the formats)
    if tool("msgmerge", "--quiet", "--no-fuzzy-matching", "--output-file", merged, po, pot) is None:
        return problems + ["msgmerge fails"]
    if tool("msgfmt", "--check", "--output-file", os.path.join(tmp, lang + ".merged.mo"),
            merged) is None:
        problems.append("msgfmt --check fails on po/%s.po merged with the template" % lang)
    for what, option in (("untranslated or missing", "--untranslated"), ("fuzzy", "--only-fuzzy")):
        out = tool("msgattrib", option, "--no-obsolete", "--no-wrap", merged)
        if out is None:
            problems.append("msgattrib %s fails" % option)
            continue
        problems += ["%s in po/%s.po: %s" % (what, lang, m) for m in msgids(out)]
    return problems


def main(argv):
    if len(argv) != 3:
        sys.exit("usage: meson runpython check-translations.py SOURCE_ROOT PACKAGE")
    source_root, package = argv[1], argv[2]
    languages = read_linguas(os.path.join(source_root, "po"))
    if not languages:
        sys.exit("po/LINGUAS names no language")
    with tempfile.TemporaryDirectory(prefix="check-translations-") as tmp:
        pot = make_pot(source_root, package, tmp)
        count = len(msgids(open(pot, encoding="utf-8").read()))
        problems = []
        for lang in languages:
            problems += check_language(source_root, pot, lang, tmp)
    for p in problems:
        print(p)
    if problems:
        print("%d problem(s); update the catalogue: meson compile -C BUILD %s-update-po, "
              "then translate" % (len(problems), package))
        return 1
    print("%s: all %d strings translated, none fuzzy, msgfmt --check passes"
          % (", ".join("po/%s.po" % lang for lang in languages), count))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

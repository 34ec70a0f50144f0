#!/usr/bin/env python3
# check-dbus-docs.py: the D-Bus API is documented, in its XML and in autosshd(8).
#
#   check-dbus-docs.py --xml API.xml [--errors-c asd-error.c]
#                      [--man autosshd.8 | --scd autosshd.8.scd]
#                      [--known-issue NAME]...
#
# Fails, naming each problem, when
#  - an interface, method, property or signal has no doc comment (a comment
#    that names another member counts as none), an argument has no "@arg:"
#    line, or an "@arg:" line names no argument;
#  - a method's doc has no "Errors:" paragraph, or names an error there that
#    the header comment's "Errors" list does not have ("Errors: as Method."
#    refers to another method's; "Errors: none." is allowed);
#  - an error registered in asd-error.c's table is not in the header's list,
#    or the header says it is not returned;
#  - the man page (roff from scdoc, or the generated scdoc text when scdoc is
#    not installed) has no entry for a member or an error of the list.
# --known-issue NAME turns the problems about NAME into warnings, and fails
# when there is no such problem any more (so it does not outlive the fix).
#
# The XML is read by build-aux/dbus-api-to-scdoc.py's parser, the one that
# makes the man page.  Python 3 standard library only.
#
# Copyright 2026 The autosshd developers
# SPDX-License-Identifier: GPL-2.0-or-later

import argparse
import importlib.util
import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
_GENERATOR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                          os.pardir, 'build-aux', 'dbus-api-to-scdoc.py')
_spec = importlib.util.spec_from_file_location('dbus_api_to_scdoc', _GENERATOR)
gen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen)


def _strip_parens(text):
    while True:
        new = re.sub(r'\([^()]*\)', '', text)
        if new == text:
            return text
        text = new


def method_errors(doc):
    """The names in a doc's "Errors:" paragraph: (names, reference, problems).
    reference is the method of "Errors: as Method.", else None."""
    text = doc.errors_text()
    if text is None:
        return None, None, []
    text = _strip_parens(text)
    text = re.split(r'\.(?:\s|$)', text, maxsplit=1)[0].strip()
    m = re.fullmatch(r'as (\w+)', text)
    if m:
        return [], m.group(1), []
    if text.lower() in ('none', ''):
        return [], None, [] if text else ['"Errors:" names nothing (say "Errors: none.")']
    names, problems = [], []
    for item in re.split(r',|\s+and\s+|\s+or\s+', text):
        item = item.strip()
        if re.fullmatch(r'[A-Z]\w*', item):
            names.append(item)
        elif item:
            problems.append(f'"Errors:" has {item!r}, which is not an error name')
    return names, None, problems


def registered_errors(path):
    with open(path, encoding='utf-8') as f:
        text = f.read()
    return re.findall(r'\{\s*ASD_ERROR_\w+\s*,\s*"(' + re.escape(gen.ERROR_PREFIX) + r'\w+)"\s*\}',
                      text)


def man_entries(path, roff):
    """The names that start a line in bold: the entries of the man page."""
    with open(path, encoding='utf-8') as f:
        text = f.read()
    if roff:
        text = text.replace('\\&', '')  # scdoc writes "\&" after each "."
    pattern = r'^\\fB([\w.]+)\\fR' if roff else r'^\*([\w.]+)\*'
    return set(re.findall(pattern, text, re.M))


def check(args):
    problems = []   # (subject, text): subject for --known-issue
    api = gen.Api(args.xml)

    def problem(text, subject=None):
        problems.append((subject, text))

    if not api.interfaces:
        problem('no <interface>')
    header_errors = [name for name, _ in api.errors]
    if not header_errors:
        problem('the header comment has no "Errors" list of io.github.autosshd1.Error names')
    short_errors = {name[len(gen.ERROR_PREFIX):]: name for name in header_errors}

    for iface in api.interfaces:
        if iface.doc is None:
            problem(f'interface {iface.name} has no doc comment', iface.name)
        methods = {m.name: m for m in iface.of_kind('method')}
        for member in iface.members:
            what = f'{iface.short}.{member.name} ({member.kind})'
            if member.doc is None:
                if member.comment_symbol:
                    problem(f'{what} has no doc comment (the comment before it is for '
                            f'{member.comment_symbol})', member.name)
                else:
                    problem(f'{what} has no doc comment', member.name)
                continue
            arg_names = [n for n, _, _ in member.args]
            for name in arg_names:
                if name not in member.doc.args:
                    problem(f'{what}: argument {name} has no "@{name}:" line', member.name)
            for name in member.doc.args:
                if name not in arg_names:
                    problem(f'{what}: "@{name}:" documents no argument of it', member.name)
            if not member.doc.paragraph_texts() and not member.doc.args:
                problem(f'{what}: the doc comment is empty', member.name)
            if member.kind != 'method':
                continue
            names, ref, errs = method_errors(member.doc)
            if names is None:
                problem(f'{what}: the doc has no "Errors:" paragraph', member.name)
                continue
            for text in errs:
                problem(f'{what}: {text}', member.name)
            if ref is not None:
                target = methods.get(ref)
                if target is None or target.doc is None or target.doc.errors_text() is None:
                    problem(f'{what}: "Errors: as {ref}" refers to no method with an '
                            f'"Errors:" paragraph', member.name)
            for name in names:
                if name not in short_errors:
                    problem(f'{what}: "Errors:" names {name}, which is not in the '
                            f'header\'s Errors list', member.name)

    if args.errors_c:
        for name in registered_errors(args.errors_c):
            where = os.path.basename(args.errors_c)
            if name in api.errors_not_returned:
                problem(f'{name}, registered in {where}, is documented as not returned', name)
            elif name not in header_errors:
                problem(f'{name}, registered in {where}, is not in the header\'s Errors list', name)

    if args.man or args.scd:
        path = args.man or args.scd
        entries = man_entries(path, roff=bool(args.man))
        for iface in api.interfaces:
            for member in iface.members:
                if member.name not in entries:
                    problem(f'{os.path.basename(path)} has no entry for {iface.short}.{member.name}',
                            member.name)
        for name in header_errors:
            if name not in entries:
                problem(f'{os.path.basename(path)} has no entry for {name}', name)

    return api, problems


def main(argv=None):
    ap = argparse.ArgumentParser(description='Checks that the D-Bus API is documented.')
    ap.add_argument('--xml', required=True, help='the D-Bus API (io.github.autosshd1.xml)')
    ap.add_argument('--errors-c', help="service/common/asd-error.c: its error table")
    group = ap.add_mutually_exclusive_group()
    group.add_argument('--man', help='the built autosshd.8 (roff)')
    group.add_argument('--scd', help='the generated autosshd.8.scd')
    ap.add_argument('--known-issue', action='append', default=[], metavar='NAME',
                    help='report problems about NAME (member or error) as warnings')
    args = ap.parse_args(argv)

    try:
        api, problems = check(args)
    except (gen.ApiError, OSError) as e:
        print(f'check-dbus-docs: {e}', file=sys.stderr)
        return 1

    failed = False
    for subject, text in problems:
        if subject in args.known_issue:
            print(f'check-dbus-docs: {args.xml}: known issue: {text}')
        else:
            print(f'check-dbus-docs: {args.xml}: {text}', file=sys.stderr)
            failed = True
    for name in args.known_issue:
        if not any(subject == name for subject, _ in problems):
            print(f'check-dbus-docs: --known-issue {name}: there is no such problem any more; '
                  f'drop the option', file=sys.stderr)
            failed = True
    if failed:
        return 1
    members = sum(len(i.members) for i in api.interfaces)
    print(f'check-dbus-docs: {args.xml}: {members} members and {len(api.errors)} errors documented')
    return 0


if __name__ == '__main__':
    sys.exit(main())

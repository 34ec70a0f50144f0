#!/usr/bin/env python3
# dbus-api-to-scdoc.py: the D-Bus API reference of autosshd(8), in scdoc(5),
# made from the doc comments of data/io.github.autosshd1.xml (the gdbus-codegen
# format: a "Name:" comment before each member, "@arg:" lines, paragraphs).
#
#   dbus-api-to-scdoc.py API.xml                        prints the reference
#   dbus-api-to-scdoc.py API.xml --template T.scd.in -o OUT.scd
#                        writes T with its @DBUS_API_REFERENCE@ line replaced
#
# Python 3 standard library only.  tests/check-dbus-docs.py imports this file
# for its parser, so both read the XML the same way.
#
# Copyright 2026 The autosshd developers
# SPDX-License-Identifier: GPL-2.0-or-later

import argparse
import re
import sys
import textwrap
from xml.etree import ElementTree

PLACEHOLDER = '@DBUS_API_REFERENCE@'
ERROR_PREFIX = 'io.github.autosshd1.Error.'
DEPRECATED = 'org.freedesktop.DBus.Deprecated'
EMITS_CHANGED = 'org.freedesktop.DBus.Property.EmitsChangedSignal'

# Blocks of the file's header comment that the man page shows, by the start
# of their first line, with the title of their subsection.
HEADER_SECTIONS = [
    (re.compile(r'States\b'), 'State values'),
    (re.compile(r'What the Tunnel methods do in each state'), 'Tunnel methods in each state'),
    (re.compile(r'Reasons\b'), 'Reason codes'),
    (re.compile(r'Clocks\b'), 'Clocks'),
    (re.compile(r'Log\b'), 'Log'),
    (re.compile(r'Stability\b'), 'API stability'),
]


class ApiError(Exception):
    """The XML cannot be read as the API (not a doc problem: see check)."""


# ----------------------------------------------------------------- parsing

class _Builder:
    """A TreeBuilder keeping comments, also those before the root element
    (TreeBuilder itself drops comments outside the root)."""

    def __init__(self):
        self.tree = ElementTree.TreeBuilder(insert_comments=True)
        self.prolog_comments = []
        self.depth = 0

    def start(self, tag, attrs):
        self.depth += 1
        return self.tree.start(tag, attrs)

    def end(self, tag):
        self.depth -= 1
        return self.tree.end(tag)

    def data(self, text):
        return self.tree.data(text)

    def comment(self, text):
        if self.depth == 0:
            self.prolog_comments.append(text)
            return None
        return self.tree.comment(text)

    def close(self):
        return self.tree.close()


def _dedent_lines(text):
    lines = textwrap.dedent(text.expandtabs()).split('\n')
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return [line.rstrip() for line in lines]


class Doc:
    """One doc comment: its symbol, @arg texts and body paragraphs."""

    def __init__(self, text):
        self.symbol = None
        self.args = {}          # name -> text, in order
        self.paragraphs = []    # each a list of lines (indentation kept)
        lines = _dedent_lines(text)
        if not lines:
            return
        m = re.match(r'([A-Za-z_][\w.]*):(?:\s+(.*))?$', lines[0])
        if not m:
            return
        self.symbol = m.group(1)
        rest = lines[1:]
        if m.group(2):
            rest = [m.group(2)] + rest
        i = 0
        while i < len(rest):
            am = re.match(r'@(\w+):\s*(.*)$', rest[i])
            if not am:
                break
            text_lines = [am.group(2)]
            i += 1
            while i < len(rest) and rest[i].strip() and rest[i].startswith(' ') \
                    and not rest[i].lstrip().startswith('@'):
                text_lines.append(rest[i].strip())
                i += 1
            self.args[am.group(1)] = ' '.join(t for t in text_lines if t)
        para = []
        for line in rest[i:]:
            if line.strip():
                para.append(line)
            elif para:
                self.paragraphs.append(para)
                para = []
        if para:
            self.paragraphs.append(para)

    def paragraph_texts(self):
        return [' '.join(l.strip() for l in p) for p in self.paragraphs]

    def errors_text(self):
        """The text of the paragraph that starts with "Errors:", or None."""
        for text in self.paragraph_texts():
            if text.startswith('Errors:'):
                return text[len('Errors:'):].strip()
        return None


class Member:
    def __init__(self, kind, element, doc, comment_symbol):
        self.kind = kind                # 'method', 'property' or 'signal'
        self.name = element.get('name')
        self.element = element
        self.doc = doc                  # Doc or None
        self.comment_symbol = comment_symbol  # symbol of a comment naming another member
        self.args = [(a.get('name'), a.get('type'), a.get('direction') or
                      ('out' if kind == 'signal' else 'in'))
                     for a in element.findall('arg')]
        self.annotations = {a.get('name'): a.get('value') for a in element.findall('annotation')}

    @property
    def deprecated(self):
        return self.annotations.get(DEPRECATED) == 'true'


class Interface:
    def __init__(self, element, doc):
        self.name = element.get('name')
        self.short = self.name.rsplit('.', 1)[-1]
        self.doc = doc
        self.members = []

    def of_kind(self, kind):
        return [m for m in self.members if m.kind == kind]


class Api:
    def __init__(self, path):
        builder = _Builder()
        parser = ElementTree.XMLParser(target=builder)
        try:
            with open(path, 'rb') as f:
                parser.feed(f.read())
            root = parser.close()
        except (OSError, ElementTree.ParseError) as e:
            raise ApiError(f'{path}: {e}') from e
        if root.tag != 'node':
            raise ApiError(f'{path}: the root element is <{root.tag}>, not <node>')
        self.path = path
        self.header = '\n'.join(builder.prolog_comments)
        self.header_blocks = _blocks(_dedent_lines(self.header))
        self.interfaces = []
        last_comment = None
        for child in root:
            if child.tag is ElementTree.Comment:
                last_comment = child.text
                continue
            if child.tag == 'interface':
                self.interfaces.append(self._interface(child, last_comment))
            last_comment = None
        self.errors, self.errors_not_returned = self._errors()

    @staticmethod
    def _interface(element, comment):
        doc = Doc(comment) if comment is not None else None
        if doc is not None and doc.symbol != element.get('name'):
            doc = None
        iface = Interface(element, doc)
        last_comment = None
        for child in element:
            if child.tag is ElementTree.Comment:
                last_comment = child.text
                continue
            if child.tag in ('method', 'property', 'signal'):
                doc = Doc(last_comment) if last_comment is not None else None
                other = None
                if doc is not None and doc.symbol != child.get('name'):
                    other, doc = doc.symbol, None
                iface.members.append(Member(child.tag, child, doc, other))
            last_comment = None
        return iface

    def header_block(self, pattern):
        for block in self.header_blocks:
            if re.match(pattern, block[0]):
                return block
        return None

    def _errors(self):
        """The header's "Errors" block: [(name, description)], and the names it
        says are not returned."""
        block = self.header_block(r'Errors\b')
        errors, not_returned = [], set()
        if block is None:
            return errors, not_returned
        for line in block[1:]:
            m = re.match(r'\s+(' + re.escape(ERROR_PREFIX) + r'\w+)\s+(.*)$', line)
            if m:
                errors.append([m.group(1), m.group(2)])
            elif errors and line.startswith(' ') and not line.lstrip().startswith(ERROR_PREFIX):
                if re.match(r'\s{8,}', line):
                    errors[-1][1] += ' ' + line.strip()
        prose = ' '.join(l.strip() for l in block if not re.match(r'\s', l))
        for m in re.finditer(r'(' + re.escape(ERROR_PREFIX) + r'\w+)\s+is\s+not\s+returned', prose):
            not_returned.add(m.group(1))
        return [tuple(e) for e in errors], not_returned


def _blocks(lines):
    blocks, block = [], []
    for line in lines:
        if line.strip():
            block.append(line)
        elif block:
            blocks.append(block)
            block = []
    if block:
        blocks.append(block)
    return blocks


# --------------------------------------------------------------- rendering

def escape(text):
    """Text for scdoc: its markup characters taken literally."""
    return re.sub(r'([\\*_+`])', r'\\\1', text)


def escape_literal(text):
    """Text for a ``` block: only the backslash is special there."""
    return text.replace('\\', '\\\\')


# scdoc reads these at the start of a line as markup (lists, headings,
# comments, tables): escaped there.
_LINE_START_MARKUP = '-#;|:[]'


def _can_start_line(word):
    # roff reads . and ' at the start of a line as a request, and scdoc has
    # no escape for that: such a word is never put first on a line.
    return word[0] not in ".'"


def _line_start(word):
    return '\\' + word if word[0] in _LINE_START_MARKUP else word


def fill(text, indent='', width=78):
    """One escaped paragraph, wrapped, each line starting with indent."""
    words = escape(text).split()
    if not words:
        return []
    first = words[0]
    if first[0] in ".'":
        raise ApiError(f'a paragraph cannot start with {first[0]!r} in scdoc: {text[:40]!r}')
    words[0] = _line_start(first)
    lines, line = [], ''
    limit = width - len(indent.expandtabs(8))
    for word in words:
        if line and len(line) + 1 + len(word) > limit and _can_start_line(word):
            lines.append(indent + line)
            line = _line_start(word)
        else:
            line = f'{line} {word}' if line else word
    lines.append(indent + line)
    return lines


def _arg_name(name):
    return '_' + escape(name) + '_'


def heading(member):
    if member.kind == 'property':
        notes = []
        access = member.element.get('access')
        if access == 'readwrite':
            notes.append('writable')
        elif access == 'write':
            notes.append('write-only')
        if member.annotations.get(EMITS_CHANGED) == 'const':
            notes.append('constant')
        if member.deprecated:
            notes.append('deprecated')
        text = f'*{member.name}* ({escape(member.element.get("type"))})'
        return text + ''.join(f' ({n})' for n in notes)
    ins = [a for a in member.args if a[2] == 'in']
    outs = [a for a in member.args if a[2] == 'out']
    if member.kind == 'signal':
        ins, outs = outs, []
    text = f'*{member.name}*(' + ', '.join(f'{escape(t)} {_arg_name(n)}' for n, t, _ in ins) + ')'
    if outs:
        text += ' → ' + ', '.join(f'{escape(t)} {_arg_name(n)}' for n, t, _ in outs)
    if member.deprecated:
        text += ' (deprecated)'
    return text


def render_member(member):
    out = [heading(member)]
    doc = member.doc
    if doc is None:
        out.append('\tNot documented.')
        return out
    body = []
    documented_args = [(n, doc.args[n]) for n, _, _ in member.args if n in doc.args]
    if documented_args:
        # One line each: "++" ends a line.  scdoc takes the line after a
        # "++" as it is, tab included (it would show as blanks), so the
        # first line of each further argument goes without its tab.
        arg_lines = []
        for i, (name, text) in enumerate(documented_args):
            lines = fill(f'{name}: {text}', '\t')
            # The name underlined: fill() escaped its underscores already.
            lines[0] = lines[0].replace('\t' + escape(name) + ':', '\t' + _arg_name(name) + ':', 1)
            if i:
                lines[0] = lines[0][1:]
            if i < len(documented_args) - 1:
                lines[-1] += ' ++'
            arg_lines.extend(lines)
        body.append(arg_lines)
    for text in doc.paragraph_texts():
        body.append(fill(text, '\t'))
    for i, lines in enumerate(body):
        if i:
            out.append('')
        out.extend(lines)
    return out


def render_header_block(block):
    """Prose lines as paragraphs, indented lines as a ``` block."""
    out, prose, literal = [], [], []

    def flush():
        if prose:
            out.append('')
            out.extend(fill(' '.join(l.strip() for l in prose)))
            prose.clear()
        if literal:
            out.append('')
            out.append('```')
            out.extend(escape_literal(l) for l in textwrap.dedent('\n'.join(literal)).split('\n'))
            out.append('```')
            literal.clear()

    for line in block:
        if line.startswith(' '):
            if prose:
                flush()
            literal.append(line)
        else:
            if literal:
                flush()
            prose.append(line)
    flush()
    return out


def render(api):
    out = []

    def section(title):
        out.extend(['', f'## {title}'])

    for pattern, title in HEADER_SECTIONS:
        block = api.header_block(pattern)
        if block is not None:
            section(title)
            out.extend(render_header_block(block))

    for iface in api.interfaces:
        first = True
        for kind, title in (('method', 'methods'), ('property', 'properties'),
                            ('signal', 'signals')):
            members = iface.of_kind(kind)
            if not members:
                continue
            section(f'{iface.short} {title}')
            if first and iface.doc is not None:
                out.append('')
                out.append(f'Interface *{iface.name}*.')
                for text in iface.doc.paragraph_texts():
                    if text.startswith('@'):
                        continue
                    out.append('')
                    out.extend(fill(text))
            first = False
            for member in members:
                out.append('')
                out.extend(render_member(member))

    block = api.header_block(r'Errors\b')
    if block is not None:
        section('Errors')
        intro = block[0]
        out.append('')
        out.extend(fill(intro))
        for name, text in api.errors:
            out.append('')
            out.append(f'*{name}*')
            out.extend(fill(text, '\t'))
        tail = [l for l in block[1:] if not re.match(r'\s', l)]
        if tail:
            out.append('')
            out.extend(fill(' '.join(l.strip() for l in tail)))

    while out and not out[0]:
        out.pop(0)
    return '\n'.join(out) + '\n'


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('xml', help='the D-Bus API (io.github.autosshd1.xml)')
    ap.add_argument('--template', help=f'an .scd.in with a line {PLACEHOLDER}')
    ap.add_argument('-o', '--output', help='where to write (default: standard output)')
    args = ap.parse_args(argv)

    try:
        text = render(Api(args.xml))
    except ApiError as e:
        print(f'dbus-api-to-scdoc: {e}', file=sys.stderr)
        return 1
    if args.template:
        with open(args.template, encoding='utf-8') as f:
            template = f.read()
        lines = template.split('\n')
        if lines.count(PLACEHOLDER) != 1:
            print(f'dbus-api-to-scdoc: {args.template}: needs exactly one line {PLACEHOLDER}',
                  file=sys.stderr)
            return 1
        lines[lines.index(PLACEHOLDER)] = text.rstrip('\n')
        text = '\n'.join(lines)
    if args.output:
        with open(args.output, 'w', encoding='utf-8') as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())

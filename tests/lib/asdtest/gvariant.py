"""GVariant text, both ways, for the service tests: gvariant_text() writes the
arguments of `gdbus call` (with GV for explicit types), parse_gvariant() reads
what gdbus prints.  Standard library only."""

import re


class GV:
    """A value with an explicit D-Bus type, for gvariant_text()."""

    def __init__(self, sig, value):
        self.sig = sig
        self.value = value


def _quote(s):
    out = ["'"]
    for c in s:
        if c in "\\'":
            out.append("\\" + c)
        elif c == "\n":
            out.append("\\n")
        elif ord(c) < 0x20:
            out.append("\\u%04x" % ord(c))
        else:
            out.append(c)
    out.append("'")
    return "".join(out)


_INT_PREFIX = {"y": "byte", "n": "int16", "q": "uint16", "i": "int32", "u": "uint32",
               "x": "int64", "t": "uint64"}


def gvariant_text(value, sig=None):
    """GVariant text for gdbus call.  Python str→s, bool→b, int→i32 (use GV for
    other types), list of str→as, dict→a{sv} with values typed by _guess."""
    if sig == "v":
        return "<%s>" % gvariant_text(value)
    if isinstance(value, GV):
        return gvariant_text(value.value, value.sig)
    if sig is None:
        sig = _guess(value)
    if sig in ("s", "o", "g"):
        text = _quote(value)
        return text if sig == "s" else {"o": "objectpath ", "g": "signature "}[sig] + text
    if sig == "b":
        return "true" if value else "false"
    if sig in _INT_PREFIX:
        return "%s %d" % (_INT_PREFIX[sig], value)
    if sig == "d":
        return repr(float(value))
    if sig.startswith("a{"):
        ksig, vsig = sig[2], sig[3:-1]
        if not value:
            return "@%s {}" % sig
        return "{%s}" % ", ".join("%s: %s" % (gvariant_text(k, ksig), gvariant_text(v, vsig))
                                  for k, v in value.items())
    if sig.startswith("a"):
        if not value:
            return "@%s []" % sig
        return "[%s]" % ", ".join(gvariant_text(v, sig[1:]) for v in value)
    raise ValueError("unsupported signature %r" % sig)


def _guess(value):
    if isinstance(value, GV):
        return value.sig
    if isinstance(value, bool):
        return "b"
    if isinstance(value, int):
        return "i"
    if isinstance(value, str):
        return "s"
    if isinstance(value, (list, tuple)):
        return "as"
    if isinstance(value, dict):
        return "a{sv}"
    raise ValueError("cannot guess a D-Bus type for %r" % (value,))


class _Parser:
    """A small parser for the GVariant text gdbus prints (tuples, strings,
    object paths, numbers with or without type words, booleans, arrays,
    dictionaries, variants, @type annotations)."""

    WORDS = ("objectpath", "signature", "byte", "int16", "uint16", "int32", "uint32",
             "int64", "uint64", "handle", "double")

    def __init__(self, text):
        self.s = text
        self.i = 0

    def error(self, what):
        raise ValueError("GVariant text: %s at %d in %r" % (what, self.i, self.s))

    def ws(self):
        while self.i < len(self.s) and self.s[self.i].isspace():
            self.i += 1

    def peek(self):
        self.ws()
        return self.s[self.i] if self.i < len(self.s) else ""

    def eat(self, c):
        if self.peek() != c:
            self.error("expected %r" % c)
        self.i += 1

    def value(self):
        c = self.peek()
        if c == "@":                         # @as [] : skip the type annotation
            m = re.compile(r"@\S+").match(self.s, self.i)
            self.i = m.end()
            return self.value()
        if c == "(":
            return tuple(self.seq("(", ")"))
        if c == "[":
            return self.seq("[", "]")
        if c == "{":
            return self.dict()
        if c == "<":
            self.i += 1
            v = self.value()
            self.eat(">")
            return v
        if c in "'\"":
            return self.string()
        if c == "b" and self.s[self.i:self.i + 2] in ("b'", 'b"'):
            self.i += 1
            return self.string()
        m = re.compile(r"[A-Za-z][A-Za-z0-9]*").match(self.s, self.i)
        if m:
            word = m.group()
            self.i = m.end()
            if word == "true":
                return True
            if word == "false":
                return False
            if word == "nothing":
                return None
            if word == "just":
                return self.value()
            if word in self.WORDS:
                return self.value()
            self.error("unknown word %r" % word)
        m = re.compile(r"[-+]?(0x[0-9a-fA-F]+|[0-9.]+(e[-+]?\d+)?|inf|nan)").match(self.s, self.i)
        if m:
            self.i = m.end()
            t = m.group()
            if t.startswith(("0x", "-0x", "+0x")):
                return int(t, 16)
            return float(t) if any(x in t for x in ".en") else int(t)
        self.error("unexpected %r" % c)

    def seq(self, open_, close):
        self.eat(open_)
        items = []
        while self.peek() != close:
            items.append(self.value())
            if self.peek() == ",":
                self.i += 1
            elif self.peek() != close:
                self.error("expected ',' or %r" % close)
        self.i += 1
        return items

    def dict(self):
        self.eat("{")
        out = {}
        while self.peek() != "}":
            k = self.value()
            self.eat(":")
            out[k] = self.value()
            if self.peek() == ",":
                self.i += 1
        self.i += 1
        return out

    def string(self):
        q = self.s[self.i]
        self.i += 1
        out = []
        while True:
            if self.i >= len(self.s):
                self.error("unterminated string")
            c = self.s[self.i]
            self.i += 1
            if c == q:
                return "".join(out)
            if c == "\\":
                e = self.s[self.i]
                self.i += 1
                if e == "u":
                    out.append(chr(int(self.s[self.i:self.i + 4], 16)))
                    self.i += 4
                elif e == "U":
                    out.append(chr(int(self.s[self.i:self.i + 8], 16)))
                    self.i += 8
                else:
                    out.append({"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b",
                                "f": "\f", "v": "\v"}.get(e, e))
            else:
                out.append(c)


def parse_gvariant(text):
    p = _Parser(text.strip())
    v = p.value()
    if p.peek():
        p.error("trailing text")
    return v

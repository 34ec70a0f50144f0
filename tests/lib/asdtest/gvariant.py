"""GVariant text, both ways, for the tests that drive `gdbus call`:
gvariant_text() writes its arguments (GV gives an explicit D-Bus type),
parse_gvariant() reads what it prints.  Both are GLib's own (PyGObject), so
the tests read and write exactly what gdbus does."""

from gi.repository import GLib


class GV:
    """A value with an explicit D-Bus type, for gvariant_text()."""

    def __init__(self, sig, value):
        self.sig = sig
        self.value = value


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


def to_variant(value, sig=None):
    """A GLib.Variant of value: str→s, bool→b, int→i (GV for other types),
    list of str→as, dict→a{sv} with each value's type guessed the same way."""
    if isinstance(value, GV):
        return to_variant(value.value, value.sig)
    if sig is None:
        sig = _guess(value)
    if sig == "v":
        return GLib.Variant("v", to_variant(value))
    if sig.startswith("a{") and sig.endswith("v}"):
        return GLib.Variant(sig, {k: to_variant(v) for k, v in value.items()})
    return GLib.Variant(sig, value)


def gvariant_text(value, sig=None):
    """GVariant text for gdbus call, with type annotations where needed."""
    return to_variant(value, sig).print_(True)


def parse_gvariant(text):
    """gdbus call's output (GVariant text) as Python values (a tuple)."""
    return GLib.Variant.parse(None, text.strip(), None, None).unpack()

"""What a team or a runner is called, as typed on a phone and shown on every page and export.

A name pasted from a chat app can carry characters nobody sees: a right-to-left override that
turns the rest of a standings row around, a zero-width space that makes a second "Harimau
Striders" look like the first, a control character that breaks the CSV export. Names are
cleaned of them before they are stored, and compared in a form that ignores case and spacing.
"""

import unicodedata

# Zero-width non-joiner and joiner change how Persian, Indic scripts and emoji are drawn inside
# a word, so they stay there; alone, at the ends of a name or next to a space they draw nothing.
JOINERS = "\u200c\u200d"
# Control (Cc) and format (Cf) characters: bidirectional overrides and isolates, marks, BOM,
# zero-width space, soft hyphen, C0 and C1 controls. Whitespace among them becomes a space.
INVISIBLE_CATEGORIES = ("Cc", "Cf")


def clean_name(text: str) -> str:
    """The name without invisible characters, in NFC, with single spaces and no spaces around."""
    kept = []
    for char in unicodedata.normalize("NFC", text):
        if char.isspace():
            kept.append(" ")
        elif unicodedata.category(char) not in INVISIBLE_CATEGORIES or char in JOINERS:
            kept.append(char)
    words = "".join(kept).split()
    words = [word.strip(JOINERS) for word in words]
    return unicodedata.normalize("NFC", " ".join(word for word in words if word))


def name_key(text: str) -> str:
    """Two names with the same key are the same name: case, spacing, joiners and width ignored.

    NFKC folds compatibility forms (full-width "ＨＡＲＩＭＡＵ", the "ﬁ" ligature) into plain letters.
    """
    folded = unicodedata.normalize("NFKC", clean_name(text)).casefold()
    folded = unicodedata.normalize("NFKC", folded)
    return " ".join(folded.replace("\u200c", "").replace("\u200d", "").split())

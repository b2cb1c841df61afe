"""Text normalisation for search."""

import unicodedata


def fold(text: str) -> str:
    """Lower case without accents: "Plátano" → "platano", so a cashier types without tildes."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().strip()

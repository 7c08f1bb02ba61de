"""Blocking: which pairs are worth scoring. An inverted index from short keys of the name words (and of the
house number + street) to record positions; a query takes its rarest keys until a candidate budget is spent.

Keys per name word: the word itself when it has at most 4 letters, else its first 4 and its last 4 letters — so
one typo leaves at least one key of a long word intact ("gonzalez"/"gonzales" share ``gonz``). Multi-word names
also key on their first 6 letters without spaces ("mc donalds" = "mcdonalds"). Addresses key on house number and
the first 4 letters of the street core (``@435 la c``... see :func:`address_key`).
"""

from __future__ import annotations

from collections.abc import Iterable

#: A query always uses its ``MIN_KEYS`` rarest keys, then more while the candidates stay within ``BUDGET``.
MIN_KEYS = 2
BUDGET = 64
#: Keys that point at more than this share of the index are skipped once another key has been used.
HARD_CAP_SHARE = 0.05
HARD_CAP_MIN = 200


def name_keys(variants: Iterable[str]) -> set[str]:
    keys: set[str] = set()
    for v in variants:
        words = v.split()
        for w in words:
            if len(w) <= 4:
                keys.add(w)
            else:
                keys.add(w[:4])
                keys.add("~" + w[-4:])
        if len(words) > 1:
            keys.add("=" + v.replace(" ", "")[:6])
    return keys


def address_key(number: str, core: str) -> str | None:
    if not number or not core:
        return None
    return "@" + number + " " + core.replace(" ", "")[:4]


class KeyIndex:
    """Inverted index: key -> list of record positions (ints), built once, queried many times."""

    def __init__(self, budget: int = BUDGET, min_keys: int = MIN_KEYS) -> None:
        self.postings: dict[str, list[int]] = {}
        self.budget = budget
        self.min_keys = min_keys
        self.size = 0

    def add(self, item: int, keys: Iterable[str]) -> None:
        post = self.postings
        for k in keys:
            lst = post.get(k)
            if lst is None:
                post[k] = [item]
            else:
                lst.append(item)
        self.size += 1

    @property
    def hard_cap(self) -> int:
        return max(HARD_CAP_MIN, int(self.size * HARD_CAP_SHARE))

    def candidates(self, keys: Iterable[str]) -> Iterable[int]:
        """Record positions sharing the query's rarest keys (a set, or one posting list when only one key hits)."""
        post = self.postings
        lists = [lst for k in keys if (lst := post.get(k)) is not None]
        if not lists:
            return ()
        if len(lists) == 1:
            return lists[0]
        lists.sort(key=len)
        out = set(lists[0])
        total = len(lists[0])
        budget, min_keys, cap = self.budget, self.min_keys, self.hard_cap
        for i in range(1, len(lists)):
            lst = lists[i]
            n = len(lst)
            if n > cap or (i >= min_keys and total + n > budget):
                break
            out.update(lst)
            total += n
        return out

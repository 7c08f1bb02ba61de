"""Blocking: which pairs are worth scoring. An inverted index from short keys of the names (and of house
number + street) to record positions.

Word stems: a word's first 4 letters and its last 4 letters (``gonz``, ``~alez``), so one typo leaves at least one
stem of a longer word intact; short words (up to 4 letters) stand whole, and generic words ("foundation",
"services": their last stems "~tion", "~ices" are shared by too many words) by their first stem only ("america" =
"american"). Function words ("of", "the") and lone initials make no keys. Keys:

* for every two words of a name (the first ``MAX_PAIR_WORDS``), the pair of their first stems and the pair of
  their last stems (``gonz+plum``, ``~alez+~bing``): names sharing two words find each other even when the
  words are common, and one typo leaves one of the two pairs intact;
* the whole name without spaces (``=mcdonalds``: "Mc Donalds" = "McDonalds");
* ``1:<word>`` for a one-word name (function words aside: "mattress for"), looked up by every distinctive word
  of a multi-word query: finds "Ryder" from "Chicago Public Schools Ryder, William H."; and the word without
  each of its letters in turn, looked up by one-word queries: "magco" finds "marco";
* single stems of words that are not generic, used by a multi-word query only while they are rare (at most
  ``RARE`` records); a one-word query uses its single stems within ``BUDGET`` candidates, rarest first;
* ``@<number> <first 4 letters of the street core>`` for a street address.

Strong keys filed under at most ``SMALL`` records are always used, heavier ones rarest first while the
candidates stay within ``BUDGET``. A query first drops the stems that no indexed name has (the index keeps its
vocabulary), so most of an account's possible pairs are never built.
"""

from __future__ import annotations

from collections.abc import Iterable

from leads.normalize import FUNCTION_WORDS, is_generic

#: A single stem (of a word that is not generic) is used by a multi-word query only if at most this many
#: records carry it.
RARE = 8
#: Strong keys filed under at most this many records are always used.
SMALL = 8
#: Heavier keys (and a one-word query's single stems) are used rarest first while the candidates stay within
#: this budget (at least one key).
BUDGET = 32
#: Letters in a word stem: a word's first and its last STEM letters.
STEM = 4
#: Words of a name that make pair keys (the first ones: legal names put the distinctive words first).
MAX_PAIR_WORDS = 6


def _meaningful(name: str) -> list[str]:
    """The words of a name without function words (all of them if that leaves none: "the of")."""
    words = name.split()
    kept = [w for w in words if w not in FUNCTION_WORDS]
    return kept or words


def _word_stems(words: list[str]) -> list[tuple[str, str, bool]]:
    """(first stem, last stem, generic?) of the meaningful words, at most ``MAX_PAIR_WORDS``."""
    out = []
    for w in words:
        if w in FUNCTION_WORDS:
            continue
        generic = is_generic(w)
        if generic:
            g = _generic_key(w)
            out.append((g, g, True))
        elif len(w) <= STEM:
            out.append((w, w, False))
        else:
            out.append((w[:STEM], "~" + w[-STEM:], False))
        if len(out) == MAX_PAIR_WORDS:
            break
    return out


_STEM_OF: dict[str, tuple[str, str, bool]] = {}


def _stem_of(w: str) -> tuple[str, str, bool]:
    """(first stem, last stem, generic?) of one word, as :func:`_word_stems` gives it; cached per word."""
    info = _STEM_OF.get(w)
    if info is None:
        if is_generic(w):
            g = _generic_key(w)
            info = (g, g, True)
        elif len(w) <= STEM:
            info = (w, w, False)
        else:
            info = (w[:STEM], "~" + w[-STEM:], False)
        if len(_STEM_OF) < 1 << 20:
            _STEM_OF[w] = info
    return info


def _generic_key(w: str) -> str:
    """A generic word by its first stem only ("america" = "american", "service" = "services", and "liqurs" still
    meets "liquors"): the last stems of generic words ("~tion", "~ices") are shared by too many words."""
    return w[:STEM]


def _stems(w: str) -> tuple[str, ...]:
    return (w,) if len(w) <= STEM else (w[:STEM], "~" + w[-STEM:])


# No business name has a word this long; a longer one (a line of junk in a hostile file) gets no typo keys,
# whose size grows with the square of the word's (a 2 MB "word": 2 million keys of 2 MB each).
TYPO_WORD_MAX = 40


def _deletions(w: str) -> list[str]:
    """A one-word name of 5+ letters without each of its letters in turn ("marco" -> "arco", "mrco", ...): two
    such names one typo apart share one of these keys (symmetric-delete lookup)."""
    if not 5 <= len(w) <= TYPO_WORD_MAX:
        return []
    return ["1-" + w[:i] + w[i + 1 :] for i in range(len(w))]


def _pair(a: str, b: str) -> str:
    return a + "+" + b if a < b else b + "+" + a


def _pair_keys(group: list[str]) -> list[str]:
    """The pair key of every two different stems of a group (first stems, or last stems), in order."""
    out = []
    n = len(group)
    for i in range(n - 1):
        gi = group[i]
        for j in range(i + 1, n):
            gj = group[j]
            if gi != gj:
                out.append(gi + "+" + gj if gi < gj else gj + "+" + gi)
    return out


def address_key(number: str, core: str) -> str | None:
    if not number or not core:
        return None
    return "@" + number + " " + core.replace(" ", "")[:4]


class KeyIndex:
    """Inverted index over the names (and addresses) of a list of records, built once, queried many times."""

    def __init__(
        self, budget: int = BUDGET, rare: int = RARE, small: int = SMALL, wanted: set[str] | None = None
    ) -> None:
        self.postings: dict[str, list[int]] = {}
        # ``wanted``: when every query is known before the index is built (``leads link``), the keys those queries
        # can read (:func:`query_keys`); no other key is filed, and no vocabulary is kept (a query then tries
        # every stem; the candidates are the same, a key nobody files has no posting either way).
        self.wanted = wanted
        self.vocab: set[str] | None = None if wanted is not None else set()  # stems of the indexed names
        self._paired: set[str] | None = None  # with ``wanted``: the stems its pair keys are made of
        self._paired_size = 0
        self.one_word: set[str] = set()  # indexed names that are a single word
        self._words: dict[str, tuple] = {}  # query word -> what it contributes (see _word); reset by add()
        self.budget = budget
        self.rare = rare
        self.small = small
        self.size = 0

    def keys(self, variants: Iterable[str], address: str | None = None) -> set[str]:
        """Every key a record with these name variants (and address key) is filed under."""
        keys: set[str] = set()
        for v in variants:
            words = _meaningful(v)
            if len(words) == 1:
                w = words[0]
                keys.add("1:" + w)
                keys.update(_stems(w))
                keys.update(_deletions(w))
                continue
            keys.add("=" + v.replace(" ", ""))
            stems = _word_stems(words)
            for h, t, generic in stems:
                if not generic:
                    keys.add(h)
                    keys.add(t)
            n = len(stems)
            for i in range(n - 1):
                hi, ti = stems[i][0], stems[i][1]
                for j in range(i + 1, n):
                    hj, tj = stems[j][0], stems[j][1]
                    if hi != hj:
                        keys.add(_pair(hi, hj))
                    if ti != tj:
                        keys.add(_pair(ti, tj))
        if address:
            keys.add(address)
        return keys

    def add(self, item: int, variants: Iterable[str], address: str | None = None) -> None:
        variants = list(variants)
        post = self.postings
        if self.wanted is not None:
            self._add_wanted(item, variants, address)
            return
        for k in self.keys(variants, address):
            lst = post.get(k)
            if lst is None:
                post[k] = [item]
            else:
                lst.append(item)
        vocab = self.vocab
        for v in variants:
            words = _meaningful(v)
            if len(words) == 1:
                self.one_word.add(words[0])
                if vocab is not None:
                    vocab.update(_stems(words[0]))
            elif vocab is not None:
                for h, t, _ in _word_stems(words):
                    vocab.add(h)
                    vocab.add(t)
        self.size += 1
        if vocab is not None:  # what a query word reads depends on what is indexed (not with ``wanted``)
            self._words.clear()

    def paired_stems(self) -> set[str]:
        """On an index built with ``wanted``: the stems its wanted pair keys are made of."""
        wanted = self.wanted
        assert wanted is not None
        paired = self._paired
        if paired is None or self._paired_size != len(wanted):
            paired = self._paired = {part for k in wanted if "+" in k for part in k.split("+")}
            self._paired_size = len(wanted)
        return paired

    def empty_copy(self) -> KeyIndex:
        """An empty index with the same parameters and wanted keys (to file part of the records elsewhere)."""
        other = KeyIndex(budget=self.budget, rare=self.rare, small=self.small, wanted=self.wanted)
        if self.wanted is not None:
            other._paired, other._paired_size = self.paired_stems(), self._paired_size
        return other

    def _add_wanted(self, item: int, variants: list[str], address: str | None) -> None:
        """:meth:`add` on an index built with ``wanted``: the keys of :meth:`keys` that a query reads, found
        without building the others (a pair key is only built of stems some query pairs)."""
        wanted = self.wanted
        assert wanted is not None
        paired = self.paired_stems()
        keys: set[str] = set()
        for v in variants:
            words = _meaningful(v)
            if len(words) == 1:
                w = words[0]
                keys.add("1:" + w)
                keys.update(_stems(w))
                keys.update(_deletions(w))
                continue
            keys.add("=" + v.replace(" ", ""))
            heads: list[str] = []
            tails: list[str] = []
            taken = 0
            for w in words:
                if w in FUNCTION_WORDS:
                    continue
                h, t, generic = _stem_of(w)
                if not generic:
                    keys.add(h)
                    keys.add(t)
                if h in paired:
                    heads.append(h)
                if t in paired:
                    tails.append(t)
                taken += 1
                if taken == MAX_PAIR_WORDS:
                    break
            keys.update(_pair_keys(heads))
            keys.update(_pair_keys(tails))
        if address:
            keys.add(address)
        post = self.postings
        for k in keys & wanted:
            lst = post.get(k)
            if lst is None:
                post[k] = [item]
            else:
                lst.append(item)
        self.size += 1

    def _word(self, w: str) -> tuple[str | None, str | None, str | None, tuple[str, ...]]:
        """What a query word contributes, cached per word: (first stem if indexed, last stem if indexed,
        ``1:`` key if a record is named by this word alone, single stems if indexed)."""
        info = self._words.get(w)
        if info is None:
            vocab = self.vocab
            generic = is_generic(w)
            if generic:
                h = t = _generic_key(w)
            elif len(w) <= STEM:
                h = t = w
            else:
                h, t = w[:STEM], "~" + w[-STEM:]
            if vocab is None:  # built with ``wanted``: every key the word can read
                one = None if generic else "1:" + w
                info = (h, t, one, () if generic else tuple(dict.fromkeys((h, t))))
            else:
                one = "1:" + w if not generic and w in self.one_word else None
                singles = () if generic else tuple(x for x in dict.fromkeys((h, t)) if x in vocab)
                info = (h if h in vocab else None, t if t in vocab else None, one, singles)
            self._words[w] = info
        return info

    def lookup(self, variants: Iterable[str], address: str | None = None) -> set[int]:
        """Positions of the records worth scoring against a query name (and address key)."""
        return self._select(*self.query_keys(variants, address))

    def query_keys(self, variants: Iterable[str], address: str | None = None) -> tuple[list[str], list[str], bool]:
        """(strong keys, single stems, is any variant multi-word) a lookup of this query reads: on an index built
        with ``wanted``, every key the query could read, whatever has been filed."""
        strong: list[str] = []
        singles: list[str] = []
        multiword = False
        word = self._word
        for v in variants:
            words = _meaningful(v)
            if len(words) == 1:
                w = words[0]
                strong.append("1:" + w)
                strong.extend(_deletions(w))
                singles.extend(_stems(w))
                continue
            multiword = True
            strong.append("=" + v.replace(" ", ""))
            heads: list[str] = []
            tails: list[str] = []
            for pos, w in enumerate(words):
                h, t, one, single = word(w)
                if one is not None:
                    strong.append(one)
                if single:
                    singles.extend(single)
                if pos < MAX_PAIR_WORDS:  # the index pairs only the first words too
                    if h is not None:
                        heads.append(h)
                    if t is not None:
                        tails.append(t)
            strong.extend(_pair_keys(heads))
            strong.extend(_pair_keys(tails))
        if address:
            strong.append(address)
        return strong, singles, multiword

    def select(self, keys: tuple[list[str], list[str], bool]) -> set[int]:
        """The candidates of a query from its :meth:`query_keys`."""
        return self._select(*keys)

    def _select(self, strong: list[str], singles: list[str], multiword: bool) -> set[int]:
        post = self.postings
        out: set[int] = set()
        heavy = []
        small = self.small
        for k in strong:
            lst = post.get(k)
            if lst is not None:
                if len(lst) <= small:
                    out.update(lst)
                else:
                    heavy.append(lst)
        budget = self.budget
        if heavy:
            heavy.sort(key=len)
            total = len(out)
            for i, lst in enumerate(heavy):
                if i and total + len(lst) > budget:
                    break
                out.update(lst)
                total += len(lst)
        if multiword:
            rare = self.rare
            for k in singles:
                lst = post.get(k)
                if lst is not None and len(lst) <= rare:
                    out.update(lst)
            return out
        lists = sorted((lst for k in singles if (lst := post.get(k)) is not None), key=len)
        total = 0
        for i, lst in enumerate(lists):
            if i and total + len(lst) > budget:
                break
            out.update(lst)
            total += len(lst)
        return out

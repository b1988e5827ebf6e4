"""Joining curation records to the guide's entries by phrase, and what a re-captured page changed.

A record names its entry by a phrase of the entry's text. When the page is edited between captures,
a phrase may no longer occur: if exactly one entry holds a close variant (a word added, dropped or
changed), the record still attaches and the new wording is reported; entries without a record get
a phrase unique to them, ready to paste into a new record.
"""

import itertools
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.curation import WORD, CurationRecord, raise_problems
from pipeline.findings import Finding, Slug
from pipeline.text import fold

STUB_PHRASE_WORDS = 8
LONG_PHRASE_WORDS = 12  # from this length a variant may differ by two words instead of one


@dataclass(frozen=True)
class Reworded:
    """A record whose phrase the page lost, attached to the one entry holding a close variant."""

    record: CurationRecord
    entry: int
    wording: str  # the entry's own words closest to the phrase: the new `match`


@dataclass(frozen=True)
class Vanished:
    """A record whose entry is no longer in the guide: no entry holds its phrase or a close variant."""

    record: CurationRecord
    nearest: str


@dataclass(frozen=True)
class Matching:
    matched: dict[int, CurationRecord]  # entry index → its record
    reworded: tuple[Reworded, ...] = ()
    vanished: tuple[Vanished, ...] = ()
    stub_phrases: dict[int, str | None] = field(default_factory=dict)  # entry without a record → a phrase only it holds


def match_guide(records: tuple[CurationRecord, ...], texts: list[str], lines: list[int], path: Path | str) -> Matching:
    """Attach each record to its entry; a phrase in several entries, or two records on one entry, is an error."""
    index = GuideIndex(texts)
    matched: dict[int, CurationRecord] = {}
    problems: list[Finding] = []

    def attach(number: int, record: CurationRecord) -> bool:
        if number in matched:
            other = matched[number]
            problem = (
                f"record {record.id!r} matches the same entry as record {other.id!r} "
                f"(line {other.match_line}): {preview(texts, lines, number)}"
            )
            problems.append(Finding(Slug.SHARED_ENTRY, record.id, record.match_line, problem))
            return False
        matched[number] = record
        return True

    lost = []
    for record in records:
        hits = index.holding(record.match)
        if len(hits) == 1:
            attach(hits[0], record)
        elif not hits:
            lost.append(record)
        else:
            many = "; ".join(preview(texts, lines, n) for n in hits[:5])
            problem = f"record {record.id!r}: match phrase {record.match!r} is in {len(hits)} entries, make it longer: "
            problems.append(Finding(Slug.AMBIGUOUS_MATCH_PHRASE, record.id, record.match_line, problem + many))
    reworded, vanished = [], []
    for record in lost:  # after every exact match, so a variant never takes an entry another record names
        variants = index.close_variants(record.match)
        if len(variants) == 1:
            number, start, end = variants[0]
            if attach(number, record):
                reworded.append(Reworded(record, number, index.wording(number, start, end)))
        elif variants:
            many = "; ".join(f"{preview(texts, lines, n)} (“{index.wording(n, s, e)}”)" for n, s, e in variants[:5])
            problem = (
                f"record {record.id!r}: match phrase {record.match!r} is no longer in the guide, and "
                f"{len(variants)} entries hold a close variant: {many}; copy the right entry's wording into match"
            )
            problems.append(Finding(Slug.AMBIGUOUS_CLOSE_VARIANT, record.id, record.match_line, problem))
        else:
            near = "; ".join(preview(texts, lines, n) for n in index.nearest(record.match))
            vanished.append(Vanished(record, near or "none"))
    raise_problems(problems, path, "matching curation records to the guide")
    stubs = {number: index.distinctive_phrase(number) for number in range(len(texts)) if number not in matched}
    return Matching(matched, tuple(reworded), tuple(vanished), stubs)


class GuideIndex:
    """The entries' folded words, indexed by word trigram (and by word when a phrase is lost), so the
    work grows with the text, not entries × records."""

    def __init__(self, texts: list[str]):
        self.texts = texts
        self.folded = [fold(text) for text in texts]
        self.words = [WORD.findall(text) for text in self.folded]
        self.trigrams: dict[tuple[str, ...], list[int]] = defaultdict(list)
        for number, words in enumerate(self.words):
            for trigram in set(zip(words, words[1:], words[2:], strict=False)):
                self.trigrams[trigram].append(number)
        self._by_word: dict[str, set[int]] | None = None

    @property
    def by_word(self) -> dict[str, set[int]]:
        if self._by_word is None:
            self._by_word = defaultdict(set)
            for number, words in enumerate(self.words):
                for word in words:
                    self._by_word[word].add(number)
        return self._by_word

    def holding(self, phrase: str) -> list[int]:
        """Entries whose text holds the phrase (case, spaces, quotes and dashes folded)."""
        folded = fold(phrase)
        words = WORD.findall(folded)
        trigrams = list(zip(words, words[1:], words[2:], strict=False))
        candidates = min((self.trigrams.get(t, []) for t in trigrams), key=len, default=range(len(self.folded)))
        return [number for number in candidates if folded in self.folded[number]]

    def close_variants(self, phrase: str) -> list[tuple[int, int, int]]:
        """(entry, first word, end word) of each entry holding the phrase with at most one word added,
        dropped or changed (two for long phrases)."""
        words = WORD.findall(fold(phrase))
        allowed = 1 if len(words) < LONG_PHRASE_WORDS else 2
        variants = []
        for number in sorted(self.variant_candidates(words, allowed)):
            distance, start, end = closest_run(words, self.words[number], limit=allowed)
            if distance <= allowed:
                variants.append((number, start, end))
        return variants

    def variant_candidates(self, words: list[str], allowed: int) -> set[int]:
        """Entries that may hold a close variant: those sharing what the allowed edits cannot all break."""
        if len(words) >= 6:  # each edit breaks at most three of the phrase's trigrams: one is left whole
            return set().union(
                *(self.trigrams.get(trigram, ()) for trigram in zip(words, words[1:], words[2:], strict=False))
            )
        distinct = set(words)
        sharing = Counter(number for word in distinct for number in self.by_word.get(word, ()))
        candidates = {number for number, shared in sharing.items() if shared >= len(distinct) - allowed}
        if len(words) >= 4:  # one edit breaks at most two of the phrase's pairs of neighbouring words
            pairs = [f" {first} {second} " for first, second in itertools.pairwise(words)]
            candidates = {n for n in candidates if any(pair in f" {' '.join(self.words[n])} " for pair in pairs)}
        return candidates

    def wording(self, number: int, start: int, end: int) -> str:
        """The entry's own text from word `start` to word `end`, as a `match` phrase."""
        folded_words = list(WORD.finditer(self.folded[number]))
        folded = self.folded[number][folded_words[start].start() : folded_words[end - 1].end()]
        own_words = list(WORD.finditer(self.texts[number]))
        if len(own_words) == len(folded_words):  # keep the page's capitals and quotes where the words line up
            own = " ".join(self.texts[number][own_words[start].start() : own_words[end - 1].end()].split())
            if fold(own) == folded:
                return own
        return folded

    def distinctive_phrase(self, number: int) -> str | None:
        """The first run of a few words that this entry alone holds."""
        size = min(STUB_PHRASE_WORDS, len(self.words[number]))
        if not size:
            return None
        for start in range(len(self.words[number]) - size + 1):
            phrase = self.wording(number, start, start + size)
            if self.holding(phrase) == [number]:
                return phrase
        return None

    def nearest(self, phrase: str, count: int = 3) -> list[int]:
        """Entries sharing the most words with a phrase."""
        sharing = Counter(number for word in set(WORD.findall(fold(phrase))) for number in self.by_word.get(word, ()))
        return [number for number, _ in sorted(sharing.items(), key=lambda item: (-item[1], item[0]))[:count]]


def closest_run(phrase: list[str], words: list[str], limit: int | None = None) -> tuple[int, int, int]:
    """Fewest word edits turning the phrase into a run of `words`, and that run (start, end).

    Edit distance where the run may start anywhere at no cost (Sellers' approximate matching); past
    `limit` edits everywhere, it stops early and says limit + 1.
    """
    previous = [(0, start) for start in range(len(words) + 1)]  # (edits, start of the run) ending at each word
    for row, wanted in enumerate(phrase, 1):
        current = [(row, 0)]
        for column, word in enumerate(words, 1):
            kept_or_changed = (previous[column - 1][0] + (word != wanted), previous[column - 1][1])
            dropped = (previous[column][0] + 1, previous[column][1])
            added = (current[column - 1][0] + 1, current[column - 1][1])
            current.append(min(kept_or_changed, dropped, added))
        previous = current
        if limit is not None and min(current)[0] > limit:
            return limit + 1, 0, 0
    edits, _length, start, end = min((edits, end - start, start, end) for end, (edits, start) in enumerate(previous))
    return edits, start, end


def preview(texts: list[str], lines: list[int], number: int, words: int = 8) -> str:
    head = " ".join(texts[number].split()[:words])
    return f"guide line {lines[number]} “{head}…”"


def toml_text(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(value, ensure_ascii=False)

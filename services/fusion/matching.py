"""How alike two reports' words are: the text half of the correlation rule (:mod:`.correlation`).

Departments never write one incident the same way: the grid worker writes "3号楼两户居民因车位占用
发生争执", the police "接警：小区内两名男子因停车问题发生口角推搡", the petition office "来访反映邻居
长期占用其固定停车位". What they share is the *matter* (parking), told in synonyms, under the
boilerplate of each department's style. So a summary is read as terms, and the terms are weighed:

1. **Normalised** (:func:`normalise`): NFKC (full-width digits and letters become half-width),
   traditional characters converted to simplified (OpenCC ``t2s``), lower case.
2. **Places and people** taken out first: a building, unit, entrance or room number (``3号楼``,
   ``３栋``, ``2单元``, ``301室``) becomes a place term (``楼3``, ``单元2``, ``室301``); a person
   named the way records name people (a common surname and 某: 李某, 王某) a person term.
3. **Segmented** into words by jieba (the maintained ``jieba-py``), with every word of the
   vocabulary added to its dictionary so that 停车位 or 飞线充电 stay whole.
4. **Mapped** through the vocabulary kept as data in ``matters.yaml``: a word of a *matter*
   (the thing the incident is about: parking, gas, wages, an e-bike …) becomes that matter; a word
   of a *kind* (dispute, theft, fight …) becomes that kind; the words of every report and of the
   departments' styles (接警, 来访, 反映, 网格员, 已 …) and single characters are dropped; any
   other word stays itself.
5. **Compared** (:func:`similarity`): a weighted cosine of the two sets of terms — a matter or a
   person weighs :data:`WEIGHTS` ``matter`` (3), a place 2, a kind 1, another word by how rare it
   is in Chinese text (:func:`word_weight`, from jieba's inverse document frequencies: 公司 or
   发现 0.2–0.4, 小区 1.1, 招牌 or 坑塘 1.5), so the rare words of an incident the vocabulary
   does not know still count and everyday words hardly — then
   penalties for a different thing in the same place: both name matters but share none (×0.25:
   a parking dispute and a noise dispute in one building), both name people but share none
   (×0.4: two people's subsidies), both name buildings but share none (×0.5). Blended with the
   Dice coefficient of the character pairs (bigrams) of the kept text, 0.8 : 0.2, so a typo or a
   word segmented differently still counts for a little.

The answer is between 0 and 1 with what was shared (:class:`Likeness`), for the reasons a case
shows. :mod:`.correlation` combines it with distance, time, family and subject.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib.resources import files
from typing import Any

import jieba
import opencc
import yaml

VOCABULARY_FILE = "matters.yaml"
WEIGHTS = {"matter": 3.0, "person": 3.0, "place": 2.0, "kind": 1.0}
# When both reports name matters and share none, people and share none, buildings and share none.
OTHER_MATTER = 0.25
OTHER_PERSON = 0.4
OTHER_PLACE = 0.5
# The share of the character-pair (bigram) similarity in the text similarity.
GRAMS_SHARE = 0.2
# A word's weight from its inverse document frequency (IDF) in jieba's table: (IDF - 3) / 4, at
# least 0.2 and at most 1.5. Words rarer than RARE_IDF (and words the table lacks) weigh the most;
# only the commoner ones are kept in memory (about 20,000 words, 9 MB, instead of 270,000).
RARE_IDF = 9.0
IDF_FILE = "_data/idf.txt"
# How many summaries' terms are kept in memory (a stored sighting is compared with many new ones):
# about 3 KB each, so at most some 25 MB. `make soak` saw 65,536 grow fusion by 50 MB in 15 minutes.
CACHED_SUMMARIES = 8_192

_PLACE = re.compile(r"(\d+)\s*(号楼|号院|栋|幢|座|单元|室|楼|号)")
_PLACE_UNIT = {"号楼": "楼", "栋": "楼", "幢": "楼", "座": "楼", "楼": "楼", "号院": "院", "单元": "单元",
               "室": "室", "号": "室"}
_NOT_TEXT = re.compile(r"[\W_]+", re.UNICODE)


@dataclass(frozen=True)
class Vocabulary:
    """The concepts of ``matters.yaml``: each word's (class, code), and the words to drop."""

    concepts: dict[str, tuple[str, str]]
    labels: dict[str, str]
    ignore: frozenset[str]
    person: re.Pattern[str]

    @classmethod
    def parse(cls, data: dict[str, Any]) -> Vocabulary:
        concepts: dict[str, tuple[str, str]] = {}
        labels: dict[str, str] = {}
        for section, kind in (("matters", "matter"), ("kinds", "kind")):
            for code, words in (data.get(section) or {}).items():
                if not words:
                    raise ValueError(f"{VOCABULARY_FILE}: {section}.{code} has no words")
                labels[code] = _simplified(str(words[0]))
                for word in words:
                    word = normalise(str(word))
                    if word in concepts and concepts[word] != (kind, code):
                        raise ValueError(f"{VOCABULARY_FILE}: {word!r} is a word of both "
                                         f"{concepts[word][1]} and {code}")
                    concepts[word] = (kind, code)
        ignore = frozenset(normalise(str(w)) for w in data.get("ignore") or ())
        clash = sorted(ignore & concepts.keys())
        if clash:
            raise ValueError(f"{VOCABULARY_FILE}: ignored words that are also concepts: {', '.join(clash)}")
        surnames = "".join(str(data.get("surnames") or "").split())
        person = re.compile(f"([{re.escape(surnames)}])某" if surnames else r"(?!)")
        return cls(concepts, labels, ignore, person)


@dataclass(frozen=True)
class Terms:
    """What a summary speaks of: matters, kinds, places, people, other words, character pairs."""

    matters: frozenset[str]
    kinds: frozenset[str]
    places: frozenset[str]
    persons: frozenset[str]
    words: frozenset[str]
    grams: frozenset[str]

    @cached_property
    def vector(self) -> dict[str, float]:
        """The weighted terms, worked out once per summary (its terms are cached)."""
        return self.weighted()

    @cached_property
    def length(self) -> float:
        return math.sqrt(sum(w * w for w in self.vector.values()))

    def weighted(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for kind, terms in (("matter", self.matters), ("kind", self.kinds), ("place", self.places),
                            ("person", self.persons)):
            for term in terms:
                out[f"{kind}:{term}"] = WEIGHTS[kind]
        for word in self.words:
            out[f"word:{word}"] = word_weight(word)
        return out


@dataclass(frozen=True)
class Likeness:
    """How alike two summaries are (0 to 1), and what they share."""

    score: float
    matters: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    persons: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    other_matter: bool = False
    other_person: bool = False


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s.json")


def _simplified(text: str) -> str:
    return _converter().convert(text)


def normalise(text: str) -> str:
    """NFKC (full-width to half-width), traditional to simplified, lower case."""
    return _simplified(unicodedata.normalize("NFKC", text)).lower()


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """The vocabulary of ``matters.yaml``, read once per process."""
    text = files(__package__).joinpath(VOCABULARY_FILE).read_text(encoding="utf-8")
    return Vocabulary.parse(yaml.safe_load(text))


@lru_cache(maxsize=1)
def _tokenizer() -> jieba.Tokenizer:
    """jieba with its dictionary and every vocabulary word it lacks (about a second and 90 MB,
    once per process: :func:`warm_up` at start-up)."""
    logging.getLogger("jieba").setLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    vocab = vocabulary()
    for word in (*vocab.concepts, *vocab.ignore):
        if len(word) > 1 and not tokenizer.FREQ.get(word):
            # Just frequent enough to be cut out whole, not so frequent that it splits the longer
            # words it is part of (纸箱 in 纸箱厂).
            tokenizer.add_word(word)
    return tokenizer


@lru_cache(maxsize=1)
def _common_words() -> dict[str, float]:
    """The IDF of jieba's words commoner than :data:`RARE_IDF`."""
    out: dict[str, float] = {}
    with files("jieba").joinpath(IDF_FILE).open("rb") as table:
        for line in table:
            word, _, idf = line.decode("utf-8").strip().partition(" ")
            if idf and float(idf) < RARE_IDF:
                out[word] = float(idf)
    return out


def word_weight(word: str) -> float:
    """How much a word that is no concept weighs: by its rarity (see :data:`RARE_IDF`)."""
    idf = _common_words().get(word, RARE_IDF)
    return min(1.5, max(0.2, (idf - 3.0) / 4.0))


def warm_up() -> None:
    """Load the vocabulary and the segmenter now, not on the first event."""
    terms_of("网格员反映3号楼燃气泄漏")
    word_weight("燃气")


def _grams(text: str) -> frozenset[str]:
    return frozenset(text[i : i + 2] for i in range(len(text) - 1))


@lru_cache(maxsize=CACHED_SUMMARIES)
def terms_of(summary: str) -> Terms:
    """The terms of a summary (see the module's steps 1–4)."""
    vocab = vocabulary()
    text = normalise(summary)
    places = frozenset(f"{_PLACE_UNIT[unit]}{int(number)}" for number, unit in _PLACE.findall(text))
    text = _PLACE.sub(" ", text)
    persons = frozenset(f"{surname}某" for surname in vocab.person.findall(text))
    text = vocab.person.sub(" ", text)
    matters: set[str] = set()
    kinds: set[str] = set()
    words: set[str] = set()
    kept: list[str] = []
    for word in _tokenizer().lcut(text):
        word = _NOT_TEXT.sub("", word)
        if not word or word in vocab.ignore:
            continue
        concept = vocab.concepts.get(word)
        if concept is not None:
            (matters if concept[0] == "matter" else kinds).add(concept[1])
        elif len(word) > 1 and not word.isdigit():
            words.add(word)
        else:
            continue
        kept.append(word)
    return Terms(frozenset(matters), frozenset(kinds), places, persons, frozenset(words), _grams("".join(kept)))


def similarity(a: str, b: str) -> Likeness:
    """How alike two summaries are (see the module's step 5)."""
    ta, tb = terms_of(a), terms_of(b)
    wa, wb = ta.vector, tb.vector
    shared = wa.keys() & wb.keys()
    norm = ta.length * tb.length
    cosine = sum(wa[t] * wb[t] for t in shared) / norm if norm else 0.0
    other_matter = bool(ta.matters and tb.matters and not ta.matters & tb.matters)
    if other_matter:
        cosine *= OTHER_MATTER
    other_person = bool(ta.persons and tb.persons and not ta.persons & tb.persons)
    if other_person:
        cosine *= OTHER_PERSON
    if ta.places and tb.places and not ta.places & tb.places:
        cosine *= OTHER_PLACE
    grams = 2 * len(ta.grams & tb.grams) / (len(ta.grams) + len(tb.grams)) if ta.grams and tb.grams else 0.0
    score = (1 - GRAMS_SHARE) * cosine + GRAMS_SHARE * grams
    labels = vocabulary().labels
    return Likeness(
        round(min(1.0, score), 4),
        tuple(sorted(labels.get(m, m) for m in ta.matters & tb.matters)),
        tuple(sorted(ta.places & tb.places)),
        tuple(sorted(ta.persons & tb.persons)),
        tuple(sorted(ta.words & tb.words)),
        other_matter,
        other_person,
    )

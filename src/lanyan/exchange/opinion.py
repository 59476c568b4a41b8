"""Public-opinion monitoring (舆情监测) rules: reading a feed and matching its items (pure: no
database, no network; :mod:`lanyan.exchange.opinion_service` fetches, stores and alerts).

A feed is RSS (0.9x/1.0/2.0) or Atom, parsed by ``feedparser`` from bytes the service fetched
(feedparser itself never goes to the network here). A document that is not a feed at all
(``bozo`` with no entries, or no feed version) is :class:`FeedProblem`.

The keyword rule (the platform's own): an item alerts when its title or summary names at
least one **topic word** (火灾, 起火, 爆炸, 冒烟, 消防 … plus the administrator's own) **and**
at least one **place**: a jurisdiction of the region (its full name, or the name without its
suffix 区/县/市/镇/乡/街道 when two or more characters remain), a key unit's name
(重点单位, 火灾高危单位), or a place word the administrator added. A fire elsewhere in the
country does not alert; a local name without fire does not either. The alert is placed in
the jurisdiction of the longest matched place (a unit's: its jurisdiction), else region-wide.

An item is known by its guid, else its link, else its title and time (:func:`item_key`):
the same key never alerts twice.
"""

from __future__ import annotations

import hashlib
from calendar import timegm
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import feedparser

TOPIC_WORDS: tuple[str, ...] = (
    "火灾",
    "起火",
    "着火",
    "失火",
    "火情",
    "爆炸",
    "冒烟",
    "浓烟",
    "燃烧",
    "消防",
)
PLACE_SUFFIXES: tuple[str, ...] = ("街道", "区", "县", "市", "镇", "乡")
MAX_TITLE = 500
MAX_LINK = 1000


class FeedProblem(ValueError):
    """The document is not a readable RSS or Atom feed."""


@dataclass(frozen=True)
class Item:
    guid: str
    link: str
    title: str
    summary: str
    published: datetime | None


@dataclass(frozen=True)
class Feed:
    title: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Rules:
    """Topic words, and place names with the jurisdiction each stands for (None: anywhere)."""

    topics: tuple[str, ...]
    places: dict[str, int | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Match:
    words: tuple[str, ...]  # the topic words, then the places, as found
    jurisdiction_id: int | None


def place_names(name: str) -> list[str]:
    """A jurisdiction's names to look for: ``大丰区`` → ``大丰区``, ``大丰``."""
    out = [name]
    for suffix in PLACE_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            out.append(name[: -len(suffix)])
            break
    return out


def build_rules(
    extra_topics: Iterable[str],
    jurisdictions: Iterable[tuple[str, int]],
    units: Iterable[tuple[str, int]],
    extra_places: Iterable[str],
) -> Rules:
    """The rules from the built-in topic words, the region's jurisdictions and key units
    (name, jurisdiction id) and the administrator's words."""
    topics = tuple(dict.fromkeys([*TOPIC_WORDS, *(w.strip() for w in extra_topics if w.strip())]))
    places: dict[str, int | None] = {}
    for name, jid in jurisdictions:
        for n in place_names(name.strip()):
            places.setdefault(n, jid)
    for name, jid in units:
        if name.strip():
            places[name.strip()] = jid
    for word in extra_places:
        if word.strip():
            places.setdefault(word.strip(), None)
    return Rules(topics, places)


def match(title: str, summary: str, rules: Rules) -> Match | None:
    """The words an item matched, or None when it needs no alert (see the module docstring)."""
    text = f"{title}\n{summary}"
    topics = [w for w in rules.topics if w in text]
    if not topics:
        return None
    places = sorted((p for p in rules.places if p in text), key=lambda p: (-len(p), p))
    if not places:
        return None
    return Match(tuple(topics + places), rules.places[places[0]])


def item_key(item: Item) -> str:
    """SHA-256 of the item's guid, else its link, else its title and time."""
    basis = (
        f"guid:{item.guid}"
        if item.guid
        else f"link:{item.link}"
        if item.link
        else f"title:{item.title}|{item.published.isoformat() if item.published else ''}"
    )
    return hashlib.sha256(basis.encode()).hexdigest()


def _when(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed"):
        parsed = entry.get(key)
        if parsed:
            return datetime.fromtimestamp(timegm(parsed), tz=UTC)
    return None


def parse(body: bytes) -> Feed:
    """The feed's title and items; :class:`FeedProblem` when it is not a feed."""
    doc = feedparser.parse(body)
    entries = list(doc.get("entries") or [])
    if not entries and (doc.get("bozo") or not doc.get("version")):
        reason = doc.get("bozo_exception")
        raise FeedProblem(f"not an RSS or Atom feed: {reason or 'no feed version found'}")
    items = []
    for e in entries:
        title = str(e.get("title") or "").strip()[:MAX_TITLE]
        link = str(e.get("link") or "").strip()[:MAX_LINK]
        if not title and not link:
            continue
        items.append(
            Item(
                guid=str(e.get("id") or "").strip(),
                link=link,
                title=title,
                summary=str(e.get("summary") or ""),
                published=_when(e),
            )
        )
    return Feed(str(doc.get("feed", {}).get("title") or "").strip(), tuple(items))

"""What `check` suggests for a screen, field or control it did not find: the visible elements
of that kind nearest in words, each with a selector for `[locators]` (an id, a name, then its
text), so that a person can point the robot at the right one with one line of settings."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from koss_rpa.pages.lookups import Root
from koss_rpa.pages.words import normalize
from koss_rpa.portal_errors import said

#: How many candidates are shown for one missing thing.
MAX_CANDIDATES = 3

# Visible elements of a kind, with what names them and their markup, shortened; the values of
# fields a person types into are never read.
_CANDIDATES_JS = """(kind) => {
  const kinds = {
    control: 'a, button, input[type=submit], input[type=button], input[type=image], '
      + 'input[type=reset], [role=button], [role=link], [role=menuitem], [onclick]',
    field: 'input:not([type=hidden]):not([type=submit]):not([type=button]):not([type=image])'
      + ':not([type=reset]):not([type=checkbox]):not([type=radio]):not([type=file]), '
      + 'textarea, select',
    screen: 'h1, h2, h3, h4, h5, h6, [role=heading], caption, legend, [class*=title i], b, strong',
  };
  const visible = (e) => e.getClientRects().length > 0
    && getComputedStyle(e).visibility !== 'hidden';
  const all = [...document.querySelectorAll(kinds[kind] || kinds.control)].filter(visible);
  const outer = all.filter((e) => !all.some((o) => o !== e && o.contains(e)));
  const label = (e) => {
    if (kind !== 'field') {
      const img = e.querySelector && e.querySelector('img[alt]');
      return (e.innerText || e.value || e.getAttribute('alt') || e.getAttribute('aria-label')
        || e.getAttribute('title') || (img && img.getAttribute('alt')) || '').trim();
    }
    const byLabel = e.labels && e.labels[0] && e.labels[0].innerText;
    const cell = e.closest('td, dd');
    const before = cell && cell.previousElementSibling && cell.previousElementSibling.innerText;
    return (byLabel || e.getAttribute('aria-label') || before || e.getAttribute('placeholder')
      || '').trim();
  };
  return outer.slice(0, 200).map((e) => {
    const copy = e.cloneNode(true);
    for (const input of [copy, ...copy.querySelectorAll('input, textarea')]) {
      const type = (input.getAttribute && input.getAttribute('type') || '').toLowerCase();
      if (!['submit', 'button', 'image', 'reset'].includes(type) && input.removeAttribute) {
        input.removeAttribute('value');
      }
    }
    if (copy.tagName === 'TEXTAREA') copy.textContent = '';
    return {
      text: label(e).replace(/\\s+/g, ' ').slice(0, 80),
      tag: e.tagName.toLowerCase(),
      id: e.id || '',
      name: e.getAttribute('name') || '',
      html: copy.outerHTML.replace(/\\s+/g, ' ').slice(0, 160),
    };
  });
}"""

_PLAIN_ID = re.compile(r"[A-Za-z][\w-]*")


@dataclass(frozen=True)
class Candidate:
    """An element `check` saw, and a selector that finds it alone (or '' if none did)."""

    text: str
    html: str
    selector: str


def _css_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _selectors(item: dict[str, Any]) -> list[str]:
    """Ways to point at `item`, the most stable first: its id, its name, its text."""
    found = []
    if item["id"]:
        found.append(
            f"css=#{item['id']}"
            if _PLAIN_ID.fullmatch(item["id"])
            else f"css=[id={_css_string(item['id'])}]"
        )
    if item["name"]:
        found.append(f"css={item['tag']}[name={_css_string(item['name'])}]")
    if item["text"] and "\n" not in item["text"]:
        found.append(f"text={_css_string(item['text'])}")
    return found


async def candidates(root: Root, kind: str, words: str) -> list[Candidate]:
    """Up to `MAX_CANDIDATES` visible elements of `kind` ("control", "menu", "field",
    "screen", "text") nearest in words to `words`, each with the first selector that finds
    it alone. Never raises: a page that cannot say gives none."""
    js_kind = {"menu": "control", "text": "screen"}.get(kind, kind)
    items: list[dict[str, Any]] = await said(root.evaluate(_CANDIDATES_JS, js_kind), [])
    wanted = normalize(words)

    def nearness(item: dict[str, Any]) -> float:
        return difflib.SequenceMatcher(None, wanted, normalize(item["text"])).ratio()

    ranked = sorted(items, key=nearness, reverse=True)[:MAX_CANDIDATES]
    found = []
    for item in ranked:
        selector = ""
        for way in _selectors(item):
            if await said(root.locator(way).count(), 0) == 1:
                selector = way
                break
        found.append(Candidate(item["text"], item["html"], selector))
    return found

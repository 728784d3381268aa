"""Pages between the manual's steps, which the manual does not show: a page between
まとめ納付管理ファイル and the file (「ダウンロードを開始します… 開始されない場合はこちら」),
and the way back to the マイページ from a page without 終了.

Their words are unknown, so their controls are found by what they are: the controls on display
(links, buttons, inputs that submit, anything with a role or an onclick), outermost only, that are
neither the site's header, footer or navigation nor a control the マイページ had as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playwright.async_api import Locator

from koss_rpa.pages.lookups import Root
from koss_rpa.pages.words import normalize

#: CSS, not words: the words of a page nobody named are unknown; what makes these controls is
#: their kind.
CLICKABLE_CSS = (
    "a[href], button, area[href], input[type=submit], input[type=button], input[type=image], "
    "[role=button], [role=link], [onclick]"
)
#: Words that lead back to the マイページ (contained in a control's words).
BACK_WORDS = ("戻る", "マイページ")

_CONTROLS_JS = """([css]) => {
  const chrome = 'header, footer, nav, [role=banner], [role=contentinfo], [role=navigation]';
  const all = [...document.querySelectorAll(css)];
  const words = (e) => (e.innerText || e.value || e.getAttribute('alt')
    || e.getAttribute('aria-label') || e.getAttribute('title')
    || (e.querySelector('img[alt]') || {}).alt || '').trim();
  const target = (e) => e.href || (e.form ? e.form.action : '') || '';
  const shown = (e) => e.getClientRects().length > 0
    && getComputedStyle(e).visibility !== 'hidden';
  const controls = [];
  all.forEach((e, index) => {
    if (!shown(e) || all.some((o) => o !== e && o.contains(e))) return;
    controls.push({index, words: words(e), target: String(target(e)),
      chrome: e.closest(chrome) !== null,
      html: e.outerHTML.replace(/\\s+/g, ' ').slice(0, 120)});
  });
  const meta = document.querySelector('meta[http-equiv="refresh" i]');
  let refresh = null;
  if (meta) {
    const m = /^\\s*(\\d+(?:\\.\\d+)?)\\s*(?:[;,]\\s*(?:url\\s*=\\s*)?['"]?([^'"]*))?/i
      .exec(meta.getAttribute('content') || '');
    if (m) refresh = [parseFloat(m[1]), m[2] ? new URL(m[2], location.href).href : ''];
  }
  return [controls, refresh];
}"""


@dataclass(frozen=True)
class Seen:
    """A control on display: where it is among `CLICKABLE_CSS`, its words, where it leads."""

    index: int
    words: str
    target: str
    chrome: bool
    html: str

    @property
    def signature(self) -> tuple[str, str]:
        return normalize(self.words), self.target

    @property
    def leads_back(self) -> bool:
        return any(word in normalize(self.words) for word in BACK_WORDS)


@dataclass(frozen=True)
class Controls:
    """The controls of a page, and its meta refresh (delay in seconds, URL) if any."""

    seen: list[Seen]
    refresh: tuple[float, str] | None


async def controls(root: Root) -> Controls:
    """The controls on display in `root`'s document now."""
    result: Any = await root.evaluate(_CONTROLS_JS, [CLICKABLE_CSS])
    found, refresh = result
    seen = [Seen(c["index"], c["words"], c["target"], c["chrome"], c["html"]) for c in found]
    return Controls(seen, (float(refresh[0]), str(refresh[1])) if refresh else None)


def locate(root: Root, control: Seen) -> Locator:
    return root.locator(CLICKABLE_CSS).nth(control.index)


def file_control(page: Controls, before: Controls | None) -> list[Seen]:
    """The candidates for the control that gives the file on a page between: the page's own
    controls (not the site's chrome, not on the マイページ before, not leading back); the one the
    meta refresh leads to, if one does."""
    known = {c.signature for c in before.seen} if before else set()
    own = [c for c in page.seen if not c.chrome and not c.leads_back and c.signature not in known]
    if page.refresh and page.refresh[1]:
        same = [c for c in own if c.target == page.refresh[1]]
        if len(same) == 1:
            return same
    return own


def back_control(page: Controls) -> Seen | None:
    """The page's link back to the マイページ (its words say マイページ or 戻る), if any."""
    return next((c for c in page.seen if c.leads_back), None)

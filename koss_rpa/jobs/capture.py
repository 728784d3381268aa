"""`--capture DIR`: every screen as the browser saw it after load, sanitised, with a manifest.

The page's DOM is serialised in the page at its `load` event (an init script hands it to
Python through a binding), so nothing the robot types later is in it and no race with the next
click can change it. Everything stays in memory until the run ends; then each screen is
sanitised (`evidence.sanitise`) with everything the run learnt (the 利用者情報, the settings'
ID, the passwords, the cookies) and written with `manifest.json`. Cookies are never written.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from bs4 import BeautifulSoup
from playwright.async_api import BrowserContext

from koss_rpa.errors import CaptureDirNotEmpty, FolderNotWritable
from koss_rpa.evidence.sanitise import Known, leaks, learn, normalise, sanitise, sanitise_text
from koss_rpa.i18n import _
from koss_rpa.portal_errors import tolerated

if TYPE_CHECKING:
    from koss_rpa.flows.runtime import Runtime
    from koss_rpa.jobs.runner import Job

log = logging.getLogger("koss_rpa.jobs.capture")
R = TypeVar("R")

MANIFEST = "manifest.json"
COOKIE_MIN_LENGTH = 8
FORMAT = 1
_BINDING = "__kossCapture"
_INIT_SCRIPT = (
    """(() => {
  const send = () => {
    try {
      const doctype = document.doctype
        ? new XMLSerializer().serializeToString(document.doctype) + "\\n" : "";
      window.__BINDING__({
        html: doctype + document.documentElement.outerHTML,
        url: location.href,
        title: document.title,
        charset: document.characterSet,
      });
    } catch (e) { /* a page without a document element: nothing to keep */ }
  };
  if (document.readyState === "complete") { send(); }
  else { window.addEventListener("load", send, { once: true }); }
})();"""
).replace("__BINDING__", _BINDING)

#: (screen key, the manual's name, the words that tell it), in the order they are tried: a
#: screen's words may stand on a later one too (パスワード変更 is a link on the login screen).
SCREENS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("password_result", "パスワード変更結果通知", ("正常に変更されました",)),
    ("password_change", "パスワード変更", ("新しいパスワード",)),
    ("login", "マイページログイン", ("納付利用者パスワード",)),
    ("mypage", "マイページ", ("まとめ納付管理ファイル",)),
    ("reset", "パスワード初期化", ("利用者管理用メールアドレス",)),
    ("top", "ポータルサイト", ("事前の準備が整った方",)),
    ("maintenance", "メンテナンス", ("メンテナンス",)),
)


def classify(html_text: str) -> tuple[str, str]:
    """(screen key, the manual's name) of a page, by the words it shows; ("page", title)."""
    soup = BeautifulSoup(html_text, "html.parser")
    for hidden in soup.find_all(["script", "style", "template"]):
        hidden.decompose()
    # Words may stand in images (an alt) and buttons (a value) as well as in text.
    alts = [str(t.get("alt", "")) for t in soup.find_all(["img", "input", "area"])]
    values = [str(t.get("value", "")) for t in soup.find_all("input", type=["submit", "button"])]
    words = normalise(" ".join([soup.get_text(), *alts, *values]))
    for key, name, telling in SCREENS:
        if all(normalise(w) in words for w in telling):
            return key, name
    title = soup.title.get_text(strip=True) if soup.title else ""
    return "page", title


@dataclass
class RawScreen:
    """A screen as captured, in memory only, not yet sanitised."""

    html: str
    url: str
    title: str
    charset: str
    frame: str
    at: datetime


@dataclass
class Capturer:
    """Collects the screens of a run's browser contexts; `write()` sanitises and saves them."""

    folder: Path
    known: Known = field(default_factory=Known)
    screens: list[RawScreen] = field(default_factory=list)

    async def attach(self, context: BrowserContext) -> None:
        """Capture every document that loads in `context` from now on (frames too)."""

        async def receive(source: dict[str, Any], data: dict[str, Any]) -> None:
            url = str(data.get("url", ""))
            if not url.startswith(("http://", "https://")):
                return  # about:blank, chrome-error://: no screen of the portal
            frame = source.get("frame")
            top = frame is None or frame.parent_frame is None
            self.screens.append(
                RawScreen(
                    html=str(data.get("html", "")),
                    url=url,
                    title=str(data.get("title", "")),
                    charset=str(data.get("charset", "")),
                    frame="main" if top else "child",
                    at=datetime.now(UTC),
                )
            )
            with tolerated():  # the context is closing: its cookies are of no use then
                for cookie in await context.cookies():
                    value = cookie.get("value", "")
                    if len(value) >= COOKIE_MIN_LENGTH:  # a session id, not a "1" or a "ja"
                        self.known.add_secret(value)

        await context.expose_binding(_BINDING, receive)
        await context.add_init_script(_INIT_SCRIPT)

    def write(self) -> list[dict[str, Any]]:
        """Sanitise every screen and write it with `manifest.json`; returns the manifest's
        screens. A screen in which a secret or a personal value survived sanitising is left out
        (and the manifest says so)."""
        for screen in self.screens:
            learn(screen.html, self.known)
        entries: list[dict[str, Any]] = []
        seen: dict[str, int] = {}
        for screen in self.screens:
            key, name = classify(screen.html)
            seen[key] = seen.get(key, 0) + 1
            file_name = f"{len(entries) + 1:02d}-{key}.html"
            clean = sanitise(screen.html, self.known)
            parts = urlsplit(screen.url)
            entry: dict[str, Any] = {
                "screen": key,
                "name": sanitise_text(name, self.known),
                "file": file_name,
                "path": sanitise_text(parts.path or "/", self.known),
                "title": sanitise_text(screen.title, self.known),
                "captured_at": screen.at.isoformat(timespec="seconds"),
                "frame": screen.frame,
                "charset": screen.charset,
                "first": seen[key] == 1,
            }
            if leaks(clean, self.known.secrets | self.known.long_values()):
                log.warning("capture: %s withheld, a secret survived sanitising", file_name)
                entry["file"], entry["withheld"] = None, True
            else:
                (self.folder / file_name).write_text(clean, encoding="utf-8")
            entries.append(entry)
        manifest = {
            "format": FORMAT,
            "tool": "koss-rpa capture",
            "captured_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "screens": entries,
        }
        text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
        (self.folder / MANIFEST).write_text(text, encoding="utf-8")
        return entries


def prepare_folder(folder: Path, *, force: bool) -> Path:
    """Check DIR before any browser starts: it must be empty (or `force`) and writable.

    Raises:
        CaptureDirNotEmpty: DIR holds files and `force` is not given (exit 2).
        FolderNotWritable: DIR cannot be created or written (exit 6).
    """
    folder = folder.expanduser()
    if folder.exists() and not folder.is_dir():
        raise FolderNotWritable(
            _("The capture folder {folder} is a file, not a folder.").format(folder=folder)
        )
    if folder.is_dir() and any(folder.iterdir()):
        if not force:
            raise CaptureDirNotEmpty(
                _(
                    "The capture folder {folder} is not empty; choose an empty one, "
                    "or add --force to replace the capture in it."
                ).format(folder=folder)
            )
        for old in [*folder.glob("*.html"), folder / MANIFEST]:
            if re.fullmatch(r"\d+-[a-z_]+\.html|manifest\.json", old.name):
                old.unlink(missing_ok=True)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".koss-write-test-")
        os.close(fd)
        Path(probe).unlink()
    except OSError as exc:
        raise _not_writable(folder, exc) from exc
    return folder


def _not_writable(folder: Path, exc: OSError) -> FolderNotWritable:
    return FolderNotWritable(
        _("The capture folder {folder} cannot be written: {error}").format(
            folder=folder, error=exc.strerror or exc
        )
    )


def learn_run(capturer: Capturer, rt: Any, user_id: str, result: Any = None) -> None:
    """Everything a run knows that a capture must leave out: the ID, the stored passwords,
    the secrets of the run folder's redactor, the 利用者情報 a job read."""
    capturer.known.add("納付利用者ID", user_id)
    for secret in rt.folder.redactor.secrets:
        capturer.known.add_secret(secret)
    for slot in (rt.store.current, rt.store.pending, rt.store.previous):
        value = slot(user_id)
        if value is not None:
            capturer.known.add_secret(value.get_secret_value())
    if result is not None:
        capturer.known.add_table(getattr(result, "user_info", None) or {})
        for row in getattr(result, "direct_payment_accounts", None) or []:
            capturer.known.add_table(row)


def capturing(job: Job[R], folder: Path) -> Job[R]:
    """`job` with every screen of its browser contexts captured into `folder` (already
    checked by `prepare_folder`); the capture is written whether the job succeeds or not."""

    async def run(rt: Runtime, user_id: str) -> R:
        capturer = Capturer(folder)
        rt.context_hooks.append(capturer.attach)

        async def save(result: Any) -> None:
            learn_run(capturer, rt, user_id, result)
            await asyncio.to_thread(capturer.write)

        try:
            result = await job(rt, user_id)
        except BaseException:
            try:  # what the run saw up to its failure is worth keeping too
                await save(None)
            except OSError as exc:
                log.warning("capture: could not be written: %s", exc)
            raise
        try:
            await save(result)
        except OSError as exc:
            raise _not_writable(folder, exc) from exc
        return result

    return run

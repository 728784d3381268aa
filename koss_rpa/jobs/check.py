"""`koss-rpa check`: a read-only look at the live portal, screen by screen, control by control.

Without login it opens `portal_url`, walks the menu to the マイページログイン and probes every
lookup the page objects need (`Screen.lookups()`): found, ambiguous or missing, and the way it
was found. With `login=True` it logs in through the normal sign-in (the login budget applies,
an expired password is reported, never changed), probes the マイページ, downloads nothing and
presses 終了.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from koss_rpa.errors import ScreenNotReached
from koss_rpa.flows.download import close_quietly
from koss_rpa.flows.retry import attempts
from koss_rpa.flows.runtime import AccountRun, Runtime
from koss_rpa.flows.session import AccountSession
from koss_rpa.flows.signin import sign_in
from koss_rpa.i18n import _
from koss_rpa.pages import LoginPage, PortalTopPage, overrides
from koss_rpa.pages.candidates import Candidate, candidates
from koss_rpa.pages.lookups import Probe
from koss_rpa.pages.screen import Screen

FOUND = "found"
#: The way of a menu item that was hidden until its drop-down opened, and that the walk used.
WALKED = "menu walk"


def screen_name(screen: Screen) -> str:
    return screen.name


async def probes_of(screen: Screen) -> list[Probe]:
    """Every lookup of `screen` (its name, then each field and control the job uses), probed
    where it stands (a probe never raises)."""
    return [await lookup.probe() for lookup in screen.lookups()]


@dataclass
class ScreenCheck:
    """One screen: whether it was reached, and every lookup's probe."""

    screen: str
    reached: bool
    probes: list[Probe] = field(default_factory=list)
    #: For each lookup missing (by its words): what was seen instead, nearest first.
    suggestions: dict[str, list[Candidate]] = field(default_factory=dict)

    def locators_line(self, words: str) -> str | None:
        """The `[locators]` line for the first suggestion that has a selector, if any."""
        for candidate in self.suggestions.get(words, []):
            if candidate.selector:
                return overrides.toml_line(self.screen, words, candidate.selector)
        return None

    @property
    def ok(self) -> bool:
        return self.reached and all(p.state == FOUND for p in self.probes)

    def to_json(self) -> dict[str, Any]:
        return {
            "screen": self.screen,
            "reached": self.reached,
            "ok": self.ok,
            "lookups": [
                {
                    "what": p.what,
                    "words": p.words,
                    "state": p.state,
                    "how": list(p.how),
                    "count": p.count,
                    **(
                        {
                            "candidates": [
                                {"text": c.text, "html": c.html, "selector": c.selector}
                                for c in self.suggestions[p.words]
                            ],
                            "locators_line": self.locators_line(p.words),
                        }
                        if p.words in self.suggestions
                        else {}
                    ),
                }
                for p in self.probes
            ],
        }


@dataclass
class CheckReport:
    """What `check` saw. `user_info` and `direct_payment_accounts` (read only with `--login`)
    serve a capture's sanitising and are never printed or put in the JSON."""

    portal_url: str
    logged_in: bool = False
    screens: list[ScreenCheck] = field(default_factory=list)
    user_info: dict[str, str] = field(default_factory=dict, repr=False)
    direct_payment_accounts: list[dict[str, str]] = field(default_factory=list, repr=False)

    @property
    def ok(self) -> bool:
        return bool(self.screens) and all(s.ok for s in self.screens)

    def problems(self) -> list[str]:
        """Each screen not reached and each lookup not found, in the manual's words."""
        found: list[str] = []
        for screen in self.screens:
            if not screen.reached:
                found.append(_("{screen}: not reached").format(screen=screen.screen))
            for p in screen.probes:
                if p.state != FOUND and screen.reached:
                    found.append(f"{screen.screen}: {p.words} ({state_text(p.state)})")
        return found

    def to_json(self) -> dict[str, Any]:
        return {
            "portal_url": self.portal_url,
            "logged_in": self.logged_in,
            "ok": self.ok,
            "problems": self.problems(),
            "screens": [s.to_json() for s in self.screens],
        }


def state_text(state: str) -> str:
    return {"found": _("found"), "ambiguous": _("ambiguous"), "missing": _("missing")}.get(
        state, state
    )


MARKS = {"found": "✓", "ambiguous": "?", "missing": "✗"}


def kind_text(what: str) -> str:
    return {
        "screen": _("screen"),
        "field": _("field"),
        "control": _("control"),
        "text": _("text"),
    }.get(what, what)


async def probe_screen(screen: Screen, reached: bool = True) -> ScreenCheck:
    """Every lookup of `screen`, probed where it stands (a probe never raises); for each one
    missing, the elements nearest in words (for a screen not reached, only for its name)."""
    probes = await probes_of(screen)
    suggestions = {
        p.words: await candidates(screen.root, p.what, p.words)
        for p in probes
        if p.state == "missing" and (reached or p.what == "screen")
    }
    return ScreenCheck(screen_name(screen), reached, probes, suggestions)


async def _after_walk(top: PortalTopPage, before: ScreenCheck, url: str) -> ScreenCheck:
    """The top page's probes once its menu has been walked. A drop-down's items are hidden
    until it opens, so a probe before the walk may miss them: they are probed again on the
    opened menu (when the login screen came in a window of its own); an item the walk clicked
    but that cannot be probed any more (the window went on to the login screen) is reported
    as found by the walk."""
    after = before
    if not top.page.is_closed() and top.page.url == url:
        after = await probe_screen(top)
    probes = []
    for old, new in zip(before.probes, after.probes, strict=True):
        best = new if new.state == FOUND or old.state != FOUND else old
        how = top.walked.get(best.words)
        if best.state == "missing" and best.what != "screen":
            walked = f"{WALKED}: {how}" if how else WALKED
            best = Probe(best.what, best.words, "found", (walked,), 1)
        elif how and best.state == FOUND:  # how the walk passed it (docs: "say how")
            best = dataclasses.replace(best, how=(*best.how, f"{WALKED}: {how}"))
        probes.append(best)
    missing = {p.words for p in probes if p.state == "missing"}
    suggestions = {**before.suggestions, **after.suggestions}
    return ScreenCheck(
        before.screen, True, probes, {w: c for w, c in suggestions.items() if w in missing}
    )


async def _reach(screen: Screen) -> bool:
    try:
        await screen.wait_displayed()
    except ScreenNotReached:
        return False
    return True


async def _walk(rt: Runtime, session: AccountSession, report: CheckReport, login: bool) -> None:
    if rt.settings.login_url:
        page = await session.new_page()
        await page.goto(rt.settings.login_url)
        login_page = LoginPage(page)
    else:
        page = await session.new_page()
        rt.step(None, "open", _("Opening the portal and its menu…"))
        await page.goto(str(rt.settings.portal_url))
        top = PortalTopPage(page)
        reached = await _reach(top)
        before = await probe_screen(top, reached)
        report.screens.append(before)
        if not reached:
            return
        try:
            login_page = await top.open_user_info()
        except ScreenNotReached:
            report.screens.append(await probe_screen(LoginPage(page), reached=False))
            return
        report.screens[-1] = await _after_walk(top, before, page.url)
    reached = await _reach(login_page)
    report.screens.append(await probe_screen(login_page, reached))
    if not (reached and login):
        return
    # The normal sign-in, never a password change: an expired password stops it (exit 14).
    settings = rt.settings.model_copy(update={"on_expired": "fail"})
    signed = await sign_in(dataclasses.replace(rt, settings=settings), session)
    report.logged_in = True
    mypage = signed.mypage
    report.screens.append(await probe_screen(mypage, await _reach(mypage)))
    report.user_info = await mypage.user_info()
    report.direct_payment_accounts = await mypage.direct_payment_accounts()
    session.step("close", _("Pressing 終了…"))
    await close_quietly(mypage)


async def run_check(rt: Runtime, user_id: str, *, login: bool = False) -> CheckReport:
    """Probe the portal's screens; transient faults are retried as in every job."""
    report = CheckReport(str(rt.settings.portal_url))
    async for attempt in attempts(rt, AccountRun(user_id)):
        async with attempt as session:
            report.screens.clear()
            report.logged_in = False
            await _walk(rt, session, report, login)
    return report

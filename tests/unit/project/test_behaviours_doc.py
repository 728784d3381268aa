"""docs/markup.md's table of behaviours says what the code does: its waits and its variants."""

from __future__ import annotations

import re
from pathlib import Path

from koss_rpa.pages.dialogs import OWN_CLICK_SECONDS
from koss_rpa.pages.mypage import AUTO_START_SECONDS
from koss_rpa.pages.portal_top import HIDDEN_LINK_WAIT_MS
from mock_portal import variants

DOC = Path(__file__).resolve().parents[3] / "docs" / "markup.md"


def _section() -> str:
    return DOC.read_text("utf-8").split("## Behaviours", 1)[1].split("\n## ", 1)[0]


def test_behaviours_table_should_quote_the_codes_waits() -> None:
    text = _section()
    assert f"within {OWN_CLICK_SECONDS:g} s of its own click" in text
    assert f"up to {AUTO_START_SECONDS:g} s more" in text
    assert f"after {HIDDEN_LINK_WAIT_MS / 1000:g} s" in text


def test_behaviours_table_should_name_every_behaviour_variant() -> None:
    named = set(re.findall(r"`(\w+)`", _section()))
    behaviours = {v.name for v in variants.BY_NAME.values() if v.behaviour}
    assert behaviours <= named
    assert {v.name for v in variants.BY_NAME.values() if v.download_page} <= behaviours

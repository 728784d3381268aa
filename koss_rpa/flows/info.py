"""Read the マイページ's 利用者情報 and 国庫金ダイレクト納付口座情報 tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from koss_rpa.flows.closing import close_quietly
from koss_rpa.flows.retry import attempts
from koss_rpa.flows.runtime import AccountRun, Runtime
from koss_rpa.flows.signin import sign_in
from koss_rpa.i18n import _


@dataclass
class AccountInfo:
    user_id: str
    user_info: dict[str, str] = field(default_factory=dict)
    direct_payment_accounts: list[dict[str, str]] = field(default_factory=list)
    rotated: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "利用者情報": self.user_info,
            "国庫金ダイレクト納付口座情報": self.direct_payment_accounts,
            "rotated": self.rotated,
        }


async def read_info(rt: Runtime, user_id: str) -> AccountInfo:
    run = AccountRun(user_id)
    info = AccountInfo(user_id)
    async for attempt in attempts(rt, run):
        async with attempt as session:
            signed = await sign_in(rt, session)
            session.step("info", _("Reading the 利用者情報…"))
            info.user_info = await signed.mypage.user_info()
            info.direct_payment_accounts = await signed.mypage.direct_payment_accounts()
            await close_quietly(signed.mypage, run, rt.navigation_timeout_ms)
    info.rotated = run.rotated
    return info

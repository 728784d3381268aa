"""One class per screen of the manual (docs/reference/, docs/architecture.md: pages)."""

from koss_rpa.pages.login import LoginPage
from koss_rpa.pages.mypage import MyPage
from koss_rpa.pages.password_change import PasswordChangePage
from koss_rpa.pages.password_result import PasswordResultPage
from koss_rpa.pages.portal_top import PortalTopPage
from koss_rpa.pages.screen import Screen

__all__ = [
    "LoginPage",
    "MyPage",
    "PasswordChangePage",
    "PasswordResultPage",
    "PortalTopPage",
    "Screen",
]

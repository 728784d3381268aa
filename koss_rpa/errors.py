"""The one exception tree of koss-rpa.

```
KossError                         exit 1 unless a subclass says otherwise
├── ConfigError                   fatal before any browser starts                 3
│   ├── SettingsInvalid           a setting or the config file is wrong           3
│   │   └── CaptureDirNotEmpty    capture: the folder holds files, no --force     3
│   ├── BrowserNotFound           no Chromium / Edge / Chrome to drive            4
│   ├── KeyringUnavailable        no usable keyring backend                       5
│   ├── FolderNotWritable         a folder or file koss-rpa writes cannot be      6
│   │   │                         written (run_dir, its state folder, a report)
│   │   └── DownloadDirNotWritable  the download folder (or an account's or month's
│   │       │                     folder in it) cannot be written                 6
│   │       └── ScheduleNotWritable  the crontab / unit / task / agent cannot be written 6
│   ├── PortalUnreachable         the preflight could not reach the portal       7
│   └── ComponentMissing          an optional part is not installed (pip extra)   8
├── BusinessError                 never retried
│   ├── LoginRejected             wrong ID or password                            10
│   ├── AccountLocked             the portal locked the account                   11
│   ├── PasswordRejected          the portal refused the new password             12
│   ├── CredentialsMissing        no password in the keyring for the ID           13
│   ├── PasswordExpired           expired and the expiry setting is `fail`        14
│   ├── RunLocked                 another run holds this account's lock           15
│   ├── AnswerUnrecognised        the answer to a password was no known screen   16
│   └── LoginBudgetSpent          unconfirmed password submissions at the budget  17
└── TransientError                retried with back-off; exit codes 20–29
    ├── PortalUnavailable         time-out, 5xx, dropped connection               20
    ├── Maintenance               the portal's maintenance page                   21
    ├── ScreenNotReached          an unexpected screen                            22
    │   └── ControlMissing        the screen lacks a control (two: not retried)   22
    │       └── PortalChanged     check: a screen or control missing/ambiguous    22
    └── DownloadIncomplete        an empty, truncated or HTML "download"          23
```
Exit codes of commands, not of errors: 31 `status` found an account that needs attention (no file
of this month, a password that needs a person, a failed last run); 32 `notify test` could not
reach every target; 30 a batch in which some account failed; 130 Ctrl-C, 143 SIGTERM, 129 SIGHUP
(stopped as Ctrl-C stops a run).

Every error has a stable `code` (for reports and scripts) and an `exit_code`; its message is
meant for the person in the dealer's office and says what to do.
"""

from __future__ import annotations

from typing import ClassVar

from koss_rpa.i18n import _


class KossError(Exception):
    """Base of every error koss-rpa raises on purpose."""

    code: ClassVar[str] = "error"
    exit_code: ClassVar[int] = 1
    #: For a state the person is told of once (a lock, a spent budget): which, and since when.
    told_key: tuple[str, str] | None = None

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(KossError):
    """Fatal before any browser starts."""

    code = "config"
    exit_code = 3


class SettingsInvalid(ConfigError):
    code = "settings_invalid"
    exit_code = 3


class CaptureDirNotEmpty(SettingsInvalid):
    code = "capture_dir_not_empty"
    exit_code = 3


class BrowserNotFound(ConfigError):
    code = "browser_not_found"
    exit_code = 4


class KeyringUnavailable(ConfigError):
    code = "keyring_unavailable"
    exit_code = 5


class FolderNotWritable(ConfigError):
    code = "folder_not_writable"
    exit_code = 6


class DownloadDirNotWritable(FolderNotWritable):
    code = "download_dir_not_writable"
    exit_code = 6


class ScheduleNotWritable(DownloadDirNotWritable):
    """`koss-rpa schedule`: no permission to write the crontab, unit files, task or agent."""

    code = "schedule_not_writable"
    exit_code = 6


class PortalUnreachable(ConfigError):
    code = "portal_unreachable"
    exit_code = 7


class ComponentMissing(ConfigError):
    """A command needs a part of koss-rpa that is installed only with an extra (`[mock]`)."""

    code = "component_missing"
    exit_code = 8


class BusinessError(KossError):
    """A refusal by the portal or the set-up: retrying would not help and might lock the account."""

    code = "business"
    exit_code = 10


class LoginRejected(BusinessError):
    code = "login_rejected"
    exit_code = 10


class AccountLocked(BusinessError):
    code = "account_locked"
    exit_code = 11


class PasswordRejected(BusinessError):
    code = "password_rejected"
    exit_code = 12


class CredentialsMissing(BusinessError):
    code = "credentials_missing"
    exit_code = 13


class PasswordExpired(BusinessError):
    code = "password_expired"
    exit_code = 14


class RunLocked(BusinessError):
    code = "run_locked"
    exit_code = 15


class AnswerUnrecognised(BusinessError):
    """After a password was submitted the portal showed none of the screens that can follow.

    Never retried: had the password been wrong, a retry would walk it into the lock-out.
    """

    code = "answer_unrecognised"
    exit_code = 16


class LoginBudgetSpent(BusinessError):
    """The account's password submissions that the portal did not confirm reached the budget."""

    code = "login_budget_spent"
    exit_code = 17


class TransientError(KossError):
    """A passing fault of the portal or the network: retried with back-off, then reported."""

    code = "transient"
    exit_code = 20
    #: Whether another attempt may help (two controls of one name will be two again).
    retryable: bool = True


class PortalUnavailable(TransientError):
    code = "portal_unavailable"
    exit_code = 20


class Maintenance(TransientError):
    code = "maintenance"
    exit_code = 21


class ScreenNotReached(TransientError):
    code = "screen_not_reached"
    exit_code = 22

    def __init__(self, expected: str, seen: str) -> None:
        super().__init__(
            _("Expected the screen {expected}, but the portal showed {seen}.").format(
                expected=expected, seen=seen
            )
        )
        self.expected = expected
        self.seen = seen


class ControlMissing(ScreenNotReached):
    """The screen is on display but lacks a control the job needs (retried like any screen
    not reached: a page cut short looks the same), or has two of it: the portal has changed,
    and that is not retried."""

    code = "control_missing"
    exit_code = 22

    def __init__(self, screen: str, words: str, seen: str, *, ambiguous: bool = False) -> None:
        KossError.__init__(
            self,
            _("The screen {screen} has no usable 「{words}」 ({seen}).").format(
                screen=screen, words=words, seen=seen
            ),
        )
        self.expected = f"{screen}: {words}"
        self.seen = seen
        self.screen = screen
        self.words = words
        self.retryable = not ambiguous


class PortalChanged(ControlMissing):
    """`koss-rpa check` found screens or controls missing or ambiguous (named in the message)."""

    code = "portal_changed"
    exit_code = 22

    def __init__(self, message: str) -> None:
        KossError.__init__(self, message)
        self.expected = message
        self.seen = ""
        self.screen = ""
        self.words = ""
        self.retryable = False


class DownloadIncomplete(TransientError):
    code = "download_incomplete"
    exit_code = 23


#: Exit codes not tied to one error class, documented with the rest in the README.
EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_STATUS_ATTENTION = 31
EXIT_NOTIFY_FAILED = 32
EXIT_BATCH_PARTIAL = 30
EXIT_INTERRUPTED = 130
#: 128 + the signal, as a shell reports it: SIGHUP (the terminal closed), SIGTERM (a
#: scheduler's time-out, `systemctl stop`, `kill`). Handled as Ctrl-C.
EXIT_SIGHUP = 129
EXIT_SIGTERM = 143

ALL_ERRORS: tuple[type[KossError], ...] = (
    KossError,
    ConfigError,
    SettingsInvalid,
    CaptureDirNotEmpty,
    BrowserNotFound,
    KeyringUnavailable,
    FolderNotWritable,
    DownloadDirNotWritable,
    ScheduleNotWritable,
    PortalUnreachable,
    ComponentMissing,
    BusinessError,
    LoginRejected,
    AccountLocked,
    PasswordRejected,
    CredentialsMissing,
    PasswordExpired,
    RunLocked,
    AnswerUnrecognised,
    LoginBudgetSpent,
    TransientError,
    PortalUnavailable,
    Maintenance,
    ScreenNotReached,
    ControlMissing,
    PortalChanged,
    DownloadIncomplete,
)

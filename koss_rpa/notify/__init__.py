"""Telling people what needs them: apprise targets and an optional command. Never a password.

What to say is `messages` (one builder per event, in the user's language); where it goes is
`targets` (the apprise URLs: the settings', the keyring's, the webhook) and `command`
(`notify_command`); `sent` remembers what was told on which day; `delivery` sends a message to
every target and holds what flows and jobs call. A new kind of target is a module beside
`targets` and `command`, called from `delivery.send`.

Events (`notify_on`):

| event          | when                                                                  |
|----------------|-----------------------------------------------------------------------|
| `needs_person` | exit 10–15: wrong password, locked, refused new password, no password, |
|                | expired with `on_expired = "fail"`, a run lock / spent login budget   |
| `failed`       | exit 20–23 after every retry (and internal errors)                    |
| `drift`        | the portal's screens changed (`send_drift`, for a check command)      |
| `rotated`      | the password was changed                                              |
| `saved`        | a file was saved (off by default)                                     |
| `batch`        | a batch's summary                                                     |

A problem (`needs_person`, `failed`, `drift`, and a batch summary with the same failures) is told
once per account, problem and day (JST). A target that fails is reported back to the caller
(stderr, the batch report), never raised. The package takes `settings.NotifyConfig`
(`Settings.notify_config()`), never the whole settings.
"""

"""The retry policy: transient errors retried with back-off (tenacity), business errors never;
`attempts()` gives each attempt of an account's job its own session."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from tenacity import (
    AsyncRetrying,
    AttemptManager,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential_jitter,
)

from koss_rpa.errors import TransientError
from koss_rpa.flows.runtime import AccountRun, Runtime
from koss_rpa.flows.session import AccountSession, account_session
from koss_rpa.i18n import _
from koss_rpa.pages import overrides

log = logging.getLogger("koss_rpa.flows")


def _retryable(error: BaseException) -> bool:
    return isinstance(error, TransientError) and error.retryable


def retrying(rt: Runtime, account: AccountRun) -> AsyncRetrying:
    """Transient errors are retried with exponential back-off and jitter, bounded in attempts
    and total time; business errors go straight through."""
    policy = rt.settings.retry

    def before_sleep(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        reason = f"{getattr(error, 'code', 'error')}: {error}"
        account.retry_reasons.append(reason)
        wait = state.next_action.sleep if state.next_action else 0.0
        log.warning(
            "%s: attempt %d failed (%s); retrying in %.1f s",
            account.user_id,
            state.attempt_number,
            reason,
            wait,
        )
        rt.step(
            account.user_id,
            "retry",
            _("Attempt {n} failed ({reason}); trying again in {seconds:.0f} s.").format(
                n=state.attempt_number, reason=getattr(error, "code", "error"), seconds=wait
            ),
        )

    return AsyncRetrying(
        retry=retry_if_exception(_retryable),
        stop=stop_after_attempt(policy.attempts) | stop_after_delay(policy.max_seconds),
        wait=wait_exponential_jitter(
            multiplier=policy.initial_wait_seconds,
            max=policy.max_wait_seconds,
            jitter=policy.jitter_seconds,
        ),
        before_sleep=before_sleep,
        reraise=True,
    )


async def attempts(
    rt: Runtime, run: AccountRun
) -> AsyncIterator[AbstractAsyncContextManager[AccountSession]]:
    """The attempts of one account's job under the policy, each a session of its own:

    ```
    async for attempt in attempts(rt, run):
        async with attempt as session:
            ...
    ```
    Two levels, as tenacity's own loop: the failure of an attempt's body has to reach the
    policy, and only a `with` block sees it (a loop never learns why its body ended).
    """
    # The user's `[locators]` named as the manual does, before any attempt (exit 3).
    overrides.checked(rt.settings.locators)
    async for attempt in retrying(rt, run):
        yield _in_session(rt, run, attempt)


@asynccontextmanager
async def _in_session(
    rt: Runtime, run: AccountRun, attempt: AttemptManager
) -> AsyncIterator[AccountSession]:
    started = False
    with attempt:  # records the outcome for the policy
        async with account_session(rt, run) as session:
            started = True
            yield session
    if not started:  # the session itself failed to start: its error, not "didn't yield"
        outcome = attempt.retry_state.outcome
        error = outcome.exception() if outcome is not None else None
        if isinstance(error, BaseException):
            raise error
        raise RuntimeError("the attempt's browser session did not start")

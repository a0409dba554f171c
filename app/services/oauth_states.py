"""Single-use OAuth states bound to the browser that started the flow.

A flow hands the browser a random nonce in an HttpOnly cookie and stores, under the hash of a
random state id, the hash of that nonce. The callback must bring both back: the state is used
once (a replay with another valid code finds it used) and only with the cookie it was issued
to (a link forwarded to, or forged for, another browser is refused). Only hashes are stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.domain.entities import OAuthState
from app.domain.ports import UnitOfWork

MAX_AGE = timedelta(minutes=10)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True)
class BrowserBound:
    """A state to send to the provider and the nonce the browser keeps in its cookie."""

    state_id: str
    nonce: str


async def issue(
    uow: UnitOfWork, purpose: str, shop: str, now: datetime, *, bound: bool
) -> BrowserBound:
    """Stores a new single-use state (bound to a new nonce when `bound`), and forgets those
    too old to be used, so the table holds only the last minutes' flows; the caller commits."""
    await uow.oauth_states.purge(now - MAX_AGE)
    state_id, nonce = new_secret(), new_secret()
    binding = digest(nonce) if bound else None
    await uow.oauth_states.add(digest(state_id), purpose, shop, binding, now)
    return BrowserBound(state_id, nonce)


def spent(state: OAuthState | None, purpose: str, now: datetime) -> OAuthState | None:
    """The state just used, when it is one of `purpose` and young enough."""
    if state is None or state.purpose != purpose or state.created_at + MAX_AGE < now:
        return None
    return state


def same_browser(state: OAuthState, nonce: str | None) -> bool:
    if state.binding_hash is None or not nonce:
        return False
    return hmac.compare_digest(state.binding_hash, digest(nonce))

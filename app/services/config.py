"""The shop's sync settings, by the sections of the settings screens: read, replace or patch
one, checked against the QBO company; a change re-queues the records waiting on it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from app.domain.config import SECTIONS, ConfigError, SyncConfig
from app.domain.entities import ApiKey
from app.domain.errors import ErrorCode
from app.domain.healing import config_keys
from app.domain.ports import QuickBooksPort, ReferenceData, UnitOfWork, UnitOfWorkFactory
from app.domain.references import section_references
from app.services.connections import TokenKeeper
from app.services.healing import (
    Changed,
    actor_of,
    record_change,
    requeue,
    requeue_blocked,
)
from app.services.references import check_company, check_section, company_features


@dataclass(frozen=True)
class ConfigDeps:
    uow: UnitOfWorkFactory
    tokens: TokenKeeper
    reference: ReferenceData
    qbo: QuickBooksPort | None = None  # checks what the company can do (multicurrency, AST)


@dataclass(frozen=True)
class SectionSaved:
    section: dict[str, Any]
    requeued: int


async def read(uow: UnitOfWork, shop_id: int) -> SyncConfig:
    async with uow:
        return SyncConfig.from_dict(await uow.configs.get(shop_id))


async def save_section(
    deps: ConfigDeps,
    shop_id: int,
    section: str,
    values: Mapping[str, Any],
    key: ApiKey | None,
    *,
    replace: bool,
) -> SectionSaved:
    """Replaces (PUT) or patches (PATCH) one section. Refuses a value the domain does not
    accept (ConfigError) or a QBO record the company cannot use (InvalidReference); both name
    the field. QBO must be connected to check: SyncError(qbo_auth) otherwise."""
    if section not in SECTIONS:
        raise ConfigError(section, "", f"unknown section; use one of {', '.join(SECTIONS)}")
    # What a person set is stored as they set it; defaults are filled in when read, so a
    # default the shop never chose (such as the tax mode its QBO company uses) can still
    # apply later.
    async with deps.uow() as uow:
        stored = await uow.configs.get(shop_id)
    current = SyncConfig.from_dict(stored)
    kept = {} if replace else dict(stored.get(section) or {})
    chosen = {**kept, **values}
    changed = SyncConfig.from_dict({**stored, section: chosen})
    changed.check_saving(section)
    if section_references(changed, section):  # needs QBO: never accepted unchecked
        check = partial(check_section, deps.reference, config=changed, section=section)
        await deps.tokens.call(shop_id, check)
    if deps.qbo is not None and company_features(changed, section):
        features = partial(check_company, deps.qbo, config=changed, section=section)
        await deps.tokens.call(shop_id, features)
    async with deps.uow() as uow:
        latest = await uow.configs.get(shop_id)  # another section may have changed meanwhile
        await uow.configs.save(shop_id, {**latest, section: chosen})
        if changed != current:
            requeued = await requeue_blocked(uow, shop_id, config_keys(section), actor_of(key))
        else:
            # Saved as it was, yet just checked against QBO: a record that failed because a
            # setting's QBO record was retired may have been fixed inside QuickBooks.
            requeued = await requeue_retired(uow, shop_id, section, actor_of(key))
        before, after = current.to_dict()[section], changed.to_dict()[section]
        diff = {k: {"from": before[k], "to": v} for k, v in after.items() if before[k] != v}
        message = f"Saved the {section} settings" + (" (no change)" if not diff else "")
        change = Changed("config", section, message, {"changes": diff})
        await record_change(uow, shop_id, change, key, requeued)
        await uow.commit()
    return SectionSaved(changed.to_dict()[section], requeued)


async def requeue_retired(uow: UnitOfWork, shop_id: int, section: str, actor: str) -> int:
    """The section's invalid_account records, queued again."""
    waiting = await uow.records.blocked_by(shop_id, {f"config/{section}"})
    retired = [r for r in waiting if r.error_code == ErrorCode.invalid_account]
    return await requeue(uow, shop_id, retired, actor)

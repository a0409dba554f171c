"""Reading setting values from JSON: each refusal a ConfigError naming section and field."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, TypeVar

from app.domain.signals import Refused

E = TypeVar("E", bound=StrEnum)


class ConfigError(Refused):
    """A configuration value we refuse, in `section`, at `field` (`param` joins both)."""

    def __init__(self, section: str, field: str, message: str) -> None:
        super().__init__(message, field)
        self.section = section
        self.message = message

    @property
    def param(self) -> str:
        return f"{self.section}.{self.field}" if self.field else self.section

    def __str__(self) -> str:
        return f"{self.param}: {self.message}"


def default_only(section: str, name: str, value: Any, default: str | None) -> None:
    """Settings whose other values the books do not handle yet take their default only."""
    if value is not None and value != default:
        raise ConfigError(
            section, name, f"only {default!r} is supported for now; other values are refused"
        )


def check_keys(section: str, data: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ConfigError(section, unknown[0], f"unknown field; known: {', '.join(allowed)}")


def as_mapping(section: str, value: Any, field_name: str = "") -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(section, field_name, "must be an object")
    return value


def enum_value(section: str, name: str, value: Any, enum: type[E]) -> E:
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise ConfigError(section, name, f"{value!r} is not one of: {allowed}") from None


def opt_id(section: str, name: str, value: Any, *, required: bool = False) -> str | None:
    if value is None or value == "":
        if required:
            raise ConfigError(section, name, "must be a QuickBooks id")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ConfigError(section, name, "must be a QuickBooks id (string)")
    return str(value).strip() or None


def statuses(section: str, name: str, value: Any, known: frozenset[str]) -> frozenset[str]:
    if isinstance(value, str) or not isinstance(value, list | tuple | set | frozenset):
        raise ConfigError(section, name, "must be a list of statuses")
    unknown = sorted(str(v) for v in value if v not in known)
    if unknown:
        raise ConfigError(section, name, f"unknown status {unknown[0]!r}; known: {sorted(known)}")
    return frozenset(value)

"""Errors whose text is safe to show a user.

A core function refuses by raising :class:`UserError` with a message-catalogue key and its
parameters; each adapter's single error handler renders it in the user's locale. Anything
else that escapes is a bug: the adapter logs the traceback and shows a generic apology.
"""

from __future__ import annotations

from typing import Any


class UserError(Exception):
    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def render(self, locale: str = "en") -> str:
        from bot.i18n import t

        return t(locale, self.key, **self.params)

    def __repr__(self) -> str:
        return f"UserError({self.key!r}, {self.params!r})"

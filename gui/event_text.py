"""The engine's and the session's messages in the window's language. core/ never imports Qt, so the
engine writes its events (and gui.controller its notes on the timeline) in English; the window translates
the ones a person meets most (saves, NaN and out-of-memory recoveries, the attached engine's link, the
engine's end, why past steps cannot be shown) where it shows them. A message that matches no pattern
here is shown as it was written."""

from __future__ import annotations

import re

from PySide6.QtCore import QT_TRANSLATE_NOOP

from gui.i18n import translate

# The engine's English messages, each with {} where it varies: the same text is the translation's
# source and, with {} matching anything, the pattern that recognises the message.
TEMPLATES = [
    QT_TRANSLATE_NOOP("Events", "saved step {} to {}"),
    QT_TRANSLATE_NOOP("Events", "{} became NaN or infinite at step {}; restored step {} and paused. "
                                "Try a lower learning rate."),
    QT_TRANSLATE_NOOP("Events", "out of memory at step {}; restored step {} and paused. Try a smaller batch size."),
    QT_TRANSLATE_NOOP("Events", "attached to {}"),
    QT_TRANSLATE_NOOP("Events", "lost the engine at {}; reconnecting"),
    QT_TRANSLATE_NOOP("Events", "cannot reach the engine at {}"),
    QT_TRANSLATE_NOOP("Events", "The training engine stopped answering and was ended."),
    QT_TRANSLATE_NOOP("Events", "The training engine exited with code {}."),
    QT_TRANSLATE_NOOP("Events", "The training engine was killed ({}, perhaps out of memory)."),
    QT_TRANSLATE_NOOP("Events", "The training engine was killed ({})."),
    QT_TRANSLATE_NOOP("Events", "an attached run's timeline starts when the window attached"),
    QT_TRANSLATE_NOOP("Events", "receiving the engine's timeline"),
    QT_TRANSLATE_NOOP("Events", "receiving the engine's timeline ({} of {} parts)"),
    QT_TRANSLATE_NOOP("Events", "this run has no timeline ({} is missing): past steps cannot be shown"),
    QT_TRANSLATE_NOOP("Events", "the run's timeline could not be read, so past steps cannot be shown: {}"),
]
PATTERNS = [(re.compile("(.+?)".join(re.escape(part) for part in template.split("{}"))), template)
            for template in TEMPLATES]


def shown(message: str) -> str:
    """The engine's message as the window shows it: translated where a pattern knows it."""
    for pattern, template in PATTERNS:
        match = pattern.fullmatch(message)
        if match:
            return translate("Events", template).format(*match.groups())
    return message

"""Every sentence the grader says to a learner: written in English in the code, translated from a catalog.

Code writes the whole English sentence as a template with named fields::

    say("{name} failed {label}:", name=ex.name, label=check.label)

A sentence kept as data and said later (a check group's title) is marked where it is written, ``N_("values")``:
gettext's mark for "translate this, but not here". The template is the msgid of a gettext catalog beside this file,
``messages.<language>.po`` (the format of the notebooks' catalogs, ``solutions/<a>/<a>.zh.po``), so a translator
sees each sentence whole, with its fields, and can reorder them. A template with no entry is said in English;
``tests/runtime/test_messages.py`` fails on any template in the code without a translation, and on a translation whose
fields differ from the English.

The language is the notebook's (``metadata.course.language``, set by the release of ``notebooks-zh/``), chosen
per check: :func:`speaking` sets it for what runs inside it. The trusted grader speaks the submitted notebook's
language; the learner's ``check`` speaks the language of the notebook its kernel runs (:func:`here`).
"""
from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from contextvars import ContextVar
from enum import Enum
from functools import cache
from pathlib import Path

ENGLISH = "en"
LANGUAGES = (ENGLISH, "zh-CN")  # what a notebook's metadata.course.language may say; others are spoken as English
_language: ContextVar[str] = ContextVar("language", default=ENGLISH)


def N_(template: str) -> str:
    """Mark ``template`` for the catalog where it is written as data; :func:`say` translates it where it is said."""
    return template


class Status(str, Enum):
    """What grading decided for one exercise (stored by its value in result records and the gradebook)."""
    PASS = N_("pass")
    PARTIAL = N_("partial")
    FAIL = N_("fail")
    NOT_ATTEMPTED = N_("not attempted")  # the function still raises NotImplementedError (a probe's "not_implemented")
    BANNED = N_("banned")
    ERROR = N_("error")
    FLAGGED = N_("flagged")

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

    @property
    def scored(self) -> bool:
        """Whether the exercise's check groups earn points (else it scores 0)."""
        return self in (Status.PASS, Status.PARTIAL, Status.FAIL)


def catalog_path(language: str) -> Path:
    return Path(__file__).with_name(f"messages.{language}.po")


@cache
def catalog(language: str) -> dict[str, str]:
    """English template -> translated template, for ``language`` ({} for English or a language with no catalog)."""
    path = catalog_path(language)
    if language == ENGLISH or not path.is_file():
        return {}
    from babel.messages.pofile import read_po
    with open(path, "rb") as f:
        return {m.id: m.string for m in read_po(f, charset="utf-8") if m.id and m.string and "fuzzy" not in m.flags}


def language() -> str:
    """The language being spoken now."""
    return _language.get()


@contextlib.contextmanager
def speaking(lang: str | None) -> Iterator[str]:
    """Say everything inside in ``lang`` (a language this module has no catalog for is spoken as English)."""
    token = _language.set(lang if lang in LANGUAGES else ENGLISH)
    try:
        yield _language.get()
    finally:
        _language.reset(token)


def say(template: str, /, **fields) -> str:
    """``template`` in the current language, its ``{fields}`` filled in."""
    template = str(template)  # a Status says its value
    text = catalog(_language.get()).get(template, template)
    return text.format(**fields) if fields else text


def say_filter(template: str, nb, **fields) -> str:
    """``say`` for a Jinja template that renders notebook ``nb`` (the feedback page's ``{{ "Score" | say(nb) }}``)."""
    with speaking(language_of(nb)):
        return say(template, **fields)


def language_of(nb) -> str:
    """The language of a notebook (a dict or nbformat node): ``metadata.course.language``, else English."""
    lang = ((nb.get("metadata") or {}).get("course") or {}).get("language", ENGLISH)
    return lang if lang in LANGUAGES else ENGLISH


def here() -> str:
    """The language of the notebook this kernel runs: JupyterLab names it in ``JPY_SESSION_NAME``; elsewhere
    (nbgrader's Validate, ``make check``) the kernel runs in the notebook's folder, and the language is the one
    that all notebooks there share. English when it cannot tell."""
    session = os.environ.get("JPY_SESSION_NAME", "")
    paths = [Path(session)] if session.endswith(".ipynb") and Path(session).is_file() else sorted(Path.cwd().glob("*.ipynb"))
    found = set()
    for path in paths:
        try:
            found.add(language_of(json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError, AttributeError):
            return ENGLISH
    return found.pop() if len(found) == 1 else ENGLISH

"""Rendering people's pages: one Jinja2 environment, the language, the formats, CSRF.

- **Templates** live in ``api/templates/`` and extend ``base.html``; autoescaping is on
  for every template, so a value is text unless a route hands over ``Markup`` itself.
- **Language**: Chinese by default; ``?lang=en`` (or ``?lang=zh``) switches and is kept
  in the ``parkgis_lang`` cookie, so every page has its English version and the two are
  never mixed. Templates write their own words as ``tr("中文", "English")``.
- **Formats**: the filters are ``parkgis.labels.format`` in the page's language
  (``{{ x.area_m2|land_area }}``, ``|money``, ``|wan``, ``|mu``, ``|m2``, ``|date``,
  ``|days_left``...), so a template never computes or formats a value itself.
- **Forms** print ``{{ csrf_field() }}`` (api/csrf.py checks it on every write).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup

from api.csrf import CSRF_FIELD, FORM_COOKIE, FORM_COOKIE_SECONDS, form_token, set_cookie
from parkgis.labels import format as fmt
from parkgis.labels.format import Lang

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
LANG_COOKIE = "parkgis_lang"
LANG_COOKIE_SECONDS = 365 * 24 * 3600
LANGS: tuple[Lang, ...] = ("zh", "en")

#: Filters of the templates: parkgis.labels.format's functions in the page's language.
FORMATS: dict[str, Callable[..., str]] = {
    "money": fmt.money,
    "wan": fmt.wan,
    "yuan": fmt.yuan,
    "mu": fmt.mu,
    "m2": fmt.m2,
    "land_area": fmt.land_area,
    "date": fmt.date,
    "datetime": fmt.datetime,
    "days": fmt.days,
    "days_left": fmt.days_left,
    "number": fmt.number,
    "percent": fmt.percent,
    "yes_no": fmt.yes_no,
}


def page_lang(request: Request) -> Lang:
    """The page's language: ``?lang=``, else the cookie, else Chinese."""
    for value in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if value == "zh":
            return "zh"
        if value == "en":
            return "en"
    return "zh"


def _lang_filter(function: Callable[..., str]) -> Callable[..., str]:
    @pass_context
    def apply(context: Context, value: object, *args: Any) -> str:
        if function is fmt.number:
            return function(value, *args, lang=context["lang"])
        return function(value, context["lang"], *args)

    return apply


@pass_context
def _tr(context: Context, zh: str, en: str) -> str:
    return zh if context["lang"] == "zh" else en


@pass_context
def _csrf_field(context: Context) -> Markup:
    token = context["csrf_token"]
    return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, token)


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The pages' Jinja2 environment (autoescape on for every template)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update({name: _lang_filter(f) for name, f in FORMATS.items()})
    env.globals.update(tr=_tr, csrf_field=_csrf_field)
    return env


def switch_url(request: Request, lang: Lang) -> str:
    """This page's address in the other language."""
    params = dict(request.query_params)
    params["lang"] = "en" if lang == "zh" else "zh"
    return f"{request.url.path}?{urlencode(params)}"


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render ``template`` for this request: language, CSRF token, nonce, switch link."""
    lang = page_lang(request)
    values = {
        "lang": lang,
        "switch_url": switch_url(request, lang),
        "csrf_token": form_token(request),
        "nonce": getattr(request.state, "csp_nonce", ""),
        "path": request.url.path,
        "staff": None,
    }
    values.update(context or {})
    html = environment().get_template(template).render(values)
    response = HTMLResponse(html, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    new_secret = getattr(request.state, "new_form_secret", None)
    if new_secret:
        set_cookie(request, response, FORM_COOKIE, new_secret, FORM_COOKIE_SECONDS)
    if request.query_params.get("lang") in LANGS:
        set_cookie(request, response, LANG_COOKIE, lang, LANG_COOKIE_SECONDS)
    return response

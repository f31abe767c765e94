"""The one Jinja environment of the HTML answers (`app/templates/`): the pages, and the HTML of
the OGC API. Every page says in French how to build the front end when it is missing
(base.html)."""

from pathlib import Path

from fastapi.templating import Jinja2Templates

from app.core.assets import frontend_missing

TEMPLATES = Jinja2Templates(directory=Path(__file__).parents[1] / "templates")
TEMPLATES.env.globals["frontend_missing"] = lambda request: frontend_missing(
    request.app.state.static_dir
)

"""The command line speaks French: typer's usage errors and help, translated in one place.

Typer writes its messages in English, some as plain f-strings, some from pydantic's validation
(`--year abc`). `install()` runs once when the command line starts: it sets the titles of typer's
panels, the usage prefix and the help option's text, and has every usage error translated by
`french()` before it is shown. A message no rule knows is shown as typer wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pydantic import ValidationError
from typer import rich_utils
from typer._click import decorators, exceptions, formatting

USAGE = "Utilisation : "
SUBCOMMAND = "COMMANDE [ARGUMENTS]..."
"""The usage line's placeholder for a subcommand (typer's `subcommand_metavar`)."""
HELP_OPTION = "Affiche cette aide et quitte."
PANEL_TITLES = {
    "ARGUMENTS_PANEL_TITLE": "Arguments",
    "OPTIONS_PANEL_TITLE": "Options",
    "COMMANDS_PANEL_TITLE": "Commandes",
    "ERRORS_PANEL_TITLE": "Erreur",
    "ABORTED_TEXT": "Interrompu.",
    "DEPRECATED_STRING": "(obsolète) ",
    "DEFAULT_STRING": "[défaut : {}]",
    "ENVVAR_STRING": "[variable d'environnement : {}]",
    "REQUIRED_LONG_STRING": "[obligatoire]",
    "RICH_HELP": "Aide : [blue]{command_path} {help_option}[/]",
}
"""typer.rich_utils's texts, in French."""

_PATH_KINDS = {"file": "fichier", "dir": "dossier", "path": "chemin"}
_RULES: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    (re.compile(r"Missing argument (?P<name>.+?)\.?$", re.S), "Argument manquant : {name}."),
    (re.compile(r"Missing option (?P<name>.+?)\.?$", re.S), "Option manquante : {name}."),
    (re.compile(r"Missing parameter:? (?P<name>.+?)\.?$", re.S), "Paramètre manquant : {name}."),
    (re.compile(r"Missing command\.?$"), "Commande manquante."),
    (
        re.compile(r"No such option: (?P<name>\S+)(?: \(Possible options: (?P<close>.+)\))?$"),
        lambda m: (
            f"Option inconnue : {m['name']}"
            + (f" (options proches : {m['close']})" if m["close"] else "")
        ),
    ),
    (
        re.compile(r"No such command '(?P<name>.+?)'\.(?: Did you mean (?P<close>.+)\?)?$"),
        lambda m: (
            f"Commande inconnue : « {m['name']} »"
            + (f" (commandes proches : {m['close']})" if m["close"] else "")
            + "."
        ),
    ),
    (
        re.compile(r"Option '(?P<name>.+?)' requires (?:an argument|(?P<n>\d+) arguments)\.?$"),
        lambda m: (
            f"L'option {m['name']} attend " + (f"{m['n']} valeurs." if m["n"] else "une valeur.")
        ),
    ),
    (
        re.compile(r"Option '(?P<name>.+?)' does not take a value\.?$"),
        "L'option {name} ne prend pas de valeur.",
    ),
    (
        re.compile(r"Got unexpected extra argument(?:s|\(s\))? \((?P<args>.*)\)$"),
        "Argument(s) en trop : {args}.",
    ),
    (
        re.compile(r"(?P<kind>file|dir|path) (?P<name>.+) does not exist\.$"),
        lambda m: f"{_PATH_KINDS[m['kind']]} {m['name']} introuvable.",
    ),
    (
        re.compile(r"(?P<kind>file|dir|path) (?P<name>.+) is a (?P<what>file|directory)\.$"),
        lambda m: (
            f"{_PATH_KINDS[m['kind']]} {m['name']} : c'est un "
            + ("fichier." if m["what"] == "file" else "dossier.")
        ),
    ),
    (
        re.compile(r"(?P<kind>file|dir|path) (?P<name>.+) is not (?P<what>readable|writable)\.$"),
        lambda m: (
            f"{_PATH_KINDS[m['kind']]} {m['name']} : accès "
            + ("en lecture refusé." if m["what"] == "readable" else "en écriture refusé.")
        ),
    ),
    (
        re.compile(r"'(?P<value>.*)' is not one of (?P<choices>.*)\.$", re.S),
        "« {value} » n'est pas parmi {choices}.",
    ),
    (re.compile(r"Value (?P<value>.+) is not a valid (?P<kind>.+)\.$"), "Valeur {value} invalide."),
    (re.compile(r"Choose from:(?P<choices>.*)$", re.S), "Choisir parmi :{choices}"),
]


def _translate(text: str) -> str:
    """`text` by the first rule that matches it whole, else unchanged."""
    for pattern, french_text in _RULES:
        match = pattern.fullmatch(text.strip())
        if match:
            if callable(french_text):
                return french_text(match)
            return french_text.format(**match.groupdict())
    return text


def french(error: exceptions.ClickException) -> str:
    """The French message of a usage error."""
    from app.core.errors import validation_reason

    message = type(error).format_message(error)
    invalid = re.fullmatch(r"Invalid value(?: for (?P<hint>.+?))?: (?P<reason>.*)", message, re.S)
    if invalid is None:
        return _translate(message)
    cause = error.__cause__
    if isinstance(cause, ValidationError) and cause.errors():
        reason = validation_reason(dict(cause.errors()[0]))
    else:
        reason = _translate(invalid["reason"])
    where = f" pour {invalid['hint']}" if invalid["hint"] else ""
    return f"Valeur invalide{where} : {reason}"


def install() -> None:
    """Translate typer's texts and usage errors; idempotent."""
    for name, text in PANEL_TITLES.items():
        setattr(rich_utils, name, text)
    if getattr(rich_utils.rich_format_error, "french", False):
        return
    show = rich_utils.rich_format_error

    def show_in_french(error: exceptions.ClickException) -> None:
        error.format_message = lambda: french(error)  # type: ignore[method-assign]
        show(error)

    show_in_french.french = True  # type: ignore[attr-defined]
    rich_utils.rich_format_error = show_in_french

    write_usage = formatting.HelpFormatter.write_usage

    def write_usage_in_french(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        write_usage(self, prog, args, USAGE if prefix is None else prefix)

    formatting.HelpFormatter.write_usage = write_usage_in_french  # type: ignore[method-assign]

    help_option = decorators.help_option

    def help_option_in_french(param_decls: list[str]):  # type: ignore[no-untyped-def]
        add = help_option(param_decls)

        def apply(command):  # type: ignore[no-untyped-def]
            command = add(command)
            command.params[-1].help = HELP_OPTION
            return command

        return apply

    decorators.help_option = help_option_in_french

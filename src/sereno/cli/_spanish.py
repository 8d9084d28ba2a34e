"""Spanish (es-CL) texts for the parts of the CLI that Click and Typer write themselves.

Click marks its messages with ``gettext`` but ships no translations; Typer keeps its panel
titles in module constants. Instead of installing a system-wide gettext catalogue, the
``gettext``/``ngettext`` names those modules use are replaced by lookups in the tables
below (unknown messages pass through unchanged). Call :func:`install` once, before the
commands are built.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

__all__ = ["install", "translate"]

MESSAGES: dict[str, str] = {
    "Usage:": "Uso:",
    "Options": "Opciones",
    "Commands": "Comandos",
    "Arguments": "Argumentos",
    "Positional arguments": "Argumentos posicionales",
    "Show this message and exit.": "Mostrar esta ayuda y salir.",
    "Show the version and exit.": "Mostrar la versión y salir.",
    "Aborted!": "Cancelado.",
    "Aborted.": "Cancelado.",
    "Error": "Error",
    "Error: {message}": "Error: {message}",
    "Try '{command} {option}' for help.": "Pruebe «{command} {option}» para ver la ayuda.",
    "Try [blue]'{command_path} {help_option}'[/] for help.": (
        "Pruebe [blue]«{command_path} {help_option}»[/] para ver la ayuda."
    ),
    "Missing argument": "Falta el argumento",
    "Missing option": "Falta la opción",
    "Missing parameter": "Falta el parámetro",
    "Missing command.": "Falta el comando.",
    "Missing {param_type}": "Falta {param_type}",
    "Missing parameter: {param_name}": "Falta el parámetro: {param_name}",
    "argument": "el argumento",
    "option": "la opción",
    "parameter": "el parámetro",
    "No such command {name!r}.": "No existe el comando «{name}».",
    "No such option {name!r}.": "No existe la opción {name!r}.",
    "No such option: {name}": "No existe la opción: {name}",
    "Option {name!r} does not take a value.": "La opción {name!r} no lleva valor.",
    "Invalid value for {param_hint}: {message}": "Valor no válido para {param_hint}: {message}",
    "Invalid value: {message}": "Valor no válido: {message}",
    "{value!r} is not a valid {number_type}.": "{value!r} no es un {number_type} válido.",
    "integer": "número entero",
    "float": "número decimal",
    "{value} is not in the range {range}.": "{value} no está en el rango {range}.",
    "{value!r} is not a valid UUID.": "{value!r} no es un UUID válido.",
    "Choose from:\n\t{choices}": "Elija entre:\n\t{choices}",
    "{name} {filename!r} does not exist.": "{name} {filename!r} no existe.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} es una carpeta.",
    "{name} {filename!r} is a file.": "{name} {filename!r} es un archivo.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} no se puede leer.",
    "{name} {filename!r} is not writable.": "{name} {filename!r} no se puede escribir.",
    "{name} {filename!r} is not executable.": "{name} {filename!r} no es ejecutable.",
    "Could not open file {filename!r}: {message}": "No se pudo abrir el archivo {filename!r}: {message}",
    "file": "archivo",
    "directory": "carpeta",
    "path": "ruta",
    "default: {default}": "por defecto: {default}",
    "[default: {}]": "[por defecto: {}]",
    "env var: {var}": "variable de entorno: {var}",
    "[env var: {}]": "[variable de entorno: {}]",
    "required": "obligatorio",
    "[required]": "[obligatorio]",
    "(deprecated) ": "(obsoleto) ",
    "deprecated": "obsoleto",
    "(dynamic)": "(dinámico)",
    "unknown error": "error desconocido",
}

PLURALS: dict[tuple[str, str], tuple[str, str]] = {
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."): (
        "La opción {name!r} necesita un valor.",
        "La opción {name!r} necesita {nargs} valores.",
    ),
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"): (
        "Sobra un argumento ({args})",
        "Sobran argumentos ({args})",
    ),
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"): (
        "¿Quiso decir {possibility}?",
        "(¿Quiso decir alguno de: {possibilities}?)",
    ),
    ("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given."): (
        "Necesita {nargs} valores pero se dio 1.",
        "Necesita {nargs} valores pero se dieron {len}.",
    ),
}

_CLICK_MODULES = (
    "click.core",
    "click.decorators",
    "click.exceptions",
    "click.formatting",
    "click.parser",
    "click.termui",
    "click.types",
    "click.utils",
    "typer.core",
    "typer.rich_utils",
)
_TYPER_CONSTANTS = (
    "DEPRECATED_STRING",
    "DEFAULT_STRING",
    "ENVVAR_STRING",
    "REQUIRED_LONG_STRING",
    "ARGUMENTS_PANEL_TITLE",
    "OPTIONS_PANEL_TITLE",
    "COMMANDS_PANEL_TITLE",
    "ERRORS_PANEL_TITLE",
    "ABORTED_TEXT",
    "RICH_HELP",
)


def gettext(message: str) -> str:
    """Spanish text of a Click/Typer message, or the message itself."""
    return MESSAGES.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Spanish singular/plural of a Click message, or the English one."""
    es = PLURALS.get((singular, plural))
    if es is None:
        return singular if n == 1 else plural
    return es[0] if n == 1 else es[1]


_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"Missing argument '([^']+)'\.", r"Falta el argumento «\1»."),
    (r"Missing option '([^']+)'\.", r"Falta la opción «\1»."),
    (r"Missing parameter: (\S+)", r"Falta el parámetro «\1»."),
    (r"Invalid value for '([^']+)': ", r"Valor no válido para «\1»: "),
    (r"Invalid value: ", r"Valor no válido: "),
    (r"No such option: (\S+)", r"No existe la opción \1."),
    (r"No such command '([^']+)'\.", r"No existe el comando «\1»."),
    (r"Did you mean ", r"¿Quiso decir "),
    (r"\(Possible options: ", r"(Opciones posibles: "),
    (r"Got unexpected extra arguments? \(([^)]*)\)", r"Sobran argumentos: \1"),
    (r"Option '([^']+)' requires an argument\.", r"La opción «\1» necesita un valor."),
    (r"Option '([^']+)' requires (\d+) arguments\.", r"La opción «\1» necesita \2 valores."),
    (r"Option '([^']+)' does not take a value\.", r"La opción «\1» no lleva valor."),
    (r"Input should be a valid integer[^.\n]*", r"debe ser un número entero"),
    (r"Input should be a valid number[^.\n]*", r"debe ser un número"),
    (r"Input should be a valid boolean[^.\n]*", r"debe ser sí o no (true/false)"),
    (r"'([^']*)' is not one of (.+)\.", r"«\1» no es una de las opciones: \2."),
    (r"Path '([^']*)' does not exist\.", r"La ruta «\1» no existe."),
    (r"File '([^']*)' does not exist\.", r"El archivo «\1» no existe."),
    (r"Missing command\.", r"Falta el comando."),
)


def translate(message: str) -> str:
    """Spanish version of a Click/Typer error message (known patterns only)."""
    import re

    out = MESSAGES.get(message, message)
    for pattern, repl in _PATTERNS:
        out = re.sub(pattern, repl, out)
    return out


def _patch(module_name: str, name: str, func: Callable[..., str]) -> None:
    module = importlib.import_module(module_name)
    if hasattr(module, name):
        setattr(module, name, func)


def _patch_vendored_click() -> None:
    """Typer ≥ 0.20 vendors Click as ``typer._click`` with plain English strings."""
    try:
        exc = importlib.import_module("typer._click.exceptions")
        fmt = importlib.import_module("typer._click.formatting")
        core = importlib.import_module("typer._click.core")
    except ImportError:
        return
    for obj in vars(exc).values():
        if (
            isinstance(obj, type)
            and "format_message" in vars(obj)
            and "_sereno_es" not in vars(obj)
        ):
            original = getattr(obj, "format_message")  # noqa: B009 - typed as plain type

            def format_message(self: object, _orig: Callable[[object], str] = original) -> str:
                return translate(_orig(self))

            obj.format_message = format_message  # type: ignore[attr-defined]
            obj._sereno_es = True  # type: ignore[attr-defined]
    formatter = fmt.HelpFormatter
    if "_sereno_es" not in vars(formatter):
        write_usage = formatter.write_usage

        def spanish_usage(
            self: object, prog: str, args: str = "", prefix: str | None = None
        ) -> None:
            write_usage(self, prog, args, "Uso: " if prefix is None else prefix)

        formatter.write_usage = spanish_usage
        formatter._sereno_es = True
    command = core.Command
    if "_sereno_es" not in vars(command):
        get_help_option = command.get_help_option

        def spanish_help_option(self: object, ctx: object) -> object:
            opt = get_help_option(self, ctx)
            if opt is not None:
                opt.help = MESSAGES["Show this message and exit."]
            return opt

        command.get_help_option = spanish_help_option
        command._sereno_es = True


def install() -> None:
    """Make Click and Typer speak Spanish (idempotent)."""
    for module_name in _CLICK_MODULES:
        try:
            _patch(module_name, "_", gettext)
            _patch(module_name, "ngettext", ngettext)
        except ImportError:
            continue
    _patch_vendored_click()
    rich_utils = importlib.import_module("typer.rich_utils")
    for constant in _TYPER_CONSTANTS:
        english = getattr(rich_utils, constant, None)
        if isinstance(english, str):
            setattr(rich_utils, constant, MESSAGES.get(english, english))

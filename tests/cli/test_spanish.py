"""What Click/Typer print themselves (usage errors, help) is in Spanish too."""

import pytest
from typer.testing import CliRunner

from sereno.cli._spanish import translate
from sereno.cli.main import app

runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["import", "incidents"], "Falta el argumento «file»."),
        (["import", "incidents", "x.csv"], "Falta la opción «--source»."),
        (["synth", "incidents", "--n", "abc", "--out", "x.csv"], "debe ser un número entero"),
        (["import", "incidents", "x.csv", "--sourc", "X"], "No existe la opción --sourc."),
        (["inventado"], "No existe el comando «inventado»."),
    ],
    ids=["missing-argument", "missing-option", "bad-integer", "unknown-option", "unknown-command"],
)
def test_usage_errors_are_spanish(args, expected):
    result = runner.invoke(app, args)
    text = " ".join((result.stdout + result.stderr).split())
    assert result.exit_code == 2
    assert expected in text
    assert "Uso:" in text and "Usage" not in text and "Missing" not in text


def test_help_is_spanish():
    result = runner.invoke(app, ["import", "incidents", "--help"])
    assert result.exit_code == 0
    assert "Mostrar esta ayuda y salir." in result.stdout and "Opciones" in result.stdout
    assert "Show this message" not in result.stdout


def test_unknown_messages_pass_through():
    assert translate("Algo que ya está en español.") == "Algo que ya está en español."

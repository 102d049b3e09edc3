"""``samplemind``: the Typer app and the CLI's single error boundary.

Exit codes: 0 all ok, 1 some items failed (the others still reported), 2 usage error.
"""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape

from samplemind import __version__
from samplemind.cli import analyze as analyze_cmd
from samplemind.cli import demo as demo_cmd
from samplemind.cli import find, kits, organise, transform
from samplemind.cli import midi as midi_cmd
from samplemind.cli import scan as scan_cmd
from samplemind.cli import serve as serve_cmd
from samplemind.cli.ai import ai_app
from samplemind.errors import ConfigError, SampleMindError

__all__ = ["app", "main"]

app = typer.Typer(
    name="samplemind",
    help="SampleMind AI: analyze, search and shape your sample library.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("analyze")(analyze_cmd.analyze)
app.command("demo")(demo_cmd.demo)
app.command("scan")(scan_cmd.scan)
app.command("search")(find.search)
app.command("similar")(find.similar)
app.command("show")(find.show)
app.command("fav")(organise.fav)
app.add_typer(organise.tag_app, name="tag")
app.add_typer(organise.collection_app, name="collection")
app.command("duplicates")(kits.duplicates)
app.command("export")(kits.export)
app.command("write-tags")(kits.write_tags)
app.command("reindex")(kits.reindex)
app.command("process")(transform.process)
app.command("master")(transform.master)
app.command("stems")(transform.stems)
app.command("serve")(serve_cmd.serve)
app.command("midi")(midi_cmd.midi)
app.add_typer(ai_app, name="ai")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"samplemind {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, help="More logging (-vv: debug).")
    ] = 0,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(
        level=level,
        format="%(message)s",
        handlers=[RichHandler(console=Console(stderr=True), show_path=False)],
        force=True,
    )


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; every SampleMind error becomes a one-line message and an exit code.

    Usage errors (unknown option, bad value) are Typer's: a message and exit code 2.
    """
    err = Console(stderr=True)
    try:
        app(args=argv, prog_name="samplemind")
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except KeyboardInterrupt:
        err.print("[yellow]interrupted[/]")
        return 130
    except ConfigError as exc:
        err.print(f"[red]error:[/] {escape(exc.message)}")
        return 2
    except SampleMindError as exc:
        err.print(f"[red]error:[/] {escape(exc.message)}")
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""The ``retold`` command line: thin commands over the library.

Each command parses its options, builds :class:`~retold.config.Settings`, calls one library
function and hands the result to :mod:`retold.report`. Data goes to stdout; progress and logs go to
stderr. Subcommands are imported lazily so ``retold compare`` never pays for FastAPI or pyspark.
"""

from __future__ import annotations

import importlib
import sys

import click

from retold.errors import RetoldError

# name -> "module:attribute"; each module owns its command(s).
COMMANDS: dict[str, str] = {
    "compare": "retold.cli.compare:compare",
    "add": "retold.cli.corpus:add",
    "index": "retold.cli.corpus:index",
    "query": "retold.cli.corpus:query",
    "scan": "retold.cli.corpus:scan",
    "show": "retold.cli.corpus:show",
    "stats": "retold.cli.corpus:stats",
    "delete": "retold.cli.corpus:delete",
    "serve": "retold.cli.serve:serve",
    "eval": "retold.cli.evaluate:eval_group",
    "pan": "retold.cli.evaluate:pan_group",
    "synth": "retold.cli.synth:synth",
    "train": "retold.cli.train:train",
    "watch": "retold.cli.watch:watch",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, attr = target.split(":")
        try:
            mod = importlib.import_module(module)
        except ImportError as exc:  # an optional extra is missing: say which one
            if (exc.name or "").startswith("retold"):
                raise click.ClickException(f"`retold {cmd_name}` is not available in this build ({exc})") from exc
            raise click.ClickException(
                f"`retold {cmd_name}` needs a dependency that is not installed ({exc.name}). "
                "Install everything with `pip install 'retold[all]'` (or `make demo`)."
            ) from exc
        cmd = getattr(mod, attr)
        assert isinstance(cmd, click.Command)
        return cmd


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="retold")
def cli() -> None:
    """retold: find news articles that reuse other articles, and show how they were changed."""


def main(argv: list[str] | None = None) -> int:
    """Entry point: runs the CLI, turning retold's errors into one clear line and exit status 2."""
    try:
        cli.main(args=argv, prog_name="retold", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except RetoldError as exc:
        click.echo(f"error: {exc}", err=True)
        return 2
    except BrokenPipeError:
        return 0
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

from emulation.cli import cli

cli()

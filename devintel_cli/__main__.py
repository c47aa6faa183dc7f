"""``python -m devintel_cli`` runs the CLI."""

from devintel_cli.cli.app import main

main()

"""One module per `htst` subcommand; each exposes `command` (a click command)."""

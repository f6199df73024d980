"""`flask --app wsgi ...` commands, one module per subject; cli.register adds them all."""

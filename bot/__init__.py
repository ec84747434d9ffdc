"""Siaga's entry points: the CLI, the runner, the channels and (later) the web server and scheduler."""

"""The command line: the program's entry, the Typer app, its options, help and output."""

"""Jobs: a flow as a command runs it, and each command's own work."""

"""What a run leaves behind: run folders, sanitising, scratch space, outcomes."""

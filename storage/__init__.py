"""What is written to disk and how: atomic files, and the trial record every command reads."""

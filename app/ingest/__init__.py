"""Getting files into a case: walking paths, probing, one transaction per file."""

"""One module per evidence format; `registry` lists them and picks one per file by content."""

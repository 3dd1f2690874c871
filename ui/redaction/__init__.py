"""Redaction in the window: overlays on the viewers, the drawing and selection tools, the
reason picker, the redaction log, search-and-redact and the protected names."""

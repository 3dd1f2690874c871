"""Redaction: what is covered and why, finders, applying to copies, and verification."""

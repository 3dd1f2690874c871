"""The offence tagger in the window: panel, charges dialog, coverage matrix."""

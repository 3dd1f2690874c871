"""Every resource limit against hostile files, stated in one place.

The readers import their limits from here under their own module names (e.g.
`archive.MAX_TOTAL_BYTES`), so a deployment or a test can still change one reader's limit.
Each limit, when met, gives a warning or error naming the file and the limit.
"""

from __future__ import annotations

# -- images -------------------------------------------------------------------------------
#: Decoded pixels of one image (width x height); larger images are kept, not decoded.
MAX_IMAGE_PIXELS = 100_000_000
#: Reads exifread may make in one file's EXIF (real files need about 1,000; a forged count
#: field can ask for millions of one-byte reads).
MAX_EXIF_READS = 20_000

# -- archives (zip, tar) ------------------------------------------------------------------
#: Bytes all members of one archive may expand to together.
ARCHIVE_MAX_TOTAL_BYTES = 4 * 1024**3
#: Expansion ratio of one member (uncompressed / compressed)...
ARCHIVE_MAX_RATIO = 200
#: ...enforced once a member is larger than this.
ARCHIVE_MIN_RATIO_BYTES = 16 * 1024**2
#: Members handed over from one archive.
ARCHIVE_MAX_MEMBERS = 100_000
#: Files nested in files (zip in zip, attachment of an email in a zip...).
MAX_NESTING_DEPTH = 5

# -- PDF ----------------------------------------------------------------------------------
#: Pages read from one PDF.
PDF_MAX_PAGES = 20_000
#: Objects walked when scanning a PDF's object tree (recursion is walked iteratively).
PDF_MAX_OBJECTS_SCANNED = 2_000_000

# -- text, JSON, email --------------------------------------------------------------------
#: Bytes of one chat export read (the rest is reported as not read).
MAX_CHAT_BYTES = 512 * 1024 * 1024
#: Bytes of a plain text file indexed.
MAX_TEXT_BYTES = 64 * 1024 * 1024
#: Characters of one line of a line-based text file (plain text, WhatsApp chats); a longer
#: line is cut there, with a warning. Real chat lines are a few thousand at most.
MAX_LINE_CHARS = 1024 * 1024
#: JSON nested deeper than Python's recursion limit (about 1,000 levels) is refused as
#: corrupt; real exports nest fewer than 20 levels.
#: MIME parts nested in one email.
MAX_MIME_DEPTH = 50

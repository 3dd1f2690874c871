"""Detail viewers: chat, image, PDF, email and plain text, chosen by a `ViewerStack`."""

"""Attribution: the accounts in returns and extractions, links between them, their persons."""

"""The attribution view: accounts in the returns, the links between them, decisions."""

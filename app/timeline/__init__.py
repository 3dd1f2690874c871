"""The read side: time normalisation and timeline queries."""

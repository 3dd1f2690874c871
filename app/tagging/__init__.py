"""The offence tagger: offence library, charges, tags, coverage."""

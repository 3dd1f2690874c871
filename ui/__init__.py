"""Threadline's window: everything Qt lives in this package; the core is in `app`."""

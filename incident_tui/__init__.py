"""incident-tui: a keyboard-driven terminal console for running incidents."""

"""The console adapter: a terminal chat with the bot (the embedded default)."""

"""The Discord adapter: native slash commands, persistent job buttons, videos posted in the channel."""

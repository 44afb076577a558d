"""The Telegram adapter: python-telegram-bot in groups and private chats (polling or webhook)."""

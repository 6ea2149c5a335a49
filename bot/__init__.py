"""diaspora-bot: the platform-free core."""

"""Platform adapters: each turns platform events into core events and replies into API calls."""

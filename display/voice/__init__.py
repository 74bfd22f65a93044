"""The hall display's voice: what to say for a call, and how to turn it into audio (espeak or clips)."""

"""xephang: what every role shares — the wire protocol, site configuration, MQTT plumbing, CLI."""

__version__ = "0.1.0"

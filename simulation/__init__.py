"""A discrete-event simulation of a center's day that drives the broker's real call rule and estimate."""

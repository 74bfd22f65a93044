"""The wait forecast: the hall's state now, run forward many times under the real call rule, and
each waiting ticket's and each service's next ticket's 5th–95th percentile wait."""

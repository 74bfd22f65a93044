"""The city's board: every center's day at a glance, a center's day in detail, daily and monthly
reports with Excel, comparisons between centers; read from the city's PostgreSQL."""

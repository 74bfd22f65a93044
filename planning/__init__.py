"""The staffing plan: which services each counter serves in each part of a day (pure code)."""

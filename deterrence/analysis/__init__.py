"""Analysis on top of games and solvers: race-to-the-bottom verdicts, thresholds, capacity
and tipping."""

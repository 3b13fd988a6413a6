"""The figures of ./waf plot, each a function of a scenario's results that returns a
matplotlib Figure (what the tests read): bars (overview, RSTs, restart, latency), queues,
migrations."""

"""The job-description planner page: a pasted posting, the loop it calls for, and the
interview made from that loop."""

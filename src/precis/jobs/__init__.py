"""Jobs: work that runs after a publish (archive pages and feeds, the podcast episode, mail) on the
job queue, with its progress in the store for the newsroom to show."""

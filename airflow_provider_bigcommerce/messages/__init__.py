"""What the provider says to people, in one place: the CLI's messages, the hook's task-log lines and the Test
button's answer are all written here from the typed errors the core raises (codes and facts, no prose)."""

"""What an SQL prompt's run ships into the sandbox: the subject's and the judge's sides."""

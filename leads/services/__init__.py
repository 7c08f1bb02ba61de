"""Use cases. Each function takes a session from the caller, decides nothing about transactions
beyond flushing, and raises LeadsError subclasses with messages a rep or manager understands."""

"""``make chaos``: the delivery guarantees under faults, on the whole platform (see ``__main__``)."""

"""Organisation: the location tree, virtual locations, distances between sites."""

"""URL patterns, one module per audience, each its own namespace."""

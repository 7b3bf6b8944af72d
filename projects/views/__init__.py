"""Views, one module per audience (see DEVELOPERS.md)."""

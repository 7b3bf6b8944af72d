"""Views, one module per audience (see DEVELOPERS.md): organizations (registration and the organization's own page), holidays (officers keep the official holiday schedule)."""

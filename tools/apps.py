from django.apps import AppConfig


class ToolsConfig(AppConfig):
    # Operators' tools, not domain code: the demo and scale-data generators, backup and restore.
    name = "tools"
    verbose_name = "tools"

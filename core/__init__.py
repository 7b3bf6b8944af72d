"""What every app shares and that imports no app: money, the Shanghai calendar, errors, escaping,
charts, pagination, the admin base and the declarative state-machine engine."""

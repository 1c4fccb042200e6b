"""The desktop app: widgets, dialogs, item models and background tasks over the core."""

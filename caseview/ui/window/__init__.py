"""The review window and the start screen, with their menus, docks and information bar."""

"""The web shell: base layout, navigation, shared UI components, static files, translations."""

"""The review panel: framework-generated forms, evidence, completeness, undo and history."""

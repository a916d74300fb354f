"""Reports for a :class:`~retold.types.Comparison`: JSON (the contract), terminal text, HTML, PAN XML."""

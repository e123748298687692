"""HTTP beside the Reflex app: the JSON read API (/api/v1) and the Jobs CSV download."""

"""The service layer: every rule of the product, with no knowledge of Reflex."""

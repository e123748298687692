"""ERP Integrations — Jobs: approve construction projects for QuickBooks Desktop."""

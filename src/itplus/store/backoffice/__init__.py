"""Back-office building blocks shared by the store's apps (lists, CSV export)."""

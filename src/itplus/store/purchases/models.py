"""Suppliers, purchase orders, goods receipts and supplier invoices."""

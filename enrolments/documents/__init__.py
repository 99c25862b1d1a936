"""PDF documents rendered from HTML templates: invoices, credit notes, training contracts."""

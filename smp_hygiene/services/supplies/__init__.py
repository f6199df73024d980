"""What the clinic stocks: its catalogue of products and the lots it receives by barcode."""

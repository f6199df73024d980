"""Pure parsing of what a scanner reports: GS1 (through biip), HIBC LIC and our own labels.

Imports no database and no Flask, so a label printer or a test can read barcodes with nothing else.
"""

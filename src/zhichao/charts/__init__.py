"""Charts drawn on the server as inline SVG, for the console's pages and for documents rendered as PDF.

Imports only the standard library and MarkupSafe, so that every layer that draws (web pages, document
adapters) may use it: ``svg.py`` (line and bar charts, ticks), ``bars.py`` (horizontal bars, a stylesheet
embedded for documents).
"""

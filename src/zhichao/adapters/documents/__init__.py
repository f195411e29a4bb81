"""Case documents as files: ``pdf.render_pdf`` (Jinja2 HTML templates the bureau may override → WeasyPrint PDF).

``pdf`` imports WeasyPrint (and with it Pango) on first import, so import it where a document is made.
"""

"""What people print and file: review reports (Markdown, Word, PDF, signed) and the history as a workbook."""

"""Reports at the composition level: register books, overdue lists and exchange reports rendered
from the web templates to HTML, PDF (WeasyPrint), XLSX (openpyxl) and CSV, and the monthly and
quarterly report drafted as an outgoing document for the leader to sign."""

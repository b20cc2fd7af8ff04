"""After the day: the presentation record, the report and certificates."""

"""Files in and out: the upload gate, readers, column mapping, validation, import, export, example files."""

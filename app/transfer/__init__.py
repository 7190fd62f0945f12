"""Import and export of the whole content as a zip (the authoring pages)."""

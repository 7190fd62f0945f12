"""The content workspace: authors list, edit, check, preview and save prompts and rubrics."""

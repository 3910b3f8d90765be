"""Migration scripts, oldest first. Write each one by hand; never generate the schema at run time."""

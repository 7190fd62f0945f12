"""The coverage view: the roles' responsibilities, and what in the library exercises them."""

"""The ``samplemind`` command line: thin commands over the library."""

"""Launch cockpit: is this launch healthy, and if not, what do I do?"""

__version__ = "0.1.0"

"""Click commands, one module per noun. Each stays thin: options in, one service call, render out.

Modules here import only click and light modules at import time, so `leads --help` starts fast;
Scrapy, Alembic, openpyxl and the matcher load inside the commands that need them.
"""

"""Scrapy spiders: one module per public source; each turns responses into ClosureNotice items."""

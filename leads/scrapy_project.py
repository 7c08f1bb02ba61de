"""Scrapy's project settings module, named by scrapy.cfg: what `scrapy crawl` and Scrapyd run with.

The same settings `leads crawl` uses; the database comes from LEADS_DATABASE_URL (the environment
variable, or `-s LEADS_DATABASE_URL=...` / Scrapyd's `setting=`, which win over it).
"""

import os

from leads.config import ENV_DATABASE_URL
from leads.scrapy_settings import crawl_settings

globals().update(crawl_settings())

if os.environ.get(ENV_DATABASE_URL):
    LEADS_DATABASE_URL = os.environ[ENV_DATABASE_URL]

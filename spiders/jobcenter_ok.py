"""Oklahoma WARN notices: Oklahoma Office of Workforce Development, America's Job Center site okjobmatch.com.

One state on the shared Job Center platform: crawl and parsing live in spiders/jobcenter.py.
Oklahoma left this platform in September 2025 (warn-scraper issue #724) and okjobmatch.com was
reported answering 404 since, so expect a live crawl to fail loudly. Kept because its saved pages
are the fixtures for the platform, and for re-parsing saved files.
"""

from spiders.jobcenter import JobCenterSpider


class JobCenterOklahomaSpider(JobCenterSpider):
    name = "jobcenter_ok"
    region = "Oklahoma"
    verified_on = "agency pages 2024-03-23 (search and detail pages)"
    state = "OK"
    base_host = "okjobmatch.com"
    agency_url = "https://okjobmatch.com/search/warn_lookups/new"

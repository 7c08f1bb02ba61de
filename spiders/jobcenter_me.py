"""Maine WARN notices: Maine Department of Labor, America's Job Center site joblink.maine.gov.

One state on the shared Job Center platform: crawl and parsing live in spiders/jobcenter.py.
"""

from spiders.jobcenter import JobCenterSpider


class JobCenterMaineSpider(JobCenterSpider):
    name = "jobcenter_me"
    region = "Maine"
    verified_on = "platform pages 2024-03-23 (Oklahoma's site; no page of this state saved)"
    state = "ME"
    base_host = "joblink.maine.gov"
    agency_url = "https://joblink.maine.gov/search/warn_lookups/new"

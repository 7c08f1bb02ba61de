"""Delaware WARN notices: Delaware Department of Labor, America's Job Center site joblink.delaware.gov.

One state on the shared Job Center platform: crawl and parsing live in spiders/jobcenter.py.
"""

from spiders.jobcenter import JobCenterSpider


class JobCenterDelawareSpider(JobCenterSpider):
    name = "jobcenter_de"
    region = "Delaware"
    verified_on = "platform pages 2024-03-23 (Oklahoma's site; no page of this state saved)"
    state = "DE"
    base_host = "joblink.delaware.gov"
    agency_url = "https://joblink.delaware.gov/search/warn_lookups/new"

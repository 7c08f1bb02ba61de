"""Vermont WARN notices: Vermont Department of Labor, America's Job Center site www.vermontjoblink.com.

One state on the shared Job Center platform: crawl and parsing live in spiders/jobcenter.py.
"""

from spiders.jobcenter import JobCenterSpider


class JobCenterVermontSpider(JobCenterSpider):
    name = "jobcenter_vt"
    region = "Vermont"
    verified_on = "platform pages 2024-03-23 (Oklahoma's site; no page of this state saved)"
    state = "VT"
    base_host = "www.vermontjoblink.com"
    agency_url = "https://www.vermontjoblink.com/search/warn_lookups/new"
